package dev.clustercache.hibernate.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} that moves only when told to. {@link #timestamp()} follows the fake time in Hibernate's format
 * (milliseconds shifted left by 12 bits) and is strictly increasing, like {@code SimpleTimestamper}. Thread-safe.
 */
final class FakeClock implements Clock {

	/** Far from zero, so that "time zero" never looks special to the code under test. */
	static final long START_NANOS = 1_000_000_000_000L;

	private final AtomicLong nanos = new AtomicLong(START_NANOS);
	private long lastTimestamp = Long.MIN_VALUE;

	@Override
	public long nanoTime() {
		return nanos.get();
	}

	@Override
	public synchronized long timestamp() {
		long fromTime = (nanos.get() / 1_000_000) << 12;
		lastTimestamp = Math.max(lastTimestamp + 1, fromTime);
		return lastTimestamp;
	}

	void advance(Duration d) {
		nanos.addAndGet(d.toNanos());
	}

	void setNanoTime(long value) {
		nanos.set(value);
	}
}
