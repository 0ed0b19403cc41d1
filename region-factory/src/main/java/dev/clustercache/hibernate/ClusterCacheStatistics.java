package dev.clustercache.hibernate;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The live figures of ClusterCache on one node, from {@link ClusterCacheRegionFactory#statistics()}: the same that
 * {@link ClusterCacheMeterBinder} and the JMX MBeans under {@code dev.clustercache} show. Counters count since start.
 * Reading a figure never makes a network call.
 */
public interface ClusterCacheStatistics {

	/** The cluster name ({@link ClusterCacheSettings#CLUSTER_NAME}). */
	String clusterName();

	/** This node's name in the cluster view. */
	String nodeName();

	/** The names of the members of this node's view; just this node without a cluster. */
	List<String> members();

	/** Whether this node serves from its caches now: it heard from every member of its view within the lease. */
	boolean leaseValid();

	/**
	 * The members that this node answers no more until they have cleared regions: it could not tell them of a change
	 * there after its commit (or an eviction) within the invalidation timeout. By member name, each with those
	 * regions; empty while every member heard of every change.
	 */
	Map<String, List<String>> refusedMembers();

	/** How many merges of partitions this node has seen (each clears every region). */
	long merges();

	/** The wall-clock time of the last merge in epoch milliseconds; 0 when there was none. */
	long lastMergeTime();

	/** How many synchronous calls to the other members (open a write window, invalidate) this node made. */
	long invalidationRoundTrips();

	/** The time those calls took in total, in nanoseconds. */
	long invalidationRoundTripNanos();

	/** Every entity, collection, natural-id and query region of this node, by name. */
	List<Region> regions();

	/** The region of that name (a query region that shares an entity region's name is {@code name#query-results}). */
	default Optional<Region> region(String name) {
		return regions().stream().filter(r -> r.name().equals(name)).findFirst();
	}

	/** One region on this node. */
	interface Region {

		String name();

		/** Reads that found an entry. */
		long hits();

		/** Reads that found none, including {@link #bypassedReads()}. */
		long misses();

		/** Reads that found an entry but did not serve it, because the lease no longer held after the read. */
		long bypassedReads();

		/** Entries put: after a load, or the committed state on the writing node. */
		long puts();

		/** Puts refused by the consistency protocol for {@code reason}. */
		long rejectedPuts(RejectedPutReason reason);

		/** Puts not done because an equal or newer entry was cached (minimal puts, versions). */
		long skippedPuts();

		/** Write windows opened and invalidations sent to the other members. */
		long invalidationsSent();

		/** Write windows opened and invalidations received from the other members. */
		long invalidationsReceived();

		/** The entries in this node's cache of the region. */
		long size();

		/**
		 * The write windows open on the region here, opened by this node or another and not ended yet (for a query
		 * region always 0). A figure that stays above zero with no writes running points at a writer that crashed
		 * mid-write; such a window is dropped once {@code lock_timeout} has passed.
		 */
		long writesInProgress();
	}

	/** Why the consistency protocol refused a put. */
	enum RejectedPutReason {
		/** A write on the key or region was in progress somewhere in the cluster. */
		IN_FLIGHT_WRITE,
		/** A write ended after the load began: what was loaded may be older than the commit. */
		STALE_LOAD,
		/** This node's lease was not valid: it may have missed invalidations. */
		LEASE_EXPIRED;

		/** The value of the {@code reason} tag, for example {@code in-flight-write}. */
		public String tagValue() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}
	}
}
