package dev.clustercache.it;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Version;

import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;

/** A versioned entity cached nonstrict-read-write. */
@Entity
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.NONSTRICT_READ_WRITE)
public class Stock {
	@Id
	public Long id;

	public int quantity;

	@Version
	public long version;

	public Stock() {
	}

	public Stock(Long id, int quantity) {
		this.id = id;
		this.quantity = quantity;
	}
}
