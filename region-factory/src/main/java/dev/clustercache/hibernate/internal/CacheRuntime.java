package dev.clustercache.hibernate.internal;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.hibernate.cache.CacheException;
import org.infinispan.AdvancedCache;
import org.infinispan.configuration.cache.CacheMode;
import org.infinispan.configuration.cache.Configuration;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.configuration.global.ShutdownHookBehavior;
import org.infinispan.configuration.parsing.ConfigurationBuilderHolder;
import org.infinispan.configuration.parsing.ParserRegistry;
import org.infinispan.expiration.TouchMode;
import org.infinispan.factories.GlobalComponentRegistry;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.manager.EmbeddedCacheManager;
import org.infinispan.remoting.transport.Transport;
import org.infinispan.remoting.transport.jgroups.JGroupsTransport;
import org.jboss.logging.Logger;
import org.jgroups.JChannel;
import org.jgroups.protocols.FailureDetection;
import org.jgroups.stack.Protocol;

import dev.clustercache.hibernate.ClusterCacheSettings;
import dev.clustercache.hibernate.RegionMode;
import dev.clustercache.hibernate.jgroups.JGroupsStacks;

/**
 * Everything ClusterCache runs on one node for one SessionFactory: the Infinispan cache manager (created here, or the
 * user's, which is then never stopped), the JGroups channel under it, and the {@link ClusterNode} on that channel.
 */
final class CacheRuntime {


	private static final Logger LOG = Logger.getLogger("dev.clustercache.hibernate");
	private static final Logger CONFIG_LOG = Logger.getLogger("dev.clustercache.hibernate.config");

	final Settings settings;
	final Clock clock;
	final EmbeddedCacheManager cacheManager;
	private final boolean ownsCacheManager;
	final ClusterNode node;
	/** The figures of this node and its regions, also as MBeans until {@link #stop()}. */
	final NodeMetrics metrics;
	private final Map<String, Configuration> userCaches;
	private final List<QueryStorage> queryRegions = new CopyOnWriteArrayList<>();
	private final Set<String> domainCaches = java.util.concurrent.ConcurrentHashMap.newKeySet();
	private final Map<String, String> regionSummary = java.util.Collections.synchronizedMap(new java.util.TreeMap<>());
	private final String stackDescription;

	private CacheRuntime(Settings settings, Clock clock, EmbeddedCacheManager cacheManager, boolean owns,
			ClusterNode node, Map<String, Configuration> userCaches, String stackDescription) {
		this.settings = settings;
		this.clock = clock;
		this.cacheManager = cacheManager;
		this.ownsCacheManager = owns;
		this.node = node;
		this.userCaches = userCaches;
		this.stackDescription = stackDescription;
		// a given clustered cache manager's transport names the cluster; the cluster_name setting only names ours
		this.metrics = new NodeMetrics(!owns && cacheManager.getCacheManagerConfiguration().isClustered()
				? cacheManager.getClusterName() : settings.clusterName(), node);
	}

