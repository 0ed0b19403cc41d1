package dev.clustercache.it;

import static dev.clustercache.it.InvalidationClusterIT.idBySku;
import static dev.clustercache.it.InvalidationClusterIT.itemsOf;
import static dev.clustercache.it.InvalidationClusterIT.priceOn;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.infinispan.Cache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Three nodes A, B, C with replicated or distributed regions (owners 2): whatever one node commits is never served
 * stale by any node, for entities, collections and natural ids; the other nodes read the new state from the grid, a
 * distributed region's non-owner included, without going to the database. Every test runs in each {@link Mode},
 * distributed with a near cache (L1) included.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GridClusterIT {

	static final String ITEMS = Item.class.getName();
	static final String ITEMS_OF_CATEGORY = Category.class.getName() + ".items";

	/** The two grid modes and their settings. */
	enum Mode {
		REPLICATED(Map.of("hibernate.cache.clustercache.mode", "replicated")),
		DISTRIBUTED(Map.of("hibernate.cache.clustercache.mode", "distributed",
				"hibernate.cache.clustercache.distributed.owners", "2")),
		/** Distributed with a near cache (L1) of entries owned elsewhere on each node. */
		DISTRIBUTED_L1(Map.of("hibernate.cache.clustercache.mode", "distributed",
				"hibernate.cache.clustercache.distributed.owners", "2",
				"hibernate.cache.clustercache.distributed.l1", "true"));

		final Map<String, Object> settings;

		Mode(Map<String, Object> settings) {
			this.settings = settings;
		}
	}

	private final Map<Mode, TestCluster> clusters = new EnumMap<>(Mode.class);
	private final AtomicLong ids = new AtomicLong(1000);

	private TestCluster cluster(Mode mode) {
		// JUnit runs each test method in every mode before the next method, so a cluster per mode stays up until the end
		// (an idle cluster costs only its heartbeats); starting one per test took three seconds each
		return clusters.computeIfAbsent(mode, m -> TestCluster.start(GridClusterIT.class, m.name(), 3, m.settings));
	}

	@AfterAll
	void stopClusters() {
		clusters.values().forEach(TestCluster::close);
	}

	private long newItem(TestNode node, int price) {
		long id = ids.incrementAndGet();
		node.inTransaction(s -> s.persist(new Item(id, "sku-" + id, "item " + id, price, null)));
		return id;
	}

	static Cache<Object, Object> regionCache(TestNode node, String region) {
		return node.regionFactory().getCacheManager().getCache(region);
	}

	/** The node that holds no copy of the item's entry (distributed), or any other node than A (replicated). */
	static TestNode nonOwner(TestCluster cluster, long id) {
		for (TestNode n : cluster.nodes()) {
			Cache<Object, Object> cache = regionCache(n, ITEMS);
			Object key = new Access(n).key(id);
			if (!cache.getAdvancedCache().getDistributionManager().getCacheTopology().isReadOwner(key)) {
				return n;
			}
		}
		return cluster.node(2);
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void commitOnA_isReadFromTheGridByEveryNode_withoutTheDatabase(Mode mode) {
		TestCluster cluster = cluster(mode);
		TestNode a = cluster.node(0);
		long id = newItem(a, 1);
		assertThat(a.sessionFactory().getCache().containsEntity(Item.class, id)).as("A cached its insert").isTrue();
		TestNode reader = nonOwner(cluster, id);
		long hits = reader.hits(ITEMS);
		long loads = reader.statistics().getEntityLoadCount();
		assertThat(priceOn(reader, id)).isEqualTo(1);
		assertThat(reader.hits(ITEMS)).as(reader.name() + " read from the grid").isEqualTo(hits + 1);
		assertThat(reader.statistics().getEntityLoadCount()).as("no database load").isEqualTo(loads);

		for (TestNode writer : cluster.nodes()) {
			int price = priceOn(writer, id) + 1;
			writer.inTransaction(s -> s.find(Item.class, id).price = price);
			for (TestNode n : cluster.nodes()) {
				assertThat(priceOn(n, id)).as(n.name() + " after " + writer.name() + "'s commit").isEqualTo(price);
			}
			long before = reader.hits(ITEMS);
			assertThat(priceOn(reader, id)).isEqualTo(price);
			assertThat(reader.hits(ITEMS)).as("the writer cached its committed state in the grid")
					.isEqualTo(before + 1);
		}
	}

	/**
	 * With {@code distributed.l1=true} a non-owner keeps a near copy of what it read from an owner and serves repeat
	 * reads from it without a remote call; a commit on another node drops that copy before the commit returns, so the
	 * non-owner's next read is the new state.
	 */
	@Test
	void distributedL1_nonOwnerServesRepeatReadsFromItsNearCopy_andACommitElsewhereDropsIt() {
		TestCluster cluster = cluster(Mode.DISTRIBUTED_L1);
		long id = newItem(cluster.node(0), 1);
		TestNode reader = nonOwner(cluster, id);
		Object key = new Access(reader).key(id);
		Cache<Object, Object> near = reader.regionFactory().getCacheManager().getCache(ITEMS + "#near");
		assertThat(regionCache(reader, ITEMS).getCacheConfiguration().clustering().l1().enabled())
				.as("ClusterCache's near cache, not Infinispan's L1").isFalse();
		assertThat(near.get(key)).as("no near copy before the first read").isNull();

		cluster.awaitWindowsEnded(reader);
		long loads = reader.statistics().getEntityLoadCount();
		assertThat(priceOn(reader, id)).isEqualTo(1);
		assertThat(near.get(key)).as("the first read from an owner left a near copy on " + reader.name()).isNotNull();
		long hits = reader.hits(ITEMS);
		assertThat(priceOn(reader, id)).isEqualTo(1);
		assertThat(reader.hits(ITEMS)).as("the repeat read is a hit").isEqualTo(hits + 1);
		assertThat(reader.statistics().getEntityLoadCount()).as("no database load").isEqualTo(loads);

		for (TestNode writer : cluster.nodes()) {
			if (writer == reader) {
				continue;
			}
			int price = priceOn(writer, id) + 1;
			writer.inTransaction(s -> s.find(Item.class, id).price = price);
			assertThat(near.get(key)).as(writer.name() + "'s commit dropped the near copy").isNull();
			assertThat(priceOn(reader, id)).as(reader.name() + " after " + writer.name() + "'s commit")
					.isEqualTo(price);
		}
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void deleteOnB_isNotServedByAnyNode(Mode mode) {
		TestCluster cluster = cluster(mode);
		long id = newItem(cluster.node(0), 1);
		assertThat(priceOn(cluster.node(2), id)).isEqualTo(1);
		cluster.node(1).inTransaction(s -> s.remove(s.find(Item.class, id)));
		for (TestNode n : cluster.nodes()) {
			assertThat(n.find(Item.class, id)).as(n.name()).isNull();
		}
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void rollbackOnA_leavesTheOldState_cachedAgainRightAfter(Mode mode) {
		TestCluster cluster = cluster(mode);
		TestNode a = cluster.node(0);
		TestNode b = cluster.node(1);
		long id = newItem(a, 1);
		a.sessionFactory().inSession(session -> {
			session.beginTransaction();
			session.find(Item.class, id).price = 99;
			session.flush(); // the write window opens at the owner
			session.getTransaction().rollback();
		});
		for (TestNode n : cluster.nodes()) {
			assertThat(priceOn(n, id)).as(n.name()).isEqualTo(1);
		}
		assertThat(b.loadIntoCache(Item.class, id).price).isEqualTo(1);
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void collectionChangeOnA_isNeverServedStale_andServedFromTheGrid(Mode mode) {
		TestCluster cluster = cluster(mode);
		TestNode a = cluster.node(0);
		TestNode b = cluster.node(1);
		long categoryId = ids.incrementAndGet();
		long first = ids.incrementAndGet();
		a.inTransaction(s -> {
			Category category = new Category(categoryId, "c" + categoryId);
			s.persist(category);
			s.persist(new Item(first, "sku-" + first, "first", 1, category));
		});
		assertThat(itemsOf(b, categoryId)).containsExactly(first);
		for (TestNode n : cluster.nodes()) {
			cluster.await(n.name() + " serves the collection from the grid", Duration.ofSeconds(5), () -> {
				long before = n.hits(ITEMS_OF_CATEGORY);
				return itemsOf(n, categoryId).equals(List.of(first)) && n.hits(ITEMS_OF_CATEGORY) > before;
			});
		}

		long second = ids.incrementAndGet();
		cluster.node(2).inTransaction(s -> {
			Category category = s.find(Category.class, categoryId);
			Item item = new Item(second, "sku-" + second, "second", 2, category);
			s.persist(item);
			category.items.add(item);
		});

		for (TestNode n : cluster.nodes()) {
			assertThat(itemsOf(n, categoryId)).as(n.name()).containsExactly(first, second);
		}
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void naturalIdChangeOnA_isNeverServedStale(Mode mode) {
		TestCluster cluster = cluster(mode);
		TestNode a = cluster.node(0);
		long id = newItem(a, 1);
		String oldSku = "sku-" + id;
		for (TestNode n : cluster.nodes()) {
			assertThat(idBySku(n, oldSku)).as(n.name()).isEqualTo(id);
		}
		long hits = cluster.node(1).statistics().getNaturalIdCacheHitCount();
		assertThat(idBySku(cluster.node(1), oldSku)).isEqualTo(id);
		assertThat(cluster.node(1).statistics().getNaturalIdCacheHitCount()).as("natural id from the grid")
				.isGreaterThan(hits);

		cluster.node(1).inTransaction(s -> s.find(Item.class, id).sku = "renamed-" + id);

		for (TestNode n : cluster.nodes()) {
			assertThat(idBySku(n, oldSku)).as(n.name()).isNull();
			assertThat(idBySku(n, "renamed-" + id)).as(n.name()).isEqualTo(id);
		}
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void nonstrictVersionedAndReadOnlyEntities_areNeverServedStale(Mode mode) {
		TestCluster cluster = cluster(mode);
		long id = ids.incrementAndGet();
		cluster.node(0).inTransaction(s -> s.persist(new Stock(id, 5)));
		for (TestNode n : cluster.nodes()) {
			assertThat(n.find(Stock.class, id).quantity).isEqualTo(5);
		}
		cluster.node(1).inTransaction(s -> s.find(Stock.class, id).quantity = 6);
		for (TestNode n : cluster.nodes()) {
			assertThat(n.find(Stock.class, id).quantity).as(n.name()).isEqualTo(6);
		}
		String code = "C" + id;
		cluster.node(0).inTransaction(s -> s.persist(new Country(code, "Country " + id)));
		for (TestNode n : cluster.nodes()) {
			assertThat(n.find(Country.class, code).name).isEqualTo("Country " + id);
		}
		cluster.node(2).inTransaction(s -> s.remove(s.find(Country.class, code)));
		for (TestNode n : cluster.nodes()) {
			assertThat(n.find(Country.class, code)).as(n.name()).isNull();
		}
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void bulkUpdateOnB_isNeverServedStale(Mode mode) {
		TestCluster cluster = cluster(mode);
		long id = newItem(cluster.node(0), 1);
		for (TestNode n : cluster.nodes()) {
			assertThat(priceOn(n, id)).isEqualTo(1);
		}
		cluster.node(1).inTransaction(s -> s.createMutationQuery("update Item set price = 3 where id = :id")
				.setParameter("id", id).executeUpdate());
		for (TestNode n : cluster.nodes()) {
			assertThat(priceOn(n, id)).as(n.name()).isEqualTo(3);
		}
		assertThat(cluster.node(2).loadIntoCache(Item.class, id).price).isEqualTo(3);
	}
}
