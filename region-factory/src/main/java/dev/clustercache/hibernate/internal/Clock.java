package dev.clustercache.hibernate.internal;

import org.hibernate.cache.spi.support.SimpleTimestamper;

/**
 * The two clocks of a node: a monotonic one for durations (leases, write windows) and Hibernate's cache timestamps
 * (the transaction start times that {@code RegionFactory#nextTimestamp()} hands out), which the protocol compares with
 * the end of writes seen on this node. Tests inject a fake one.
 */
interface Clock {

	/** Monotonic nanoseconds, for durations only. */
	long nanoTime();

	/** A strictly increasing cache timestamp in Hibernate's format (milliseconds shifted left by 12 bits). */
	long timestamp();

	/** The length of {@code millis} in timestamp units. */
	static long timestampUnits(long millis) {
		return millis * SimpleTimestamper.ONE_MS;
	}

	Clock SYSTEM = new Clock() {
		@Override
		public long nanoTime() {
			return System.nanoTime();
		}

		@Override
		public long timestamp() {
			return SimpleTimestamper.next();
		}
	};
}
