package dev.clustercache.hibernate.internal;

import java.util.Comparator;

import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.CachedDomainDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * What entity, collection and natural-id access share: reads, puts from load, item and region locks, evictions.
 * <ul>
 * <li>read-write: a write opens a window on every node before the SQL ({@code lockItem}, {@code insert}) and closes it
 * after completion; the writing node caches the committed state if nothing else changed the key meanwhile.</li>
 * <li>nonstrict-read-write: nothing before the commit; after completion the key is evicted on every node
 * synchronously. Puts never replace an equal or newer version.</li>
 * <li>read-only: updates fail; a delete evicts the key on every node.</li>
 * </ul>
 * All three judge puts from load by the protocol of {@link ValidationState}, so a load that overlapped a write on
 * another node never caches the state it read before that write.
 */
abstract class AbstractAccess implements CachedDomainDataAccess {

	final DomainDataRegion region;
	final RegionCoordinator coordinator;
	final AccessType accessType;
	final Strategy strategy;
	private final java.util.function.Supplier<Comparator<Object>> versionComparator;

	AbstractAccess(DomainDataRegion region, RegionCoordinator coordinator, AccessType accessType,
			java.util.function.Supplier<Comparator<Object>> versionComparator) {
		this.region = region;
		this.coordinator = coordinator;
		this.accessType = accessType;
		this.strategy = Strategy.of(accessType);
		this.versionComparator = versionComparator;
	}

	@Override
	public DomainDataRegion getRegion() {
		return region;
	}

	@Override
	public AccessType getAccessType() {
		return accessType;
	}

	@Override
	public Object get(SharedSessionContractImplementor session, Object key) {
		return coordinator.get(session, key);
	}

	@Override
	public boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, Object version) {
		return putFromLoad(session, key, value, version, false);
	}

	@Override
	public boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, Object version,
			boolean minimalPutOverride) {
		return coordinator.putFromLoad(session, key, value, replacementRule(version, minimalPutOverride));
	}

	private ReplaceRule replacementRule(Object version, boolean minimalPut) {
		return new ReplaceRule(minimalPut, version, versionComparator != null, versionComparator);
	}

	@Override
	public SoftLock lockItem(SharedSessionContractImplementor session, Object key, Object version) {
		return strategy == Strategy.READ_WRITE ? coordinator.beginWrite(session, key) : null;
	}

	@Override
	public void unlockItem(SharedSessionContractImplementor session, Object key, SoftLock lock) {
		if (lock instanceof WriteLock writeLock) {
			coordinator.endWrite(session, writeLock, null);
		}
		else if (strategy != Strategy.READ_WRITE) {
			coordinator.invalidate(key);
		}
	}

	@Override
	public void remove(SharedSessionContractImplementor session, Object key) {
		// read-write: lockItem opened a write window on every node, unlockItem closes it; the other strategies
		// evict the key on every node in unlockItem, after the commit
	}

	@Override
	public void removeAll(SharedSessionContractImplementor session) {
		// lockRegion opened a region-wide write window on every node; it stays open until unlockRegion, which a
		// Session calls after the transaction completes. A StatelessSession calls it right away, before the SQL
		// runs: then a second window stays open until its transaction completes.
		if (!session.isEventSource() && session.isTransactionInProgress()) {
			WriteLock window = coordinator.beginRegionWrite();
			// a JTA-style synchronization of the session's own transaction: the same API on Hibernate 6.6 and 7
			session.getTransactionCoordinator().getLocalSynchronizations()
					.registerSynchronization(new jakarta.transaction.Synchronization() {
						@Override
						public void beforeCompletion() {
						}

						@Override
						public void afterCompletion(int status) {
							coordinator.endRegionWrite(window);
						}
					});
		}
	}

	@Override
	public boolean contains(Object key) {
		return coordinator.contains(key);
	}

	@Override
	public SoftLock lockRegion() {
		return coordinator.beginRegionWrite();
	}

	@Override
	public void unlockRegion(SoftLock lock) {
		if (lock instanceof WriteLock writeLock) {
			coordinator.endRegionWrite(writeLock);
		}
		else {
			coordinator.invalidateRegion();
		}
	}

	@Override
	public void evict(Object key) {
		coordinator.invalidate(key);
	}

	@Override
	public void evictAll() {
		coordinator.invalidateRegion();
	}

	// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
	// inserts and updates, shared by entities and natural ids

	boolean doInsert(SharedSessionContractImplementor session, Object key) {
		switch (strategy) {
			case READ_WRITE -> TransactionSynchronization.of(session)
					.openInsert(coordinator, key, coordinator.beginWrite(session, key));
			case READ_ONLY -> coordinator.registerInsert(session, key);
			default -> {
				// nonstrict: nothing is cached on insert
			}
		}
		return false;
	}

	boolean doAfterInsert(SharedSessionContractImplementor session, Object key, Object value) {
		return switch (strategy) {
			case READ_WRITE -> {
				WriteLock lock = TransactionSynchronization.of(session).closeInsert(coordinator, key);
				yield lock != null && coordinator.endWrite(session, lock, value);
			}
			case READ_ONLY -> coordinator.putFromLoad(session, key, value, ReplaceRule.ONLY_IF_ABSENT);
			default -> false;
		};
	}

	boolean doUpdate(Object key) {
		switch (strategy) {
			case READ_ONLY -> throw readOnlyUpdate();
			default -> {
				// read-write: lockItem opened the window; nonstrict: afterUpdate evicts after the commit
			}
		}
		return false;
	}

	boolean doAfterUpdate(SharedSessionContractImplementor session, Object key, Object value, SoftLock lock) {
		return switch (strategy) {
			case READ_ONLY -> throw readOnlyUpdate();
			case NONSTRICT_READ_WRITE -> {
				coordinator.invalidate(key);
				yield false;
			}
			case READ_WRITE -> lock instanceof WriteLock writeLock
					&& coordinator.endWrite(session, writeLock, value);
		};
	}

	private UnsupportedOperationException readOnlyUpdate() {
		return new UnsupportedOperationException("Can't update read-only object in region '"
				+ coordinator.name() + "': its cache concurrency strategy is READ_ONLY. Use READ_WRITE or "
				+ "NONSTRICT_READ_WRITE for data that changes.");
	}
}
