package dev.clustercache.hibernate.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import dev.clustercache.hibernate.ClusterCacheHealth;
import dev.clustercache.hibernate.ClusterCacheStatistics;

/**
 * The figures of one node, read from the counters the protocol keeps ({@link RegionStatistics},
 * {@link NodeStatistics}) and the lease; never a network call. Registers them as MBeans while the node runs.
 */
final class NodeMetrics implements ClusterCacheStatistics {

	private final String clusterName;
	private final ClusterNode node;
	private final Map<String, RegionFigures> regions = new ConcurrentSkipListMap<>();
	private final JmxBeans jmx;

	NodeMetrics(String clusterName, ClusterNode node) {
		this.clusterName = clusterName;
		this.node = node;
		this.jmx = new JmxBeans(clusterName, node.name());
		jmx.registerNode(nodeBean());
	}

	/** A region was built: its figures and its MBean. */
	void addRegion(String name, RegionStatistics statistics, LongSupplier size, LongSupplier writesInProgress) {
		RegionFigures region = new RegionFigures(name, statistics, size, writesInProgress);
		regions.put(name, region);
		jmx.registerRegion(name, regionBean(region));
	}

	/** Unregisters the MBeans; the figures stay readable. */
	void close() {
		jmx.unregisterAll();
	}

	ClusterCacheHealth health() {
		Lease lease = node.lease();
		if (lease.valid()) {
			return ClusterCacheHealth.up();
		}
		Map<String, String> disagreements = node.disagreements();
		if (!disagreements.isEmpty()) {
			return ClusterCacheHealth.degraded("Node '" + node.name() + "' serves nothing from its caches: member(s) "
					+ disagreements.keySet() + " keep regions differently (" + String.join("; ", disagreements.values())
					+ "). " + RegionProfile.remedy() + ".");
		}
		Map<String, String> refusals = node.refusals();
		return ClusterCacheHealth.degraded("Node '" + node.name() + "' serves nothing from its caches: it has not heard "
				+ "from every member of its view " + node.members() + " within its lease of "
				+ TimeUnit.NANOSECONDS.toMillis(lease.leaseNanos()) + " ms (" + lease.describe() + ")"
				+ (refusals.isEmpty() ? "" : "; refused by " + refusals) + ". Reads go to the database until it "
				+ "has; check the network between this node and those members"
				+ (refusals.isEmpty() ? "" : ", and the log of the members that refuse") + ".");
	}

	@Override
	public String clusterName() {
		return clusterName;
	}

	@Override
	public String nodeName() {
		return node.name();
	}

	@Override
	public List<String> members() {
		return node.members();
	}

	@Override
	public boolean leaseValid() {
		return node.lease().valid();
	}

	@Override
	public Map<String, List<String>> refusedMembers() {
		return node.refusedMembers();
	}

	@Override
	public long merges() {
		return node.statistics.merges();
	}

	@Override
	public long lastMergeTime() {
		return node.statistics.lastMergeMillis();
	}

	@Override
	public long invalidationRoundTrips() {
		return node.statistics.roundTrips();
	}

	@Override
	public long invalidationRoundTripNanos() {
		return node.statistics.roundTripNanos();
	}

	@Override
	public List<Region> regions() {
		return List.copyOf(regions.values());
	}

	private JmxBeans.Bean nodeBean() {
		return new JmxBeans.Bean("ClusterCache on one node: its view, lease and invalidation round trips")
				.add("Cluster", String.class, "the cluster name", this::clusterName)
				.add("Node", String.class, "this node's name", this::nodeName)
				.add("Members", String[].class, "the members of this node's view",
						() -> members().toArray(String[]::new))
				.add("MemberCount", int.class, "the number of members in this node's view", () -> members().size())
				.add("LeaseValid", boolean.class, "whether this node serves from its caches now", this::leaseValid)
				.add("Health", String.class, "UP or DEGRADED", () -> health().status().name())
				.add("HealthReason", String.class, "why DEGRADED; empty when UP", () -> health().reason())
				.add("RefusedMembers", String[].class, "members answered no more until they have cleared the "
						+ "regions named, which they could not be told of a change to", () -> refusedMembers()
								.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toArray(String[]::new))
				.add("Merges", long.class, "merges seen since start", this::merges)
				.add("LastMergeTime", long.class, "epoch milliseconds of the last merge, 0 if none",
						this::lastMergeTime)
				.add("InvalidationRoundTrips", long.class, "synchronous calls to the other members",
						this::invalidationRoundTrips)
				.add("InvalidationRoundTripTotalMillis", double.class, "the time those calls took in total",
						() -> invalidationRoundTripNanos() / 1e6);
	}

	private static JmxBeans.Bean regionBean(RegionFigures r) {
		return new JmxBeans.Bean("One ClusterCache region on one node")
				.add("Region", String.class, "the region name", r::name)
				.add("Hits", long.class, "reads that found an entry", r::hits)
				.add("Misses", long.class, "reads that found none, bypassed ones included", r::misses)
				.add("BypassedReads", long.class, "reads while the lease was not valid", r::bypassedReads)
				.add("Puts", long.class, "entries put", r::puts)
				.add("RejectedPutsInFlightWrite", long.class, "puts refused: a write was in progress",
						() -> r.rejectedPuts(RejectedPutReason.IN_FLIGHT_WRITE))
				.add("RejectedPutsStaleLoad", long.class, "puts refused: a write ended after the load began",
						() -> r.rejectedPuts(RejectedPutReason.STALE_LOAD))
				.add("RejectedPutsLeaseExpired", long.class, "puts refused: the lease was not valid",
						() -> r.rejectedPuts(RejectedPutReason.LEASE_EXPIRED))
				.add("SkippedPuts", long.class, "puts not done: an equal or newer entry was cached", r::skippedPuts)
				.add("InvalidationsSent", long.class, "write windows and invalidations sent",
						r::invalidationsSent)
				.add("InvalidationsReceived", long.class, "write windows and invalidations received",
						r::invalidationsReceived)
				.add("Size", long.class, "entries in this node's cache of the region", r::size)
				.add("WritesInProgress", long.class, "write windows open on the region here, from any node",
						r::writesInProgress);
	}

	private record RegionFigures(String name, RegionStatistics statistics, LongSupplier sizeSupplier,
			LongSupplier writesInProgressSupplier) implements Region {

		@Override
		public long hits() {
			return statistics.hits.sum();
		}

		@Override
		public long misses() {
			return statistics.misses.sum();
		}

		@Override
		public long bypassedReads() {
			return statistics.bypassedReads.sum();
		}

		@Override
		public long puts() {
			return statistics.puts(PutOutcome.PUT);
		}

		@Override
		public long rejectedPuts(RejectedPutReason reason) {
			return statistics.puts(switch (reason) {
				case IN_FLIGHT_WRITE -> PutOutcome.REJECTED_WRITE_IN_PROGRESS;
				case STALE_LOAD -> PutOutcome.REJECTED_STALE_LOAD;
				case LEASE_EXPIRED -> PutOutcome.REJECTED_LEASE;
			});
		}

		@Override
		public long skippedPuts() {
			return statistics.puts(PutOutcome.SKIPPED);
		}

		@Override
		public long invalidationsSent() {
			return statistics.invalidationsSent.sum();
		}

		@Override
		public long invalidationsReceived() {
			return statistics.invalidationsReceived.sum();
		}

		@Override
		public long size() {
			return sizeSupplier.getAsLong();
		}

		@Override
		public long writesInProgress() {
			return writesInProgressSupplier.getAsLong();
		}
	}
}
