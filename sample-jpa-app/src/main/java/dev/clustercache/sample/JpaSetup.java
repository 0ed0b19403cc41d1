package dev.clustercache.sample;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;

/** Creates the persistence unit of {@code META-INF/persistence.xml} for a database and a cache configuration. */
final class JpaSetup {

	static final String PERSISTENCE_UNIT = "clustercache-sample";

	private JpaSetup() {
	}

	/** For a node: the schema must already exist; Hibernate does not touch it. */
	static EntityManagerFactory forNode(DatabaseConfig db, CacheConfig cache) {
		Map<String, Object> p = new LinkedHashMap<>(db.jpaProperties());
		p.put("jakarta.persistence.schema-generation.database.action", "none");
		p.putAll(cache.jpaProperties());
		return Persistence.createEntityManagerFactory(PERSISTENCE_UNIT, p);
	}

	/** For seeding: drops and creates the sample's tables; no cache. */
	static EntityManagerFactory forSeeding(DatabaseConfig db) {
		Map<String, Object> p = new LinkedHashMap<>(db.jpaProperties());
		p.put("jakarta.persistence.schema-generation.database.action", "drop-and-create");
		p.putAll(CacheConfig.disabled().jpaProperties());
		p.put("hibernate.generate_statistics", "false");
		return Persistence.createEntityManagerFactory(PERSISTENCE_UNIT, p);
	}
}
