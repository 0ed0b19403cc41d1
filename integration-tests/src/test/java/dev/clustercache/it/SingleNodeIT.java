package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.hibernate.stat.CacheRegionStatistics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One node in the default mode (invalidation, on the loopback stack): every region kind and access type through
 * Hibernate, with Hibernate's statistics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SingleNodeIT {

	private TestCluster cluster;
	private TestNode node;

	@BeforeAll
	void start() {
		cluster = TestCluster.start(SingleNodeIT.class, 1);
		node = cluster.node(0);
	}

	@AfterAll
	void stop() {
		if (cluster != null) {
			cluster.close();
		}
	}

	@Test
	void readWriteEntity_insertLoadHitUpdateDelete() {
		node.inTransaction(s -> s.persist(new Item(1L, "sku-1", "one", 1, null)));
		long hits = node.hits(Item.class.getName());
		assertThat(node.find(Item.class, 1L).name).isEqualTo("one");
		assertThat(node.hits(Item.class.getName())).as("cached on insert").isEqualTo(hits + 1);
		node.inTransaction(s -> s.find(Item.class, 1L).name = "uno");
		assertThat(node.find(Item.class, 1L).name).isEqualTo("uno");
		assertThat(node.hits(Item.class.getName())).as("the update found it in the cache, the read after it too").isEqualTo(hits + 3);
		node.inTransaction(s -> s.remove(s.find(Item.class, 1L)));
		assertThat(node.find(Item.class, 1L)).isNull();
		assertThat(node.sessionFactory().getCache().containsEntity(Item.class, 1L)).isFalse();
	}

	@Test
	void elementCountsAreReportedInStatistics() {
		node.inTransaction(s -> s.persist(new Item(2L, "sku-2", "two", 2, null)));
		node.find(Item.class, 2L);
		CacheRegionStatistics stats = node.statistics().getDomainDataRegionStatistics(Item.class.getName());
		assertThat(stats.getElementCountInMemory()).isPositive();
		assertThat(stats.getPutCount()).isPositive();
	}

	@Test
	void rollback_keepsTheCommittedState() {
		node.inTransaction(s -> s.persist(new Item(3L, "sku-3", "three", 3, null)));
		var session = node.sessionFactory().openSession();
		try {
			session.beginTransaction();
			session.find(Item.class, 3L).price = 300;
			session.flush();
			session.getTransaction().rollback();
		}
		finally {
			session.close();
		}
		assertThat(node.find(Item.class, 3L).price).isEqualTo(3);
	}

	@Test
	void naturalIdLookup_isServedFromTheCache() {
		node.inTransaction(s -> s.persist(new Item(4L, "sku-4", "four", 4, null)));
		node.fromTransaction(s -> s.bySimpleNaturalId(Item.class).load("sku-4"));
		long hits = node.statistics().getNaturalIdCacheHitCount();
		Item item = node.fromTransaction(s -> s.bySimpleNaturalId(Item.class).load("sku-4"));
		assertThat(item.id).isEqualTo(4L);
		assertThat(node.statistics().getNaturalIdCacheHitCount()).isEqualTo(hits + 1);
	}

	@Test
	void collection_isCachedAndInvalidatedByAChange() {
		node.inTransaction(s -> {
			Category c = new Category(5L, "five");
			s.persist(c);
			s.persist(new Item(50L, "sku-50", "fifty", 50, c));
		});
		assertThat(itemIds(5L)).containsExactly(50L);
		long hits = node.hits(Category.class.getName() + ".items");
		assertThat(itemIds(5L)).containsExactly(50L);
		assertThat(node.hits(Category.class.getName() + ".items")).isEqualTo(hits + 1);
		node.inTransaction(s -> {
			Category c = s.find(Category.class, 5L);
			Item i = new Item(51L, "sku-51", "fifty-one", 51, c);
			s.persist(i);
			c.items.add(i);
		});
		assertThat(itemIds(5L)).containsExactly(50L, 51L);
	}

	private List<Long> itemIds(long category) {
		return node.fromTransaction(s -> s.find(Category.class, category).items.stream().map(i -> i.id).toList());
	}

	@Test
	void cacheableQuery_hitsOnRerun_andIsInvalidatedByAnUpdateOfItsTable() {
		node.inTransaction(s -> s.persist(new Item(6L, "sku-6", "six", 6, null)));
		assertThat(cheap()).contains(6);
		// a result is cacheable once its transaction started after the last update of its tables (plus the clock
		// skew allowance, 1 ms here): re-run until the re-run hits
		cluster.await("the re-run of the query hits the cache", java.time.Duration.ofSeconds(5), () -> {
			long hits = node.queryHits();
			return cheap().contains(6) && node.queryHits() == hits + 1;
		});
		node.inTransaction(s -> s.find(Item.class, 6L).price = 7);
		assertThat(cheap()).contains(7).doesNotContain(6);
	}

	private List<Integer> cheap() {
		return node.fromTransaction(s -> s.createQuery("select i.price from Item i where i.price < 10 order by i.id",
				Integer.class).setCacheable(true).getResultList());
	}

	@Test
	void bulkHqlUpdate_evictsTheRegion() {
		node.inTransaction(s -> s.persist(new Item(7L, "sku-7", "seven", 70, null)));
		assertThat(node.find(Item.class, 7L).price).isEqualTo(70);
		node.inTransaction(s -> s.createMutationQuery("update Item set price = 71 where id = 7").executeUpdate());
		assertThat(node.find(Item.class, 7L).price).isEqualTo(71);
	}

	@Test
	void nonstrictReadWrite_versionedEntity_isCachedAndUpdated() {
		node.inTransaction(s -> s.persist(new Stock(8L, 1)));
		assertThat(node.find(Stock.class, 8L).quantity).isEqualTo(1);
		node.inTransaction(s -> s.find(Stock.class, 8L).quantity = 2);
		assertThat(node.find(Stock.class, 8L).quantity).isEqualTo(2);
		long hits = node.hits(Stock.class.getName());
		assertThat(node.find(Stock.class, 8L).quantity).isEqualTo(2);
		assertThat(node.hits(Stock.class.getName())).isEqualTo(hits + 1);
	}

	@Test
	void readOnlyEntity_isCached_andAnUpdateFailsClearly() {
		node.inTransaction(s -> s.persist(new Country("NL", "Netherlands")));
		assertThat(node.find(Country.class, "NL").name).isEqualTo("Netherlands");
		long hits = node.hits(Country.class.getName());
		assertThat(node.find(Country.class, "NL").name).isEqualTo("Netherlands");
		assertThat(node.hits(Country.class.getName())).isEqualTo(hits + 1);
		// @Immutable: Hibernate ignores the change; the read-only access is never asked to update
		node.inTransaction(s -> s.find(Country.class, "NL").name = "Holland");
		assertThat(node.find(Country.class, "NL").name).isEqualTo("Netherlands");
	}

	@Test
	void readOnlyAccess_refusesAnUpdateWithAClearMessage() {
		var persister = node.sessionFactory().getMappingMetamodel().getEntityDescriptor(Country.class);
		var access = persister.getCacheAccessStrategy();
		var session = (org.hibernate.engine.spi.SharedSessionContractImplementor) node.sessionFactory().openSession();
		try {
			assertThatThrownBy(() -> access.update(session, access.generateCacheKey("NL", persister,
					node.sessionFactory(), null), "x", null, null))
					.isInstanceOf(UnsupportedOperationException.class)
					.hasMessageContaining("Can't update read-only object")
					.hasMessageContaining("'" + Country.class.getName() + "'");
		}
		finally {
			session.close();
		}
	}
}
