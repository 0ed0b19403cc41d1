package dev.clustercache.bench;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;

/**
 * The benchmark's main entity: {@value BenchData#BOOKS} rows, each on one of {@value BenchData#SHELVES} shelves (10 a
 * shelf, for the cached query) and in the cached collection of its {@link Publisher} (5 a publisher).
 */
@Entity
@Table(name = "bench_book")
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
public class Book {
	@Id
	public Long id;

	public String title;

	public int price;

	public int shelf;

	@ManyToOne(fetch = FetchType.LAZY)
	public Publisher publisher;

	public Book() {
	}
}
