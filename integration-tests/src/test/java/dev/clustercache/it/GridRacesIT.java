package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.infinispan.commands.read.GetCacheEntryCommand;
import org.infinispan.context.InvocationContext;
import org.infinispan.factories.ComponentRegistry;
import org.infinispan.interceptors.AsyncInterceptorChain;
import org.infinispan.interceptors.DDAsyncInterceptor;
import org.infinispan.interceptors.impl.CallInterceptor;
import org.infinispan.remoting.transport.Address;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.clustercache.it.GridClusterIT.Mode;

/**
 * The races of DESIGN.md §4.2 in replicated and distributed regions, driven step by step through each node's access
 * strategy: every call returns once the key's owners applied it, so the interleaving is exact. Each test names the
 * guard it proves; without it a node would cache (and every node would then serve) a state older than a commit.
 * Nodes A, B, C; a short lock timeout (2 s) and an explicit clock-skew allowance (300 ms) so that both are testable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GridRacesIT {

	private static final Duration SKEW = Duration.ofMillis(300);
	private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(2);

	private final Map<Mode, TestCluster> clusters = new EnumMap<>(Mode.class);
	private final AtomicLong ids = new AtomicLong();
	private TestCluster cluster;
	private Access a;
	private Access b;

	private void start(Mode mode) {
		if (!clusters.containsKey(mode)) {
			// one cluster per mode, up until the end: JUnit runs each test in every mode before the next test
			Map<String, Object> settings = new HashMap<>(mode.settings);
			settings.put("hibernate.cache.clustercache.timestamps.clock_skew", SKEW.toMillis() + "ms");
			settings.put("hibernate.cache.clustercache.lock_timeout", LOCK_TIMEOUT.toMillis() + "ms");
			clusters.put(mode, TestCluster.start(GridRacesIT.class, mode.name(), 3, settings));
		}
		cluster = clusters.get(mode);
		a = new Access(cluster.node(0));
		b = new Access(cluster.node(1));
	}

	@AfterAll
	void stopClusters() {
		clusters.values().forEach(TestCluster::close);
	}

	/** A load in a transaction of its own: a miss, then the put; whether the value was cached. */
	private static boolean loadInNewSession(Access node, Object key, Object value) {
		SharedSessionContractImplementor s = node.session();
		try {
			return node.access.get(s, key) == null && node.access.putFromLoad(s, key, value, null);
		}
		finally {
			Access.close(s);
		}
	}

	private static Object cached(Access node, Object key) {
		SharedSessionContractImplementor s = node.session();
		try {
			return node.access.get(s, key);
		}
		finally {
			Access.close(s);
		}
	}

	/** Guard: a load is cached only if its transaction started after the key's last write ended (at the owner). */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void loadOnB_overlappingAnUpdateOnA_doesNotCacheTheOldState(Mode mode) {
		start(mode);
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor loader = b.session();
		SharedSessionContractImplementor writer = a.session();
		try {
			assertThat(b.access.get(loader, key)).isNull(); // miss: B reads "old" from the database
			SoftLock lock = a.access.lockItem(writer, key, null);
			a.access.update(writer, key, "new", null, null);
			a.access.afterUpdate(writer, key, "new", null, null, lock); // A committed, and cached "new"
			assertThat(b.access.putFromLoad(loader, key, "old", null)).isFalse();
			assertThat(cached(b, key)).isEqualTo("new");
			assertThat(cached(a, key)).isEqualTo("new");
		}
		finally {
			Access.close(loader);
			Access.close(writer);
		}
	}

	/** Guard: no put while a write window from any node is open on the key. */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void loadStartingInsideAWriteWindowOnA_doesNotCache(Mode mode) {
		start(mode);
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor writer = a.session();
		SoftLock lock = a.access.lockItem(writer, key, null);
		SharedSessionContractImplementor loader = b.session();
		try {
			assertThat(b.access.get(loader, key)).isNull();
			assertThat(b.access.putFromLoad(loader, key, "read inside the window", null)).isFalse();
			a.access.unlockItem(writer, key, lock); // rolled back: nothing cached
			assertThat(cached(b, key)).isNull();
		}
		finally {
			Access.close(loader);
			Access.close(writer);
		}
	}

	/**
	 * Guard: the skew allowance. A's write ends on A's clock, B's transaction starts on B's: a transaction that began
	 * less than the allowance after the end cannot be told apart from one that began before it, so it does not cache.
	 */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void loadOnB_startedWithinTheSkewAllowanceOfAWriteEnd_isRejected_andAcceptedAfterIt(Mode mode) {
		start(mode);
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor writer = a.session();
		SoftLock lock = a.access.lockItem(writer, key, null);
		a.access.unlockItem(writer, key, lock);
		long ended = System.nanoTime();
		SharedSessionContractImplementor soon = b.session();
		try {
			assertThat(System.nanoTime() - ended).as("the session began within the allowance")
					.isLessThan(SKEW.toNanos());
			assertThat(b.access.putFromLoad(soon, key, "unchanged", null)).isFalse();
		}
		finally {
			Access.close(soon);
			Access.close(writer);
		}
		sleep(SKEW.plusMillis(50));
		assertThat(loadInNewSession(b, key, "unchanged")).isTrue();
		assertThat(cached(a, key)).isEqualTo("unchanged");
	}

	/** Guard: a writer caches its committed state only if no other window touched the key meanwhile. */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void concurrentWritersOnAAndB_neitherCachesItsOwnState(Mode mode) {
		start(mode);
		Object key = a.key(ids.incrementAndGet());
		SharedSessionContractImplementor wa = a.session();
		SharedSessionContractImplementor wb = b.session();
		try {
			SoftLock la = a.access.lockItem(wa, key, null);
			SoftLock lb = b.access.lockItem(wb, key, null);
			assertThat(a.access.afterUpdate(wa, key, "from A", null, null, la)).isFalse();
			assertThat(b.access.afterUpdate(wb, key, "from B", null, null, lb)).isFalse();
			assertThat(cached(a, key)).isNull();
			assertThat(cached(b, key)).isNull();
		}
		finally {
			Access.close(wa);
			Access.close(wb);
		}
	}

	/** Guard: the writer's epoch. A window that opened and closed inside A's window keeps A from caching its state. */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void writeOnBInsideAWindowOnA_keepsAFromCachingItsState(Mode mode) {
		start(mode);
		Object key = a.key(ids.incrementAndGet());
		SharedSessionContractImplementor wa = a.session();
		SharedSessionContractImplementor wb = b.session();
		try {
			SoftLock la = a.access.lockItem(wa, key, null);
			SoftLock lb = b.access.lockItem(wb, key, null);
			b.access.unlockItem(wb, key, lb);
			assertThat(a.access.afterUpdate(wa, key, "from A", null, null, la)).isFalse();
			assertThat(cached(b, key)).isNull();
		}
		finally {
			Access.close(wa);
			Access.close(wb);
		}
	}

	/** A rolled-back write closes its window at the owner: the key is cacheable right after (past the allowance). */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void rollbackOnA_makesTheKeyCacheableOnBRightAfter(Mode mode) {
		start(mode);
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor writer = a.session();
		SoftLock lock = a.access.lockItem(writer, key, null);
		a.access.unlockItem(writer, key, lock);
		Access.close(writer);
		sleep(SKEW.plusMillis(50));
		assertThat(loadInNewSession(b, key, "unchanged")).isTrue();
		assertThat(cached(a, key)).isEqualTo("unchanged");
	}

	/** Guard: an eviction is a write that opens and ends at once; a load that began before it does not cache. */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void evictOnA_thenALateLoadOnB_doesNotCache(Mode mode) {
		start(mode);
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor loader = b.session();
		try {
			assertThat(b.access.get(loader, key)).isNull();
			a.access.evict(key); // e.g. after a native SQL change that Hibernate does not track
			assertThat(b.access.putFromLoad(loader, key, "read before the eviction", null)).isFalse();
			assertThat(cached(a, key)).isNull();
		}
		finally {
			Access.close(loader);
		}
	}

	/** Guard: a region-wide window (bulk DML) reaches every node and voids in-flight loads of every key. */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void bulkUpdateOnA_voidsAnInFlightLoadOnB_andClearsTheRegion(Mode mode) {
		start(mode);
		Object cachedKey = b.key(ids.incrementAndGet());
		sleep(SKEW.plusMillis(50));
		assertThat(loadInNewSession(b, cachedKey, "before bulk")).isTrue();
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor loader = b.session();
		try {
			assertThat(b.access.get(loader, key)).isNull();
			SoftLock regionLock = a.access.lockRegion();
			assertThat(cached(b, cachedKey)).as("the region was cleared everywhere").isNull();
			assertThat(b.access.putFromLoad(b.session(), key, "during bulk", null)).isFalse();
			a.access.unlockRegion(regionLock);
			assertThat(b.access.putFromLoad(loader, key, "old", null)).isFalse();
			assertThat(cached(a, key)).isNull();
		}
		finally {
			Access.close(loader);
		}
	}

	/**
	 * Guard: the lock timeout. A writer that crashed mid-write never ends its window; the key stays uncacheable until
	 * the lock timeout, then a transaction that started after that accepts loads again.
	 */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void windowOfACrashedWriter_endsAfterTheLockTimeout(Mode mode) {
		start(mode);
		Object key = b.key(ids.incrementAndGet());
		SharedSessionContractImplementor writer = a.session();
		a.access.lockItem(writer, key, null); // never ended
		SharedSessionContractImplementor loader = b.session();
		assertThat(b.access.putFromLoad(loader, key, "during the window", null)).isFalse();
		Access.close(loader);
		Access.close(writer);
		cluster.await("the abandoned window expires", LOCK_TIMEOUT.plus(SKEW).plusSeconds(3),
				() -> loadInNewSession(b, key, "after the timeout"));
		assertThat(cached(a, key)).isEqualTo("after the timeout");
	}

	/**
	 * The first race through Hibernate itself: B's load has read the row and is held (by a latch in a pre-load
	 * listener, after the read and before the cache put) while A commits an update. B returns what it read, but must not
	 * cache it: every node's next read returns A's state.
	 */
	@ParameterizedTest
	@EnumSource(Mode.class)
	void hibernateLoadOnB_heldWhileAUpdatesAndCommits_doesNotCacheTheOldRow(Mode mode) throws Exception {
		start(mode);
		TestNode nodeA = cluster.node(0);
		TestNode nodeB = cluster.node(1);
		long id = 10_000 + ids.incrementAndGet();
		nodeA.inTransaction(s -> s.persist(new Item(id, "sku-" + id, "raced", 1, null)));
		nodeB.sessionFactory().getCache().evictEntityData(Item.class, id);
		sleep(SKEW.plusMillis(50));

		int read = HeldLoad.priceReadWhile(cluster, nodeB, id,
				() -> nodeA.inTransaction(s -> s.find(Item.class, id).price = 2));
		assertThat(read).isEqualTo(1);

		for (TestNode n : cluster.nodes()) {
			assertThat(n.find(Item.class, id).price).as(n.name()).isEqualTo(2);
		}
	}

	/**
	 * Guard of the near cache (distributed with {@code l1}): a copy is kept only if no write window reached the reader
	 * between asking the owners and keeping their answer. A node that does not own the key asks its owners; they read
	 * the state before another node's update, and their answer is held until that update has committed. The reader
	 * returns what it was told, but must not keep it: its next read is the updated state. (Infinispan's own L1, used
	 * before, kept copies that later writes never removed: GridStaleReadIT caught a non-owner serving a row 4 commits
	 * old.)
	 */
	@Test
	void nearCopy_whoseAnswerWasReadBeforeAnUpdateAndArrivesAfterItsCommit_isNotKept() throws Exception {
		start(Mode.DISTRIBUTED_L1);
		long id = 10_000 + ids.incrementAndGet();
		cluster.node(0).inTransaction(s -> s.persist(new Item(id, "sku-" + id, "raced", 1, null)));
		TestNode reader = GridClusterIT.nonOwner(cluster, id);
		TestNode writer = cluster.nodes().stream().filter(n -> n != reader).findFirst().orElseThrow();
		Address readerAddress = GridClusterIT.regionCache(reader, GridClusterIT.ITEMS).getCacheManager().getAddress();
		HeldAnswer held = new HeldAnswer(new Access(writer).key(id), readerAddress);
		for (TestNode n : cluster.nodes()) {
			chain(n).addInterceptorBefore(held, CallInterceptor.class);
		}
		try {
			CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> InvalidationClusterIT.priceOn(reader,
					id));
			assertThat(held.read.await(30, TimeUnit.SECONDS)).as("an owner read the key for " + reader.name()).isTrue();
			writer.inTransaction(s -> s.find(Item.class, id).price = 2);
			held.release.complete(null);
			assertThat(read.get(30, TimeUnit.SECONDS)).as("what the owner had read before the update").isEqualTo(1);
		}
		finally {
			held.release.complete(null);
			for (TestNode n : cluster.nodes()) {
				chain(n).removeInterceptor(HeldAnswer.class);
			}
		}
		for (TestNode n : cluster.nodes()) {
			assertThat(InvalidationClusterIT.priceOn(n, id)).as(n.name() + " after the commit").isEqualTo(2);
		}
	}

	private static AsyncInterceptorChain chain(TestNode node) {
		return ComponentRegistry.componentOf(GridClusterIT.regionCache(node, GridClusterIT.ITEMS),
				AsyncInterceptorChain.class);
	}

	/** Holds every owner's answer to a read of {@code key} from {@code reader}, after the owner read it. */
	private static final class HeldAnswer extends DDAsyncInterceptor {
		final Object key;
		final Address reader;
		final CountDownLatch read = new CountDownLatch(1);
		final CompletableFuture<Void> release = new CompletableFuture<>();

		HeldAnswer(Object key, Address reader) {
			this.key = key;
			this.reader = reader;
		}

		@Override
		public Object visitGetCacheEntryCommand(InvocationContext ctx, GetCacheEntryCommand command) {
			if (ctx.isOriginLocal() || !reader.equals(ctx.getOrigin()) || !key.equals(command.getKey())) {
				return invokeNext(ctx, command);
			}
			return invokeNextThenApply(ctx, command, (rCtx, rCommand, answer) -> {
				read.countDown();
				return asyncValue(release.thenApply(ignored -> answer));
			});
		}
	}

	private static void sleep(Duration d) {
		try {
			Thread.sleep(d.toMillis());
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError("interrupted", e);
		}
	}
}
