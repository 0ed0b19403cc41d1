package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.infinispan.commons.time.DefaultTimeService;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.cache.StorageType;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.factories.GlobalComponentRegistry;
import org.infinispan.factories.impl.BasicComponentRegistry;
import org.infinispan.commons.time.TimeService;
import org.infinispan.manager.DefaultCacheManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.clustercache.hibernate.RegionMode;

/**
 * A region's local store reads hits straight from Infinispan's data container, and still honours the cache's bounds and
 * expiration (a local cache manager, no network; its clock is driven by the test).
 */
class InfinispanStoreTest {

	/** Infinispan's own time service, its wall clock moved by the test. */
	private static final class TestTimeService extends DefaultTimeService {
		final AtomicLong millis = new AtomicLong(1_000_000);

		@Override
		public long wallClockTime() {
			return millis.get();
		}

		@Override
		public long time() {
			return TimeUnit.MILLISECONDS.toNanos(millis.get());
		}
	}

	private final TestTimeService time = new TestTimeService();
	private DefaultCacheManager manager;

	@BeforeEach
	void start() {
		manager = new DefaultCacheManager(new GlobalConfigurationBuilder().nonClusteredDefault().build(), false);
		GlobalComponentRegistry.of(manager).getComponent(BasicComponentRegistry.class)
				.replaceComponent(TimeService.class.getName(), time, false);
		manager.start();
	}

	@AfterEach
	void stop() {
		manager.stop();
	}

	private InfinispanStore store(String name, Duration maxIdle, Duration lifespan) {
		ConfigurationBuilder b = CacheRuntime.localRegionDefaults(new ConfigurationBuilder(),
				new Settings.RegionDefaults(RegionMode.LOCAL, 100, maxIdle, lifespan));
		manager.defineConfiguration(name, b.build());
		return new InfinispanStore(manager.<Object, Object>getCache(name).getAdvancedCache(), 100);
	}

	@Test
	void theCachesClusterCacheDefines_areReadFromTheDataContainer_othersThroughTheCacheApi() {
		ConfigurationBuilder ours = CacheRuntime.localRegionDefaults(new ConfigurationBuilder(),
				new Settings.RegionDefaults(RegionMode.INVALIDATION, 10_000, Duration.ofMinutes(10),
						Duration.ofHours(1)));
		assertThat(InfinispanStore.readsDirectly(ours.build())).isTrue();
		assertThat(InfinispanStore.readsDirectly(new ConfigurationBuilder().build())).as("not a simple cache")
				.isFalse();
		ConfigurationBuilder offHeap = new ConfigurationBuilder().simpleCache(true);
		offHeap.memory().storage(StorageType.OFF_HEAP);
		assertThat(InfinispanStore.readsDirectly(offHeap.build())).as("off heap").isFalse();
		ConfigurationBuilder encoded = new ConfigurationBuilder().simpleCache(true);
		encoded.encoding().mediaType("application/x-protostream");
		assertThat(InfinispanStore.readsDirectly(encoded.build())).as("protostream").isFalse();
	}

	@Test
	void aHit_returnsTheObjectPut() {
		InfinispanStore store = store("plain", Duration.ZERO, Duration.ZERO);
		Object value = new Object();
		store.put("k", value);
		assertThat(store.get("k")).isSameAs(value);
		assertThat(store.get("other")).isNull();
		store.remove("k");
		assertThat(store.get("k")).isNull();
	}

