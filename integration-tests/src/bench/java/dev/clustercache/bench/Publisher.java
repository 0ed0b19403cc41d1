package dev.clustercache.bench;

import java.util.ArrayList;
import java.util.List;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.Table;

import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;

/** An entity with a cached collection of {@value BenchData#BOOKS_PER_PUBLISHER} {@link Book}s. */
@Entity
@Table(name = "bench_publisher")
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
public class Publisher {
	@Id
	public Long id;

	public String name;

	@OneToMany(mappedBy = "publisher")
	@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
	public List<Book> books = new ArrayList<>();

	public Publisher() {
	}
}
