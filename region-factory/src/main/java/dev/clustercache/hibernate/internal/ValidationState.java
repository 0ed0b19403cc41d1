package dev.clustercache.hibernate.internal;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The put-from-load protocol of DESIGN.md §4.1 for one region on one node. For each key it keeps the pending loads (one
 * per session, registered on a miss), the active write windows (opened by any node) and the end of the last write seen
 * here. A put from load succeeds only if no write window is open on the key or the region, and either the session's
 * pending load saw no write begin since it was registered, or (a naked put, with no preceding miss) the session's
 * transaction started after the last write on the key ended. All times are this node's own.
 * <p>
 * Every decision on a key and the matching change of the data happen inside one {@link ConcurrentHashMap#compute} on
 * that key, so an invalidation arriving from another node can never fall between the check and the put. Region-wide
 * windows take the write side of a read-write lock; per-key operations take its read side.
 */
final class ValidationState {

	private static final long NONE = Long.MIN_VALUE;

	private final Clock clock;
	private final Store store;
	private final long lockTimeoutNanos;
	private final long retentionNanos;
	private final ConcurrentHashMap<Object, KeyRecord> records = new ConcurrentHashMap<>();
	private final ReentrantReadWriteLock regionLock = new ReentrantReadWriteLock();
	private final Map<Writer, Long> regionWriters = new ConcurrentHashMap<>();
	private final AtomicLong purgedWatermark = new AtomicLong(NONE);
	private volatile long regionEpoch;
	private final AtomicLong regionLastWriteEnd = new AtomicLong(NONE);
	/** The last time the store was cleared here: a region-wide window's start or end, an eviction, a merge. */
	private final AtomicLong regionCleared = new AtomicLong(NONE);
	private volatile long nextPurge;
	/** Write windows open here, on keys and on the region, exactly as held in the records (a gauge). */
	private final AtomicInteger openWindows = new AtomicInteger();

	/** What this node knows about one key. Guarded by the map's lock on the key. */
	private static final class KeyRecord {
		long epoch;
		Map<Writer, Long> writers;
		long lastWriteEnd = NONE;
		Map<Object, PendingLoad> pendingLoads;
		long touched;
	}

	private record PendingLoad(long keyEpoch, long regionEpoch, long registeredNanos) {
	}

	/** Returned when a local write window opens, to recognise later whether it stayed the only change to its key. */
	record WriteToken(long keyEpoch, long regionEpoch) {
	}

	ValidationState(Clock clock, Store store, long lockTimeoutNanos) {
		this.clock = clock;
		this.store = store;
		this.lockTimeoutNanos = lockTimeoutNanos;
		this.retentionNanos = lockTimeoutNanos;
		this.nextPurge = clock.nanoTime() + retentionNanos;
	}

	/** A get missed: remember that this session is loading the key. */
	void registerPendingLoad(Object session, Object key) {
		long now = clock.nanoTime();
		regionLock.readLock().lock();
		try {
			long regionEpochNow = regionEpoch;
			records.compute(key, (k, r) -> {
				if (r == null) {
					r = new KeyRecord();
				}
				if (r.pendingLoads == null) {
					r.pendingLoads = new HashMap<>(4);
				}
				r.pendingLoads.put(session, new PendingLoad(r.epoch, regionEpochNow, now));
				r.touched = now;
				return r;
			});
		}
		finally {
			regionLock.readLock().unlock();
		}
		maybePurge(now);
	}

	/** A miss that puts nothing after all (nothing was found to keep): its pending load is forgotten. */
	void forgetPendingLoad(Object session, Object key) {
		records.computeIfPresent(key, (k, r) -> {
			if (r.pendingLoads != null) {
				r.pendingLoads.remove(session);
			}
			return r;
		});
	}

	/**
	 * Puts {@code value} if the protocol allows it.
	 *
	 * @param txTimestamp the session's transaction start (Hibernate's caching timestamp)
	 * @param lease this node's lease; its validity and start bound what may be put
	 * @param mayReplace decides, given the entry cached now (or null), whether to replace it (minimal puts, versions)
	 */
	PutOutcome putFromLoad(Object session, Object key, Object value, long txTimestamp, Lease lease,
			java.util.function.Predicate<Object> mayReplace) {
		long now = clock.nanoTime();
		PutOutcome[] outcome = {PutOutcome.PUT};
		regionLock.readLock().lock();
		try {
			boolean regionWriting = hasActive(regionWriters, now, null);
			long regionEpochNow = regionEpoch;
			records.compute(key, (k, r) -> {
				PendingLoad pending = null;
				if (r != null && r.pendingLoads != null) {
					pending = r.pendingLoads.remove(session);
				}
				if (!lease.valid()) {
					outcome[0] = PutOutcome.REJECTED_LEASE;
				}
				else if (regionWriting || (r != null && hasActive(r.writers, now, r))) {
					outcome[0] = PutOutcome.REJECTED_WRITE_IN_PROGRESS;
				}
				else if (pending != null
						&& (pending.keyEpoch != r.epoch || pending.regionEpoch != regionEpochNow)) {
					outcome[0] = PutOutcome.REJECTED_STALE_LOAD;
				}
				else if (pending != null && pending.registeredNanos - lease.validSinceNanos() < 0) {
					outcome[0] = PutOutcome.REJECTED_LEASE;
				}
				else {
					// with or without a pending load: under repeatable-read or snapshot isolation a transaction reads
					// the state of its start, so it must have started after the last write on the key ended
					long lastEnd = Math.max(r == null ? NONE : r.lastWriteEnd,
							Math.max(regionLastWriteEnd.get(), purgedWatermark.get()));
					if (txTimestamp <= lastEnd) {
						outcome[0] = PutOutcome.REJECTED_STALE_LOAD;
					}
					else if (txTimestamp <= lease.validSinceTimestamp()) {
						outcome[0] = PutOutcome.REJECTED_LEASE;
					}
				}
				if (outcome[0] == PutOutcome.PUT) {
					if (mayReplace.test(store.get(k))) {
						store.put(k, value);
					}
					else {
						outcome[0] = PutOutcome.SKIPPED;
					}
				}
				if (r != null) {
					r.touched = now;
				}
				return r;
			});
		}
		finally {
			regionLock.readLock().unlock();
		}
		return outcome[0];
	}

	/** A write window opens on {@code key} (from this node or another): drop the entry, void pending loads. */
	WriteToken beginWrite(Object key, Writer writer) {
		long now = clock.nanoTime();
		long[] epoch = new long[1];
		regionLock.readLock().lock();
		try {
			long regionEpochNow = regionEpoch;
			records.compute(key, (k, r) -> {
				if (r == null) {
					r = new KeyRecord();
				}
				if (r.writers == null) {
					r.writers = new HashMap<>(2);
				}
				if (r.writers.put(writer, now) == null) {
					openWindows.incrementAndGet();
				}
				r.epoch++;
				r.touched = now;
				store.remove(k);
				epoch[0] = r.epoch;
				return r;
			});
			maybePurge(now);
			return new WriteToken(epoch[0], regionEpochNow);
		}
		finally {
			regionLock.readLock().unlock();
		}
	}

	/**
	 * A write window on {@code key} ends (committed or not). The entry is dropped again and pending loads are voided:
	 * this also covers a node that never saw the window open (it joined meanwhile). If {@code newValue} is given (the
	 * committed state, on the writing node) and the window stayed the only change to the key, it is cached.
	 *
	 * @return whether {@code newValue} was cached
	 */
	boolean endWrite(Object key, Writer writer, Object newValue, WriteToken token) {
		long now = clock.nanoTime();
		long endTimestamp = clock.timestamp();
		boolean[] cached = {false};
		regionLock.readLock().lock();
		try {
			boolean regionWriting = hasActive(regionWriters, now, null);
			long regionEpochNow = regionEpoch;
			records.compute(key, (k, r) -> {
				if (r == null) {
					r = new KeyRecord();
				}
				boolean onlyWriter = token != null && r.epoch == token.keyEpoch() && r.writers != null
						&& r.writers.size() == 1 && r.writers.containsKey(writer)
						&& !regionWriting && regionEpochNow == token.regionEpoch();
				if (r.writers != null) {
					if (r.writers.remove(writer) != null) {
						openWindows.decrementAndGet();
					}
					if (r.writers.isEmpty()) {
						r.writers = null;
					}
				}
				r.epoch++;
				r.lastWriteEnd = Math.max(r.lastWriteEnd, endTimestamp);
				r.touched = now;
				store.remove(k);
				if (newValue != null && onlyWriter) {
					store.put(k, newValue);
					cached[0] = true;
				}
				return r;
			});
		}
		finally {
			regionLock.readLock().unlock();
		}
		return cached[0];
	}

	/** An eviction of one key: a write window that opens and ends at once. */
	void invalidate(Object key) {
		endWrite(key, null, null, null);
	}

	/** A region-wide write window opens (bulk DML, lockRegion): drop every entry, void every pending load. */
	void beginRegionWrite(Writer writer) {
		regionLock.writeLock().lock();
		try {
			if (regionWriters.put(writer, clock.nanoTime()) == null) {
				openWindows.incrementAndGet();
			}
			regionEpoch++;
			regionCleared.accumulateAndGet(clock.timestamp(), Math::max);
			store.clear();
		}
		finally {
			regionLock.writeLock().unlock();
		}
	}

	/** A region-wide write window ends; {@code writer} null for an eviction of the whole region. */
	void endRegionWrite(Writer writer) {
		regionLock.writeLock().lock();
		try {
			if (writer != null && regionWriters.remove(writer) != null) {
				openWindows.decrementAndGet();
			}
			regionEpoch++;
			long now = clock.timestamp();
			regionLastWriteEnd.accumulateAndGet(now, Math::max);
			regionCleared.accumulateAndGet(now, Math::max);
			store.clear();
		}
		finally {
			regionLock.writeLock().unlock();
		}
	}

	/**
	 * When this region was last cleared here (the start or end of a region-wide window, an eviction of the region, a
	 * merge), this node's clock; {@link Long#MIN_VALUE} for never. A replicated or distributed region's state cached
	 * before it is not served.
	 */
	long regionClearedAt() {
		return regionCleared.get();
	}

	/** Everything cached and every pending load is void (after a merge); open windows stay open. */
	void reset() {
		endRegionWrite(null);
	}

	/** This node's view of the region-wide windows: one open, the last end (this node's clock), the epoch. */
	record RegionView(boolean writing, long lastWriteEnd, long epoch) {
	}

	/**
	 * Runs {@code work} with this node's view of the region-wide windows, which stays true until it returns: a
	 * region-wide window opening here waits for it.
	 */
	<T> T withRegionView(java.util.function.Function<RegionView, T> work) {
		long now = clock.nanoTime();
		regionLock.readLock().lock();
		try {
			return work.apply(new RegionView(hasActive(regionWriters, now, null),
					Math.max(regionLastWriteEnd.get(), purgedWatermark.get()), regionEpoch));
		}
		finally {
			regionLock.readLock().unlock();
		}
	}

	/** Whether a write window is open on {@code key} or on the region (for tests and diagnostics). */
	boolean writeInProgress(Object key) {
		long now = clock.nanoTime();
		regionLock.readLock().lock();
		try {
			boolean[] active = {hasActive(regionWriters, now, null)};
			records.computeIfPresent(key, (k, r) -> {
				active[0] |= hasActive(r.writers, now, r);
				return r;
			});
			return active[0];
		}
		finally {
			regionLock.readLock().unlock();
		}
	}

	/** The write windows open on this node's view of the region (keys and region-wide), whoever opened them. */
	int openWindows() {
		return openWindows.get();
	}

	int recordCount() {
		return records.size();
	}

	/**
	 * Whether a write window is open; drops windows older than the lock timeout (their end never came: the writer
	 * crashed or its end was lost). A dropped window counts as ended now, so a naked put from a transaction that
	 * started before it is still refused.
	 *
	 * @param owner the key's record, or null for the region's windows
	 */
	private boolean hasActive(Map<Writer, Long> writers, long now, KeyRecord owner) {
		if (writers == null || writers.isEmpty()) {
			return false;
		}
		boolean expired = false;
		for (Iterator<Long> it = writers.values().iterator(); it.hasNext(); ) {
			if (now - it.next() > lockTimeoutNanos) {
				it.remove();
				openWindows.decrementAndGet();
				expired = true;
			}
		}
		if (expired) {
			long ended = clock.timestamp();
			if (owner != null) {
				owner.lastWriteEnd = Math.max(owner.lastWriteEnd, ended);
			}
			else {
				regionLastWriteEnd.accumulateAndGet(ended, Math::max);
			}
		}
		return !writers.isEmpty();
	}

	private void maybePurge(long now) {
		if (now - nextPurge < 0) {
			return;
		}
		nextPurge = now + retentionNanos / 4;
		purge(now);
	}

	/**
	 * Forgets keys untouched for longer than the retention. The last write end of a forgotten key raises a
	 * region-wide watermark first, so a naked put for it is still judged against it.
	 */
	void purge(long now) {
		for (Object key : records.keySet()) {
			records.computeIfPresent(key, (k, r) -> {
				if (now - r.touched < retentionNanos || hasActive(r.writers, now, r)) {
					return r;
				}
				long end = r.lastWriteEnd;
				purgedWatermark.accumulateAndGet(end, Math::max);
				return null;
			});
		}
	}
}
