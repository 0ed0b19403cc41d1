package dev.clustercache.hibernate.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hibernate.cache.spi.AbstractCacheTransactionSynchronization;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * Hibernate's per-session cache synchronization, plus the write windows that inserts open: Hibernate calls
 * {@code afterInsert} only on success, so windows of a rolled-back insert are closed when the transaction completes.
 */
final class TransactionSynchronization extends AbstractCacheTransactionSynchronization {

	private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger("dev.clustercache.hibernate");

	private record InsertKey(RegionCoordinator region, Object key) {
	}

	private Map<InsertKey, WriteLock> openInserts;

	TransactionSynchronization(RegionFactory regionFactory) {
		super(regionFactory);
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
			region.endWrite(previous, null);
		}
	}

	WriteLock closeInsert(RegionCoordinator region, Object key) {
		return openInserts == null ? null : openInserts.remove(new InsertKey(region, key));
	}

	@Override
	public void transactionCompleted(boolean successful) {
		if (openInserts != null && !openInserts.isEmpty()) {
			List<Map.Entry<InsertKey, WriteLock>> open = new ArrayList<>(openInserts.entrySet());
			openInserts.clear();
			for (Map.Entry<InsertKey, WriteLock> e : open) {
				try {
					e.getKey().region().endWrite(e.getValue(), null);
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
		super.transactionCompleted(successful);
	}
}
