package dev.clustercache.hibernate;

/**
 * The settings of ClusterCache, all under the prefix {@value #PREFIX}. Only
 * {@code hibernate.cache.region.factory_class=clustercache} is needed to start; every setting here has a safe default.
 * <p>
 * Durations carry units: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d} or ISO-8601 such as
 * {@code PT30S}. Unknown keys under the prefix are reported in one WARN line at start; a bad value fails start with a
 * message naming the key, the value and what is accepted.
 */
public final class ClusterCacheSettings {

	/** The short name to use as {@code hibernate.cache.region.factory_class}. */
	public static final String SHORT_NAME = "clustercache";

	/** The prefix of every ClusterCache setting. */
	public static final String PREFIX = "hibernate.cache.clustercache.";

	/**
	 * The JGroups stack: a shipped name ({@code localhost}, {@code tcp}, {@code udp}, {@code kubernetes},
	 * {@code jdbc}), a classpath resource or a file path. Default {@code localhost}: loopback only, so that several
	 * JVMs on one machine form a cluster with no other setting.
	 * <p>
	 * Any other key under {@value #PREFIX}{@code jgroups.} is handed to the stack as a JGroups property, for example
	 * {@code hibernate.cache.clustercache.jgroups.bind_port=7900} sets {@code ${jgroups.bind_port}}. These win over
	 * system properties of the same name.
	 */
	public static final String JGROUPS_STACK = PREFIX + "jgroups.stack";

	/** The prefix of JGroups properties handed to the stack, see {@link #JGROUPS_STACK}. */
	public static final String JGROUPS_PROPERTY_PREFIX = PREFIX + "jgroups.";

	/**
	 * Protection of cluster traffic, opt-in: a comma-separated list of {@code encrypt} (AES encryption of every message
	 * with a key from a keystore: set {@code jgroups.encrypt.keystore} and {@code jgroups.encrypt.keystore_password}
	 * under {@value #JGROUPS_PROPERTY_PREFIX}) and {@code auth} (only nodes that know {@code jgroups.auth.secret} may
	 * join). Default: none. Works with every shipped stack.
	 */
	public static final String SECURITY = PREFIX + "security";

	/** The cluster name; nodes with the same name and stack form one cluster. Default {@code clustercache}. */
	public static final String CLUSTER_NAME = PREFIX + "cluster_name";

	/** This node's name in the cluster view and in log lines. Default: JGroups' generated name (host and a number). */
	public static final String NODE_NAME = PREFIX + "node_name";

	/**
	 * How entity, collection and natural-id regions are kept consistent across nodes: {@code invalidation} (default:
	 * each node keeps its own copy, writes invalidate every node before the commit), {@code replicated} (every node
	 * holds every entry), {@code distributed} (each entry on {@link #DISTRIBUTED_OWNERS} nodes) or {@code local} (one
	 * JVM, no cluster). See {@link RegionMode}. Per kind: {@link #ENTITY_MODE}, {@link #COLLECTION_MODE},
	 * {@link #NATURALID_MODE}, {@link #QUERY_MODE}.
	 */
	public static final String MODE = PREFIX + "mode";

	/** {@link #MODE} for entity regions. Default: the value of {@link #MODE}. */
	public static final String ENTITY_MODE = PREFIX + "entity.mode";

	/** {@link #MODE} for collection regions. Default: the value of {@link #MODE}. */
	public static final String COLLECTION_MODE = PREFIX + "collection.mode";

	/** {@link #MODE} for natural-id regions. Default: the value of {@link #MODE}. */
	public static final String NATURALID_MODE = PREFIX + "naturalid.mode";

	/**
	 * The mode of query-results regions. Only {@code local} (default): each node caches its own results; the update
	 * timestamps, which every write's windows on its query spaces keep current on every node, make them cluster-safe.
	 */
	public static final String QUERY_MODE = PREFIX + "query.mode";

	/**
	 * The most entries one region keeps on one node; the least recently used go first. Default {@code 10000}.
	 * Per kind: {@code entity.max_entries}, {@code collection.max_entries}, {@code naturalid.max_entries},
	 * {@code query.max_entries}.
	 */
	public static final String MAX_ENTRIES = PREFIX + "max_entries";

