package dev.clustercache.hibernate.internal;

import java.util.List;

import org.infinispan.container.entries.CacheEntry;
import org.infinispan.conflict.EntryMergePolicy;

/** After a merge, a space keeps the latest update timestamp any partition saw. */
final class MaxTimestampMergePolicy implements EntryMergePolicy<Object, Object> {

	@Override
	public CacheEntry<Object, Object> merge(CacheEntry<Object, Object> preferredEntry,
			List<CacheEntry<Object, Object>> otherEntries) {
		CacheEntry<Object, Object> best = preferredEntry;
		for (CacheEntry<Object, Object> e : otherEntries) {
			if (best == null || value(e) > value(best)) {
				best = e;
			}
		}
		return best;
	}

	private static long value(CacheEntry<Object, Object> e) {
		return e != null && e.getValue() instanceof Long l ? l : Long.MIN_VALUE;
	}
}
