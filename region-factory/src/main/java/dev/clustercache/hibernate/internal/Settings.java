package dev.clustercache.hibernate.internal;

import java.time.Duration;
import java.util.Map;

import dev.clustercache.hibernate.PartitionHandling;
import dev.clustercache.hibernate.RegionMode;

/**
 * Every ClusterCache setting, parsed once at start by {@link SettingsParser}; no other code reads the raw map.
 *
 * @param jgroupsProperties JGroups properties handed to the stack (name without our prefix, e.g. {@code jgroups.bind_port})
 * @param cacheManager a user's {@code EmbeddedCacheManager}, or null
 * @param lease the freshness lease, or null to derive it from the stack's failure detection
 * @param distributedOwners the copies of each entry of a distributed region
 * @param distributedL1 whether distributed regions keep a near cache of entries owned elsewhere
 */
record Settings(
		String jgroupsStack,
		Map<String, String> jgroupsProperties,
		java.util.Set<dev.clustercache.hibernate.jgroups.JGroupsStacks.Security> security,
		String clusterName,
		String nodeName,
		Map<RegionKind, RegionDefaults> regions,
		String infinispanConfig,
		Object cacheManager,
		Duration lease,
		Duration invalidationTimeout,
		Duration lockTimeout,
		PartitionHandling partitionHandling,
		Duration clockSkew,
		int distributedOwners,
		boolean distributedL1) {

	/** The defaults of one kind of region. A zero duration means never. */
	record RegionDefaults(RegionMode mode, long maxEntries, Duration maxIdle, Duration lifespan) {
	}

	RegionDefaults region(RegionKind kind) {
		return regions.get(kind);
	}

	/** Whether any region needs the cluster transport. */
	boolean clustered() {
		return regions.values().stream().anyMatch(r -> r.mode() != RegionMode.LOCAL);
	}
}
