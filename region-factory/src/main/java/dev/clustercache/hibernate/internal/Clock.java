package dev.clustercache.hibernate.internal;

/**
 * The two clocks of a node: a monotonic one for durations (leases, write windows) and Hibernate's cache timestamps:
 * the starts of transactions, which the protocol compares with the ends of writes and the clears seen on this node,
 * and those events' own timestamps ({@code RegionFactory#nextTimestamp()}). Tests inject a fake one.
 */
interface Clock {

	/** Monotonic nanoseconds, for durations only. */
	long nanoTime();

	/**
	 * A strictly increasing cache timestamp in Hibernate's format (milliseconds shifted left by 12 bits), for events:
	 * the end of a write, a clear, a pre-invalidation.
	 */
	long timestamp();

	/**
	 * A transaction's start: greater than every {@link #timestamp()} returned before, not greater than any returned
	 * after; two starts may be equal ({@link CacheTimestamps}).
	 */
	default long transactionStart() {
		return timestamp();
	}

	/** The length of {@code millis} in timestamp units. */
	static long timestampUnits(long millis) {
		return millis * CacheTimestamps.ONE_MS;
	}

	Clock SYSTEM = new Clock() {
		@Override
		public long nanoTime() {
			return System.nanoTime();
		}

		@Override
		public long timestamp() {
			return CacheTimestamps.SYSTEM.next();
		}

		@Override
		public long transactionStart() {
			return CacheTimestamps.SYSTEM.start();
		}
	};
}
