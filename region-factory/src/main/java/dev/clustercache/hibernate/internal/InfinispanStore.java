package dev.clustercache.hibernate.internal;

import java.io.Serializable;
import java.util.concurrent.ThreadLocalRandom;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.infinispan.AdvancedCache;
import org.infinispan.commons.time.TimeService;
import org.infinispan.configuration.cache.Configuration;
import org.infinispan.configuration.cache.ContentTypeConfiguration;
import org.infinispan.configuration.cache.StorageType;
import org.infinispan.container.DataContainer;
import org.infinispan.container.entries.InternalCacheEntry;
import org.infinispan.context.Flag;
import org.infinispan.factories.ComponentRegistry;

/**
 * A region's entries on this node: a local Infinispan cache, bounded and expiring as configured.
 * <p>
 * A hit on a simple cache that holds objects on the heap (every region ClusterCache defines itself) reads Infinispan's
 * data container directly and does the simple cache's own expiration check and touch. Through the cache API the same
 * read also looks up the expiration manager in the component registry on every hit of an expiring entry, and passes
 * through the encoding and statistics wrappers: about a quarter of a whole {@code find} hit (BENCHMARKS.md). An expired
 * entry still goes through the cache API, which removes it and notifies as usual. A hit touches its entry (for
 * {@code max_idle}) only when its recorded last use is at least a hundredth of {@code max_idle} old (at most a second,
 * at least a millisecond): an entry read often is not written on every read, so threads on other cores that read it
 * can keep their copies of its memory (the effect on findHit was within the benchmarks' noise, BENCHMARKS.md). The
 * entry may then expire up to that hundredth before {@code max_idle} has passed since its last read, which only costs
 * a miss.
 * <p>
 * When ClusterCache defines the cache, the bound ({@code max_entries}) is kept here, not by Infinispan's bounded
 * container: that container is a Caffeine cache whose node stands between the map and Infinispan's entry, one more
 * dependent memory read on every hit (an unbounded container measured 0.94 x {@code limit} on {@code findHit}, the
 * bounded one 0.83). So the entries live in Infinispan's unbounded container, read in one map lookup as
 * {@code limit} reads its map, and a Caffeine cache of the same keys with the same bound and policy (W-TinyLFU)
 * decides what to evict; its evictions are evicted from the container. Every write to the container goes through
 * this class, which keeps the two in step:
 * <ul>
 * <li>a put writes the container, then the policy; a removal tells the policy first. Whatever the interleaving, the
 * container never keeps a key the policy has let go of, so the container holds at most {@code max_entries};</li>
 * <li>the policy may keep a key the container has lost (a removal racing a put, an entry expired by Infinispan), which
 * only makes the bound stricter until the policy evicts it, as it soon does: a key never read is the first to go.</li>
 * </ul>
 * The policy learns from the reads it is told of, and on every read it is told of it does bookkeeping on the reading
 * thread (a frequency sketch and a reordering, in batches): measured, that took a tenth of a whole {@code find} hit. So
 * one hit in {@value #ACCESS_SAMPLE} is told; frequencies are then counted on a sample, which keeps their order (an
 * entry read often is told often); Caffeine's own read buffers drop reads under load in the same way. A user's cache
 * definition keeps Infinispan's own bound, and one hit in {@value #ACCESS_SAMPLE} reads its container with
 * {@code get}, the others with a quiet {@code peek}. Expiration is not sampled: every hit checks it, and
 * touches its entry as above.
 * <p>
 * Not final: {@code QueryStorageTest} holds a put in a subclass, to clear the region before the write lands.
 */
class InfinispanStore implements Store {

	/**
	 * One hit in this many is told to the eviction policy (a power of two). 64 rather than 16: a told hit costs a
	 * lookup in the policy's own map and, every few, its maintenance on the reading thread. Measured on collectionHit
	 * (seven hits a call), six interleaved forks each: 259 k against 236 k ops/s (medians), 0.88 against 0.82 x
	 * {@code limit}. Entries read a few dozen times or more still count for eviction (InfinispanStoreTest).
	 */
	static final int ACCESS_SAMPLE = 64;
	/** How long a hit reuses the wall-clock time of an earlier hit for expiration: one millisecond. */
	static final long WALL_CLOCK_REUSE_NANOS = 1_000_000;
	/** What a hit returns when this node's freshness lease did not hold after the read: nothing may be served. */
	static final Object LEASE_EXPIRED = new Object() {
		@Override
		public String toString() {
			return "LEASE_EXPIRED";
		}
	};
	/** The longest that a hit leaves its entry's recorded last use behind: one second. */
	static final long MAX_TOUCH_INTERVAL_MILLIS = 1_000;

