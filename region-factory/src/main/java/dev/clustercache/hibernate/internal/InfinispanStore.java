package dev.clustercache.hibernate.internal;

import org.infinispan.AdvancedCache;
import org.infinispan.context.Flag;

/** A region's entries on this node: a local Infinispan cache, bounded and expiring as configured. */
final class InfinispanStore implements Store {

	private final AdvancedCache<Object, Object> cache;
	private final AdvancedCache<Object, Object> writes;

	InfinispanStore(AdvancedCache<Object, Object> cache) {
		this.cache = cache;
		this.writes = cache.withFlags(Flag.IGNORE_RETURN_VALUES);
	}

	@Override
	public Object get(Object key) {
		return cache.get(key);
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
