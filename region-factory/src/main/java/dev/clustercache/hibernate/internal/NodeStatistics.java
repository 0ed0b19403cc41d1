package dev.clustercache.hibernate.internal;

import java.util.concurrent.atomic.LongAdder;

/** What the cluster side of this node did, for {@link NodeMetrics}: synchronous round trips and merges. */
final class NodeStatistics {

	private final LongAdder roundTrips = new LongAdder();
	private final LongAdder roundTripNanos = new LongAdder();
	private final LongAdder merges = new LongAdder();
	private volatile long lastMergeMillis;

	/** A synchronous call to the other members (open, end or invalidate) took {@code nanos}. */
	void roundTrip(long nanos) {
		roundTrips.increment();
		roundTripNanos.add(nanos);
	}

	void merged(long epochMillis) {
		merges.increment();
		lastMergeMillis = epochMillis;
	}

	long roundTrips() {
		return roundTrips.sum();
	}

	long roundTripNanos() {
		return roundTripNanos.sum();
	}

	long merges() {
		return merges.sum();
	}

	/** Wall-clock milliseconds of the last merge; 0 when there was none. */
	long lastMergeMillis() {
		return lastMergeMillis;
	}
}
