package dev.clustercache.hibernate.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} that moves only when told to. Its cache timestamps are {@link CacheTimestamps} over the fake time
 * (milliseconds shifted left by 12 bits), as the system clock's are over the wall clock: {@link #timestamp()} is
 * strictly increasing, and transaction starts in one fake millisecond are equal. When more than a millisecond's worth
 * of timestamps is taken, their wall clock moves on by itself, as a real one would while the caller waits. Thread-safe.
 */
final class FakeClock implements Clock {

	/** Far from zero, so that "time zero" never looks special to the code under test. */
	static final long START_NANOS = 1_000_000_000_000L;

	private final AtomicLong nanos = new AtomicLong(START_NANOS);
	/** How far the cache timestamps' wall clock moved on while callers waited for it; the fake time does not move. */
	private final AtomicLong waitedMillis = new AtomicLong();
	private final CacheTimestamps timestamps = new CacheTimestamps(() -> nanos.get() / 1_000_000 + waitedMillis.get(),
			waitedMillis::incrementAndGet);

	@Override
	public long nanoTime() {
		return nanos.get();
	}

	@Override
	public long timestamp() {
		return timestamps.next();
	}

	@Override
	public long transactionStart() {
		return timestamps.start();
	}

	void advance(Duration d) {
		nanos.addAndGet(d.toNanos());
	}

	void setNanoTime(long value) {
		nanos.set(value);
	}
}
