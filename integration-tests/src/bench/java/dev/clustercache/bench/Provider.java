package dev.clustercache.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The cache providers of the suite, by the name the JMH parameter {@code provider} takes. Each runs in its own JMH fork
 * on the same model, data and H2 database; the clustered ones start two nodes (A and B) in that fork, on 127.0.0.1.
 */
public enum Provider {
	/** Second-level cache off: the floor. */
	NONE(1),
	/** {@link LimitRegionFactory}: a ConcurrentHashMap per region, the ceiling for a hit. */
	LIMIT(1),
	/** hibernate-jcache over Ehcache 3 on heap. */
	JCACHE(1),
	/** Infinispan's own Hibernate module, local caches. */
	INFINISPAN_LOCAL(1),
	/** Infinispan's own Hibernate module, two nodes, its default invalidation mode. */
	INFINISPAN_CLUSTER(2),
	/** hazelcast-hibernate53's local region factory (local maps, invalidation by topic), one member. */
	HAZELCAST_LOCAL(1),
	/** hazelcast-hibernate53's distributed region factory (IMap), two members. */
	HAZELCAST_CLUSTER(2),
	/** ClusterCache, {@code mode=local}. */
	CLUSTERCACHE_LOCAL(1),
	/** ClusterCache, two nodes, {@code mode=invalidation} (the default). */
	CLUSTERCACHE_CLUSTER(2),
	/** ClusterCache, two nodes, {@code mode=replicated}. */
	CLUSTERCACHE_REPLICATED(2),
	/** ClusterCache, two nodes, {@code mode=distributed} (owners 2: with two nodes, each holds every entry). */
	CLUSTERCACHE_DISTRIBUTED(2);

	private final int nodes;

	Provider(int nodes) {
		this.nodes = nodes;
	}

	/** How many nodes (SessionFactories) this provider runs in a fork: 1, or 2 for a cluster. */
	public int nodes() {
		return nodes;
	}

	public boolean clustered() {
		return nodes > 1;
	}

	/** The name used in the JMH parameter and the report: {@code clustercache-cluster}. */
	public String id() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	public static Provider of(String id) {
		for (Provider p : values()) {
			if (p.id().equals(id)) {
				return p;
			}
		}
		throw new IllegalArgumentException("Unknown provider '" + id + "'. Expected one of: "
				+ Arrays.stream(values()).map(Provider::id).collect(Collectors.joining(", ")) + ".");
	}
}
