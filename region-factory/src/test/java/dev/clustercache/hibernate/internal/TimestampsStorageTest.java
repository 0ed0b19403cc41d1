package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.hibernate.cache.CacheException;
import org.infinispan.AdvancedCache;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryModified;
import org.infinispan.notifications.cachelistener.event.CacheEntryModifiedEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The update-timestamps storage on a real (local, unclustered) Infinispan cache whose lock is held by a write that
 * waits: a sync listener parks the holder inside the key's lock, as a put queued on a resumed member parks while it
 * waits for members that no longer hear it.
 */
class TimestampsStorageTest {

	private static final String KEY = "product";

	private final DefaultCacheManager manager = new DefaultCacheManager(
			new GlobalConfigurationBuilder().nonClusteredDefault().build(), true);
	private final AdvancedCache<Object, Object> cache = timestamps(manager);
	private final LockHolder holder = new LockHolder();

	private static AdvancedCache<Object, Object> timestamps(DefaultCacheManager manager) {
		manager.defineConfiguration("timestamps",
				new ConfigurationBuilder().locking().lockAcquisitionTimeout(50, TimeUnit.MILLISECONDS).build());
		return manager.<Object, Object>getCache("timestamps").getAdvancedCache();
	}

	@AfterEach
	void stop() {
		holder.release.countDown();
		manager.stop();
	}

	private TimestampsStorage storage(Duration retryBudget) {
		return new TimestampsStorage(cache, 0, ignored -> { }, Clock.SYSTEM, Clock.timestampUnits(60_000),
				retryBudget);
	}

	/** Starts a put that takes the key's lock and keeps it until {@code holder.release}. */
	private CompletableFuture<Object> holdTheLock() throws InterruptedException {
		cache.put(KEY, 1L);
		cache.addListener(holder);
		holder.armed.set(true);
		CompletableFuture<Object> held = CompletableFuture.supplyAsync(() -> cache.put(KEY, 2L));
		assertThat(holder.holding.await(10, TimeUnit.SECONDS)).as("the holder took the lock").isTrue();
		return held;
	}

	@Test
	void aTimestampWriteWhoseKeyIsLocked_isTriedAgain_andLandsOnceTheLockIsFree() throws Exception {
		TimestampsStorage storage = storage(Duration.ofSeconds(30));
		CompletableFuture<Object> held = holdTheLock();
		long timestamp = Clock.SYSTEM.timestamp();

		CompletableFuture<Void> write = CompletableFuture.runAsync(() -> storage.putIntoCache(KEY, timestamp, null));
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (storage.retries() == 0 && !write.isDone() && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		assertThat(write).as("the write waits while the lock is held").isNotDone();
		assertThat(storage.retries()).as("the write met a lock timeout and tries again").isPositive();

		holder.release.countDown();
		held.get(10, TimeUnit.SECONDS);
		write.get(10, TimeUnit.SECONDS);
		assertThat(cache.get(KEY)).isEqualTo(timestamp);
	}

	@Test
	void aPreInvalidationWhoseKeyStaysLockedPastTheBudget_failsNamingTheKeyAndTheSetting() throws Exception {
		TimestampsStorage storage = storage(Duration.ofMillis(200));
		holdTheLock();
		long preInvalidation = Clock.SYSTEM.timestamp() + Clock.timestampUnits(60_000);

		assertThatThrownBy(() -> storage.putIntoCache(KEY, preInvalidation, null))
				.isInstanceOf(CacheException.class)
				.hasMessageContaining("'product'")
				.hasMessageContaining("hibernate.cache.clustercache.invalidation_timeout");
	}

	@Listener(sync = true)
	public static final class LockHolder {

		final AtomicBoolean armed = new AtomicBoolean();
		final CountDownLatch holding = new CountDownLatch(1);
		final CountDownLatch release = new CountDownLatch(1);

		@CacheEntryModified
		public void onModified(CacheEntryModifiedEvent<Object, Object> event) throws InterruptedException {
			if (event.isPre() && armed.compareAndSet(true, false)) {
				holding.countDown();
				release.await(30, TimeUnit.SECONDS);
			}
		}
	}
}
