package dev.clustercache.sample;

import java.util.ArrayList;
import java.util.List;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;

import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;

/**
 * A product category. The entity is cached, and so is its one-to-many collection of products: listing a category
 * reads the collection region (the products' ids) and then the product entity region.
 */
@Entity
@Table(name = "category")
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
public class Category {

	@Id
	private Long id;

	@Column(nullable = false, length = 100)
	private String name;

	/**
	 * The inverse side of {@link Product#getCategory()}. Code that adds or removes a product also updates this list,
	 * so that Hibernate invalidates the cached collection.
	 */
	@OneToMany(mappedBy = "category")
	@OrderBy("id")
	@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
	private List<Product> products = new ArrayList<>();

	protected Category() {
	}

	public Category(Long id, String name) {
		this.id = id;
		this.name = name;
	}

	public Long getId() {
		return id;
	}

	public String getName() {
		return name;
	}

	public List<Product> getProducts() {
		return products;
	}
}
