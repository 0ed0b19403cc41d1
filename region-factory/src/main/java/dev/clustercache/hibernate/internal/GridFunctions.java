package dev.clustercache.hibernate.internal;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.infinispan.functional.EntryView.ReadWriteEntryView;
import org.infinispan.functional.MetaParam;

/**
 * The changes of a replicated or distributed region's {@link GridEntry}, run by Infinispan's functional read-write map
 * at the key's primary owner under its lock, and applied the same way by the backup owners. Each function is a
 * decision and its effect in one step: nothing is read on one node and written back from another.
 * <p>
 * The functions read no clock: the asking node's time travels in {@link Timing}, so every owner computes the same
 * result. Write windows older than the lock timeout count as ended then (their writer crashed or its end was lost).
 */
final class GridFunctions {

	private GridFunctions() {
	}

	/**
	 * The asking node's time and the region's limits; times in cache timestamp units, lifespans in milliseconds.
	 *
	 * @param valueLifespanMillis the region's lifespan for cached states, -1 for never
	 * @param valueMaxIdleMillis the region's idle timeout for cached states, -1 for never
	 * @param recordLifespanMillis how long a trace of a write stays: a load older than the lock timeout is not cached,
	 * so a trace must outlive its window by at least that
	 */
	record Timing(long now, long lockTimeout, long skew, long valueLifespanMillis, long valueMaxIdleMillis,
			long recordLifespanMillis) implements Serializable {
	}

	/** The entry as a function sees it, with expired windows closed. */
	private static final class Current {
		final Map<String, Long> writers = new HashMap<>(2);
		long lastWriteEnd = Long.MIN_VALUE;
		long epoch;
		GridEntry.Value value;

		Current(ReadWriteEntryView<Object, Object> view, Timing t) {
			Object stored = view.find().orElse(null);
			if (stored instanceof GridEntry e) {
				lastWriteEnd = e.lastWriteEnd();
				epoch = e.epoch();
				if (e instanceof GridEntry.Value v) {
					value = v;
				}
				else if (e instanceof GridEntry.Writing w) {
					w.writers().forEach((writer, since) -> {
						if (t.now() - since > t.lockTimeout()) {
							lastWriteEnd = Math.max(lastWriteEnd, since + t.lockTimeout());
						}
						else {
							writers.put(writer, since);
						}
					});
				}
			}
		}

		/** Stores the windows still open, or the trace of the last write. */
		void storeRecord(ReadWriteEntryView<Object, Object> view, Timing t) {
			GridEntry record = writers.isEmpty() ? new GridEntry.Removed(lastWriteEnd, epoch)
					: new GridEntry.Writing(Map.copyOf(writers), lastWriteEnd, epoch);
			view.set(record, new MetaParam.MetaLifespan(t.recordLifespanMillis()), new MetaParam.MetaMaxIdle(-1));
		}

		/** Stores a cached state; one written shortly after a write lives at least as long as a trace would. */
		void storeValue(ReadWriteEntryView<Object, Object> view, Object state, Timing t) {
			long lifespan = t.valueLifespanMillis();
			long maxIdle = t.valueMaxIdleMillis();
			if (lastWriteEnd != Long.MIN_VALUE && t.now() - lastWriteEnd < 2 * t.lockTimeout()) {
				lifespan = lifespan < 0 ? -1 : Math.max(lifespan, t.recordLifespanMillis());
				maxIdle = maxIdle < 0 ? -1 : Math.max(maxIdle, t.recordLifespanMillis());
			}
			view.set(new GridEntry.Value(state, lastWriteEnd, epoch, t.now()), new MetaParam.MetaLifespan(lifespan),
					new MetaParam.MetaMaxIdle(maxIdle));
		}
	}

	/** Opens a window: drops the cached state; returns the key's epoch, which the writer hands back at the end. */
	record BeginWrite(String writer, Timing timing)
			implements Function<ReadWriteEntryView<Object, Object>, Object>, Serializable {
		@Override
		public Object apply(ReadWriteEntryView<Object, Object> view) {
			Current c = new Current(view, timing);
			c.writers.put(writer, timing.now());
			c.epoch++;
			c.storeRecord(view, timing);
			return c.epoch;
		}
	}

	/**
	 * Closes a window. The committed {@code state} (null after a rollback or for a delete) is cached only when this was
	 * the only window on the key and nothing else touched it since it opened ({@code epoch} unchanged).
	 */
	record EndWrite(String writer, long epoch, Object state, Timing timing)
			implements Function<ReadWriteEntryView<Object, Object>, Object>, Serializable {
		@Override
		public Object apply(ReadWriteEntryView<Object, Object> view) {
			Current c = new Current(view, timing);
			boolean onlyWriter = c.epoch == epoch && c.writers.size() == 1 && c.writers.containsKey(writer);
			c.writers.remove(writer);
			c.lastWriteEnd = Math.max(c.lastWriteEnd, timing.now());
			if (state != null && onlyWriter) {
				c.storeValue(view, state, timing);
				return Boolean.TRUE;
			}
			c.epoch++;
			c.storeRecord(view, timing);
			return Boolean.FALSE;
		}
	}

	/** An eviction: a window that opens and closes at once; windows open on the key stay open. */
	record Invalidate(Timing timing) implements Function<ReadWriteEntryView<Object, Object>, Object>, Serializable {
		@Override
		public Object apply(ReadWriteEntryView<Object, Object> view) {
			Current c = new Current(view, timing);
			c.lastWriteEnd = Math.max(c.lastWriteEnd, timing.now());
			c.epoch++;
			c.storeRecord(view, timing);
			return null;
		}
	}

	/**
	 * Caches a loaded state if no window is open on the key and the loading transaction started after the last write on
	 * it ended (plus the clock skew allowance: the two times come from different nodes). A state cached before the asking
	 * node last cleared the region ({@code clearedAt}, its clock) counts as absent. Returns the {@link PutOutcome}'s
	 * ordinal.
	 */
	record PutFromLoad(Object state, long txTimestamp, long clearedAt, ReplaceRule rule, Timing timing)
			implements Function<ReadWriteEntryView<Object, Object>, Object>, Serializable {
		@Override
		public Object apply(ReadWriteEntryView<Object, Object> view) {
			Current c = new Current(view, timing);
			PutOutcome outcome;
			if (!c.writers.isEmpty()) {
				outcome = PutOutcome.REJECTED_WRITE_IN_PROGRESS;
			}
			else if (c.lastWriteEnd != Long.MIN_VALUE && txTimestamp <= c.lastWriteEnd + timing.skew()) {
				outcome = PutOutcome.REJECTED_STALE_LOAD;
			}
			else if (!rule.test(c.value == null || !c.value.cachedAfter(clearedAt, timing.skew()) ? null
					: c.value.value())) {
				outcome = PutOutcome.SKIPPED;
			}
			else {
				c.storeValue(view, state, timing);
				outcome = PutOutcome.PUT;
			}
			return outcome.ordinal();
		}
	}
}