	private final AdvancedCache<Object, Object> cache;
	private final AdvancedCache<Object, Object> writes;
	/** The data container of a simple, on-heap, object-storing cache; null for any other cache. */
	private final DataContainer<Object, Object> direct;
	private final TimeService timeService;
	/** A hit touches its entry when the entry's last use is at least this many milliseconds old. */
	private final long touchIntervalMillis;
	/** The eviction policy of the keys in {@link #direct}, with the region's bound; null when not bounded here. */
	private final Cache<Object, Boolean> bound;
	/**
	 * The last wall-clock reading of a hit, with the monotonic time it was taken at. Published without a fence: its
	 * fields are final, and a thread that sees an older reading only reads the clock again.
	 */
	private WallClockReading lastWallClock;

	private record WallClockReading(long nanos, long millis) {
	}

	/**
	 * @param maxEntries the bound on the entries that this store keeps itself, or 0: the cache is then unbounded, or
	 * bounded by its own definition
	 */
	InfinispanStore(AdvancedCache<Object, Object> cache, long maxEntries) {
		this.cache = cache;
		this.writes = cache.withFlags(Flag.IGNORE_RETURN_VALUES);
		this.direct = readsDirectly(cache.getCacheConfiguration()) ? cache.getDataContainer() : null;
		this.timeService = ComponentRegistry.componentOf(cache, TimeService.class);
		this.touchIntervalMillis = touchInterval(cache.getCacheConfiguration().expiration().maxIdle());
		if (maxEntries > 0 && cache.getCacheConfiguration().memory().isEvictionEnabled()) {
			throw new IllegalArgumentException("The cache '" + cache.getName() + "' is bounded by its definition");
		}
		// maintenance (and so the eviction from the container) runs on the thread that writes or reads, as in
		// Infinispan's own bounded container: no hand-over to a pool
		this.bound = maxEntries <= 0 ? null : Caffeine.newBuilder().maximumSize(maxEntries).executor(Runnable::run)
				.removalListener(this::policyRemoved).build();
	}

	private void policyRemoved(Object key, Boolean present, RemovalCause cause) {
		if (cause.wasEvicted()) {
			cache.evict(key);
		}
	}

	/** How old an entry's last use must be for a hit to touch it, for a cache whose max idle is {@code maxIdle} ms. */
	static long touchInterval(long maxIdle) {
		return maxIdle <= 0 ? 1 : Math.max(1, Math.min(MAX_TOUCH_INTERVAL_MILLIS, maxIdle / 100));
	}

	/** Whether a read of the data container sees exactly what the cache API would return (before expiration). */
	static boolean readsDirectly(Configuration c) {
		return c.simpleCache() && c.memory().storage() == StorageType.HEAP
				&& holdsObjects(c.encoding().keyDataType()) && holdsObjects(c.encoding().valueDataType());
	}

	private static boolean holdsObjects(ContentTypeConfiguration type) {
		return type.mediaType() == null || type.isObjectStorage();
	}

	@Override
	public Object get(Object key) {
		DataContainer<Object, Object> container = direct;
		if (container == null) {
			return cache.get(key);
		}
		InternalCacheEntry<Object, Object> entry = entry(container, key);
		if (entry == null) {
			return null;
		}
		return entry.canExpire() ? liveValue(key, entry, timeService.wallClockTime()) : entry.getValue();
	}

