package dev.clustercache.hibernate.internal;

import org.hibernate.cache.CacheException;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.jboss.logging.Logger;

/**
 * One entity, collection or natural-id region on this node: its entries, its {@link ValidationState} and its part in
 * the cluster protocol. Every access strategy goes through here; so do invalidations from other nodes.
 */
final class RegionCoordinator implements ClusterNode.Participant {

	private static final Logger LOG = Logger.getLogger("dev.clustercache.hibernate");

	private final String name;
	/** The region's name on the wire: unique among domain regions, distinct from query regions of the same name. */
	private final String wireName;
	/** The region's entries on this node (invalidation and local modes), or null for a grid region. */
	private final InfinispanStore store;
	/** The region's entries in the cluster (replicated and distributed modes), or null. */
	private final GridRegion grid;
	/**
	 * The near cache of a distributed region ({@code distributed.l1}): copies of entries owned elsewhere, or null. Every
	 * write window on a key reaches every node before its commit, as in invalidation mode, and drops them; a copy is
	 * kept only if no window reached this node between asking the owner and keeping the answer.
	 */
	private final InfinispanStore near;
	private final Clock clock;
	private final ValidationState state;
	private final ClusterNode node;
	private final Lease lease;
	private final boolean clustered;
	/**
	 * Set when a key type of this region hashes differently in each JVM (an enum inside it): a key from another node
	 * would not find its twin here, so writes invalidate the whole region on the other nodes.
	 */
	private volatile boolean wholeRegionOnTheWire;
	final RegionStatistics statistics = new RegionStatistics();

	/**
	 * @param store the region's entries on this node; null when {@code grid} holds them
	 * @param grid the region's entries in the cluster (replicated, distributed), whose keys are decided at their owners;
	 * region-wide windows still travel to every node from here
	 * @param near the near cache of a distributed region, or null
	 */
	RegionCoordinator(String name, InfinispanStore store, GridRegion grid, InfinispanStore near, ClusterNode node,
			Clock clock, long lockTimeoutNanos, boolean clustered) {
		this.name = name;
		this.wireName = ClusterNode.DOMAIN + name;
		this.store = store;
		this.grid = grid;
		this.near = near;
		this.clock = clock;
		this.node = node;
		this.lease = node.lease();
		this.clustered = clustered;
		this.state = new ValidationState(clock, grid == null ? store : near == null ? grid : new NearCopies(grid, near),
				lockTimeoutNanos);
		if (clustered) {
			node.register(wireName, this);
		}
	}

	String name() {
		return name;
	}

	void invalidateWholeRegionOnTheWire() {
		wholeRegionOnTheWire = true;
	}

	private Object wireKey(Object key) {
		return wholeRegionOnTheWire ? null : key;
	}

	/** The entries (or, in a grid region, records) held on this node. */
	long size() {
		return grid == null ? store.size() : near == null ? grid.size() : grid.size() + near.size();
	}

	boolean contains(Object key) {
		return grid != null ? grid.get(key) != null : store.containsKey(key);
	}

	/** The name of the Infinispan cache that holds the region. */
	String cacheName() {
		return grid != null ? grid.cacheName() : store.name();
	}

	GridRegion grid() {
		return grid;
	}

	/** The write windows open on this region here. */
	long writesInProgress() {
		return state.openWindows();
	}

	ValidationState state() {
		return state;
	}

	/**
	 * A read. What is found is served only if this node's lease held after it was found (DESIGN.md §4.5): checked
	 * before, a node paused between the check and the read would serve what the other members changed meanwhile. A
	 * hit reads the clock once, for the lease and the entry's expiration; a miss (served by nobody) reads none.
	 */
	Object get(SharedSessionContractImplementor session, Object key) {
		Object value;
		if (grid != null) {
			value = near != null && !grid.readsLocally(key) ? nearGet(key) : grid.get(key, state.regionClearedAt());
			if (value == InfinispanStore.LEASE_EXPIRED || value != null && !lease.valid()) {
				return bypassed();
			}
			(value == null ? statistics.misses : statistics.hits).increment();
			return value;
		}
		value = store.get(key, lease);
		if (value == InfinispanStore.LEASE_EXPIRED) {
			return bypassed();
		}
		(value == null ? statistics.misses : statistics.hits).increment();
		if (value == null && session.getCacheMode().isPutEnabled()) {
			state.registerPendingLoad(session.getSessionIdentifier(), key);
		}
		return value;
	}

	private Object bypassed() {
		statistics.countBypassed();
		return null;
	}

	/**
	 * A read of a key owned elsewhere in a region with a near cache: the near copy, or else the owners' state, which is
	 * kept near only if no write window on the key reached this node since before the owners were asked. A window
	 * opens at the owners before it reaches this node, and reaches this node before its commit: so an answer read
	 * before a write is either voided here or dropped by the write's window before the write commits. (Infinispan's L1
	 * is not used: a node that reads a key while another writes it can lose its registration for invalidation there,
	 * and keep a copy that no later write removes.)
	 */
	private Object nearGet(Object key) {
		Object value = near.get(key, lease);
		if (value != null) {
			return value;
		}
		Object fill = new Object();
		// judged as a load whose transaction started now: a start is above every event before it and takes no event's
		// timestamp, so reads that miss the near copy do not hold up this node's writes
		long askedAt = clock.transactionStart();
		state.registerPendingLoad(fill, key);
		value = grid.get(key, state.regionClearedAt());
		if (value == null) {
			state.forgetPendingLoad(fill, key);
		}
		else {
			state.putFromLoad(fill, key, value, askedAt, lease, cached -> true);
		}
		return value;
	}

	boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, ReplaceRule mayReplace) {
		PutOutcome outcome = grid != null ? gridPutFromLoad(key, value, cachingTimestamp(session), mayReplace)
				: state.putFromLoad(session.getSessionIdentifier(), key, value, cachingTimestamp(session), lease,
						mayReplace);
		statistics.count(outcome);
		if (outcome != PutOutcome.PUT && LOG.isTraceEnabled()) {
			LOG.tracef("Region '%s': put of key '%s' not done: %s", name, key, outcome);
		}
		return outcome == PutOutcome.PUT;
	}

	/**
	 * A grid region's put: this node's view of region-wide windows first (they reach every node before their SQL runs,
	 * and a window that opens meanwhile waits for this put, then clears it), then the key's owner decides.
	 */
	private PutOutcome gridPutFromLoad(Object key, Object value, long txTimestamp, ReplaceRule mayReplace) {
		if (!lease.valid()) {
			return PutOutcome.REJECTED_LEASE;
		}
		return state.withRegionView(region -> {
			if (region.writing()) {
				return PutOutcome.REJECTED_WRITE_IN_PROGRESS;
			}
			if (txTimestamp <= region.lastWriteEnd()) {
				return PutOutcome.REJECTED_STALE_LOAD;
			}
			if (txTimestamp <= lease.validSinceTimestamp()) {
				return PutOutcome.REJECTED_LEASE;
			}
			return grid.putFromLoad(key, value, txTimestamp, state.regionClearedAt(), mayReplace);
		});
	}

	/** Remembers that this session is about to insert {@code key}, so that its after-insert put is judged like a load. */
	void registerInsert(SharedSessionContractImplementor session, Object key) {
		if (grid == null) {
			state.registerPendingLoad(session.getSessionIdentifier(), key);
		}
	}

	static long cachingTimestamp(SharedSessionContractImplementor session) {
		return session.getCacheTransactionSynchronization().getCachingTimestamp();
	}

	/**
	 * Opens a write window on {@code key} here and on every member; fails the write if a member cannot be told. The
	 * other members are told at once; a session whose transaction will complete through Hibernate waits for their
	 * answers only before its commit ({@link TransactionSynchronization#transactionCompleting()}), so that the round
	 * trip overlaps its SQL. What the protocol needs is that every member holds the window before the commit.
	 */
	WriteLock beginWrite(SharedSessionContractImplementor session, Object key) {
		Writer writer = node.newWriter();
		if (grid != null) {
			long regionEpoch = state.withRegionView(ValidationState.RegionView::epoch);
			long keyEpoch = grid.beginWrite(writer, key);
			statistics.invalidationsSent.increment();
			try {
				node.awaitDepartedLeases("open a write window on", wireName, wireKey(key));
			}
			catch (CacheException e) {
				abandonAtOwners(key, writer, keyEpoch);
				throw e;
			}
			// with a near cache the window then reaches every node, after the owners hold it (see nearGet)
			ClusterNode.Opening opening = near == null ? null : openNear(session, key, writer, keyEpoch);
			return new WriteLock(key, writer, new ValidationState.WriteToken(keyEpoch, regionEpoch), opening);
		}
		ValidationState.WriteToken token = state.beginWrite(key, writer);
		ClusterNode.Opening opening = openOnTheOtherMembers(session, key, writer);
		if (opening != null) {
			statistics.invalidationsSent.increment();
		}
		return new WriteLock(key, writer, token, opening);
	}

	/**
	 * Opens the window on {@code key}, already open here, on the other members (none without a cluster); if that fails,
	 * closes it wherever it got.
	 */
	private ClusterNode.Opening openOnTheOtherMembers(SharedSessionContractImplementor session, Object key,
			Writer writer) {
		if (!clustered) {
			return null;
		}
		ClusterNode.Opening opening = null;
		try {
			opening = TransactionSynchronization.open(session, node, wireName, wireKey(key), writer);
			return opening;
		}
		finally {
			if (opening == null) {
				abandon(key, writer);
			}
		}
	}

	/** Opens a grid window on every node's near cache; if that fails, closes it at the owners too. */
	private ClusterNode.Opening openNear(SharedSessionContractImplementor session, Object key, Writer writer,
			long keyEpoch) {
		state.beginWrite(key, writer);
		try {
			return openOnTheOtherMembers(session, key, writer);
		}
		catch (RuntimeException | Error e) {
			abandonAtOwners(key, writer, keyEpoch);
			throw e;
		}
	}

	/** A grid write that fails before its SQL: closes its window at the owners, without hiding the failure. */
	private void abandonAtOwners(Object key, Writer writer, long keyEpoch) {
		try {
			grid.endWrite(writer, key, keyEpoch, null);
		}
		catch (CacheException closing) {
			LOG.debugf(closing, "Region '%s': could not close the abandoned write window on key '%s' at its "
					+ "owners; it expires after the lock timeout", name, key);
		}
	}

	/** A failed open: close the window wherever it got, without hiding the original failure. */
	private void abandon(Object key, Writer writer) {
		state.endWrite(key, writer, null, null);
		try {
			node.closeRemote(ClusterNode.Window.ofFailedOpening(wireName, wireKey(key), writer, 0));
		}
		catch (CacheException e) {
			LOG.debugf(e, "Region '%s': could not close the abandoned write window on key '%s'; it expires after "
					+ "the lock timeout", name, key);
		}
	}

	/**
	 * Ends a write window here and on every member. On the writing node the committed state is cached when the window
	 * stayed the only change to its key.
	 *
	 * @param session the writer's session (its transaction sends its ends together), or null
	 */
	boolean endWrite(SharedSessionContractImplementor session, WriteLock lock, Object committedValue) {
		boolean cached;
		if (grid != null) {
			// the committed state is cached only if no region-wide window opened meanwhile (bulk DML may have changed
			// the row after this commit); a window that opens now waits until this end is done, then clears it
			cached = state.withRegionView(region -> grid.endWrite(lock.writer(), lock.key(),
					lock.token().keyEpoch(), region.writing() || region.epoch() != lock.token().regionEpoch()
							? null : committedValue));
			if (near != null) {
				// after the owners: a node that hears the end and asks them finds the new state
				state.endWrite(lock.key(), lock.writer(), null, null);
			}
		}
		else {
			cached = state.endWrite(lock.key(), lock.writer(), committedValue, lock.token());
		}
		if (cached) {
			statistics.count(PutOutcome.PUT);
		}
		// a window opened on the other members: an invalidation-mode region's, or a near cache's
		if (lock.opening() != null) {
			closeRemote(session, lock);
		}
		return cached;
	}

	/**
	 * Ends the window on the other members (none if its opening was never sent: its transaction did not reach its
	 * commit). When its opening failed (the transaction could not commit), the members that did hear it are told on a
	 * best-effort basis: a window left open there expires after the lock timeout.
	 */
	private void closeRemote(SharedSessionContractImplementor session, WriteLock lock) {
		ClusterNode.Opening opening = lock.opening();
		ClusterNode.Window window = opening.forClose();
		if (!opening.failed()) {
			TransactionSynchronization.close(session, node, window);
			return;
		}
		try {
			node.closeRemote(window);
		}
		catch (CacheException e) {
			LOG.debugf(e, "Region '%s': could not close the write window of a failed write on key '%s'; it "
					+ "expires after the lock timeout", name, lock.key());
		}
	}

	/** Evicts {@code key} on every node, as a write window that opens and closes at once. */
	void invalidate(Object key) {
		if (grid != null) {
			grid.invalidate(key);
			statistics.invalidationsSent.increment();
			node.awaitDepartedLeases("invalidate", wireName, wireKey(key));
			if (near != null) {
				state.invalidate(key);
				if (clustered) {
					node.invalidateRemote(wireName, wireKey(key));
				}
			}
			return;
		}
		state.invalidate(key);
		if (clustered) {
			node.invalidateRemote(wireName, wireKey(key));
			statistics.invalidationsSent.increment();
		}
	}

	WriteLock beginRegionWrite() {
		Writer writer = node.newWriter();
		state.beginRegionWrite(writer);
		ClusterNode.Opening opening = null;
		try {
			if (clustered) {
				opening = node.openNow(wireName, null, writer);
				statistics.invalidationsSent.increment();
			}
		}
		finally {
			if (clustered && opening == null) {
				state.endRegionWrite(writer);
			}
		}
		return new WriteLock(null, writer, null, opening);
	}

	void endRegionWrite(WriteLock lock) {
		state.endRegionWrite(lock.writer());
		if (clustered && lock.opening() != null) {
			node.closeRemote(lock.opening().forClose());
		}
	}

	void invalidateRegion() {
		state.endRegionWrite(null);
		if (clustered) {
			node.invalidateRemote(wireName, null);
			statistics.invalidationsSent.increment();
		}
	}

	@Override
	public void onBeginWrite(Object key, Writer writer) {
		statistics.invalidationsReceived.increment();
		if (key == null) {
			state.beginRegionWrite(writer);
		}
		else {
			state.beginWrite(key, writer);
		}
	}

	@Override
	public void onEndWrite(Object key, Writer writer) {
		if (writer == null) {
			statistics.invalidationsReceived.increment(); // an invalidation, not the end of a window
		}
		if (key == null) {
			state.endRegionWrite(writer);
		}
		else {
			state.endWrite(key, writer, null, null);
		}
	}

	@Override
	public void onReset() {
		state.reset();
	}

	void destroy() {
		if (clustered) {
			node.unregister(wireName);
		}
	}
}
