package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * The update timestamps as a member sees them: write windows on query spaces open synchronously (before each writer's
 * commit) and end asynchronously, so the ends of concurrent writers arrive in any order. A cached query result is fresh
 * only while its space's timestamp is below the result's start, the test Hibernate applies.
 */
class TimestampsStorageTest {

	private static final String SPACE = "Product";
	private static final long LOCK_TIMEOUT = Clock.timestampUnits(60_000);
	private static final Writer W1 = new Writer("B", 1);
	private static final Writer W2 = new Writer("C", 1);

	private final FakeClock clock = new FakeClock();
	private final AtomicInteger queryRegionClears = new AtomicInteger();
	private final TimestampsStorage storage = new TimestampsStorage("timestamps",
			ClusterNode.local(clock, Duration.ofSeconds(1).toNanos(), "A"), 0, queryRegionClears::incrementAndGet,
			clock, LOCK_TIMEOUT);

	/** Whether a query result computed by a transaction that started at {@code resultStart} would be served. */
	private boolean fresh(long resultStart) {
		Long lastUpdate = (Long) storage.getFromCache(SPACE, null);
		return lastUpdate == null || lastUpdate < resultStart;
	}

	private void tick() {
		clock.advance(Duration.ofMillis(5));
	}

	@Test
	void aSpaceNoWriteTouched_hasNoTimestamp_soItsResultsAreFresh() {
		assertThat(storage.getFromCache(SPACE, null)).isNull();
		assertThat(fresh(clock.timestamp())).isTrue();
	}

	/**
	 * A member that could not be told of an update clears the whole timestamps region before it serves again; a space
	 * it knew no timestamp of must count as updated too, or its cached results from before the update look fresh.
	 */
	@Test
	void aClearOfTheWholeRegion_makesResultsFromBeforeItStale_alsoOnSpacesWithoutATimestamp() {
		storage.onEndWrite("Other", W1); // some space known here; SPACE is not
		tick();
		long before = clock.timestamp();
		tick();
		storage.onEndWrite(null, null);
		assertThat(fresh(before)).as("a result on a space never updated here, read before the clear").isFalse();
		assertThat((Long) storage.getFromCache("Other", null)).as("a space updated here before the clear")
				.isGreaterThanOrEqualTo(before);
		tick();
		long after = clock.timestamp();
		assertThat(fresh(after)).as("a result read after the clear").isTrue();
		tick();
		storage.onEndWrite(SPACE, null);
		assertThat(fresh(after)).as("a result read before a later update of the space").isFalse();
	}

	@Test
	void anOpenWindow_makesEveryResultStale_untilItsEnd_thenResultsFromAfterTheEndAreFresh() {
		storage.onBeginWrite(SPACE, W1);
		tick();
		long during = clock.timestamp();
		assertThat(fresh(during)).as("a result read while the write is under way").isFalse();

		tick();
		storage.onEndWrite(SPACE, W1);
		assertThat(fresh(during)).as("a result read before the commit").isFalse();
		tick();
		assertThat(fresh(clock.timestamp())).as("a result read after the end").isTrue();
	}

	/**
	 * W1 and W2 write the same space; W2 commits first and its end arrives while W1 is still writing. W2's end must not
	 * make W1's space look settled: a result read now, before W1's commit, would be served after W1's commit returned
	 * until W1's asynchronous end arrived. (A timestamp that each end simply overwrites fails here.)
	 */
	@Test
	void theEndOfOneWriter_doesNotSettleASpaceAnotherWriterIsStillWriting() {
		storage.onBeginWrite(SPACE, W1);
		storage.onBeginWrite(SPACE, W2);
		tick();
		storage.onEndWrite(SPACE, W2);
		tick();
		long beforeW1Commits = clock.timestamp();
		assertThat(fresh(beforeW1Commits)).as("W1 still writes").isFalse();

		tick();
		storage.onEndWrite(SPACE, W1);
		assertThat(fresh(beforeW1Commits)).as("read before W1's commit").isFalse();
		tick();
		assertThat(fresh(clock.timestamp())).isTrue();
	}

	@Test
	void theEndsOfConcurrentWriters_giveTheSameTimestamp_inEitherOrder() {
		TimestampsStorage other = new TimestampsStorage("timestamps",
				ClusterNode.local(clock, Duration.ofSeconds(1).toNanos(), "B"), 0, () -> { }, clock, LOCK_TIMEOUT);
		for (TimestampsStorage s : new TimestampsStorage[] {storage, other}) {
			s.onBeginWrite(SPACE, W1);
			s.onBeginWrite(SPACE, W2);
		}
		tick();
		storage.onEndWrite(SPACE, W1);
		other.onEndWrite(SPACE, W2);
		assertThat(fresh(clock.timestamp())).isFalse();
		storage.onEndWrite(SPACE, W2);
		other.onEndWrite(SPACE, W1);
		long afterBoth = clock.timestamp();
		assertThat((Long) storage.getFromCache(SPACE, null)).isLessThan(afterBoth);
		assertThat((Long) other.getFromCache(SPACE, null)).isLessThan(afterBoth);
	}

	/** A writer that crashed never ends its window: it counts until the lock timeout, then as an update at that time. */
	@Test
	void aWindowWhoseEndNeverComes_countsUntilTheLockTimeout_thenAsAnUpdateAtItsEnd() {
		storage.onBeginWrite(SPACE, W1);
		long whileOpen = clock.timestamp();
		clock.advance(Duration.ofSeconds(59));
		assertThat(fresh(clock.timestamp())).isFalse();

		clock.advance(Duration.ofSeconds(2));
		storage.onBeginWrite(SPACE, W2);
		storage.onEndWrite(SPACE, W2);
		assertThat(fresh(whileOpen)).as("read while the crashed writer's window was open").isFalse();
		tick();
		assertThat(fresh(clock.timestamp())).as("read after the other writer ended, the crashed one run out")
				.isTrue();
	}

	@Test
	void anEndWithoutItsBeginning_orAPlainInvalidation_isAnUpdateNow() {
		long before = clock.timestamp();
		tick();
		storage.onEndWrite(SPACE, W1);
		assertThat(fresh(before)).isFalse();
		tick();
		long between = clock.timestamp();
		tick();
		storage.onEndWrite(SPACE, null);
		assertThat(fresh(between)).isFalse();
	}

	@Test
	void aReset_marksEverySpaceUpdatedNow() {
		storage.onEndWrite(SPACE, W1);
		tick();
		long before = clock.timestamp();
		tick();
		storage.onReset();
		assertThat(fresh(before)).isFalse();
	}

	@Test
	void evictingTimestamps_clearsTheQueryRegions_andKeepsTheTimestamps() {
		storage.onBeginWrite(SPACE, W1);
		storage.evictData();
		storage.evictData(SPACE);
		assertThat(queryRegionClears).hasValue(2);
		assertThat(fresh(clock.timestamp())).isFalse();
	}
}