	/**
	 * @param modelTypes the identifier and natural-id types of the mapped model (for keys on the wire); null until the
	 * model is complete
	 * @param valueTypes the attribute types of the mapped model (for values in replicated and distributed regions)
	 */
	static CacheRuntime start(Settings settings, ClassLoader classLoader, Clock clock,
			Supplier<Set<Class<?>>> modelTypes, Supplier<Set<Class<?>>> valueTypes) {
		Map<String, Configuration> userCaches = readUserCaches(settings, classLoader);
		boolean clustered = settings.clustered() || userCaches.values().stream()
				.anyMatch(c -> c.clustering().cacheMode().isClustered());
		boolean grid = settings.regions().values().stream().anyMatch(r -> isGrid(r.mode()))
				|| userCaches.values().stream().anyMatch(c -> c.clustering().cacheMode().isReplicated()
						|| c.clustering().cacheMode().isDistributed());
		KeyCodec keyCodec = new KeyCodec(modelTypes, classLoader);
		EmbeddedCacheManager cm;
		boolean owns;
		JChannel channel = null;
		String stack;
		if (settings.cacheManager() != null) {
			cm = (EmbeddedCacheManager) settings.cacheManager();
			owns = false;
			if (grid) {
				throw new CacheException("The cache manager given in '" + ClusterCacheSettings.CACHE_MANAGER
						+ "' cannot hold replicated or distributed regions: their entries travel between nodes "
						+ "through ClusterCache's allow-list marshaller, which only a cache manager that ClusterCache "
						+ "builds has. Remove '" + ClusterCacheSettings.CACHE_MANAGER + "', or use the 'invalidation' "
						+ "mode.");
			}
			Transport transport = GlobalComponentRegistry.of(cm).getComponent(Transport.class);
			if (transport instanceof JGroupsTransport jgroups) {
				channel = jgroups.getChannel();
			}
			else if (clustered) {
				throw new CacheException("The cache manager given in '" + ClusterCacheSettings.CACHE_MANAGER
						+ "' has no JGroups transport, but the 'invalidation' mode needs a cluster. Give a clustered "
						+ "cache manager, or set '" + ClusterCacheSettings.MODE + "' to 'local'.");
			}
			stack = "the given cache manager's";
		}
		else {
			GlobalConfigurationBuilder global = new GlobalConfigurationBuilder();
			global.classLoader(classLoader);
			global.shutdown().hookBehavior(ShutdownHookBehavior.DONT_REGISTER);
			global.cacheContainer().statistics(false);
			global.jmx().enabled(false);
			// ClusterCache counts its own figures (JMX, Micrometer binder); without this Infinispan warns at every start
			// that Micrometer's Prometheus registry is missing
			global.metrics().gauges(false).histograms(false);
			if (grid) {
				global.serialization().marshaller(new GridMarshaller(keyCodec, valueTypes, classLoader,
						settings.nodeName()));
			}
			ProvidedChannel provided = null;
			if (clustered) {
				channel = newChannel(settings, classLoader);
				try {
					leaseNanos(settings, channel); // validates the lease and timeouts before anything connects
				}
				catch (RuntimeException e) {
					channel.close();
					throw e;
				}
				provided = new ProvidedChannel(settings.jgroupsStack(), channel);
				global.transport().defaultTransport()
						.clusterName(settings.clusterName())
						.addProperty(JGroupsTransport.CHANNEL_CONFIGURATOR, provided);
				if (settings.nodeName() != null) {
					global.transport().nodeName(settings.nodeName());
				}
			}
			org.infinispan.configuration.global.GlobalConfiguration globalConfiguration = global.build();
			try {
				cm = new DefaultCacheManager(globalConfiguration, true);
			}
			catch (RuntimeException e) {
				if (channel != null) {
					channel.close();
				}
				throw new CacheException("Could not start the Infinispan cache manager of cluster '"
						+ settings.clusterName() + "' on JGroups stack '" + settings.jgroupsStack() + "': "
						+ rootMessage(e) + ". Check the bind address and ports of the stack "
						+ "(hibernate.cache.clustercache.jgroups.bind_addr, jgroups.bind_port) and that no other "
						+ "process holds them.", e);
			}
			owns = true;
			stack = "'" + settings.jgroupsStack() + "'";
			if (provided != null && !provided.taken()) {
				cm.stop();
				throw new CacheException("Infinispan did not use ClusterCache's JGroups stack '"
						+ settings.jgroupsStack() + "'; refusing to run on any other stack.");
			}
		}
		try {
			if (clustered && channel != null && !channel.isConnected()) {
				// Infinispan connects its channel with the first clustered cache; the cluster executor is the public
				// way to have it running now, before the fork channel is opened on it
				cm.executor();
			}
			long leaseNanos = leaseNanos(settings, channel);
			ClusterNode node = channel == null || !clustered
					? ClusterNode.local(clock, leaseNanos, settings.nodeName())
					: ClusterNode.start(channel, clock, leaseNanos, keyCodec,
							settings.invalidationTimeout().toMillis(), settings.lockTimeout().toNanos());
			CacheRuntime runtime;
			try {
				runtime = new CacheRuntime(settings, clock, cm, owns, node, userCaches, stack);
			}
			catch (RuntimeException e) {
				// its fork channel would stay on a channel the application owns, and refuse every later start there
				node.stop();
				node.close();
				throw e;
			}
			LOG.infof("%s: ClusterCache started; stack %s, cluster '%s', members %s, lease %d ms, "
					+ "invalidation timeout %d ms", node.name(), stack, runtime.metrics.clusterName(), node.members(),
					TimeUnit.NANOSECONDS.toMillis(leaseNanos), settings.invalidationTimeout().toMillis());
			return runtime;
		}
		catch (RuntimeException e) {
			if (owns) {
				cm.stop();
			}
			throw e;
		}
	}

