package dev.clustercache.sample;

import java.math.BigDecimal;
import java.util.List;
import java.util.Random;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

/**
 * Creates the sample's schema and its seed data: categories with ids 1..N and products with SKUs
 * {@code SKU-00001}, {@code SKU-00002}, ... spread over them, with prices from 1.00 to 99.99. Run it once, before the
 * nodes start: nodes never create the schema, so two of them cannot race to do it.
 */
final class Seeder {

	static final int DEFAULT_CATEGORIES = 10;
	static final int DEFAULT_PRODUCTS = 1000;

	private static final List<String> CATEGORY_NAMES = List.of("Books", "Garden", "Kitchen", "Music", "Outdoor",
			"Office", "Tools", "Toys", "Sports", "Travel");

	private Seeder() {
	}

	static String sku(int n) {
		return String.format("SKU-%05d", n);
	}

	/** Drops and creates the tables, then inserts the data; returns the number of products. */
	static int seed(DatabaseConfig db, int categories, int products) {
		if (categories < 1 || products < 0) {
			throw new SampleException("Invalid seed size: " + categories + " categories and " + products
					+ " products. Use at least 1 category and 0 or more products.");
		}
		db.checkReachable();
		EntityManagerFactory emf = JpaSetup.forSeeding(db);
		try {
			EntityManager em = emf.createEntityManager();
			try {
				em.getTransaction().begin();
				Category[] all = new Category[categories];
				for (int c = 0; c < categories; c++) {
					String name = c < CATEGORY_NAMES.size() ? CATEGORY_NAMES.get(c) : "Category " + (c + 1);
					all[c] = new Category((long) c + 1, name);
					em.persist(all[c]);
				}
				Random random = new Random(42);
				for (int n = 1; n <= products; n++) {
					BigDecimal price = BigDecimal.valueOf(100 + random.nextInt(9900), 2);
					em.persist(new Product(sku(n), "Product " + n, price, all[(n - 1) % categories]));
					if (n % 50 == 0) {
						em.flush();
						em.clear();
						for (int c = 0; c < categories; c++) {
							all[c] = em.getReference(Category.class, (long) c + 1);
						}
					}
				}
				em.getTransaction().commit();
			}
			finally {
				em.close();
			}
		}
		finally {
			emf.close();
		}
		return products;
	}
}
