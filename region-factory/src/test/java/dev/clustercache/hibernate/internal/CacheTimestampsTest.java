package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The order of {@link CacheTimestamps}: what the protocol's checks ({@code start <= lastWriteEnd} refuses a put) need
 * of a transaction's start and of the events it is compared with, on a wall clock that the test moves.
 */
@Timeout(10)
class CacheTimestampsTest {

	private final AtomicLong wallClock = new AtomicLong(1_700_000_000_000L);
	private final CacheTimestamps timestamps = new CacheTimestamps(wallClock::get);

	@Test
	void events_areStrictlyIncreasing_withinOneMillisecond() {
		long first = timestamps.next();
		long second = timestamps.next();

		assertThat(first).isEqualTo(wallClock.get() * CacheTimestamps.ONE_MS);
		assertThat(second).isGreaterThan(first);
	}

	/**
	 * Other nodes compare this node's timestamps with theirs, allowing only for the clocks' skew: once a millisecond's
	 * 4,096 values are used up, the next event waits for the wall clock's next millisecond instead of running ahead.
	 */
	@Test
	void events_waitForTheNextMillisecond_onceOneMillisecondsValuesAreUsedUp() {
		long millis = wallClock.get();
		AtomicInteger reads = new AtomicInteger();
		int movesAfter = (int) CacheTimestamps.ONE_MS + 10;
		CacheTimestamps busy = new CacheTimestamps(() -> reads.incrementAndGet() > movesAfter ? millis + 1 : millis);

		for (int i = 0; i < CacheTimestamps.ONE_MS; i++) {
			assertThat(busy.next()).isLessThan((millis + 1) * CacheTimestamps.ONE_MS);
		}
		assertThat(busy.next()).isEqualTo((millis + 1) * CacheTimestamps.ONE_MS);
		assertThat(reads.get()).as("the wall clock was read until it moved on").isGreaterThan(movesAfter);
	}

	@Test
	void startAfterAnEvent_isAboveIt_inTheSameMillisecond() {
		long writeEnd = timestamps.next();

		assertThat(timestamps.start()).isGreaterThan(writeEnd);
	}

	@Test
	void eventAfterAStart_isNotBelowIt_inTheSameMillisecond() {
		long start = timestamps.start();

		assertThat(timestamps.next()).isGreaterThanOrEqualTo(start);
	}

	@Test
	void startsInOneMillisecond_areEqual_soTheyWriteNothingTheEventsCompare() {
		long writeEnd = timestamps.next();
		long first = timestamps.start();
		long second = timestamps.start();

		assertThat(second).isEqualTo(first);
		assertThat(timestamps.next()).as("an event after both starts").isGreaterThanOrEqualTo(second)
				.isGreaterThan(writeEnd);
	}

	@Test
	void startFollowsTheWallClock_whenItPassedTheLastEvent() {
		timestamps.next();
		wallClock.addAndGet(5);

		assertThat(timestamps.start()).isEqualTo(wallClock.get() * CacheTimestamps.ONE_MS);
	}

	@Test
	void eventAfterAStart_isNotBelowIt_whenTheWallClockStepsBack() {
		long start = timestamps.start();
		wallClock.addAndGet(-2_000);

		long writeEnd = timestamps.next();
		assertThat(writeEnd).as("a write that ended after the transaction started").isGreaterThanOrEqualTo(start);
		assertThat(timestamps.start()).isGreaterThan(writeEnd);
	}

	@Test
	void startAfterAnEvent_isAboveIt_whenTheWallClockStepsBack() {
		wallClock.addAndGet(1);
		long writeEnd = timestamps.next();
		wallClock.addAndGet(-1_000);

		assertThat(timestamps.start()).isGreaterThan(writeEnd);
	}

	/**
	 * An event on another thread moves the counter while a start reads the clock, and its own clock reading is behind
	 * the start's (another core, or a clock that stepped back between the two readings). The start's compareAndSet
	 * then fails; it must still publish its reading, or a later event could come out below it.
	 */
	@Test
	void startRacingAnEventThatReadAnEarlierClock_stillPublishesItself_soLaterEventsAreNotBelowIt() {
		long millis = wallClock.get();
		AtomicInteger reads = new AtomicInteger();
		CacheTimestamps[] racing = new CacheTimestamps[1];
		AtomicLong racingEvent = new AtomicLong();
		// the start's clock reading (the second read) runs the other thread's event first, which reads 5 ms earlier
		racing[0] = new CacheTimestamps(() -> switch (reads.incrementAndGet()) {
			case 2 -> {
				racingEvent.set(racing[0].next());
				yield millis;
			}
			case 3 -> millis - 5;
			default -> millis - 10;
		});
		long before = racing[0].next();

		long start = racing[0].start();

		assertThat(reads.get()).as("the event ran inside the start's clock reading").isGreaterThanOrEqualTo(3);
		assertThat(start).isGreaterThan(before).isGreaterThan(racingEvent.get());
		assertThat(racing[0].next()).as("an event after the start, its clock still behind")
				.isGreaterThanOrEqualTo(start);
	}

	/**
	 * A transaction starts and loads in the same millisecond as a write on its key ends, before it (its put must be
	 * refused) or after it (its put may be cached): the two cases differ only in the order of the calls.
	 */
	@Test
	void theProtocolsCheck_refusesAStartBeforeTheWriteEnd_andAcceptsOneAfter_inOneMillisecond() {
		long startedBefore = timestamps.start();
		long writeEnd = timestamps.next();
		long startedAfter = timestamps.start();

		assertThat(startedBefore <= writeEnd).as("refused: started before the write ended").isTrue();
		assertThat(startedAfter <= writeEnd).as("refused: started after the write ended").isFalse();
	}
}