	private static JChannel newChannel(Settings settings, ClassLoader classLoader) {
		try {
			JChannel channel = JGroupsStacks.newChannel(settings.jgroupsStack(), settings.jgroupsProperties(),
					classLoader, settings.security());
			if (settings.nodeName() != null) {
				channel.name(settings.nodeName());
			}
			return channel;
		}
		catch (IllegalArgumentException e) {
			throw new CacheException(e.getMessage(), e);
		}
		catch (Exception e) {
			throw new CacheException("Could not build the JGroups stack '" + settings.jgroupsStack() + "' named in '"
					+ ClusterCacheSettings.JGROUPS_STACK + "': " + rootMessage(e), e);
		}
	}

	/** The lease: the setting, or half the stack's failure-detection timeout; always shorter than that timeout. */
	private static long leaseNanos(Settings settings, JChannel channel) {
		long fdTimeoutMillis = -1;
		if (channel != null) {
			for (Protocol p : channel.getProtocolStack().getProtocols()) {
				if (p instanceof FailureDetection fd) {
					fdTimeoutMillis = fd.getTimeout();
				}
			}
		}
		long verifyMillis = 0;
		if (channel != null) {
			for (Protocol p : channel.getProtocolStack().getProtocols()) {
				if (p instanceof org.jgroups.protocols.VERIFY_SUSPECT2 v) {
					verifyMillis = v.getTimeout();
				}
				else if (p instanceof org.jgroups.protocols.VERIFY_SUSPECT v) {
					verifyMillis = v.getTimeout();
				}
			}
		}
		long exclusionMillis = fdTimeoutMillis + verifyMillis;
		if (fdTimeoutMillis > 0 && settings.invalidationTimeout().toMillis() <= exclusionMillis) {
			throw new CacheException("Invalid value for '" + ClusterCacheSettings.INVALIDATION_TIMEOUT + "': '"
					+ settings.invalidationTimeout().toMillis() + "ms'. A write waits for a member that does not "
					+ "answer until failure detection excludes it, which takes up to " + exclusionMillis + " ms with "
					+ "this JGroups stack (FD_ALL3 and VERIFY_SUSPECT2 timeouts); a shorter invalidation timeout "
					+ "fails writes instead. Use at least '" + (2 * exclusionMillis / 1000 + 1) + "s', or lower "
					+ "'jgroups.fd.timeout'.");
		}
		Duration lease = settings.lease();
		if (lease == null) {
			if (channel != null && fdTimeoutMillis <= 0) {
				LOG.warnf("The JGroups stack '%s' has no timeout-based failure detection (FD_ALL3): a paused or "
						+ "cut-off member is never excluded, so writes wait for it until '%s' and then fail. Add "
						+ "FD_ALL3 to the stack, or use a shipped stack.", settings.jgroupsStack(),
						ClusterCacheSettings.INVALIDATION_TIMEOUT);
			}
			long millis = fdTimeoutMillis > 0 ? fdTimeoutMillis / 2 : 3_000;
			return TimeUnit.MILLISECONDS.toNanos(millis);
		}
		if (fdTimeoutMillis > 0 && lease.toMillis() >= fdTimeoutMillis) {
			throw new CacheException("Invalid value for '" + ClusterCacheSettings.LEASE + "': '" + lease.toMillis()
					+ "ms'. The lease must be shorter than the failure-detection timeout of the JGroups stack ("
					+ fdTimeoutMillis + " ms), so that a node that is cut off stops serving before the others stop "
					+ "waiting for it. Use at most half of it, e.g. '" + fdTimeoutMillis / 2 + "ms', or remove the "
					+ "setting.");
		}
		return lease.toNanos();
	}

