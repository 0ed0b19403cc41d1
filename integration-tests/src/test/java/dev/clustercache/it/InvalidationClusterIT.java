package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three nodes A, B, C in one JVM on 127.0.0.1, one H2 database: whatever A commits is never served stale by B or C,
 * for entities, collections, natural ids and cached queries, and B and C cache the new state again afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InvalidationClusterIT {

	static final String ITEMS = Item.class.getName();
	static final String ITEMS_OF_CATEGORY = Category.class.getName() + ".items";

	private TestCluster cluster;
	private TestNode a;
	private TestNode b;
	private TestNode c;
	private final AtomicLong ids = new AtomicLong(1000);

	@BeforeAll
	void startCluster() {
		cluster = TestCluster.start(InvalidationClusterIT.class, 3);
		a = cluster.node(0);
		b = cluster.node(1);
		c = cluster.node(2);
	}

	@AfterAll
	void stopCluster() {
		if (cluster != null) {
			cluster.close();
		}
	}

	private long newItem(TestNode node, int price) {
		long id = ids.incrementAndGet();
		node.inTransaction(s -> s.persist(new Item(id, "sku-" + id, "item " + id, price, null)));
		return id;
	}

	static int priceOn(TestNode node, long id) {
		return node.fromTransaction(s -> s.find(Item.class, id).price);
	}

	@Test
	void updateOnA_isNeverServedStaleByBOrC_andBCachesTheNewStateAgain() {
		long id = newItem(a, 1);
		assertThat(b.loadIntoCache(Item.class, id).price).isEqualTo(1);
		assertThat(priceOn(c, id)).isEqualTo(1);
		long hitsBefore = b.hits(ITEMS);
		assertThat(priceOn(b, id)).isEqualTo(1);
		assertThat(b.hits(ITEMS)).as("B serves the entity from its cache").isEqualTo(hitsBefore + 1);

		a.inTransaction(s -> s.find(Item.class, id).price = 2);

		assertThat(priceOn(b, id)).isEqualTo(2);
		assertThat(priceOn(c, id)).isEqualTo(2);
		assertThat(b.loadIntoCache(Item.class, id).price).isEqualTo(2);
		long hitsAfter = b.hits(ITEMS);
		assertThat(priceOn(b, id)).isEqualTo(2);
		assertThat(b.hits(ITEMS)).as("B caches the committed state again").isEqualTo(hitsAfter + 1);
	}

	@Test
	void updateOnA_isCachedOnA_afterItsCommit() {
		long id = newItem(a, 1);
		a.inTransaction(s -> s.find(Item.class, id).price = 5);
		long hits = a.hits(ITEMS);
		assertThat(priceOn(a, id)).isEqualTo(5);
		assertThat(a.hits(ITEMS)).isEqualTo(hits + 1);
	}

	@Test
	void deleteOnA_isNotServedByB() {
		long id = newItem(a, 1);
		assertThat(priceOn(b, id)).isEqualTo(1);
		a.inTransaction(s -> s.remove(s.find(Item.class, id)));
		assertThat(b.find(Item.class, id)).isNull();
		assertThat(c.find(Item.class, id)).isNull();
	}

	@Test
	void insertOnA_isReadOnBAndC() {
		long id = newItem(a, 7);
		assertThat(priceOn(b, id)).isEqualTo(7);
		assertThat(priceOn(c, id)).isEqualTo(7);
	}

	@Test
	void rollbackOnA_leavesTheOldState_andBCachesItAgainRightAfter() {
		long id = newItem(a, 1);
		assertThat(priceOn(b, id)).isEqualTo(1);
		var session = a.sessionFactory().openSession();
		try {
			session.beginTransaction();
			session.find(Item.class, id).price = 99;
			session.flush();
			session.getTransaction().rollback();
		}
		finally {
			session.close();
		}
		assertThat(b.loadIntoCache(Item.class, id).price).isEqualTo(1);
		long hits = b.hits(ITEMS);
		assertThat(priceOn(b, id)).isEqualTo(1);
		assertThat(b.hits(ITEMS)).isEqualTo(hits + 1);
	}

	@Test
	void collectionChangeOnA_isNeverServedStaleByB() {
		long categoryId = ids.incrementAndGet();
		long first = ids.incrementAndGet();
		a.inTransaction(s -> {
			Category category = new Category(categoryId, "c" + categoryId);
			s.persist(category);
			s.persist(new Item(first, "sku-" + first, "first", 1, category));
		});
		assertThat(itemsOf(b, categoryId)).containsExactly(first);
		cluster.await("B serves the collection from its cache", java.time.Duration.ofSeconds(5), () -> {
			long before = b.hits(ITEMS_OF_CATEGORY);
			return itemsOf(b, categoryId).equals(List.of(first)) && b.hits(ITEMS_OF_CATEGORY) > before;
		});

		long second = ids.incrementAndGet();
		a.inTransaction(s -> {
			Category category = s.find(Category.class, categoryId);
			Item item = new Item(second, "sku-" + second, "second", 2, category);
			s.persist(item);
			category.items.add(item);
		});

		assertThat(itemsOf(b, categoryId)).containsExactly(first, second);
		assertThat(itemsOf(c, categoryId)).containsExactly(first, second);
	}

	static List<Long> itemsOf(TestNode node, long categoryId) {
		return node.fromTransaction(s -> s.find(Category.class, categoryId).items.stream().map(i -> i.id).toList());
	}

	@Test
	void naturalIdChangeOnA_isNeverServedStaleByB() {
		long id = newItem(a, 1);
		String oldSku = "sku-" + id;
		assertThat(idBySku(b, oldSku)).isEqualTo(id);
		assertThat(idBySku(b, oldSku)).isEqualTo(id);

		a.inTransaction(s -> s.find(Item.class, id).sku = "renamed-" + id);

		assertThat(idBySku(b, oldSku)).isNull();
		assertThat(idBySku(b, "renamed-" + id)).isEqualTo(id);
		assertThat(idBySku(c, oldSku)).isNull();
	}

	static Long idBySku(TestNode node, String sku) {
		return node.fromTransaction(s -> {
			Item item = s.bySimpleNaturalId(Item.class).load(sku);
			return item == null ? null : item.id;
		});
	}

	@Test
	void cachedQueryOnB_isInvalidatedByUpdateOnA_andCachedAgainAfterTheCommit() {
		long categoryId = ids.incrementAndGet();
		long id = ids.incrementAndGet();
		a.inTransaction(s -> {
			Category category = new Category(categoryId, "q" + categoryId);
			s.persist(category);
			s.persist(new Item(id, "sku-" + id, "queried", 10, category));
		});
		assertThat(pricesInCategory(b, categoryId)).containsExactly(10);
		awaitQueryHit(b, categoryId, "B caches the query");

		a.inTransaction(s -> s.find(Item.class, id).price = 11);

		assertThat(pricesInCategory(b, categoryId)).containsExactly(11);
		assertThat(pricesInCategory(c, categoryId)).containsExactly(11);
		awaitQueryHit(b, categoryId, "B caches the query again after the commit");
	}

	/**
	 * A query result computed within the clock-skew allowance of the last commit on its tables is not trusted (the
	 * safe direction), so the first re-runs right after a commit may miss; waits until a re-run hits.
	 */
	private void awaitQueryHit(TestNode node, long categoryId, String what) {
		cluster.await(what, java.time.Duration.ofSeconds(5), () -> {
			long before = node.queryHits();
			pricesInCategory(node, categoryId);
			return node.queryHits() > before;
		});
	}

	private static List<Integer> pricesInCategory(TestNode node, long categoryId) {
		return node.fromTransaction(s -> s.createQuery(
						"select i.price from Item i where i.category.id = :c order by i.id", Integer.class)
				.setParameter("c", categoryId)
				.setCacheable(true)
				.getResultList());
	}

	@Test
	void bulkUpdateOnA_invalidatesTheEntityRegionOnB() {
		long id = newItem(a, 1);
		assertThat(priceOn(b, id)).isEqualTo(1);
		a.inTransaction(s -> s.createMutationQuery("update Item set price = 42 where id = :id")
				.setParameter("id", id).executeUpdate());
		assertThat(priceOn(b, id)).isEqualTo(42);
		assertThat(priceOn(c, id)).isEqualTo(42);
	}

	@Test
	void nativeUpdateOnA_invalidatesTheEntityRegionOnB() {
		long id = newItem(a, 1);
		assertThat(priceOn(b, id)).isEqualTo(1);
		a.inTransaction(s -> s.createNativeQuery("update Item set price = 43 where id = :id")
				.addSynchronizedEntityClass(Item.class)
				.setParameter("id", id).executeUpdate());
		assertThat(priceOn(b, id)).isEqualTo(43);
	}

	@Test
	void bulkUpdateInAStatelessSessionOnA_isNotServedStaleByB_andTheRegionIsCachedAgainAfterTheCommit() {
		long id = newItem(a, 1);
		assertThat(b.loadIntoCache(Item.class, id).price).isEqualTo(1);
		try (org.hibernate.StatelessSession s = a.sessionFactory().openStatelessSession()) {
			s.beginTransaction();
			s.createMutationQuery("update Item set price = 9 where id = :id").setParameter("id", id).executeUpdate();
			s.getTransaction().commit();
		}
		assertThat(priceOn(b, id)).isEqualTo(9);
		assertThat(priceOn(a, id)).isEqualTo(9);
		// the region-wide window that the statement opened ends with its transaction, on A and on B
		assertThat(a.loadIntoCache(Item.class, id).price).isEqualTo(9);
		assertThat(b.loadIntoCache(Item.class, id).price).isEqualTo(9);
	}

	@Test
	void evictAllOnA_clearsTheRegionOnB() {
		long id = newItem(a, 1);
		assertThat(b.loadIntoCache(Item.class, id).price).isEqualTo(1);
		a.sessionFactory().getCache().evictEntityData(Item.class);
		assertThat(b.sessionFactory().getCache().containsEntity(Item.class, id)).isFalse();
	}

	@Test
	void evictOfOneEntityOnA_removesItOnB() {
		long id = newItem(a, 1);
		assertThat(priceOn(b, id)).isEqualTo(1);
		a.sessionFactory().getCache().evictEntityData(Item.class, id);
		assertThat(b.sessionFactory().getCache().containsEntity(Item.class, id)).isFalse();
	}

	@Test
	void nonstrictVersionedUpdateOnA_isNotServedStaleByB() {
		long id = ids.incrementAndGet();
		a.inTransaction(s -> s.persist(new Stock(id, 5)));
		assertThat(b.find(Stock.class, id).quantity).isEqualTo(5);
		a.inTransaction(s -> s.find(Stock.class, id).quantity = 6);
		assertThat(b.find(Stock.class, id).quantity).isEqualTo(6);
		assertThat(c.find(Stock.class, id).quantity).isEqualTo(6);
	}

	@Test
	void readOnlyEntity_isCachedOnEveryNode_andItsDeleteEvictsEverywhere() {
		String code = "C" + ids.incrementAndGet();
		a.inTransaction(s -> s.persist(new Country(code, "Country " + code)));
		assertThat(b.loadIntoCache(Country.class, code).name).isEqualTo("Country " + code);
		a.inTransaction(s -> s.remove(s.find(Country.class, code)));
		assertThat(b.sessionFactory().getCache().containsEntity(Country.class, code)).isFalse();
		assertThat(b.find(Country.class, code)).isNull();
	}
}
