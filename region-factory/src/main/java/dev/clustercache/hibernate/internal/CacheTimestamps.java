package dev.clustercache.hibernate.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Cache timestamps in Hibernate's format (wall-clock milliseconds shifted left by 12 bits), handed out so that a
 * transaction's start costs no write to memory that other threads share.
 * <p>
 * Hibernate's {@code SimpleTimestamper} makes every timestamp unique with a compare-and-set on one counter. Every
 * session takes one when it opens, so threads that open sessions on different cores pass that counter's cache line
 * back and forth: on two threads it was the hottest shared write of a {@code find} hit. Only the events that a
 * transaction start is compared with need to be ordered strictly, not the starts among themselves:
 * <ul>
 * <li>{@link #next()} (the end of a write, a clear, a pre-invalidation, the start of the lease) is strictly greater
 * than every timestamp either method returned before it;</li>
 * <li>{@link #start()} (a transaction's start) is strictly greater than every {@link #next()} returned before it, and
 * not greater than any {@link #next()} returned after it. It reads the counter and writes it only when the wall clock
 * has passed it, at most once a millisecond.</li>
 * </ul>
 * So a transaction that started before a write ended has a start at most that end: every check of the protocol then
 * refuses its put ({@code start <= lastWriteEnd}), as it must. One that started after the end has a start above it, so
 * a read right after a commit still caches what it loads, as it did with unique timestamps. Two starts may be equal,
 * which nothing compares. Neither runs ahead of the wall clock's next millisecond (but see {@link #next()} for a
 * wall clock that steps back).
 */
final class CacheTimestamps {

	/** The number of timestamp units in a millisecond. */
	static final long ONE_MS = 1 << 12;

	static final CacheTimestamps SYSTEM = new CacheTimestamps(System::currentTimeMillis);

	private final LongSupplier wallClockMillis;
	/** What {@link #next()} does while it waits for the wall clock's next millisecond. */
	private final Runnable waitForClock;
	/** The largest value {@link #next()} returned, or the largest wall-clock reading {@link #start()} saw. */
	private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);

	CacheTimestamps(LongSupplier wallClockMillis) {
		this(wallClockMillis, Thread::onSpinWait);
	}

	/** @param waitForClock run while waiting for the wall clock to move on (a test's clock moves it) */
	CacheTimestamps(LongSupplier wallClockMillis, Runnable waitForClock) {
		this.wallClockMillis = wallClockMillis;
		this.waitForClock = waitForClock;
	}

	/**
	 * A timestamp strictly greater than every one handed out before, and below the wall clock's next millisecond: the
	 * other nodes compare this node's timestamps with theirs allowing only for the clocks' skew, so the counter must
	 * not run ahead of the wall clock. When a millisecond's 4,096 values are used up, the caller waits for the next
	 * millisecond, as with Hibernate's {@code SimpleTimestamper}. A wall clock that stepped back by two milliseconds
	 * or more is not waited for (the counter keeps its lead for as long as the step, which the skew allowance must
	 * then cover), where {@code SimpleTimestamper} would hold every caller until the clock caught up.
	 */
	long next() {
		while (true) {
			long now = wallClockMillis.getAsLong() * ONE_MS;
			long previous = last.get();
			long next = Math.max(now, previous + 1);
			if (next - now >= ONE_MS && next - now < 2 * ONE_MS) {
				waitForClock.run();
			}
			else if (last.compareAndSet(previous, next)) {
				return next;
			}
		}
	}

	/**
	 * A transaction's start: strictly greater than every {@link #next()} returned before, and not greater than any
	 * returned after.
	 */
	long start() {
		// the counter before the clock: an event that moves it in between makes the compareAndSet below fail
		long previous = last.get();
		long now = wallClockMillis.getAsLong() * ONE_MS;
		while (now > previous) {
			// the wall clock passed the counter: publish it, so that a later next() is above this start even if the
			// wall clock steps back meanwhile. A failed compareAndSet means another thread moved the counter, maybe to
			// less than this reading (its clock read behind): try again with what it holds now
			if (last.compareAndSet(previous, now)) {
				return now;
			}
			previous = last.get();
		}
		return previous + 1;
	}
}
