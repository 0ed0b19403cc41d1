package dev.clustercache.hibernate.internal;

import java.util.List;

import org.hibernate.boot.registry.selector.SimpleStrategyRegistrationImpl;
import org.hibernate.boot.registry.selector.StrategyRegistrationProvider;
import org.hibernate.cache.spi.RegionFactory;

import dev.clustercache.hibernate.ClusterCacheRegionFactory;
import dev.clustercache.hibernate.ClusterCacheSettings;

/**
 * Registers the short name {@code clustercache} for {@code hibernate.cache.region.factory_class}. Found through
 * {@code META-INF/services}; Hibernate also picks the factory by itself when it is the only one on the classpath.
 */
public final class StrategyRegistrationProviderImpl implements StrategyRegistrationProvider {

	/** Raw: Hibernate 7 declares {@code Iterable<StrategyRegistration<?>>}, 6.6 {@code Iterable<StrategyRegistration>}. */
	@Override
	@SuppressWarnings("rawtypes")
	public Iterable getStrategyRegistrations() {
		return List.of(new SimpleStrategyRegistrationImpl<>(RegionFactory.class, ClusterCacheRegionFactory.class,
				ClusterCacheSettings.SHORT_NAME, ClusterCacheRegionFactory.class.getName()));
	}
}
