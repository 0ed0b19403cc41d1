package dev.clustercache.hibernate.internal;

import java.io.Serializable;
import java.util.Map;

/**
 * What a replicated or distributed region stores under a key (DESIGN.md §4.2): the cached state, the write windows open
 * on the key, or the trace of the last write. Every change is made by a {@link GridFunctions} function at the key's
 * primary owner, so each decision and its effect are one atomic step there.
 * <p>
 * All times are Hibernate cache timestamps taken by the node that asked for the change (never by the owner), so that
 * every owner applies exactly the same change.
 */
sealed interface GridEntry extends Serializable {

	/** The latest end of a write on the key (or since the record was created), in cache timestamp units. */
	long lastWriteEnd();

	/** Counts the writes on the key; a writer caches its state only if the count did not move during its window. */
	long epoch();

	/**
	 * The cached state of the key: Hibernate's cache entry.
	 *
	 * @param cachedAt when the state was cached (the caching node's clock): a node serves it only if that was after the
	 * region was last cleared there, so that a state that a merge or a state transfer brings back from a node that had
	 * not cleared yet stays invisible
	 */
	record Value(Object value, long lastWriteEnd, long epoch, long cachedAt) implements GridEntry {

		/** Whether this state was cached after {@code clearedAt} (a time of this node's), with the skew allowance. */
		boolean cachedAfter(long clearedAt, long skew) {
			return clearedAt == Long.MIN_VALUE || cachedAt - skew > clearedAt;
		}
	}

	/**
	 * Write windows open on the key: nothing is served or put until they end.
	 *
	 * @param writers writer id to the time its window opened
	 */
	record Writing(Map<String, Long> writers, long lastWriteEnd, long epoch) implements GridEntry {
	}

	/** No state: the key was written or evicted at {@code lastWriteEnd}. */
	record Removed(long lastWriteEnd, long epoch) implements GridEntry {
	}
}
