package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.hibernate.cache.spi.RegionFactory;
import org.junit.jupiter.api.Test;

import dev.clustercache.hibernate.ClusterCacheRegionFactory;

/**
 * Bad settings fail start with a message that names the key, the value and what is accepted. Hibernate reports a
 * failed start later as the cause of "Cache provider not started", so the message must stand on its own. Local mode
 * and failures before any channel opens: no network.
 */
class ConfigurationErrorsTest {

	private static Map<String, Object> settings(String... keyValues) {
		Map<String, Object> s = new HashMap<>();
		s.put("hibernate.connection.url", "jdbc:h2:mem:ConfigurationErrorsTest;DB_CLOSE_DELAY=-1");
		s.put("hibernate.connection.username", "sa");
		s.put("hibernate.hbm2ddl.auto", "create-drop");
		s.put("hibernate.cache.region.factory_class", "clustercache");
		s.put("hibernate.cache.use_second_level_cache", "true");
		s.put("hibernate.cache.use_query_cache", "true");
		s.put("hibernate.generate_statistics", "true");
		for (int i = 0; i < keyValues.length; i += 2) {
			s.put(keyValues[i], keyValues[i + 1]);
		}
		return s;
	}

	/** Nonstrict-read-write without a version: ClusterCache refuses it. */
	@jakarta.persistence.Entity
	@jakarta.persistence.Cacheable
	@org.hibernate.annotations.Cache(usage = org.hibernate.annotations.CacheConcurrencyStrategy.NONSTRICT_READ_WRITE)
	public static class Unversioned {
		@jakarta.persistence.Id
		public Long id;
	}

	private static Throwable rootOfStartFailure(Map<String, Object> settings, Class<?>... model) {
		Throwable thrown = null;
		try (TestNode node = TestNode.start("A", settings, model.length == 0 ? TestNode.MODEL : model)) {
			// started: no failure
		}
		catch (RuntimeException e) {
			thrown = e;
		}
		assertThat(thrown).as("start fails").isNotNull();
		Throwable t = thrown;
		while (t.getCause() != null) {
			t = t.getCause();
		}
		return t;
	}

	@Test
	void unknownMode_failsStart_listingTheAcceptedValues() {
		assertThat(rootOfStartFailure(settings("hibernate.cache.clustercache.mode", "sticky")))
				.hasMessage("Invalid value for 'hibernate.cache.clustercache.mode': 'sticky'. Expected one of "
						+ "'invalidation', 'local', 'replicated', 'distributed'.");
	}

	@Test
	void unknownStack_failsStart_listingTheShippedStacks() {
		assertThat(rootOfStartFailure(settings("hibernate.cache.clustercache.jgroups.stack", "carrier-pigeon")))
				.hasMessageContaining("'carrier-pigeon'")
				.hasMessageContaining("'hibernate.cache.clustercache.jgroups.stack'")
				.hasMessageContaining("'localhost'")
				.hasMessageContaining("'tcp'");
	}

	@Test
	void negativeSize_failsStart_namingTheKey() {
		assertThat(rootOfStartFailure(settings("hibernate.cache.clustercache.entity.max_entries", "-5")))
				.hasMessage("Invalid value for 'hibernate.cache.clustercache.entity.max_entries': '-5'. Expected a "
						+ "whole number greater than zero such as '10000'.");
	}

	@Test
	void malformedDuration_failsStart_withAnExample() {
		assertThat(rootOfStartFailure(settings("hibernate.cache.clustercache.lock_timeout", "abc")))
				.hasMessage("Invalid value for 'hibernate.cache.clustercache.lock_timeout': 'abc'. Expected a "
						+ "duration such as '15s' or 'PT15S'.");
	}

	@Test
	void strictPartitionHandling_failsStart_untilItIsSupported() {
		assertThat(rootOfStartFailure(settings("hibernate.cache.clustercache.partition_handling", "strict")))
				.hasMessageContaining("'hibernate.cache.clustercache.partition_handling': 'strict'")
				.hasMessageContaining("does not support strict partition handling yet");
	}

	@Test
	void replicatedMode_withAGivenCacheManager_failsStart() {
		org.infinispan.manager.DefaultCacheManager given = new org.infinispan.manager.DefaultCacheManager();
		try {
			Map<String, Object> s = settings("hibernate.cache.clustercache.mode", "replicated");
			s.put("hibernate.cache.clustercache.cache_manager", given);
			assertThat(rootOfStartFailure(s)).hasMessage("The cache manager given in "
					+ "'hibernate.cache.clustercache.cache_manager' cannot hold replicated or distributed regions: their "
					+ "entries travel between nodes through ClusterCache's allow-list marshaller, which only a cache "
					+ "manager that ClusterCache builds has. Remove 'hibernate.cache.clustercache.cache_manager', or use "
					+ "the 'invalidation' mode.");
		}
		finally {
			given.stop();
		}
	}

