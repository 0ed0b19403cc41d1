package dev.clustercache.hibernate.internal;

import java.util.concurrent.ThreadLocalRandom;

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
 * entry still goes through the cache API, which removes it and notifies as usual.
 * <p>
 * A bounded cache's eviction policy (Caffeine's W-TinyLFU) learns from the reads it is told of, and on every read it is
 * told of it does bookkeeping on the reading thread (a frequency sketch and a reordering, in batches): measured, that
 * bookkeeping took a tenth of a whole {@code find} hit. So one hit in {@value #ACCESS_SAMPLE} is recorded and the
 * others are quiet reads ({@code peek}). Frequencies are then counted on a sample, which keeps their order (an entry
 * read often is recorded often); Caffeine's own read buffers already drop reads under load in the same way. Expiration is
 * not sampled: every hit touches its entry for {@code max_idle}.
 */
final class InfinispanStore implements Store {

	/** One hit in this many is recorded by a bounded cache's eviction policy (a power of two). */
	static final int ACCESS_SAMPLE = 8;

	private final AdvancedCache<Object, Object> cache;
	private final AdvancedCache<Object, Object> writes;
	/** The data container of a simple, on-heap, object-storing cache; null for any other cache. */
	private final DataContainer<Object, Object> direct;
	private final TimeService timeService;

	InfinispanStore(AdvancedCache<Object, Object> cache) {
		this.cache = cache;
		this.writes = cache.withFlags(Flag.IGNORE_RETURN_VALUES);
		this.direct = readsDirectly(cache.getCacheConfiguration()) ? cache.getDataContainer() : null;
		this.timeService = ComponentRegistry.componentOf(cache, TimeService.class);
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
		InternalCacheEntry<Object, Object> entry = (ThreadLocalRandom.current().nextInt() & (ACCESS_SAMPLE - 1)) == 0
				? container.get(key) : container.peek(key);
		if (entry == null) {
			return null;
		}
		if (entry.canExpire()) {
			long now = timeService.wallClockTime();
			if (entry.isExpired(now)) {
				return cache.get(key);
			}
			entry.touch(now);
		}
		return entry.getValue();
	}

	@Override
	public void put(Object key, Object value) {
		writes.put(key, value);
	}

	@Override
	public void remove(Object key) {
		writes.remove(key);
	}

	@Override
	public void clear() {
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
