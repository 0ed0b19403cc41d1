package dev.clustercache.hibernate.internal;

/** What {@link ValidationState} changes in a region's data: the local entries of one region on one node. */
interface Store {
	Object get(Object key);

	void put(Object key, Object value);

	void remove(Object key);

	void clear();

	long size();
}
