package dev.clustercache.hibernate.internal;

import org.hibernate.cache.cfg.spi.CollectionDataCachingConfig;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.CollectionDataAccess;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.persister.collection.CollectionPersister;

/** Collection access: a change of the collection locks, evicts and unlocks its key; see {@link AbstractAccess}. */
final class CollectionAccess extends AbstractAccess implements CollectionDataAccess {

	private final CacheKeysFactory keysFactory;

	CollectionAccess(DomainDataRegion region, RegionCoordinator coordinator, CacheKeysFactory keysFactory,
			CollectionDataCachingConfig config) {
		super(region, coordinator, config.getAccessType(), null);
		this.keysFactory = keysFactory;
	}

	@Override
	public Object generateCacheKey(Object id, CollectionPersister collectionDescriptor,
			SessionFactoryImplementor factory, String tenantIdentifier) {
		return keysFactory.createCollectionKey(id, collectionDescriptor, factory, tenantIdentifier);
	}

	@Override
	public Object getCacheKeyId(Object cacheKey) {
		return keysFactory.getCollectionId(cacheKey);
	}
}