	private static Map<String, Configuration> readUserCaches(Settings settings, ClassLoader classLoader) {
		if (settings.infinispanConfig() == null) {
			return Map.of();
		}
		String location = settings.infinispanConfig();
		try {
			ConfigurationBuilderHolder holder;
			File file = new File(location);
			if (file.isFile()) {
				holder = new ParserRegistry(classLoader).parse(file.toPath());
			}
			else {
				URL url = classLoader.getResource(location.startsWith("/") ? location.substring(1) : location);
				if (url == null) {
					throw new CacheException("Invalid value for '" + ClusterCacheSettings.CONFIG + "': '" + location
							+ "'. No such file or classpath resource. Give the path of an Infinispan XML file or a "
							+ "resource on the application's classpath.");
				}
				holder = new ParserRegistry(classLoader).parse(url);
			}
			Map<String, Configuration> caches = new HashMap<>();
			holder.getNamedConfigurationBuilders().forEach((name, builder) -> caches.put(name, builder.build()));
			CONFIG_LOG.debugf("Read %d cache definitions from '%s': %s", caches.size(), location, caches.keySet());
			return Map.copyOf(caches);
		}
		catch (IOException | RuntimeException e) {
			if (e instanceof CacheException ce) {
				throw ce;
			}
			throw new CacheException("Invalid value for '" + ClusterCacheSettings.CONFIG + "': '" + location
					+ "'. It could not be read as an Infinispan configuration: " + rootMessage(e), e);
		}
	}

	/** The mode of a region: the user's cache of that name decides, else the settings of its kind. */
	RegionMode modeOf(String regionName, RegionKind kind) {
		Configuration user = userCaches.get(regionName);
		if (user == null) {
			return settings.region(kind).mode();
		}
		CacheMode mode = user.clustering().cacheMode();
		if (mode == CacheMode.LOCAL) {
			return RegionMode.LOCAL;
		}
		if (mode.isInvalidation()) {
			return RegionMode.INVALIDATION;
		}
		if (mode.isSynchronous() && (mode.isReplicated() || mode.isDistributed())) {
			if (kind == RegionKind.QUERY) {
				throw new CacheException("The cache '" + regionName + "' in '" + settings.infinispanConfig()
						+ "' is a " + mode.friendlyCacheModeString().toLowerCase(java.util.Locale.ROOT) + " cache, "
						+ "but it holds query results, which are cached per node. Use a 'local-cache' definition or "
						+ "remove it.");
			}
			return mode.isReplicated() ? RegionMode.REPLICATED : RegionMode.DISTRIBUTED;
		}
		throw new CacheException("The cache '" + regionName + "' in '" + settings.infinispanConfig() + "' is a "
				+ mode.friendlyCacheModeString().toLowerCase(java.util.Locale.ROOT) + " cache. ClusterCache "
				+ "supports 'local-cache', 'invalidation-cache', and synchronous 'replicated-cache' and "
				+ "'distributed-cache' (mode=\"SYNC\") definitions for regions.");
	}

	static boolean isGrid(RegionMode mode) {
		return mode == RegionMode.REPLICATED || mode == RegionMode.DISTRIBUTED;
	}