	/**
	 * A hit's read, in the order the freshness lease needs: the entry first, then the clock, then the lease. A value is
	 * served only if the lease still held after it was read: checked before the read, a node paused between the check
	 * and the read would serve what the other members changed without it meanwhile. The same clock reading serves the
	 * expiration check, through a wall-clock reading at most {@value #WALL_CLOCK_REUSE_NANOS} ns old (so a hit reads
	 * the clock once, not twice; an entry may be served up to a millisecond past its expiry). A miss reads no clock.
	 *
	 * @return the value, null for a miss, or {@link #LEASE_EXPIRED}
	 */
	Object get(Object key, Lease lease) {
		DataContainer<Object, Object> container = direct;
		if (container == null) {
			Object value = cache.get(key);
			return value == null || lease.valid() ? value : LEASE_EXPIRED;
		}
		InternalCacheEntry<Object, Object> entry = entry(container, key);
		if (entry == null) {
			return null;
		}
		long nanos = lease.nanoTime();
		if (!lease.validAt(nanos)) {
			return LEASE_EXPIRED;
		}
		if (!entry.canExpire()) {
			return entry.getValue();
		}
		WallClockReading last = lastWallClock;
		long millis = last != null && nanos - last.nanos >= 0 && nanos - last.nanos < WALL_CLOCK_REUSE_NANOS
				? last.millis : readWallClock(nanos);
		return liveValue(key, entry, millis);
	}

	private long readWallClock(long nanos) {
		long millis = timeService.wallClockTime();
		lastWallClock = new WallClockReading(nanos, millis);
		return millis;
	}

	/** Reads an entry from the container; one read in {@value #ACCESS_SAMPLE} is told to the eviction policy. */
	private InternalCacheEntry<Object, Object> entry(DataContainer<Object, Object> container, Object key) {
		boolean told = (ThreadLocalRandom.current().nextInt() & (ACCESS_SAMPLE - 1)) == 0;
		Cache<Object, Boolean> policy = bound;
		InternalCacheEntry<Object, Object> entry = told && policy == null ? container.get(key) : container.peek(key);
		if (entry != null && told && policy != null) {
			policy.getIfPresent(key);
		}
		return entry;
	}

	/**
	 * The value of {@code entry}, one that can expire, at wall-clock time {@code now} (ms), touching it; null once it
	 * has expired.
	 */
	private Object liveValue(Object key, InternalCacheEntry<Object, Object> entry, long now) {
		if (entry.isExpired(now)) {
			return cache.get(key);
		}
		// an entry without max_idle has no last use to record (-1, and touch does nothing)
		if (now - entry.getLastUsed() >= touchIntervalMillis) {
			entry.touch(now);
		}
		return entry.getValue();
	}

	@Override
	public void put(Object key, Object value) {
		writes.put(ownCopy(key), value);
		if (bound != null) {
			bound.put(key, Boolean.TRUE);
		}
	}

	/**
	 * The key that the container keeps: a copy, allocated next to the entry that the put creates, of the common key
	 * shapes (Hibernate's key of an entity or collection with a {@code Long} or {@code Integer} identifier, or such an
	 * identifier alone); any other key as it is.
	 * <p>
	 * Every hit compares the key it looks up with the stored one, so it reads the stored key's memory (and its
	 * identifier's) after the map's node. The key given to a put is also held by the eviction policy and by the
	 * region's validation records, and the collector places an object it moves next to whichever holder it reaches
	 * first. In a layout probe (object addresses after 15 s of collectionHit on two nodes, BENCHMARKS.md), each of
	 * three runs had a region whose stored keys lay more than 256 bytes from their map nodes for 56 to 100% of its
	 * entries: one more cache line a hit, and a fork that is slow or fast depending on where the collector put them.
	 * With the container's own copy, at least 99% lay next to their nodes in every region of six runs. The cost: a
	 * bounded region keeps two keys per entry, about 40 bytes more per entry of these shapes (a small box is shared).
	 */
	static Object ownCopy(Object key) {
		if (key instanceof BasicCacheKeyImplementation k
				&& (k.getId() instanceof Long || k.getId() instanceof Integer)) {
			return new BasicCacheKeyImplementation((Serializable) ownCopy(k.getId()), k.getEntityOrRoleName(),
					k.hashCode());
		}
		if (key instanceof Long l) {
			return Long.valueOf(l.longValue());
		}
		if (key instanceof Integer i) {
			return Integer.valueOf(i.intValue());
		}
		return key;
	}

	@Override
	public void remove(Object key) {
		if (bound != null) {
			bound.invalidate(key);
		}
		writes.remove(key);
	}

	@Override
	public void clear() {
		if (bound != null) {
			bound.invalidateAll();
		}
		cache.clear();
	}

	@Override
	public long size() {
		return cache.size();
	}

	boolean containsKey(Object key) {
		return cache.containsKey(key);
	}

	String name() {
		return cache.getName();
	}
}
