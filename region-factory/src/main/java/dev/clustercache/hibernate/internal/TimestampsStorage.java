package dev.clustercache.hibernate.internal;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import org.hibernate.cache.CacheException;

import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.infinispan.AdvancedCache;
import org.infinispan.context.Flag;
import org.jboss.logging.Logger;

/**
 * The update timestamps of the query cache: a synchronously replicated Infinispan cache that never evicts or expires,
 * so a pre-invalidation reaches every node before the commit. The clock-skew allowance is added to every timestamp
 * written, so that a node whose clock runs ahead never takes a result computed before the commit for fresh. Removing
 * timestamps would make cached results look fresh, so any removal also clears every query region on every node.
 * <p>
 * A write that times out (it could not take the key's lock at its primary owner, or a member did not answer) is tried
 * again until {@code invalidation_timeout} has passed. After a paused member resumes, the others drop its puts until
 * the merge and never retransmit them: its writes would hang for the whole timeout, holding the key's lock at its
 * primary owner, and the writers of the whole cluster would fail on a transient condition. A frozen member is waited
 * for the same way until the view excludes it. Only once the budget is spent does a pre-invalidation fail its
 * transaction.
 */
final class TimestampsStorage implements StorageAccess {

	private static final Logger LOG = Logger.getLogger("dev.clustercache.hibernate");

	private final AdvancedCache<Object, Object> cache;
	private final AdvancedCache<Object, Object> writes;
	private final long skewUnits;
	private final Consumer<Void> clearQueryRegions;
	private final Clock clock;
	/** Timestamps further in the future than this are pre-invalidations. */
	private final long preInvalidationThreshold;
	private final Duration retryBudget;
	private final LongAdder retries = new LongAdder();

	TimestampsStorage(AdvancedCache<Object, Object> cache, long skewUnits, Consumer<Void> clearQueryRegions,
			Clock clock, long lockTimeoutUnits, Duration retryBudget) {
		this.cache = cache;
		this.retryBudget = retryBudget;
		this.clock = clock;
		this.preInvalidationThreshold = lockTimeoutUnits / 2;
		this.writes = cache.withFlags(Flag.IGNORE_RETURN_VALUES);
		this.skewUnits = skewUnits;
		this.clearQueryRegions = clearQueryRegions;
	}

	@Override
	public Object getFromCache(Object key, SharedSessionContractImplementor session) {
		return cache.get(key);
	}

	/**
	 * A pre-invalidation (a timestamp in the future: now plus the lock timeout) must reach every node before the
	 * commit, so its failure fails the transaction. The invalidation after the commit replaces it; if that fails, the
	 * pre-invalidation stays in place, which is the safe state (the space's queries bypass the cache until it runs
	 * out), so the failure is reported and the committed transaction is not made to look failed.
	 */
	@Override
	public void putIntoCache(Object key, Object value, SharedSessionContractImplementor session) {
		Object stored = value instanceof Long ts ? ts + skewUnits : value;
		if (value instanceof Long ts && ts - clock.timestamp() < preInvalidationThreshold) {
			try {
				write(key, () -> writes.put(key, stored));
			}
			catch (RuntimeException e) {
				LOG.warnf(e, "Could not publish the update timestamp of '%s' after a commit; cached queries on it "
						+ "bypass the cache until its pre-invalidation expires (lock_timeout). Check the cluster's "
						+ "health.", key);
			}
		}
		else {
			write(key, () -> writes.put(key, stored));
		}
	}

	/**
	 * Runs one write, again while it times out (a lock held elsewhere, or a member that did not answer), until the
	 * retry budget is spent. Writing the same timestamp again is harmless.
	 */
	private void write(Object key, Runnable operation) {
		long deadline = clock.nanoTime() + retryBudget.toNanos();
		while (true) {
			try {
				operation.run();
				return;
			}
			catch (RuntimeException e) {
				if (!isTimeout(e)) {
					throw e;
				}
				if (clock.nanoTime() - deadline >= 0) {
					throw new CacheException("Could not write the update timestamp of '" + key + "' within "
							+ "invalidation_timeout (" + retryBudget.toMillis() + "ms): every attempt timed out ("
							+ e.getMessage() + "). The cluster is not healthy: check every member's view and the "
							+ "network, or raise 'hibernate.cache.clustercache.invalidation_timeout'.", e);
				}
				retries.increment();
				LOG.debugf("Writing the update timestamp of '%s' timed out (%s); trying again", key, e.getMessage());
			}
		}
	}

	private static boolean isTimeout(Throwable e) {
		for (Throwable t = e; t != null; t = t.getCause()) {
			if (t instanceof org.infinispan.commons.TimeoutException) {
				return true;
			}
			if (t.getCause() == t) {
				return false;
			}
		}
		return false;
	}

	/** How often a write was tried again after a timeout. */
	long retries() {
		return retries.sum();
	}

	@Override
	public boolean contains(Object key) {
		return cache.containsKey(key);
	}

	@Override
	public void evictData() {
		cache.clear();
		clearQueryRegions.accept(null);
	}

	@Override
	public void evictData(Object key) {
		write(key, () -> writes.remove(key));
		clearQueryRegions.accept(null);
	}

	long size() {
		return cache.size();
	}

	@Override
	public void release() {
		// the cache manager stops the cache
	}
}
