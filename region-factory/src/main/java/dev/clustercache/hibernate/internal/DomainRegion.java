package dev.clustercache.hibernate.internal;

import org.hibernate.cache.cfg.spi.CollectionDataCachingConfig;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.cfg.spi.EntityDataCachingConfig;
import org.hibernate.cache.cfg.spi.NaturalIdDataCachingConfig;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.cache.spi.access.CollectionDataAccess;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.NaturalIdDataAccess;
import org.hibernate.cache.spi.support.AbstractDomainDataRegion;

/**
 * An entity, collection or natural-id region: Hibernate's region template (key factories, access maps) over one
 * {@link RegionCoordinator}, with our cluster-safe access strategies.
 */
final class DomainRegion extends AbstractDomainDataRegion implements InMemoryCounts {

	private final RegionCoordinator coordinator;

	DomainRegion(DomainDataRegionConfig config, RegionFactory factory, RegionCoordinator coordinator,
			CacheKeysFactory defaultKeysFactory, DomainDataRegionBuildingContext context) {
		super(config, factory, defaultKeysFactory, context);
		this.coordinator = coordinator;
		completeInstantiation(config, context);
	}

	RegionCoordinator coordinator() {
		return coordinator;
	}

	@Override
	protected EntityDataAccess generateEntityAccess(EntityDataCachingConfig config) {
		return new EntityAccess(this, coordinator, getEffectiveKeysFactory(), config);
	}

	@Override
	protected CollectionDataAccess generateCollectionAccess(CollectionDataCachingConfig config) {
		return new CollectionAccess(this, coordinator, getEffectiveKeysFactory(), config);
	}

	@Override
	protected NaturalIdDataAccess generateNaturalIdAccess(NaturalIdDataCachingConfig config) {
		return new NaturalIdAccess(this, coordinator, getEffectiveKeysFactory(), config);
	}

	/** Clears the region on every node once, however many entities and collections share it. */
	@Override
	public void clear() {
		coordinator.invalidateRegion();
	}

	@Override
	public void destroy() {
		coordinator.destroy();
	}

	@Override
	public long getElementCountInMemory() {
		return coordinator.size();
	}
}