	@Test
	void theContainerKeepsItsOwnCopyOfACommonKey_andTheGivenKeyStillFindsAndRemovesIt() {
		InfinispanStore store = store("copies", Duration.ZERO, Duration.ZERO);
		var container = manager.getCache("copies").getAdvancedCache().getDataContainer();
		BasicCacheKeyImplementation key = new BasicCacheKeyImplementation(1_000_000L, "Book", 17);
		Object value = new Object();
		store.put(key, value);
		Object stored = container.peek(key).getKey();
		assertThat(stored).as("an equal key, not the caller's").isEqualTo(key).isNotSameAs(key)
				.hasSameHashCodeAs(key);
		assertThat(((BasicCacheKeyImplementation) stored).getId()).as("with its own identifier box")
				.isEqualTo(1_000_000L).isNotSameAs(key.getId());
		Long id = 2_000_000L;
		store.put(id, value);
		assertThat(container.peek(id).getKey()).as("an identifier alone is copied too").isEqualTo(id).isNotSameAs(id);
		assertThat(store.get(key)).isSameAs(value);
		store.remove(key);
		assertThat(store.get(key)).isNull();
		assertThat(container.peek(key)).isNull();

		String other = "kept as it is";
		store.put(other, value);
		assertThat(container.peek(other).getKey()).isSameAs(other);
	}

	@Test
	void anEntryPastItsLifespan_isAMiss_andIsRemoved() {
		InfinispanStore store = store("lifespan", Duration.ZERO, Duration.ofSeconds(1));
		store.put("k", "v");
		time.millis.addAndGet(999);
		assertThat(store.get("k")).isEqualTo("v");
		time.millis.addAndGet(2);
		assertThat(store.get("k")).isNull();
		assertThat(store.size()).isZero();
	}

	@Test
	void eachHit_resetsTheIdleTime_andAnEntryNotReadForMaxIdle_isAMiss() {
		InfinispanStore store = store("idle", Duration.ofSeconds(1), Duration.ofHours(1));
		store.put("read", "r");
		store.put("unread", "u");
		for (int i = 0; i < 5; i++) {
			time.millis.addAndGet(600);
			assertThat(store.get("read")).as("read %d, 600 ms after the one before", i).isEqualTo("r");
		}
		assertThat(store.get("unread")).isNull();
		time.millis.addAndGet(1001);
		assertThat(store.get("read")).isNull();
	}

	@Test
	void aHit_touchesItsEntryOnlyWhenTheLastUseIsAHundredthOfMaxIdleOld() {
		assertThat(InfinispanStore.touchInterval(Duration.ofMinutes(10).toMillis())).as("at most a second")
				.isEqualTo(1_000);
		assertThat(InfinispanStore.touchInterval(10_000)).isEqualTo(100);
		assertThat(InfinispanStore.touchInterval(50)).as("at least a millisecond").isEqualTo(1);
		assertThat(InfinispanStore.touchInterval(-1)).as("no max_idle").isEqualTo(1);

		InfinispanStore store = store("touch", Duration.ofSeconds(10), Duration.ofHours(1));
		var container = manager.getCache("touch").getAdvancedCache().getDataContainer();
		store.put("k", "v");
		long put = container.peek("k").getLastUsed();
		time.millis.addAndGet(99);
		assertThat(store.get("k")).isEqualTo("v");
		assertThat(container.peek("k").getLastUsed()).as("99 ms after the put").isEqualTo(put);
		time.millis.addAndGet(1);
		assertThat(store.get("k", new Lease(new FakeClock(), Duration.ofSeconds(5).toNanos()))).isEqualTo("v");
		assertThat(container.peek("k").getLastUsed()).as("100 ms after the put").isEqualTo(put + 100);
		// read every 9,950 ms: each read finds the last use older than 100 ms, so max_idle counts from it
		for (int i = 0; i < 3; i++) {
			time.millis.addAndGet(9_950);
			assertThat(store.get("k")).as("read %d", i).isEqualTo("v");
		}
		time.millis.addAndGet(10_001);
		assertThat(store.get("k")).as("10,001 ms after the last read").isNull();
	}

	@Test
	void aStoreBoundedToMaxEntries_keepsAtMostThatMany() {
		InfinispanStore store = store("bounded", Duration.ZERO, Duration.ZERO);
		for (int i = 0; i < 1_000; i++) {
			store.put(i, i);
			store.get(i);
		}
		assertThat(store.size()).isBetween(1L, 100L);
	}

