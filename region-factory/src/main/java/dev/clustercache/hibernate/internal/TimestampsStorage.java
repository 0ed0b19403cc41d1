package dev.clustercache.hibernate.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.hibernate.cache.CacheException;
import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.jboss.logging.Logger;

/**
 * The update timestamps of the query cache (DESIGN.md §4.4), kept by ClusterCache's own protocol: each node holds, per
 * query space, the time of the last commit it heard of and the write windows open on that space. A write's
 * pre-invalidation opens a window on the space here and on every member, and the transaction waits for every member's
 * acknowledgement before its commit (together with its entity windows); the invalidation after the commit closes the
 * window here and travels to the others asynchronously, and each member takes the time it hears of it (plus the
 * clock-skew allowance) as the space's last update. A space's timestamp is the largest of its last update and the
 * pre-invalidation timestamps of its open windows, so a query result is fresh only if no write on its spaces is under way
 * and none committed after the result's transaction began.
 * <p>
 * The windows of concurrent writers are kept apart, so the order in which their ends arrive does not matter: one
 * writer's end never lowers the timestamp below another writer's window that is still open. A window whose end is lost
 * (its writer crashed) counts until its pre-invalidation timestamp, the lock timeout after it opened. A member that
 * joins knows no timestamps; that is safe because it has no cached query results yet, its lease keeps it from caching
 * any until it hears every member, and a window opened before it joined ends there synchronously. A clear of the whole
 * region (a merge, or a member that could not be told of an update) counts as an update of every space, also of those
 * this node has no timestamp of yet.
 */
final class TimestampsStorage implements StorageAccess, ClusterNode.Participant {

	private static final Logger LOG = Logger.getLogger("dev.clustercache.hibernate");

	private final String wireName;
	private final ClusterNode node;
	private final long skewUnits;
	private final Runnable clearQueryRegions;
	private final Clock clock;
	private final long lockTimeoutUnits;
	/** Timestamps further in the future than this are pre-invalidations. */
	private final long preInvalidationThreshold;
	private final Map<Object, Space> spaces = new ConcurrentHashMap<>();
	/** The last clear of the whole region, plus the skew allowance: every space counts as updated then; or null. */
	private volatile Long clearedUpTo;

	TimestampsStorage(String regionName, ClusterNode node, long skewUnits, Runnable clearQueryRegions, Clock clock,
			long lockTimeoutUnits) {
		this.wireName = ClusterNode.TIMESTAMPS + regionName;
		this.node = node;
		this.skewUnits = skewUnits;
		this.clearQueryRegions = clearQueryRegions;
		this.clock = clock;
		this.lockTimeoutUnits = lockTimeoutUnits;
		this.preInvalidationThreshold = lockTimeoutUnits / 2;
		if (node.clustered()) {
			node.register(wireName, this);
		}
	}

	/** One query space on this node. */
	private static final class Space {
		/** Open write windows: writer to the end of its pre-invalidation. */
		private final Map<Writer, Long> open = new HashMap<>(4);
		private long lastUpdate = Long.MIN_VALUE;
		/** The largest of {@link #lastUpdate} and the open windows' ends; what readers get. */
		private volatile Long timestamp;

		synchronized boolean open(Writer writer, long until) {
			boolean added = open.putIfAbsent(writer, until) == null;
			if (!added) {
				open.merge(writer, until, Math::max);
			}
			publish();
			return added;
		}

		/** Ends {@code writer}'s window (none: a plain invalidation) with a commit at {@code at}. */
		synchronized void close(Writer writer, long at, long now) {
			if (writer != null) {
				open.remove(writer);
			}
			lastUpdate = Math.max(lastUpdate, at);
			// windows whose writer never ended them count until they run out; then they are just a past update
			open.values().removeIf(until -> {
				if (until < now) {
					lastUpdate = Math.max(lastUpdate, until);
					return true;
				}
				return false;
			});
			publish();
		}

		private void publish() {
			long max = lastUpdate;
			for (long until : open.values()) {
				max = Math.max(max, until);
			}
			timestamp = max == Long.MIN_VALUE ? null : max;
		}
	}

	private Space space(Object key) {
		return spaces.computeIfAbsent(key, k -> new Space());
	}

