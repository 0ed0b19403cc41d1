package dev.clustercache.sample;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityNotFoundException;
import jakarta.persistence.EntityTransaction;

import org.hibernate.FlushMode;
import org.hibernate.KeyType;
import org.hibernate.ObjectNotFoundException;
import org.hibernate.Session;

/**
 * The application's operations, one transaction each, returning JSON-ready maps. Reads go through the second-level
 * cache where it is on: by id (entity region), by SKU (natural-id region), a category's products (collection region)
 * and the two cacheable queries (query region).
 */
final class CatalogService {

	/** Attempts of a request whose cached collection named a product deleted meanwhile (see inTransaction). */
	private static final int ATTEMPTS = 3;

	private final EntityManagerFactory emf;

	CatalogService(EntityManagerFactory emf) {
		this.emf = emf;
	}

	Map<String, Object> product(long id) {
		return read(em -> {
			Product p = em.find(Product.class, id);
			if (p == null) {
				throw HttpError.notFound("No product with id " + id + ".");
			}
			return toJson(p);
		});
	}

	Map<String, Object> productBySku(String sku) {
		return read(em -> {
			Product p = em.find(Product.class, sku, KeyType.NATURAL);
			if (p == null) {
				throw HttpError.notFound("No product with SKU '" + sku + "'.");
			}
			return toJson(p);
		});
	}

	/** Reads the category's cached collection of products. */
	Map<String, Object> categoryProducts(long categoryId) {
		return read(em -> {
			Category c = em.find(Category.class, categoryId);
			if (c == null) {
				throw HttpError.notFound("No category with id " + categoryId + ".");
			}
			Map<String, Object> json = new LinkedHashMap<>();
			json.put("categoryId", categoryId);
			json.put("products", toJson(c.getProducts()));
			return json;
		});
	}

	Map<String, Object> productsOfCategory(long categoryId) {
		return read(em -> {
			List<Product> list = em.createNamedQuery(Product.OF_CATEGORY, Product.class)
					.setParameter("categoryId", categoryId)
					.getResultList();
			Map<String, Object> json = new LinkedHashMap<>();
			json.put("categoryId", categoryId);
			json.put("products", toJson(list));
			return json;
		});
	}

	Map<String, Object> productsUnderPrice(BigDecimal maxPrice) {
		return read(em -> {
			List<Product> list = em.createNamedQuery(Product.UNDER_PRICE, Product.class)
					.setParameter("maxPrice", maxPrice)
					.getResultList();
			Map<String, Object> json = new LinkedHashMap<>();
			json.put("maxPrice", maxPrice);
			json.put("products", toJson(list));
			return json;
		});
	}

	/** Changes the price and/or the name; the response carries the committed version. */
	Map<String, Object> update(long id, BigDecimal price, String name) {
		if (price == null && name == null) {
			throw HttpError.badRequest("Nothing to update: give 'price', 'name' or both.");
		}
		checkPrice(price);
		return inTransaction(em -> {
			Product p = em.find(Product.class, id);
			if (p == null) {
				throw HttpError.notFound("No product with id " + id + ".");
			}
			if (price != null) {
				p.setPrice(price);
			}
			if (name != null) {
				p.setName(name);
			}
			em.flush(); // increments the version now, so that the response shows the version this commit writes
			return toJson(p);
		});
	}

	/** Inserts a product and adds it to its category's collection, which invalidates the cached collection. */
	Map<String, Object> insert(String sku, String name, BigDecimal price, long categoryId) {
		if (sku == null || sku.isBlank() || name == null || price == null) {
			throw HttpError.badRequest("A new product needs 'sku', 'name', 'price' and 'categoryId'.");
		}
		checkPrice(price);
		return inTransaction(em -> {
			Category c = em.find(Category.class, categoryId);
			if (c == null) {
				throw HttpError.badRequest("No category with id " + categoryId + ".");
			}
			Product p = new Product(sku, name, price, c);
			em.persist(p);
			c.getProducts().add(p);
			em.flush();
			return toJson(p);
		});
	}

