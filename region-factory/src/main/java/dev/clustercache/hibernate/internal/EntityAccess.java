package dev.clustercache.hibernate.internal;

import org.hibernate.cache.cfg.spi.EntityDataCachingConfig;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/** Entity access; see {@link AbstractAccess} for the strategies. */
final class EntityAccess extends AbstractAccess implements EntityDataAccess {

	private final CacheKeysFactory keysFactory;

	EntityAccess(DomainDataRegion region, RegionCoordinator coordinator, CacheKeysFactory keysFactory,
			EntityDataCachingConfig config) {
		super(region, coordinator, config.getAccessType(),
				config.isVersioned() && config.getAccessType()
						== org.hibernate.cache.spi.access.AccessType.NONSTRICT_READ_WRITE
						? versionComparator(config) : null);
		this.keysFactory = keysFactory;
	}

	/** Hibernate 6.6 declares the comparator raw, 7 as {@code Comparator<Object>}: the same after erasure. */
	@SuppressWarnings({"unchecked", "rawtypes"})
	private static java.util.function.Supplier<java.util.Comparator<Object>> versionComparator(
			EntityDataCachingConfig config) {
		return (java.util.function.Supplier) config.getVersionComparatorAccess();
	}

	@Override
	public Object generateCacheKey(Object id, EntityPersister rootEntityDescriptor, SessionFactoryImplementor factory,
			String tenantIdentifier) {
		return keysFactory.createEntityKey(id, rootEntityDescriptor, factory, tenantIdentifier);
	}

	@Override
	public Object getCacheKeyId(Object cacheKey) {
		return keysFactory.getEntityId(cacheKey);
	}

	@Override
	public boolean insert(SharedSessionContractImplementor session, Object key, Object value, Object version) {
		return doInsert(session, key);
	}

	@Override
	public boolean afterInsert(SharedSessionContractImplementor session, Object key, Object value, Object version) {
		return doAfterInsert(session, key, value);
	}

	@Override
	public boolean update(SharedSessionContractImplementor session, Object key, Object value, Object currentVersion,
			Object previousVersion) {
		return doUpdate(key);
	}

	@Override
	public boolean afterUpdate(SharedSessionContractImplementor session, Object key, Object value,
			Object currentVersion, Object previousVersion, SoftLock lock) {
		return doAfterUpdate(session, key, value, lock);
	}
}
