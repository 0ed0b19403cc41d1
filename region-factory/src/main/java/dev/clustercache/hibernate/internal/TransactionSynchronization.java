package dev.clustercache.hibernate.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hibernate.cache.spi.CacheTransactionSynchronization;
import org.hibernate.engine.spi.SessionImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * Hibernate's per-session cache synchronization (the transaction's start, which Hibernate's own abstract one keeps the
 * same way; its {@code transactionCompleting} is final and empty, and ClusterCache needs it), plus the write-window
 * openings a transaction awaits before its commit, plus the write windows that inserts open: Hibernate calls
 * {@code afterInsert} only on success, so windows of a rolled-back insert are closed when the transaction completes.
 */
final class TransactionSynchronization implements CacheTransactionSynchronization {

	private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger("dev.clustercache.hibernate");

	private record InsertKey(RegionCoordinator region, Object key) {
	}

	private record SpaceKey(TimestampsStorage region, Object space) {
	}

	private Map<InsertKey, WriteLock> openInserts;
	/** Openings of write windows sent during this transaction and not yet confirmed by every member. */
	private List<ClusterNode.Opening> unconfirmed;
	/** The windows this transaction's pre-invalidations opened on query spaces, until its invalidations end them. */
	private Map<SpaceKey, ClusterNode.Opening> spaceWindows;
	/** Ends of this transaction's windows that may travel asynchronously, sent together once it completed. */
	private List<ClusterNode.Window> ends;
	/** The node of the unconfirmed openings and the ends (one SessionFactory's). */
	private ClusterNode node;
	/** Set once the commit is near: later openings are awaited at once. */
	private boolean completing;

	private final Clock clock;
	/** When the current transaction began: loads and query results of it are judged against this. */
	private long cachingTimestamp;

	TransactionSynchronization(Clock clock) {
		this.clock = clock;
		this.cachingTimestamp = clock.transactionStart();
	}

	@Override
	public long getCachingTimestamp() {
		return cachingTimestamp;
	}

	@Override
	public void transactionJoined() {
		cachingTimestamp = clock.transactionStart();
	}

	static TransactionSynchronization of(SharedSessionContractImplementor session) {
		return (TransactionSynchronization) session.getCacheTransactionSynchronization();
	}

	void openInsert(RegionCoordinator region, Object key, WriteLock lock) {
		if (openInserts == null) {
			openInserts = new HashMap<>();
		}
		WriteLock previous = openInserts.put(new InsertKey(region, key), lock);
		if (previous != null) {
			region.endWrite(null, previous, null);
		}
	}

	WriteLock closeInsert(RegionCoordinator region, Object key) {
		return openInserts == null ? null : openInserts.remove(new InsertKey(region, key));
	}

	ClusterNode.Opening spaceWindow(TimestampsStorage region, Object space) {
		return spaceWindows == null ? null : spaceWindows.get(new SpaceKey(region, space));
	}

	void rememberSpaceWindow(TimestampsStorage region, Object space, ClusterNode.Opening opening) {
		if (spaceWindows == null) {
			spaceWindows = new HashMap<>();
		}
		spaceWindows.put(new SpaceKey(region, space), opening);
	}

	ClusterNode.Opening takeSpaceWindow(TimestampsStorage region, Object space) {
		return spaceWindows == null ? null : spaceWindows.remove(new SpaceKey(region, space));
	}

	/**
	 * Opens a write window on the other members. When Hibernate will tell the caller's session that its commit is near
	 * (a {@code Session} in a transaction), the opening is sent then, with every other opening of the transaction in
	 * one message, and awaited before the commit; otherwise (a {@code StatelessSession}, no transaction, the commit
	 * already under way) it is sent and awaited here.
	 *
	 * @throws org.hibernate.cache.CacheException if it waits here and a member did not acknowledge
	 */
	static ClusterNode.Opening open(SharedSessionContractImplementor session, ClusterNode node, String region,
			Object key, Writer writer) {
		if (session instanceof SessionImplementor && session.isTransactionInProgress()
				&& session.getCacheTransactionSynchronization() instanceof TransactionSynchronization sync
				&& !sync.completing) {
			ClusterNode.Opening opening = node.openLater(region, key, writer);
			if (sync.unconfirmed == null) {
				sync.unconfirmed = new ArrayList<>();
			}
			sync.node = node;
			sync.unconfirmed.add(opening);
			return opening;
		}
		return node.openNow(region, key, writer);
	}

	/**
	 * Ends a write window on the other members. After this transaction's commit (Hibernate ends its windows then), an
	 * end that may travel asynchronously waits for {@link #transactionCompleted} and goes in one message with the
	 * transaction's other ends; any other end is sent at once.
	 */
	static void close(SharedSessionContractImplementor session, ClusterNode node, ClusterNode.Window window) {
		if (session != null && session.getCacheTransactionSynchronization() instanceof TransactionSynchronization sync
				&& sync.completing) {
			if (sync.ends == null) {
				sync.ends = new ArrayList<>();
			}
			sync.node = node;
			node.closeRemote(window, sync.ends);
		}
		else {
			node.closeRemote(window);
		}
	}

	/**
	 * Runs right before the commit: every write window opened in this transaction must be held by every member now, or
	 * the transaction fails (a node that did not hear of a write could keep serving the state before it).
	 */
	@Override
	public void transactionCompleting() {
		completing = true;
		List<ClusterNode.Opening> pending = unconfirmed;
		unconfirmed = null;
		if (pending != null) {
			node.send(pending);
			for (ClusterNode.Opening opening : pending) {
				opening.await();
			}
		}
	}

	@Override
	public void transactionCompleted(boolean successful) {
		completing = false;
		List<ClusterNode.Window> pendingEnds = ends;
		ends = null;
		if (pendingEnds != null && !pendingEnds.isEmpty()) {
			try {
				node.sendEnds(pendingEnds);
			}
			catch (RuntimeException failure) {
				// the windows stay open on the other members: they do not cache those keys or query spaces until the
				// lock timeout, the safe direction
				LOG.warnf(failure, "Could not send the end of %d write window(s) after a transaction completed; they "
						+ "expire on the other members after the lock timeout", pendingEnds.size());
			}
		}
		List<ClusterNode.Opening> unsent = unconfirmed;
		unconfirmed = null; // a rolled-back write never reached its commit: no other member needs to hear of it
		if (successful && unsent != null) {
			// cannot happen through Hibernate (it runs transactionCompleting before every commit); if the commit came
			// another way, the other members hear of the writes late rather than never
			LOG.errorf("A transaction committed without telling the cache first (transactionCompleting did not run); "
					+ "telling the other members of %d write(s) now", unsent.size());
			node.send(unsent);
			unsent.forEach(ClusterNode.Opening::await);
		}
		if (spaceWindows != null) {
			spaceWindows.clear(); // not ended by an invalidation: they run out at their pre-invalidation timestamp
		}

		if (openInserts != null && !openInserts.isEmpty()) {
			List<Map.Entry<InsertKey, WriteLock>> open = new ArrayList<>(openInserts.entrySet());
			openInserts.clear();
			for (Map.Entry<InsertKey, WriteLock> e : open) {
				try {
					e.getKey().region().endWrite(null, e.getValue(), null);
				}
				catch (RuntimeException failure) {
					// the window stays open on the members that did not hear its end: the key is not cached there
					// until the lock timeout, the safe direction
					LOG.warnf(failure, "Could not close the write window of a rolled-back insert of key '%s' in "
							+ "region '%s'; it expires after the lock timeout", e.getKey().key(),
							e.getKey().region().name());
				}
			}
		}

	}
}