	/** Deletes a product and removes it from its category's collection. */
	Map<String, Object> delete(long id) {
		return inTransaction(em -> {
			Product p = em.find(Product.class, id);
			if (p == null) {
				throw HttpError.notFound("No product with id " + id + ".");
			}
			Map<String, Object> json = toJson(p);
			p.getCategory().getProducts().remove(p);
			em.remove(p);
			em.flush();
			json.put("deleted", true);
			return json;
		});
	}

	/** Ids, SKUs and categories of all products, read with a plain (uncached) query; for load generators. */
	Map<String, Object> catalog() {
		return read(em -> {
			List<Object[]> rows = em.createQuery("select p.id, p.sku, p.category.id from Product p order by p.id",
					Object[].class).getResultList();
			List<Long> categories = em.createQuery("select c.id from Category c order by c.id", Long.class)
					.getResultList();
			List<Object> products = new ArrayList<>(rows.size());
			for (Object[] row : rows) {
				Map<String, Object> p = new LinkedHashMap<>();
				p.put("id", row[0]);
				p.put("sku", row[1]);
				p.put("categoryId", row[2]);
				products.add(p);
			}
			Map<String, Object> json = new LinkedHashMap<>();
			json.put("categories", categories);
			json.put("products", products);
			return json;
		});
	}

	private static void checkPrice(BigDecimal price) {
		if (price != null && (price.signum() <= 0 || price.scale() > 2 || price.precision() - price.scale() > 8)) {
			throw HttpError.badRequest("Invalid price " + price.toPlainString()
					+ ": expected a positive amount with at most 2 decimals, such as 12.50.");
		}
	}

	/**
	 * A read-only transaction: loaded entities are neither snapshotted nor dirty-checked, and nothing is flushed at
	 * commit. A listing loads a hundred products, so this matters.
	 */
	private <T> T read(Function<EntityManager, T> work) {
		return inTransaction(em -> {
			Session session = em.unwrap(Session.class);
			session.setDefaultReadOnly(true);
			session.setHibernateFlushMode(FlushMode.MANUAL);
			return work.apply(em);
		});
	}

	/**
	 * Runs {@code work} in a transaction of its own, again (at most {@value #ATTEMPTS} times in all) when Hibernate finds
	 * that an element of a cached collection no longer exists. Hibernate reads a cached collection (the ids of its
	 * elements) and then each element on its own, so a product deleted between the two reads fails the request with
	 * {@link EntityNotFoundException}, whichever second-level cache is used (the cache was right when it was read; the
	 * delete's write window opens only at its flush). A second attempt reads the collection after the delete's window
	 * opened, from the database. The gap between the two reads is widest where elements are fetched from other nodes
	 * (ClusterCache's {@code distributed} mode); nothing was written when the exception is thrown, so trying again is
	 * safe for writes too.
	 */
	private <T> T inTransaction(Function<EntityManager, T> work) {
		for (int attempt = 1; ; attempt++) {
			try {
				return inTransactionOnce(work);
			}
			catch (EntityNotFoundException | ObjectNotFoundException e) {
				if (attempt == ATTEMPTS) {
					throw e;
				}
			}
		}
	}

	private <T> T inTransactionOnce(Function<EntityManager, T> work) {
		EntityManager em = emf.createEntityManager();
		EntityTransaction tx = em.getTransaction();
		try {
			tx.begin();
			T result = work.apply(em);
			tx.commit();
			return result;
		}
		finally {
			if (tx.isActive()) {
				tx.rollback();
			}
			em.close();
		}
	}

	private static List<Object> toJson(List<Product> products) {
		List<Object> list = new ArrayList<>(products.size());
		for (Product p : products) {
			list.add(toJson(p));
		}
		return list;
	}

	static Map<String, Object> toJson(Product p) {
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("id", p.getId());
		json.put("sku", p.getSku());
		json.put("name", p.getName());
		json.put("price", p.getPrice());
		json.put("categoryId", p.getCategory().getId());
		json.put("version", p.getVersion());
		return json;
	}
}