	@Test
	void distributedCacheWithEviction_inTheUsersXml_failsStart() {
		assertThat(rootOfStartFailure(clusteredWithXml("grid-with-eviction.xml"))).hasMessage("The cache '"
				+ Item.class.getName() + "' in 'grid-with-eviction.xml' is a distributed cache with eviction (memory max-count or max-size). "
				+ "ClusterCache keeps the write windows of a distributed region in its entries, and an evicted window "
				+ "would let a stale load in. Remove the memory bounds and bound the region with expiration "
				+ "(lifespan, max-idle).");
	}

	@Test
	void distributedCacheWithInfinispansL1_inTheUsersXml_failsStart() {
		assertThat(rootOfStartFailure(clusteredWithXml("grid-with-l1.xml"))).hasMessage("The cache '"
				+ Item.class.getName() + "' in 'grid-with-l1.xml' enables Infinispan's L1. Its near copies can outlive a write: a node's registration for "
				+ "invalidation can be lost when it reads a key while another node writes it (measured: a non-owner "
				+ "served a row 4 commits old). Remove the l1-lifespan attribute and set "
				+ "'hibernate.cache.clustercache.distributed.l1=true': ClusterCache then keeps a near cache of its own "
				+ "that every write invalidates before its commit.");
	}

	/** A clustered node on a free loopback port whose caches come from the user's Infinispan XML {@code xml}. */
	private static Map<String, Object> clusteredWithXml(String xml) {
		return settings("hibernate.cache.clustercache.config", xml,
				"hibernate.cache.clustercache.jgroups.bind_port", String.valueOf(TestCluster.freePorts(1).get(0)),
				"hibernate.cache.clustercache.jgroups.port_range", "0");
	}

	@Test
	void nonstrictOnAnUnversionedEntity_failsStart() {
		Throwable root = rootOfStartFailure(settings("hibernate.cache.clustercache.mode", "local"),
				Unversioned.class);
		assertThat(root).hasMessage("Entity '" + Unversioned.class.getName() + "' in region '"
				+ Unversioned.class.getName() + "' uses NONSTRICT_READ_WRITE but has no @Version: ClusterCache "
				+ "replaces cached entries only by newer versions in that strategy. Add a @Version attribute, or "
				+ "use READ_WRITE.");
	}

	@Test
	void theShortNameAndTheClassName_bothSelectClusterCache() {
		for (String name : new String[] {"clustercache", ClusterCacheRegionFactory.class.getName()}) {
			try (TestNode node = TestNode.start("A", settings("hibernate.cache.region.factory_class", name,
					"hibernate.cache.clustercache.mode", "local"))) {
				assertThat(node.sessionFactory().getServiceRegistry().getService(RegionFactory.class))
						.isInstanceOf(ClusterCacheRegionFactory.class);
			}
		}
	}

	@Test
	void withoutFactoryClass_clusterCacheIsPicked_asTheOnlyRegionFactoryOnTheClasspath() {
		Map<String, Object> s = settings("hibernate.cache.clustercache.mode", "local");
		s.remove("hibernate.cache.region.factory_class");
		try (TestNode node = TestNode.start("A", s)) {
			assertThat(node.sessionFactory().getServiceRegistry().getService(RegionFactory.class))
					.isInstanceOf(ClusterCacheRegionFactory.class);
		}
	}

	@Test
	void localMode_cachesWithoutAnyCluster() {
		try (TestNode node = TestNode.start("A", settings("hibernate.cache.clustercache.mode", "local"))) {
			node.inTransaction(s -> s.persist(new Item(1L, "sku-1", "one", 1, null)));
			assertThat(node.find(Item.class, 1L).price).isEqualTo(1);
			assertThat(node.hits(Item.class.getName())).isPositive();
			assertThat(node.regionFactory().getClusterMembers()).hasSize(1);
		}
	}

	@Test
	void anInvalidationTimeoutShorterThanFailureDetection_failsStart() {
		Map<String, Object> s = settings("hibernate.cache.clustercache.invalidation_timeout", "5s",
				"hibernate.cache.clustercache.jgroups.bind_port", String.valueOf(TestCluster.freePorts(1).get(0)),
				"hibernate.cache.clustercache.jgroups.port_range", "0");
		assertThat(rootOfStartFailure(s))
				.hasMessageStartingWith("Invalid value for 'hibernate.cache.clustercache.invalidation_timeout': "
						+ "'5000ms'. A write waits for a member that does not answer until failure detection "
						+ "excludes it, which takes up to 7000 ms");
	}
}
