package dev.clustercache.hibernate.internal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the protocol did in one region on this node, for {@link NodeMetrics}. Misses include the reads bypassed while the
 * lease was not valid (Hibernate sees a miss). LongAdders only: the read path pays one increment.
 */
final class RegionStatistics {

	private final Map<PutOutcome, LongAdder> puts = new EnumMap<>(PutOutcome.class);
	final LongAdder hits = new LongAdder();
	final LongAdder misses = new LongAdder();
	final LongAdder bypassedReads = new LongAdder();
	final LongAdder invalidationsSent = new LongAdder();
	final LongAdder invalidationsReceived = new LongAdder();

	RegionStatistics() {
		for (PutOutcome o : PutOutcome.values()) {
			puts.put(o, new LongAdder());
		}
	}

	/** A read whose entry was not served, the lease not holding after the read: Hibernate sees a miss. */
	void countBypassed() {
		bypassedReads.increment();
		misses.increment();
	}

	void count(PutOutcome outcome) {
		puts.get(outcome).increment();
	}

	long puts(PutOutcome outcome) {
		return puts.get(outcome).sum();
	}

	@Override
	public String toString() {
		return "hits " + hits + ", misses " + misses + ", puts " + puts + ", bypassed reads " + bypassedReads + ", invalidations sent " + invalidationsSent
				+ ", received " + invalidationsReceived;
	}
}