	/**
	 * A replicated or distributed region (DESIGN.md §4.2): a synchronous clustered cache, state-transferred to joiners,
	 * expiring as configured. It is bounded by expiration only: evicting a key's record of an open write window could
	 * let a late load in, so a user's definition with eviction is refused.
	 */
	GridRegion gridRegion(String regionName, RegionKind kind, RegionMode mode) {
		Configuration user = userCaches.get(regionName);
		ConfigurationBuilder b = new ConfigurationBuilder();
		long lifespan;
		long maxIdle;
		if (user != null) {
			if (user.memory().maxCount() > 0 || user.memory().maxSize() != null) {
				throw new CacheException("The cache '" + regionName + "' in '" + settings.infinispanConfig() + "' is "
						+ "a " + mode.externalName() + " cache with eviction (memory max-count or max-size). "
						+ "ClusterCache keeps the write windows of a " + mode.externalName() + " region in its "
						+ "entries, and an evicted window would let a stale load in. Remove the memory bounds and "
						+ "bound the region with expiration (lifespan, max-idle).");
			}
			if (user.clustering().l1().enabled()) {
				throw new CacheException("The cache '" + regionName + "' in '" + settings.infinispanConfig() + "' "
						+ "enables Infinispan's L1. Its near copies can outlive a write: a node's registration for "
						+ "invalidation can be lost when it reads a key while another node writes it (measured: a "
						+ "non-owner served a row 4 commits old). Remove the l1-lifespan attribute and set '"
						+ dev.clustercache.hibernate.ClusterCacheSettings.DISTRIBUTED_L1 + "=true': ClusterCache then "
						+ "keeps a near cache of its own that every write invalidates before its commit.");
			}
			if (user.transaction().transactionMode().isTransactional()) {
				throw new CacheException("The cache '" + regionName + "' in '" + settings.infinispanConfig() + "' is "
						+ "transactional. ClusterCache decides every change of a " + mode.externalName() + " region "
						+ "at the key's owner without Infinispan transactions. Remove the transaction element.");
			}
			b.read(user);
			lifespan = user.expiration().lifespan();
			maxIdle = user.expiration().maxIdle();
		}
		else {
			Settings.RegionDefaults d = settings.region(kind);
			b.clustering().cacheMode(mode == RegionMode.REPLICATED ? CacheMode.REPL_SYNC : CacheMode.DIST_SYNC);
			if (mode == RegionMode.DISTRIBUTED) {
				b.clustering().hash().numOwners(settings.distributedOwners());
			}
			lifespan = d.lifespan().isZero() ? -1 : d.lifespan().toMillis();
			boolean idleFiresFirst = d.lifespan().isZero() || d.maxIdle().compareTo(d.lifespan()) < 0;
			maxIdle = d.maxIdle().isZero() || !idleFiresFirst ? -1 : d.maxIdle().toMillis();
			// a clustered idle timeout is kept at every owner: with Infinispan's default SYNC touch each hit waits for a
			// round trip to the other owners (measured: a replicated hit took ten times an invalidation-mode hit). An idle
			// entry expiring a little early on some owner is only a miss, so the touch goes out without waiting.
			b.expiration().lifespan(lifespan).maxIdle(maxIdle).touch(TouchMode.ASYNC);
		}
		b.clustering().remoteTimeout(settings.invalidationTimeout().toMillis())
				.stateTransfer().awaitInitialTransfer(true).fetchInMemoryState(true);
		b.statistics().enabled(false);
		Configuration configuration = b.build();
		domainCaches.add(regionName);
		String owners = configuration.clustering().cacheMode().isDistributed()
				? ", " + configuration.clustering().hash().numOwners() + " owners"
						+ (settings.distributedL1() ? ", near cache" : "") : "";
		regionSummary.put(regionName, kind.settingsName + " " + mode.externalName() + owners);
		return new GridRegion(regionName, () -> defineAndGet(regionName, configuration), clock,
				settings.lockTimeout().toMillis(), settings.clockSkew().toMillis(), lifespan, maxIdle);
	}

	/**
	 * The near cache of a distributed region with {@code distributed.l1}: a local cache of the entries this node read
	 * from their owners, bounded and expiring like an invalidation-mode region; null for any other region. Infinispan's
	 * own L1 is not used: it can lose a reader's registration for invalidation (see {@link RegionCoordinator}).
	 */
	InfinispanStore nearStore(String regionName, RegionKind kind, RegionMode mode) {
		if (mode != RegionMode.DISTRIBUTED || !settings.distributedL1()) {
			return null;
		}
		return localStore(regionName + "#near", localRegionDefaults(new ConfigurationBuilder(), settings.region(kind)),
				settings.region(kind).maxEntries());
	}

