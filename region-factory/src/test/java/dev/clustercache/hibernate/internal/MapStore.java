package dev.clustercache.hibernate.internal;

import java.util.HashMap;
import java.util.Map;

/** A {@link Store} over a HashMap, synchronized so that the concurrency tests may share it. */
final class MapStore implements Store {

	private final Map<Object, Object> map = new HashMap<>();

	@Override
	public synchronized Object get(Object key) {
		return map.get(key);
	}

	@Override
	public synchronized void put(Object key, Object value) {
		map.put(key, value);
	}

	@Override
	public synchronized void remove(Object key) {
		map.remove(key);
	}

	@Override
	public synchronized void clear() {
		map.clear();
	}

	@Override
	public synchronized long size() {
		return map.size();
	}

	synchronized boolean containsKey(Object key) {
		return map.containsKey(key);
	}
}
