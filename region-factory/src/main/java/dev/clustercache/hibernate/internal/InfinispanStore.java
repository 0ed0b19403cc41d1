package dev.clustercache.hibernate.internal;

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
 */
final class InfinispanStore implements Store {

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
		InternalCacheEntry<Object, Object> entry = container.get(key);
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
