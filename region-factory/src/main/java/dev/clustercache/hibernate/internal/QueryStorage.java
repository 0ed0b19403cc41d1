package dev.clustercache.hibernate.internal;

import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * A query-results region on this node. Results stay local; the timestamps region decides whether a result is still
 * valid. Reads and puts stop while the lease is not valid, and results of transactions that started before this node
 * last cleared the region (a merge, an eviction anywhere in the cluster) are not cached.
 */
final class QueryStorage implements StorageAccess, ClusterNode.Participant {

	private final String wireName;
	private final InfinispanStore store;
	private final ClusterNode node;
	private final Lease lease;
	private final Clock clock;
	private volatile long clearedAt;
	final RegionStatistics statistics = new RegionStatistics();

	QueryStorage(String name, InfinispanStore store, ClusterNode node, Clock clock) {
		this.wireName = ClusterNode.QUERY + name;
		this.store = store;
		this.node = node;
		this.lease = node.lease();
		this.clock = clock;
		this.clearedAt = clock.timestamp();
		node.register(wireName, this);
	}

	@Override
	public Object getFromCache(Object key, SharedSessionContractImplementor session) {
		// the value first, then the lease, as RegionCoordinator#get
		Object value = store.get(key, lease);
		if (value == InfinispanStore.LEASE_EXPIRED) {
			statistics.countBypassed();
			return null;
		}
		(value == null ? statistics.misses : statistics.hits).increment();
		return value;
	}

	@Override
	public void putIntoCache(Object key, Object value, SharedSessionContractImplementor session) {
		putIntoCache(key, value, RegionCoordinator.cachingTimestamp(session));
	}

	/** Caches a result of a transaction that started at {@code started}, unless this region was cleared since. */
	void putIntoCache(Object key, Object value, long started) {
		PutOutcome outcome = !lease.valid() || started <= lease.validSinceTimestamp() ? PutOutcome.REJECTED_LEASE
				: started <= clearedAt ? PutOutcome.REJECTED_STALE_LOAD : PutOutcome.PUT;
		statistics.count(outcome);
		if (outcome == PutOutcome.PUT) {
			store.put(key, value);
			// a clear between the check and the put may have run before the put landed: then take it out again (a
			// clear that reads clearedAt after this does not need to, it clears after the put)
			if (started <= clearedAt) {
				store.remove(key);
			}
		}
	}

	@Override
	public boolean contains(Object key) {
		return store.containsKey(key);
	}

	/** Clears this region on every node. */
	@Override
	public void evictData() {
		clearLocally();
		node.invalidateRemote(wireName, null);
		if (node.clustered()) {
			statistics.invalidationsSent.increment();
		}
	}

	@Override
	public void evictData(Object key) {
		store.remove(key);
	}

	void clearLocally() {
		clearedAt = clock.timestamp();
		store.clear();
	}

	long size() {
		return store.size();
	}

	/** The name of its cache: the region's, unless an entity region has that name too. */
	String cacheName() {
		return store.name();
	}

	@Override
	public void release() {
		node.unregister(wireName);
	}

	@Override
	public void onBeginWrite(Object key, Writer writer) {
		statistics.invalidationsReceived.increment();
		clearLocally();
	}

	@Override
	public void onEndWrite(Object key, Writer writer) {
		if (writer == null) {
			statistics.invalidationsReceived.increment();
		}
		clearLocally();
	}

	@Override
	public void onReset() {
		clearLocally();
	}
}
