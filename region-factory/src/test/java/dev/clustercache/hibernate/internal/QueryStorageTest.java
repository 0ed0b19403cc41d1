package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.infinispan.AdvancedCache;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.manager.DefaultCacheManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.clustercache.hibernate.RegionMode;

/** A query-results region on one node: a local Infinispan cache manager, no network, a fake clock. */
class QueryStorageTest {

	/** A region store whose next put waits, once it is called, until the test lets it write. */
	private static final class HeldPuts extends InfinispanStore {
		final CountDownLatch putCalled = new CountDownLatch(1);
		final CountDownLatch write = new CountDownLatch(1);

		HeldPuts(AdvancedCache<Object, Object> cache) {
			super(cache, 100);
		}

		@Override
		public void put(Object key, Object value) {
			putCalled.countDown();
			try {
				assertThat(write.await(30, TimeUnit.SECONDS)).as("the test lets the put write").isTrue();
			}
			catch (InterruptedException e) {
				throw new AssertionError(e);
			}
			super.put(key, value);
		}
	}

	private final FakeClock clock = new FakeClock();
	private DefaultCacheManager manager;

	@BeforeEach
	void start() {
		manager = new DefaultCacheManager(new GlobalConfigurationBuilder().nonClusteredDefault().build());
		manager.defineConfiguration("results", CacheRuntime.localRegionDefaults(new ConfigurationBuilder(),
				new Settings.RegionDefaults(RegionMode.LOCAL, 100, Duration.ZERO, Duration.ZERO)).build());
	}

	@AfterEach
	void stop() {
		manager.stop();
	}

	/**
	 * The race: a put of a result checks that the region was not cleared since its transaction started, and a clear (a
	 * merge, an eviction anywhere in the cluster) runs before the put's write lands. The result, computed before the
	 * clear, must not stay cached.
	 */
	@Test
	void aResultWhosePutRacesAClear_isNotKept() throws Exception {
		HeldPuts store = new HeldPuts(manager.<Object, Object>getCache("results").getAdvancedCache());
		QueryStorage region = new QueryStorage("results", store, ClusterNode.local(clock,
				Duration.ofSeconds(1).toNanos(), "A"), clock);
		clock.advance(Duration.ofMillis(5));
		long started = clock.transactionStart();
		Thread putter = new Thread(() -> region.putIntoCache("k", "result read before the clear", started));
		putter.start();
		try {
			assertThat(store.putCalled.await(30, TimeUnit.SECONDS)).isTrue();
			clock.advance(Duration.ofMillis(5));
			region.clearLocally();
		}
		finally {
			store.write.countDown();
			putter.join(30_000);
		}

		assertThat(region.contains("k")).isFalse();
		assertThat(region.getFromCache("k", null)).isNull();
	}

	@Test
	void aResultOfATransactionThatStartedAfterTheClear_isKept() {
		QueryStorage region = new QueryStorage("results",
				new InfinispanStore(manager.<Object, Object>getCache("results").getAdvancedCache(), 100),
				ClusterNode.local(clock, Duration.ofSeconds(1).toNanos(), "A"), clock);
		clock.advance(Duration.ofMillis(5));
		region.clearLocally();
		clock.advance(Duration.ofMillis(5));

		region.putIntoCache("k", "result", clock.transactionStart());

		assertThat(region.getFromCache("k", null)).isEqualTo("result");
	}
}
