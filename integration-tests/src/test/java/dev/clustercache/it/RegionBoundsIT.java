package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The bounds of a region's cache on a real node: at most {@code max_entries} entries, and entries dropped after
 * {@code lifespan} and after {@code max_idle} without reads.
 */
class RegionBoundsIT {

	private static final String ITEMS = InvalidationClusterIT.ITEMS;

	private static void insert(TestNode node, long from, long to) {
		node.inTransaction(s -> {
			for (long id = from; id <= to; id++) {
				s.persist(new Item(id, "sku-" + id, "item " + id, 1, null));
			}
		});
	}

	/** One node whose entity regions have this one setting (under {@code hibernate.cache.clustercache.entity.}). */
	private static TestCluster nodeWith(String entitySetting, String value) {
		return TestCluster.start(RegionBoundsIT.class, 1,
				Map.of("hibernate.cache.clustercache.entity." + entitySetting, value));
	}

	private static long cachedItems(TestNode node) {
		return node.regionFactory().statistics().region(ITEMS).orElseThrow().size();
	}

	@Test
	void aRegion_holdsNoMoreThanMaxEntries_andKeepsServingHits() {
		try (TestCluster cluster = nodeWith("max_entries", "5")) {
			TestNode node = cluster.node(0);
			insert(node, 1, 40);
			for (long id = 1; id <= 40; id++) {
				node.find(Item.class, id);
			}
			assertThat(cachedItems(node)).isBetween(1L, 5L);

			node.loadIntoCache(Item.class, 40L);
			long hits = node.hits(ITEMS);
			assertThat(node.find(Item.class, 40L).price).isEqualTo(1);
			assertThat(node.hits(ITEMS)).isEqualTo(hits + 1);
		}
	}

	@Test
	void anEntry_isDroppedAfterItsLifespan() {
		try (TestCluster cluster = nodeWith("lifespan", "300ms")) {
			TestNode node = cluster.node(0);
			insert(node, 1, 1);
			node.loadIntoCache(Item.class, 1L);
			cluster.await("the entry's lifespan runs out", Duration.ofSeconds(10),
					() -> !node.sessionFactory().getCache().containsEntity(Item.class, 1L));
			long misses = node.statistics().getDomainDataRegionStatistics(ITEMS).getMissCount();
			assertThat(node.find(Item.class, 1L).price).isEqualTo(1);
			assertThat(node.statistics().getDomainDataRegionStatistics(ITEMS).getMissCount()).isEqualTo(misses + 1);
		}
	}

	@Test
	void anEntryReadOften_outlivesMaxIdle_andOneNotRead_isDropped() throws Exception {
		try (TestCluster cluster = nodeWith("max_idle", "2s")) {
			TestNode node = cluster.node(0);
			insert(node, 1, 2);
			node.loadIntoCache(Item.class, 1L);
			node.loadIntoCache(Item.class, 2L);
			// read entry 1 every 200 ms for 4.5 s: each read resets its idle time; entry 2 is never read
			assertThat(node.readItemRepeatedly(1L, Duration.ofMillis(4500))).as("reads of entry 1 that missed")
					.isZero();
			assertThat(node.sessionFactory().getCache().containsEntity(Item.class, 2L)).isFalse();
		}
	}
}