	/** The local Infinispan cache that holds a domain or query region's entries on this node. */
	InfinispanStore store(String regionName, RegionKind kind, RegionMode mode) {
		Configuration user = userCaches.get(regionName);
		ConfigurationBuilder b = new ConfigurationBuilder();
		if (user != null) {
			b.read(user);
		}
		else {
			localRegionDefaults(b, settings.region(kind));
		}
		// Hibernate may build a query region under the name of an entity region: keep their entries apart
		String cacheName = kind == RegionKind.QUERY && domainCaches.contains(regionName)
				? regionName + "#query-results" : regionName;
		if (kind != RegionKind.QUERY) {
			domainCaches.add(regionName);
		}
		regionSummary.put(regionName, kind.settingsName + " " + mode.externalName());
		return localStore(cacheName, b, user == null ? settings.region(kind).maxEntries() : 0);
	}

	/** A local cache defined as {@code b} says, without statistics, and the store over it. */
	private InfinispanStore localStore(String cacheName, ConfigurationBuilder b, long maxEntries) {
		b.clustering().cacheMode(CacheMode.LOCAL);
		b.statistics().enabled(false);
		return new InfinispanStore(defineAndGet(cacheName, b.build()), maxEntries);
	}

	/**
	 * A region's local cache as ClusterCache defines it when the user has no definition of their own: expiring per the
	 * region's settings, and a simple cache on the heap, whose hits {@link InfinispanStore} reads straight from the data
	 * container. It is unbounded: {@link InfinispanStore} keeps the region's {@code max_entries}.
	 */
	static ConfigurationBuilder localRegionDefaults(ConfigurationBuilder b, Settings.RegionDefaults d) {
		// an idle timeout not shorter than the lifespan never fires first (and Infinispan refuses it): leave it out,
		// so that a short lifespan works with the default max_idle
		boolean idleFiresFirst = d.lifespan().isZero() || d.maxIdle().compareTo(d.lifespan()) < 0;
		if (!d.maxIdle().isZero() && idleFiresFirst) {
			b.expiration().maxIdle(d.maxIdle().toMillis());
		}
		if (!d.lifespan().isZero()) {
			b.expiration().lifespan(d.lifespan().toMillis());
		}
		// a simple cache skips Infinispan's interceptor chain: a hit costs a map lookup, not a locking and
		// entry-wrapping pass plus a second one to touch the entry for max_idle (BENCHMARKS.md, JFR findings);
		// bounds and expiration work the same. A user's definition keeps its own 'simple-cache' attribute.
		return b.simpleCache(true);
	}

	/**
	 * The update timestamps are kept by ClusterCache's own protocol ({@link TimestampsStorage}), never in an Infinispan
	 * cache: a user's cache definition under their region's name would be ignored, so it is refused.
	 */
	void checkTimestampsRegion(String regionName) {
		if (userCaches.containsKey(regionName)) {
			throw new CacheException("The cache '" + regionName + "' in '" + settings.infinispanConfig()
					+ "' would hold the query cache's update timestamps, but ClusterCache keeps them itself on every "
					+ "node (a write's window on its query spaces reaches every member before its commit), so no "
					+ "Infinispan cache can be configured for them. Remove that cache definition.");
		}
		regionSummary.put(regionName, "timestamps " + (node.clustered() ? "on every node" : "local"));
	}

	private AdvancedCache<Object, Object> defineAndGet(String name, Configuration configuration) {
		if (cacheManager.getCacheConfiguration(name) == null) {
			cacheManager.defineConfiguration(name, configuration);
		}
		return cacheManager.<Object, Object>getCache(name).getAdvancedCache();
	}

	void addQueryRegion(QueryStorage storage) {
		queryRegions.add(storage);
	}

	/** Clears every query region on every node (the timestamps they depend on were removed). */
	void clearQueryRegions() {
		for (QueryStorage q : queryRegions) {
			q.evictData();
		}
	}

	String summary() {
		return node.name() + ": ClusterCache ready; stack " + stackDescription + ", cluster '"
				+ metrics.clusterName() + "', members " + node.members() + ", regions " + regionSummary;
	}

	void stop() {
		metrics.close();
		node.stop();
		if (ownsCacheManager) {
			cacheManager.stop();
		}
		node.close();
		LOG.infof("%s: ClusterCache stopped", node.name());
	}

	static String rootMessage(Throwable e) {
		Throwable t = e;
		while (t.getCause() != null && t.getCause() != t) {
			t = t.getCause();
		}
		return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (caused by " + t + ")";
	}
}
