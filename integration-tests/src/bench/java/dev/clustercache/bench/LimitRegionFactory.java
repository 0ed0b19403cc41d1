package dev.clustercache.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.hibernate.boot.spi.SessionFactoryOptions;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.spi.support.DomainDataStorageAccess;
import org.hibernate.cache.spi.support.RegionFactoryTemplate;
import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * The provider {@code limit}: Hibernate's own region template over one {@link ConcurrentHashMap} per region, one node,
 * no bound, no expiry. The practical ceiling for a hit: whatever a real provider adds costs against it.
 */
public final class LimitRegionFactory extends RegionFactoryTemplate {

	@Override
	protected void prepareForUse(SessionFactoryOptions settings, Map<String, Object> configValues) {
		// nothing to start
	}

	@Override
	protected void releaseFromUse() {
		// nothing to stop
	}

	@Override
	protected DomainDataStorageAccess createDomainDataStorageAccess(DomainDataRegionConfig regionConfig,
			DomainDataRegionBuildingContext buildingContext) {
		return new MapStorage();
	}

	@Override
	protected StorageAccess createQueryResultsRegionStorageAccess(String regionName,
			SessionFactoryImplementor sessionFactory) {
		return new MapStorage();
	}

	@Override
	protected StorageAccess createTimestampsRegionStorageAccess(String regionName,
			SessionFactoryImplementor sessionFactory) {
		return new MapStorage();
	}

	private static final class MapStorage implements DomainDataStorageAccess {
		private final ConcurrentHashMap<Object, Object> map = new ConcurrentHashMap<>();

		@Override
		public Object getFromCache(Object key, SharedSessionContractImplementor session) {
			return map.get(key);
		}

		@Override
		public void putIntoCache(Object key, Object value, SharedSessionContractImplementor session) {
			map.put(key, value);
		}

		@Override
		public boolean contains(Object key) {
			return map.containsKey(key);
		}

		@Override
		public void evictData() {
			map.clear();
		}

		@Override
		public void evictData(Object key) {
			map.remove(key);
		}

		@Override
		public void release() {
			map.clear();
		}
	}
}