	@Override
	public Object getFromCache(Object key, SharedSessionContractImplementor session) {
		Space s = spaces.get(key);
		Long timestamp = s == null ? null : s.timestamp;
		Long cleared = clearedUpTo;
		return cleared == null || timestamp != null && timestamp >= cleared ? timestamp : cleared;
	}

	/**
	 * A pre-invalidation (a timestamp in the future: now plus the lock timeout) opens a window on the space, which every
	 * member must hold before the commit, so a member that cannot be told fails the transaction. The invalidation after
	 * the commit ends it. A member that must hear of the end synchronously and cannot be told serves nothing from its
	 * caches until it has cleared the whole timestamps region ({@code ClusterNode#withhold}); if an end that travels
	 * asynchronously cannot be sent, the window stays open on the members that hold it, which is the safe state (the
	 * space's queries bypass the cache until it runs out), so the failure is reported and the committed transaction is
	 * not made to look failed.
	 */
	@Override
	public void putIntoCache(Object key, Object value, SharedSessionContractImplementor session) {
		long ts = (Long) value;
		long now = clock.timestamp();
		TransactionSynchronization sync = session == null ? null : TransactionSynchronization.of(session);
		if (ts - now >= preInvalidationThreshold) {
			preInvalidate(key, ts + skewUnits, session, sync);
		}
		else {
			invalidate(key, ts + skewUnits, now, session, sync);
		}
	}

	private void preInvalidate(Object key, long until, SharedSessionContractImplementor session,
			TransactionSynchronization sync) {
		Space space = space(key);
		ClusterNode.Opening already = sync == null ? null : sync.spaceWindow(this, key);
		if (already != null) {
			space.open(already.writer(), until); // a second flush of the same transaction: the window lasts longer
			return;
		}
		Writer writer = node.newWriter();
		space.open(writer, until);
		// if a member cannot be told, the window stays open here until it runs out, and the transaction fails
		ClusterNode.Opening opening = TransactionSynchronization.open(session, node, wireName, key, writer);
		if (sync != null) {
			sync.rememberSpaceWindow(this, key, opening);
		}
	}

	private void invalidate(Object key, long at, long now, SharedSessionContractImplementor session,
			TransactionSynchronization sync) {
		ClusterNode.Opening opening = sync == null ? null : sync.takeSpaceWindow(this, key);
		space(key).close(opening == null ? null : opening.writer(), at, now);
		if (opening == null) {
			// no window of this session: tell every member synchronously, as nothing else protects their results
			node.invalidateRemote(wireName, key);
			return;
		}
		try {
			TransactionSynchronization.close(session, node, opening.forClose());
		}
		catch (CacheException e) {
			LOG.warnf(e, "Could not publish the update timestamp of '%s' after a commit; cached queries on it bypass "
					+ "the cache on the members that did not hear of it until its pre-invalidation expires "
					+ "(lock_timeout). Check the cluster's health.", key);
		}
	}

	@Override
	public boolean contains(Object key) {
		return spaces.containsKey(key);
	}

	/**
	 * Forgetting timestamps would make cached results look fresh: instead every query region on every node is cleared,
	 * and the timestamps stay.
	 */
	@Override
	public void evictData() {
		clearQueryRegions.run();
	}

	@Override
	public void evictData(Object key) {
		clearQueryRegions.run();
	}

	/** The query spaces this node knows a timestamp of. */
	long size() {
		return spaces.size();
	}

	@Override
	public void release() {
		node.unregister(wireName);
	}

	@Override
	public void onBeginWrite(Object key, Writer writer) {
		if (key != null) {
			space(key).open(writer, clock.timestamp() + lockTimeoutUnits + skewUnits);
		}
	}

	@Override
	public void onEndWrite(Object key, Writer writer) {
		long now = clock.timestamp();
		if (key != null) {
			space(key).close(writer, now + skewUnits, now);
		}
		else {
			// every space counts as updated now, also one this node has no timestamp of yet (getFromCache)
			synchronized (this) {
				Long cleared = clearedUpTo;
				if (cleared == null || cleared < now + skewUnits) {
					clearedUpTo = now + skewUnits;
				}
			}
		}
	}

	/** Invalidations may have been lost: every space counts as updated now (the query regions clear themselves). */
	@Override
	public void onReset() {
		onEndWrite(null, null);
	}
}
