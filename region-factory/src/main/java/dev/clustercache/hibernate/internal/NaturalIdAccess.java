package dev.clustercache.hibernate.internal;

import org.hibernate.cache.cfg.spi.NaturalIdDataCachingConfig;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.NaturalIdDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/** Natural-id to id access; see {@link AbstractAccess} for the strategies. */
final class NaturalIdAccess extends AbstractAccess implements NaturalIdDataAccess {

	private final CacheKeysFactory keysFactory;

	NaturalIdAccess(DomainDataRegion region, RegionCoordinator coordinator, CacheKeysFactory keysFactory,
			NaturalIdDataCachingConfig config) {
		super(region, coordinator, config.getAccessType(), null);
		this.keysFactory = keysFactory;
	}

	@Override
	public Object generateCacheKey(Object naturalIdValues, EntityPersister rootEntityDescriptor,
			SharedSessionContractImplementor session) {
		return keysFactory.createNaturalIdKey(naturalIdValues, rootEntityDescriptor, session);
	}

	@Override
	public Object getNaturalIdValues(Object cacheKey) {
		return keysFactory.getNaturalIdValues(cacheKey);
	}

	@Override
	public boolean insert(SharedSessionContractImplementor session, Object key, Object value) {
		return doInsert(session, key);
	}

	@Override
	public boolean afterInsert(SharedSessionContractImplementor session, Object key, Object value) {
		return doAfterInsert(session, key, value);
	}

	@Override
	public boolean update(SharedSessionContractImplementor session, Object key, Object value) {
		return doUpdate(key);
	}

	@Override
	public boolean afterUpdate(SharedSessionContractImplementor session, Object key, Object value, SoftLock lock) {
		return doAfterUpdate(session, key, value, lock);
	}
}