	@Test
	void theBoundIsKeptByTheStore_theEvictedEntriesLeaveInfinispansContainer() {
		InfinispanStore store = store("policy", Duration.ZERO, Duration.ZERO);
		var cache = manager.getCache("policy").getAdvancedCache();
		assertThat(cache.getCacheConfiguration().memory().isEvictionEnabled()).as("Infinispan's own bound").isFalse();
		for (int i = 0; i < 1_000; i++) {
			store.put(i, i);
		}
		assertThat(cache.getDataContainer().sizeIncludingExpired()).isBetween(1, 100);
		store.clear();
		assertThat(cache.getDataContainer().sizeIncludingExpired()).isZero();
		for (int i = 0; i < 100; i++) {
			store.put(i, i);
		}
		assertThat(store.size()).as("a clear forgets the keys in the policy too").isEqualTo(100);
	}

	@Test
	void putsAndRemovalsOfTheSameKeysFromManyThreads_neverLeaveMoreEntriesThanTheBound() throws Exception {
		InfinispanStore store = store("racing", Duration.ZERO, Duration.ZERO);
		int threads = 4;
		var start = new java.util.concurrent.CountDownLatch(1);
		var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
		try {
			var done = new java.util.ArrayList<java.util.concurrent.Future<?>>();
			for (int t = 0; t < threads; t++) {
				int seed = t;
				done.add(pool.submit(() -> {
					start.await();
					var random = new java.util.Random(seed);
					for (int i = 0; i < 20_000; i++) {
						int key = random.nextInt(300);
						if (random.nextInt(4) == 0) {
							store.remove(key);
						}
						else {
							store.put(key, i);
						}
					}
					return null;
				}));
			}
			start.countDown();
			for (var f : done) {
				f.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(manager.getCache("racing").getAdvancedCache().getDataContainer().sizeIncludingExpired())
				.isBetween(1, 100);
	}

	/** Blocks the removal of one key right after it left the container, until the test lets it go on. */
	@org.infinispan.notifications.Listener(sync = true)
	public static final class PauseAfterRemoval {
		final java.util.concurrent.CountDownLatch removed = new java.util.concurrent.CountDownLatch(1);
		final java.util.concurrent.CountDownLatch goOn = new java.util.concurrent.CountDownLatch(1);

		@org.infinispan.notifications.cachelistener.annotation.CacheEntryRemoved
		public void removed(org.infinispan.notifications.cachelistener.event.CacheEntryRemovedEvent<?, ?> e)
				throws InterruptedException {
			if (!e.isPre() && "k".equals(e.getKey())) {
				removed.countDown();
				assertThat(goOn.await(30, TimeUnit.SECONDS)).isTrue();
			}
		}
	}

	@Test
	void aPutBetweenARemovalsTwoSteps_isStillCountedByTheBound() throws Exception {
		InfinispanStore store = store("interleaved", Duration.ZERO, Duration.ZERO);
		var cache = manager.getCache("interleaved");
		PauseAfterRemoval pause = new PauseAfterRemoval();
		cache.addListener(pause);
		store.put("k", 0);
		Thread remover = new Thread(() -> store.remove("k"));
		remover.start();
		try {
			assertThat(pause.removed.await(30, TimeUnit.SECONDS)).isTrue();
			store.put("k", 1); // the key is back in the container while its removal has not returned
		}
		finally {
			pause.goOn.countDown();
			remover.join(30_000);
		}
		cache.removeListener(pause);
		for (int i = 0; i < 1_000; i++) {
			store.put(i, i);
		}
		assertThat(cache.getAdvancedCache().getDataContainer().sizeIncludingExpired())
				.as("the key put back is in the policy, which evicts it in its turn").isBetween(1, 100);
	}

	@Test
	void aUsersDefinitionWithItsOwnBound_keepsInfinispansBound() {
		ConfigurationBuilder b = new ConfigurationBuilder().simpleCache(true);
		b.memory().maxCount(10);
		manager.defineConfiguration("user", b.build());
		var cache = manager.<Object, Object>getCache("user").getAdvancedCache();
		assertThatThrownBy(() -> new InfinispanStore(cache, 100)).isInstanceOf(IllegalArgumentException.class);
		InfinispanStore store = new InfinispanStore(cache, 0);
		for (int i = 0; i < 100; i++) {
			store.put(i, i);
			store.get(i);
		}
		assertThat(store.size()).isBetween(1L, 10L);
	}

	@Test
	void aHitReusesAWallClockReadingForAMillisecond_thenReadsTheClockAgain() {
		InfinispanStore store = store("coarse", Duration.ZERO, Duration.ofSeconds(1));
		store.put("k", "v");
		FakeClock clock = new FakeClock();
		Lease lease = new Lease(clock, Duration.ofSeconds(5).toNanos());
		assertThat(store.get("k", lease)).isEqualTo("v");
		time.millis.addAndGet(2_000);
		clock.advance(Duration.ofNanos(InfinispanStore.WALL_CLOCK_REUSE_NANOS - 1));
		assertThat(store.get("k", lease)).as("within a millisecond of the last reading, its time is reused")
				.isEqualTo("v");
		clock.advance(Duration.ofNanos(1));
		assertThat(store.get("k", lease))
				.as("a millisecond later the clock is read, and the entry is past its lifespan").isNull();
	}

	/**
	 * Guard: the lease is checked after the read, not before. The node "pauses" inside the read (the key's hashCode
	 * moves the clock past the lease): checked before the read, the lease held and the value would be served, though
	 * the other members may have excluded this node and committed writes without it meanwhile.
	 */
	@Test
	void aValueReadWhileTheLeaseRanOut_isNotServed() {
		InfinispanStore store = store("paused", Duration.ZERO, Duration.ZERO);
		FakeClock clock = new FakeClock();
		Duration leaseLength = Duration.ofSeconds(1);
		Lease lease = new Lease(clock, leaseLength.toNanos());
		lease.viewChanged(java.util.List.of("B"));
		lease.acknowledged("B", clock.nanoTime());
		PausingKey key = new PausingKey(clock);
		store.put(key, "v");
		assertThat(store.get(key, lease)).as("no pause: served").isEqualTo("v");

		key.pauseFor = leaseLength.plusMillis(1);
		assertThat(store.get(key, lease)).as("the lease ran out during the read")
				.isSameAs(InfinispanStore.LEASE_EXPIRED);
	}

	/** A key whose hashCode, once armed, moves the clock: a pause of the reading node in the middle of a read. */
	private static final class PausingKey {
		final FakeClock clock;
		Duration pauseFor = Duration.ZERO;

		PausingKey(FakeClock clock) {
			this.clock = clock;
		}

		@Override
		public int hashCode() {
			clock.advance(pauseFor);
			return 1;
		}
	}

	@Test
	void entriesReadOften_surviveAFloodOfNewOnes_theHitsStillCountForEviction() {
		InfinispanStore store = store("hot", Duration.ZERO, Duration.ZERO);
		for (int i = 0; i < 100; i++) {
			store.put("old-" + i, i);
		}
		for (int round = 0; round < 20 * InfinispanStore.ACCESS_SAMPLE; round++) {
			for (int i = 0; i < 50; i++) {
				assertThat(store.get("old-" + i)).isNotNull();
			}
		}
		for (int i = 0; i < 1_000; i++) {
			store.put("new-" + i, i);
		}

		long hotKept = java.util.stream.IntStream.range(0, 50).filter(i -> store.get("old-" + i) != null).count();
		long coldKept = java.util.stream.IntStream.range(50, 100).filter(i -> store.get("old-" + i) != null).count();
		assertThat(hotKept).as("of the 50 entries read %d times each", 20 * InfinispanStore.ACCESS_SAMPLE)
				.isGreaterThanOrEqualTo(45);
		assertThat(coldKept).as("of the 50 entries never read").isLessThan(hotKept);
	}
}
