package dev.clustercache.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.persistence.EntityManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The application's operations on an embedded in-memory H2 database, second-level cache off; no network. */
class CatalogServiceTest {

	private static EntityManagerFactory emf;
	private static CatalogService catalog;

	@BeforeAll
	static void seed() {
		Main.quietHibernate();
		DatabaseConfig db = DatabaseConfig.of("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
		Seeder.seed(db, 3, 30);
		db.checkSchema();
		emf = JpaSetup.forNode(db, CacheConfig.disabled());
		catalog = new CatalogService(emf);
	}

	@AfterAll
	static void close() {
		emf.close();
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> products(Map<String, Object> listing) {
		return (List<Map<String, Object>>) listing.get("products");
	}

	@Test
	void seed_spreadsProductsOverCategories() {
		assertThat(products(catalog.categoryProducts(1))).hasSize(10);
		assertThat(catalog.productBySku("SKU-00004")).containsEntry("categoryId", 1L).containsEntry("version", 0L);
		assertThat(products(catalog.catalog())).hasSize(30);
	}

	@Test
	void update_answersTheCommittedVersion() {
		long id = (Long) catalog.productBySku("SKU-00002").get("id");

		Map<String, Object> first = catalog.update(id, new BigDecimal("3.50"), null);
		Map<String, Object> second = catalog.update(id, null, "Renamed");

		assertThat((long) second.get("version")).isEqualTo((long) first.get("version") + 1);
		assertThat(catalog.product(id)).containsEntry("version", second.get("version"))
				.containsEntry("name", "Renamed");
		assertThat(products(catalog.productsUnderPrice(new BigDecimal("3.51"))))
				.anySatisfy(p -> assertThat(p).containsEntry("id", id));
	}

	@Test
	void insertAndDelete_keepTheCategoryListingInStep() {
		Map<String, Object> created = catalog.insert("NEW-1", "New", new BigDecimal("1.00"), 3);
		long id = (Long) created.get("id");

		assertThat(products(catalog.categoryProducts(3))).anySatisfy(p -> assertThat(p).containsEntry("id", id));
		assertThat(products(catalog.productsOfCategory(3))).anySatisfy(p -> assertThat(p).containsEntry("id", id));

		catalog.delete(id);

		assertThat(products(catalog.categoryProducts(3))).noneSatisfy(p -> assertThat(p).containsEntry("id", id));
		assertThatThrownBy(() -> catalog.product(id)).isInstanceOf(HttpError.class)
				.hasMessage("No product with id " + id + ".");
	}

	@Test
	void badInput_isAnHttpError() {
		assertThatThrownBy(() -> catalog.update(1, null, null)).isInstanceOf(HttpError.class)
				.hasMessageContaining("Nothing to update");
		assertThatThrownBy(() -> catalog.update(1, new BigDecimal("1.234"), null))
				.hasMessageContaining("at most 2 decimals");
		assertThatThrownBy(() -> catalog.insert("X", "X", BigDecimal.ONE, 99))
				.hasMessage("No category with id 99.");
	}
}
