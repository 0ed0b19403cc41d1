package dev.clustercache.sample;

import java.math.BigDecimal;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.QueryHint;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;
import org.hibernate.annotations.NaturalId;
import org.hibernate.annotations.NaturalIdCache;
import org.hibernate.jpa.HibernateHints;

/**
 * A product: a cached entity with a cached natural id ({@code sku}) and a version that every update of its price or
 * name increments. The two named queries are cacheable.
 */
@Entity
@Table(name = "product", indexes = {
		@Index(name = "product_category_idx", columnList = "category_id"),
		@Index(name = "product_price_idx", columnList = "price") })
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
@NaturalIdCache
@NamedQuery(name = Product.OF_CATEGORY,
		query = "select p from Product p where p.category.id = :categoryId order by p.id",
		hints = @QueryHint(name = HibernateHints.HINT_CACHEABLE, value = "true"))
@NamedQuery(name = Product.UNDER_PRICE,
		query = "select p from Product p where p.price < :maxPrice order by p.id",
		hints = @QueryHint(name = HibernateHints.HINT_CACHEABLE, value = "true"))
public class Product {

	/** Cacheable query: the products of a category, by id. Parameter {@code categoryId}. */
	public static final String OF_CATEGORY = "Product.ofCategory";
	/** Cacheable query: the products whose price is below {@code maxPrice}, by id. */
	public static final String UNDER_PRICE = "Product.underPrice";

	@Id
	@GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "product_seq")
	@SequenceGenerator(name = "product_seq", sequenceName = "product_seq", allocationSize = 50)
	private Long id;

	@NaturalId
	@Column(nullable = false, length = 40)
	private String sku;

	@Column(nullable = false, length = 200)
	private String name;

	@Column(nullable = false, precision = 10, scale = 2)
	private BigDecimal price;

	@ManyToOne(fetch = FetchType.LAZY, optional = false)
	@JoinColumn(name = "category_id", nullable = false)
	private Category category;

	@Version
	private long version;

	protected Product() {
	}

	public Product(String sku, String name, BigDecimal price, Category category) {
		this.sku = sku;
		this.name = name;
		this.price = price;
		this.category = category;
	}

	public Long getId() {
		return id;
	}

	public String getSku() {
		return sku;
	}

	public String getName() {
		return name;
	}

	public void setName(String name) {
		this.name = name;
	}

	public BigDecimal getPrice() {
		return price;
	}

	public void setPrice(BigDecimal price) {
		this.price = price;
	}

	public Category getCategory() {
		return category;
	}

	public long getVersion() {
		return version;
	}
}