	/**
	 * How long an entry that is not read stays cached. Default {@code 10m}; {@code 0} or {@code -1} for never. Per
	 * kind: {@code entity.max_idle} and so on.
	 */
	public static final String MAX_IDLE = PREFIX + "max_idle";

	/**
	 * How long any entry stays cached, read or not. Default {@code 1h}; {@code 0} or {@code -1} for never. Per kind:
	 * {@code entity.lifespan} and so on.
	 */
	public static final String LIFESPAN = PREFIX + "lifespan";

	/**
	 * An Infinispan XML file or classpath resource. A cache named like a region (the region name, with Hibernate's
	 * region prefix if any) replaces the defaults for that region: its memory and expiration settings are used, and
	 * its cache mode ({@code local-cache}, {@code invalidation-cache}, or a synchronous {@code replicated-cache} or
	 * {@code distributed-cache} without eviction) chooses the region's mode. Its transport
	 * section, if any, is ignored: the JGroups stack comes from {@link #JGROUPS_STACK}.
	 */
	public static final String CONFIG = PREFIX + "config";

	/**
	 * An {@code org.infinispan.manager.EmbeddedCacheManager} instance (put the object itself into the settings map)
	 * to use instead of one created by ClusterCache. It is never stopped by ClusterCache. Its transport, if any, must
	 * be JGroups.
	 */
	public static final String CACHE_MANAGER = PREFIX + "cache_manager";

	/**
	 * The freshness lease: a node serves cached entries only while every member of its view has answered a heartbeat
	 * sent less than this long ago. Default: half the failure-detection timeout of the stack (FD_ALL3's
	 * {@code timeout}); it must be shorter than that timeout.
	 */
	public static final String LEASE = PREFIX + "lease";

	/**
	 * How long a write waits for every member to acknowledge its invalidation before the transaction fails. A member
	 * that leaves the view is no longer waited for. After the commit (the end of a write that a member must hear of
	 * synchronously, an eviction), a member that does not acknowledge within this time is refused instead: it serves
	 * nothing from its caches until it has cleared the region. Default {@code 30s}.
	 */
	public static final String INVALIDATION_TIMEOUT = PREFIX + "invalidation_timeout";

	/**
	 * How long a write window stays open on other nodes when its end never arrives (the writer crashed): until then
	 * the key is not cached. Longer than your longest write transaction. Default {@code 60s}.
	 */
	public static final String LOCK_TIMEOUT = PREFIX + "lock_timeout";

	/**
	 * What a node cut off from the majority does with writes: {@code available} (default) or {@code strict}. See
	 * {@link PartitionHandling}.
	 */
	public static final String PARTITION_HANDLING = PREFIX + "partition_handling";

	/**
	 * The largest difference between the clocks of two nodes, added to the update timestamps of the query cache so
	 * that a node whose clock runs ahead never takes a query result computed before a commit for fresh. After a write,
	 * queries on its tables are not served from the cache for this long. Default {@code 1ms} with the {@code localhost}
	 * stack (one machine, one clock; the resolution of Hibernate's timestamps), {@code 50ms} with any other stack: set it to the largest clock offset between
	 * your nodes (NTP keeps it to a few milliseconds on a LAN).
	 */
	public static final String CLOCK_SKEW = PREFIX + "timestamps.clock_skew";

	/**
	 * How many nodes hold each entry of a {@code distributed} region: it survives {@code owners - 1} nodes crashing at
	 * once. Default {@code 2}.
	 */
	public static final String DISTRIBUTED_OWNERS = PREFIX + "distributed.owners";

	/**
	 * Whether the nodes of a {@code distributed} region keep a near cache of entries they read from other owners (not
	 * Infinispan's L1, whose copies can outlive a write); every write on a key then reaches every node before its
	 * commit and removes those copies. Default {@code false}.
	 */
	public static final String DISTRIBUTED_L1 = PREFIX + "distributed.l1";

	private ClusterCacheSettings() {
	}
}
