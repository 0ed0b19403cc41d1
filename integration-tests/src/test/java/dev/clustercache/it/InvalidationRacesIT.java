package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;

import org.hibernate.cache.CacheException;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The races of DESIGN.md §4.1 between two nodes A and B on 127.0.0.1, each driven step by step: invalidation messages
 * are synchronous, so a call on A returns only after B has applied it, and the interleaving is exact. Each test names
 * the guard it proves; without that guard B would cache a state older than A's commit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InvalidationRacesIT {

	private TestCluster cluster;
	private Access a;
	private Access b;
	private final AtomicLong ids = new AtomicLong();

	@BeforeAll
	void startCluster() {
		cluster = TestCluster.start(InvalidationRacesIT.class, 2);
		a = new Access(cluster.node(0));
		b = new Access(cluster.node(1));
	}

	@AfterAll
	void stopCluster() {
		if (cluster != null) {
			cluster.close();
		}
	}

	/** Guard: a begin-write voids the pending loads of the key on every node. */
	@Test
	void loadOnB_overlappingAnUpdateOnA_doesNotCacheTheOldState() {
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor loader = b.session();
		SharedSessionContractImplementor writer = a.session();
		try {
			assertThat(b.access.get(loader, key)).isNull(); // miss: B starts loading, reads "old" from the DB
			SoftLock lock = a.access.lockItem(writer, key, null);
			a.access.update(writer, key, "new", null, null);
			Access.beforeCommit(writer);
			a.access.afterUpdate(writer, key, "new", null, null, lock); // A committed
			Access.afterCompletion(writer, true);
			assertThat(b.access.putFromLoad(loader, key, "old", null)).isFalse();
			assertThat(b.access.get(b.session(), key)).isNull();
		}
		finally {
			Access.close(loader);
			Access.close(writer);
		}
	}

	/** Guard: no put while a write window from any node is open on the key. */
	@Test
	void loadStartingInsideAWriteWindowOnA_doesNotCache() {
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor writer = a.session();
		SoftLock lock = a.access.lockItem(writer, key, null);
		Access.beforeCommit(writer); // the window is open on every member
		SharedSessionContractImplementor loader = b.session();
		try {
			assertThat(b.access.get(loader, key)).isNull();
			assertThat(b.access.putFromLoad(loader, key, "read inside the window", null)).isFalse();
			a.access.afterUpdate(writer, key, "new", null, null, lock);
			Access.afterCompletion(writer, true);
			assertThat(b.access.get(b.session(), key)).isNull();
		}
		finally {
			Access.close(loader);
			Access.close(writer);
		}
	}

	/** Guard: a put with no preceding miss needs a transaction that started after the key's last write ended. */
	@Test
	void nakedPutOnB_fromATransactionStartedBeforeAWriteOnAEnded_isRejected() {
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor early = b.session();
		SharedSessionContractImplementor writer = a.session();
		try {
			SoftLock lock = a.access.lockItem(writer, key, null);
			Access.beforeCommit(writer);
			a.access.afterUpdate(writer, key, "new", null, null, lock);
			Access.afterCompletion(writer, true);
			assertThat(b.access.putFromLoad(early, key, "old", null)).isFalse();
			awaitNakedPutAccepted(key, "new");
			assertThat(b.access.putFromLoad(early, key, "old", null)).isFalse();
		}
		finally {
			Access.close(early);
			Access.close(writer);
		}
	}

	/** Guard: a rolled-back write ends its window everywhere, so the key is cacheable again right after. */
	@Test
	void rollbackOnA_makesTheKeyCacheableOnBRightAfter() {
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor writer = a.session();
		SoftLock lock = a.access.lockItem(writer, key, null);
		Access.beforeCommit(writer);
		a.access.unlockItem(writer, key, lock); // rollback
		Access.afterCompletion(writer, false);
		try {
			awaitLoadCached(key, "unchanged");
		}
		finally {
			Access.close(writer);
		}
	}

	/**
	 * The end of a window travels asynchronously (the writer's commit does not wait for it); until it arrives B does not
	 * cache the key, which is the safe direction. Retries a load on B with a fresh session until it is cached.
	 */
	private void awaitLoadCached(Object key, Object value) {
		cluster.await("B caches key " + key + " again", java.time.Duration.ofSeconds(5), () -> {
			SharedSessionContractImplementor loader = b.session();
			try {
				return b.access.get(loader, key) == null && b.access.putFromLoad(loader, key, value, null)
						&& value.equals(b.access.get(loader, key));
			}
			finally {
				Access.close(loader);
			}
		});
	}

	private void awaitNakedPutAccepted(Object key, Object value) {
		cluster.await("B accepts a naked put of key " + key, java.time.Duration.ofSeconds(5), () -> {
			SharedSessionContractImplementor late = b.session();
			try {
				return b.access.putFromLoad(late, key, value, null) && value.equals(b.access.get(late, key));
			}
			finally {
				Access.close(late);
			}
		});
	}

	/** Guard: a writer caches its committed state only if no other window touched the key meanwhile. */
	@Test
	void concurrentWritersOnAAndB_neitherCachesItsOwnState() {
		Object key = a.key(ids.incrementAndGet());
		SharedSessionContractImplementor wa = a.session();
		SharedSessionContractImplementor wb = b.session();
		try {
			SoftLock la = a.access.lockItem(wa, key, null);
			SoftLock lb = b.access.lockItem(wb, key, null);
			Access.beforeCommit(wa);
			Access.beforeCommit(wb);
			assertThat(a.access.afterUpdate(wa, key, "from A", null, null, la)).isFalse();
			assertThat(b.access.afterUpdate(wb, key, "from B", null, null, lb)).isFalse();
			Access.afterCompletion(wa, true);
			Access.afterCompletion(wb, true);
			assertThat(a.access.get(a.session(), key)).isNull();
			assertThat(b.access.get(b.session(), key)).isNull();
		}
		finally {
			Access.close(wa);
			Access.close(wb);
		}
	}

	/** The single writer does cache its committed state on its own node, and only there. */
	@Test
	void singleWriterOnA_cachesItsCommittedStateOnA_only() {
		Object key = a.key(ids.incrementAndGet());
		SharedSessionContractImplementor wa = a.session();
		try {
			SoftLock la = a.access.lockItem(wa, key, null);
			Access.beforeCommit(wa);
			assertThat(a.access.afterUpdate(wa, key, "committed", null, null, la)).isTrue();
			Access.afterCompletion(wa, true);
			assertThat(a.access.get(a.session(), key)).isEqualTo("committed");
			assertThat(b.access.get(b.session(), key)).isNull();
		}
		finally {
			Access.close(wa);
		}
	}

	/**
	 * A write's window reaches the other members only right before its commit, in one message with the transaction's
	 * other windows. B may cache the old state until then (A has not committed); the window's arrival evicts it, and no
	 * load caches it while the window is open. Guard: the windows are sent and confirmed before the commit.
	 */
	@Test
	void oldStateCachedOnBBeforeAsCommitIsNear_isEvictedByTheWindowBeforeTheCommit() {
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor writer = a.session();
		SharedSessionContractImplementor loader = b.session();
		try {
			SoftLock lock = a.access.lockItem(writer, key, null);
			a.access.update(writer, key, "new", null, null); // A's SQL, not committed
			SharedSessionContractImplementor first = b.session();
			assertThat(b.access.get(first, key)).isNull();
			assertThat(b.access.putFromLoad(first, key, "old", null)).as("A has not committed yet").isTrue();
			assertThat(b.access.get(loader, key)).isEqualTo("old");

			Access.beforeCommit(writer);
			assertThat(b.access.get(loader, key)).as("evicted before A's commit").isNull();
			assertThat(b.access.putFromLoad(first, key, "old", null)).as("no put while the window is open").isFalse();
			a.access.afterUpdate(writer, key, "new", null, null, lock); // A committed
			Access.afterCompletion(writer, true);
			assertThat(b.access.get(loader, key)).isNull();
			Access.close(first);
		}
		finally {
			Access.close(loader);
			Access.close(writer);
		}
	}

	/**
	 * A window that a member cannot take fails the writer's transaction in {@code transactionCompleting}, before its
	 * commit (Hibernate then rolls it back), with a message that names what failed and where. Here B refuses the key's
	 * class (a collection is not a key type B accepts from the wire).
	 */
	@Test
	void aWindowThatAMemberCannotTake_failsTheTransactionBeforeItsCommit() {
		SharedSessionContractImplementor writer = a.session();
		try {
			Object key = new java.util.ArrayList<>(java.util.List.of(ids.incrementAndGet()));
			SoftLock lock = a.access.lockItem(writer, key, null); // nothing sent yet
			assertThat(lock).isNotNull();
			assertThatThrownBy(() -> Access.beforeCommit(writer))
					.isInstanceOf(CacheException.class)
					.hasMessageContaining("could not open a write window on")
					.hasMessageContaining("The write fails so that no node can serve the old state");
		}
		finally {
			Access.close(writer);
		}
	}

	/** Guard: a region-wide window (bulk DML) voids in-flight loads of every key on every node. */
	@Test
	void bulkUpdateOnA_voidsAnInFlightLoadOnB() {
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor loader = b.session();
		try {
			assertThat(b.access.get(loader, key)).isNull();
			SoftLock regionLock = a.access.lockRegion();
			assertThat(b.access.putFromLoad(b.session(), key, "during bulk", null)).isFalse();
			a.access.unlockRegion(regionLock);
			assertThat(b.access.putFromLoad(loader, key, "old", null)).isFalse();
			assertThat(b.access.get(b.session(), key)).isNull();
		}
		finally {
			Access.close(loader);
		}
	}

	/**
	 * The same race through Hibernate itself: B's load has read the row from the database and is held (by a latch in a
	 * pre-load listener, which runs after the read and before the cache put) while A commits an update. B may return
	 * the state it read, since its read overlapped the commit, but it must not cache it: B's next read returns A's
	 * state. Guard: pending-load invalidation.
	 */
	@Test
	void hibernateLoadOnB_heldWhileAUpdatesAndCommits_doesNotCacheTheOldRow() throws Exception {
		TestNode nodeA = cluster.node(0);
		TestNode nodeB = cluster.node(1);
		long id = 10_000 + ids.incrementAndGet();
		nodeA.inTransaction(s -> s.persist(new Item(id, "sku-" + id, "raced", 1, null)));
		nodeB.sessionFactory().getCache().evictEntityData(Item.class, id);

		int read = HeldLoad.priceReadWhile(cluster, nodeB, id,
				() -> nodeA.inTransaction(s -> s.find(Item.class, id).price = 2));
		assertThat(read).isEqualTo(1);

		assertThat(nodeB.find(Item.class, id).price).isEqualTo(2);
	}
}
