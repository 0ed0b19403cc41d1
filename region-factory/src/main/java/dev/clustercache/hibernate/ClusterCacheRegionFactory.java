package dev.clustercache.hibernate;

import java.util.List;

import dev.clustercache.hibernate.internal.RegionFactoryImpl;

/**
 * A Hibernate second-level and query cache that stays correct across a cluster of JVMs. Switch it on with
 * {@code hibernate.cache.region.factory_class=clustercache}; see {@link ClusterCacheSettings} for the optional
 * settings.
 * <p>
 * Entity, collection and natural-id regions are local Infinispan caches on every node, kept consistent by an
 * invalidation protocol over JGroups: a write opens a window on the key on every node before its transaction commits,
 * and a load that overlapped a write never caches what it read. Query results are cached per node and checked against
 * update timestamps that every node keeps: a write opens a window on its query spaces on every node before its commit
 * too.
 */
public class ClusterCacheRegionFactory extends RegionFactoryImpl {

	public ClusterCacheRegionFactory() {
	}

	/** The names of the members of this node's cluster view; just this node when it runs without a cluster. */
	public List<String> getClusterMembers() {
		return clusterMembers();
	}

	/** This node's name in the cluster view. */
	public String getLocalMember() {
		return localMember();
	}

	/**
	 * The Infinispan cache manager under this factory: the one ClusterCache created, or the one given in
	 * {@link ClusterCacheSettings#CACHE_MANAGER}. For monitoring; do not stop it or change its caches.
	 */
	public org.infinispan.manager.EmbeddedCacheManager getCacheManager() {
		return cacheManager();
	}

	/**
	 * Whether this node serves from its caches now: it has heard from every member of its view within the freshness
	 * lease. When not, reads go to the database until it has.
	 */
	public boolean isServingFromCache() {
		return leaseValid();
	}

	/**
	 * The live figures of this node and its regions: hits, misses, puts, rejected puts, invalidations, sizes and the
	 * cluster state. The same as the MBeans under {@code dev.clustercache} and {@link ClusterCacheMeterBinder}'s
	 * meters; reading them never makes a network call.
	 */
	public ClusterCacheStatistics statistics() {
		return nodeStatistics();
	}

	/**
	 * {@link ClusterCacheHealth.Status#UP} while this node serves from its caches (its lease is valid, it is not inside
	 * a merge); {@link ClusterCacheHealth.Status#DEGRADED} with the reason when reads bypass the cache. For an
	 * application's health endpoint: computed locally, without a network call.
	 */
	public ClusterCacheHealth health() {
		return nodeHealth();
	}
}
