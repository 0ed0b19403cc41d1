package dev.clustercache.it;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;

import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;
import org.hibernate.annotations.NaturalId;
import org.hibernate.annotations.NaturalIdCache;

/** A read-write entity with a mutable natural id, in a cached collection of its {@link Category}. */
@Entity
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
@NaturalIdCache
public class Item {
	@Id
	public Long id;

	@NaturalId(mutable = true)
	public String sku;

	public String name;

	public int price;

	@ManyToOne(fetch = FetchType.LAZY)
	public Category category;

	public Item() {
	}

	public Item(Long id, String sku, String name, int price, Category category) {
		this.id = id;
		this.sku = sku;
		this.name = name;
		this.price = price;
		this.category = category;
	}
}
