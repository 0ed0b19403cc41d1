package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.infinispan.AdvancedCache;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.manager.DefaultCacheManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The timestamps a grid region's operations take (a local Infinispan cache runs the same functions an owner runs; no
 * network). The cluster's races are proven by GridRacesIT.
 */
class GridRegionTest {

	private static final long LOCK_TIMEOUT_MILLIS = 60_000;

	private final FakeClock clock = new FakeClock();
	private DefaultCacheManager manager;
	private GridRegion region;

	@BeforeEach
	void start() {
		manager = new DefaultCacheManager(new GlobalConfigurationBuilder().nonClusteredDefault().build());
		manager.defineConfiguration("grid", new ConfigurationBuilder().build());
		AdvancedCache<Object, Object> cache = manager.<Object, Object>getCache("grid").getAdvancedCache();
		region = new GridRegion("grid", () -> cache, clock, LOCK_TIMEOUT_MILLIS, 0, -1, -1);
	}

	@AfterEach
	void stop() {
		manager.stop();
	}

	/**
	 * A query puts every row it reads. Were each put an event, more than a millisecond's 4,096 timestamps would make the
	 * node's next write wait for the wall clock (FakeClock's moves on while a caller waits).
	 */
	@Test
	void putsFromLoad_takeNoEventTimestamp_soAQueryOfManyRowsDoesNotHoldUpTheNextWrite() {
		long before = clock.timestamp();
		for (int row = 0; row < 5_000; row++) {
			assertThat(region.putFromLoad(row, "row " + row, clock.transactionStart(), Long.MIN_VALUE,
					ReplaceRule.ONLY_IF_ABSENT)).isEqualTo(PutOutcome.PUT);
		}
		assertThat(clock.timestamp()).as("the next event, in the same millisecond").isEqualTo(before + 1);
		assertThat(region.get(4_999)).isEqualTo("row 4999");
	}

	@Test
	void loadStartedBeforeAnEvictionInTheSameMillisecond_isRefused_andOneStartedAfterIt_isCached() {
		long startedBefore = clock.transactionStart();
		region.invalidate("key");
		assertThat(region.putFromLoad("key", "old", startedBefore, Long.MIN_VALUE, ReplaceRule.ONLY_IF_ABSENT))
				.isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(region.putFromLoad("key", "new", clock.transactionStart(), Long.MIN_VALUE,
				ReplaceRule.ONLY_IF_ABSENT)).isEqualTo(PutOutcome.PUT);
		assertThat(region.get("key")).isEqualTo("new");
	}

	@Test
	void valueCachedAfterAClearInTheSameMillisecond_isServed_andOneCachedBefore_isNot() {
		region.putFromLoad("before", "cached before", clock.transactionStart(), Long.MIN_VALUE,
				ReplaceRule.ONLY_IF_ABSENT);
		long clearedAt = clock.timestamp();
		region.putFromLoad("after", "cached after", clock.transactionStart(), clearedAt, ReplaceRule.ONLY_IF_ABSENT);
		assertThat(region.get("before", clearedAt)).isNull();
		assertThat(region.get("after", clearedAt)).isEqualTo("cached after");
	}
}
