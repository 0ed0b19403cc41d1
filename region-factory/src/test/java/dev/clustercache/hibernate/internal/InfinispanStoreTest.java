package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
		return new InfinispanStore(manager.<Object, Object>getCache(name).getAdvancedCache());
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
	void aStoreBoundedToMaxEntries_keepsAtMostThatMany() {
		InfinispanStore store = store("bounded", Duration.ZERO, Duration.ZERO);
		for (int i = 0; i < 1_000; i++) {
			store.put(i, i);
			store.get(i);
		}
		assertThat(store.size()).isBetween(1L, 100L);
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
