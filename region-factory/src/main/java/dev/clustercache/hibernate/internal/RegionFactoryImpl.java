package dev.clustercache.hibernate.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.hibernate.boot.spi.SessionFactoryOptions;
import org.hibernate.cache.CacheException;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.cfg.spi.EntityDataCachingConfig;
import org.hibernate.cache.spi.CacheTransactionSynchronization;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.QueryResultsRegion;
import org.hibernate.cache.spi.TimestampsRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.support.QueryResultsRegionTemplate;
import org.hibernate.cache.spi.support.RegionFactoryTemplate;
import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.cache.spi.support.TimestampsRegionTemplate;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.jboss.logging.Logger;

import dev.clustercache.hibernate.ClusterCacheHealth;
import dev.clustercache.hibernate.ClusterCacheStatistics;
import dev.clustercache.hibernate.RegionMode;

/**
 * The region factory behind {@code dev.clustercache.hibernate.ClusterCacheRegionFactory}. Public only so that the
 * public class can extend it; not an API.
 */
public class RegionFactoryImpl extends RegionFactoryTemplate {

	private static final Logger LOG = Logger.getLogger("dev.clustercache.hibernate");
	private static final Logger CONFIG_LOG = Logger.getLogger("dev.clustercache.hibernate.config");

	private final Clock clock;
	private volatile CacheRuntime runtime;
	private volatile SessionFactoryImplementor sessionFactory;
	/** Set once a session has been opened: the mapping model is complete. */
	private volatile boolean modelReady;
	private final AtomicBoolean summaryLogged = new AtomicBoolean();
	private final Map<String, RegionCoordinator> coordinators = new java.util.concurrent.ConcurrentHashMap<>();
	private final AtomicBoolean transactionalLogged = new AtomicBoolean();

	public RegionFactoryImpl() {
		this(Clock.SYSTEM);
	}

	RegionFactoryImpl(Clock clock) {
		this.clock = clock;
	}

	@Override
	protected void prepareForUse(SessionFactoryOptions options, Map<String, Object> configValues) {
		SettingsParser.Result parsed = SettingsParser.parse(configValues);
		String warning = SettingsParser.unknownKeysWarning(parsed.unknownKeys());
		if (warning != null) {
			CONFIG_LOG.warn(warning);
		}
		ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
		if (classLoader == null) {
			classLoader = RegionFactoryImpl.class.getClassLoader();
		}
		runtime = CacheRuntime.start(parsed.settings(), classLoader, clock, this::modelTypes, this::valueTypes);
	}

	@Override
	protected void releaseFromUse() {
		CacheRuntime r = runtime;
		runtime = null;
		if (r != null) {
			r.stop();
		}
	}

	private CacheRuntime runtime() {
		verifyStarted();
		return runtime;
	}

	@Override
	public long nextTimestamp() {
		return clock.timestamp();
	}

	@Override
	public long getTimeout() {
		CacheRuntime r = runtime;
		long millis = r == null ? SettingsParser.DEFAULT_LOCK_TIMEOUT.toMillis() : r.settings.lockTimeout().toMillis();
		return Clock.timestampUnits(millis);
	}

	@Override
	public AccessType getDefaultAccessType() {
		return AccessType.READ_WRITE;
	}

	@Override
	public CacheTransactionSynchronization createTransactionContext(SharedSessionContractImplementor session) {
		CacheRuntime r = runtime;
		// every session comes here: a plain read first, as a failed compareAndSet still takes the cache line
		// exclusively, and two threads opening sessions passed it back and forth (3% of a findHit with 2 threads)
		if (r != null && !summaryLogged.get() && summaryLogged.compareAndSet(false, true)) {
			modelReady = true;
			markRegionsWithUnstableKeys();
			startGridRegions();
			LOG.info(r.summary());
		}
		return new TransactionSynchronization(clock);
	}

	@Override
	public DomainDataRegion buildDomainDataRegion(DomainDataRegionConfig config,
			DomainDataRegionBuildingContext context) {
		CacheRuntime r = runtime();
		if (sessionFactory == null) {
			context.getSessionFactory().addObserver(new org.hibernate.SessionFactoryObserver() {
				@Override
				public void sessionFactoryCreated(org.hibernate.SessionFactory factory) {
					modelReady = true;
					// before the grid regions join their caches: a node that keeps them differently must not
					runtime().node.checkRegionsAgree();
					startGridRegions();
				}
			});
		}
		sessionFactory = context.getSessionFactory();
		String name = config.getRegionName();
		RegionKind kind = kindOf(config);
		for (EntityDataCachingConfig entity : config.getEntityCaching()) {
			if (entity.getAccessType() == AccessType.NONSTRICT_READ_WRITE && !entity.isVersioned()) {
				throw new CacheException("Entity '" + entity.getNavigableRole().getFullPath() + "' in region '"
						+ name + "' uses NONSTRICT_READ_WRITE but has no @Version: ClusterCache replaces cached "
						+ "entries only by newer versions in that strategy. Add a @Version attribute, or use "
						+ "READ_WRITE.");
			}
			if (entity.getAccessType() == AccessType.TRANSACTIONAL && transactionalLogged.compareAndSet(false, true)) {
				LOG.infof("Region '%s' asks for TRANSACTIONAL access; ClusterCache has no JTA-enlisted cache and "
						+ "serves it with its cluster-safe READ_WRITE strategy", name);
			}
		}
		RegionMode mode = r.modeOf(name, kind);
		RegionCoordinator coordinator;
		InfinispanStore near = null;
		if (CacheRuntime.isGrid(mode)) {
			// keys are decided at their owners; region-wide windows still reach every node through the cluster node
			GridRegion grid = r.gridRegion(name, kind, mode);
			near = r.nearStore(name, kind, mode);
			coordinator = new RegionCoordinator(name, null, grid, near, r.node, clock,
					r.settings.lockTimeout().toNanos(), r.node.clustered());
		}
		else {
			coordinator = new RegionCoordinator(name, r.store(name, kind, mode), null, null, r.node, clock,
					r.settings.lockTimeout().toNanos(), mode == RegionMode.INVALIDATION && r.node.clustered());
		}
		r.node.declare(ClusterNode.DOMAIN + name, RegionProfile.protocol(mode, near != null));
		coordinators.put(name, coordinator);
		r.metrics.addRegion(coordinator.cacheName(), coordinator.statistics, coordinator::size,
				coordinator::writesInProgress);
		LOG.debugf("Region '%s': %s, mode %s", name, kind.settingsName, mode.externalName());
		return new DomainRegion(config, this, coordinator, getImplicitCacheKeysFactory(), context);
	}

	/**
	 * Replicated and distributed regions join their caches (and state transfer) once the SessionFactory is built: the
	 * allow-list of the values that arrive needs the model's types.
	 */
	private void startGridRegions() {
		for (RegionCoordinator c : coordinators.values()) {
			if (c.grid() != null) {
				c.grid().cache();
			}
		}
	}

	private static RegionKind kindOf(DomainDataRegionConfig config) {
		if (!config.getEntityCaching().isEmpty()) {
			return RegionKind.ENTITY;
		}
		if (!config.getNaturalIdCaching().isEmpty()) {
			return RegionKind.NATURAL_ID;
		}
		return RegionKind.COLLECTION;
	}

	@Override
	public QueryResultsRegion buildQueryResultsRegion(String regionName, SessionFactoryImplementor factory) {
		QueryStorage storage = (QueryStorage) createQueryResultsRegionStorageAccess(regionName, factory);
		return new QueryRegion(regionName, this, storage);
	}

	@Override
	protected StorageAccess createQueryResultsRegionStorageAccess(String regionName,
			SessionFactoryImplementor factory) {
		CacheRuntime r = runtime();
		QueryStorage storage = new QueryStorage(regionName, r.store(regionName, RegionKind.QUERY, RegionMode.LOCAL),
				r.node, clock);
		r.addQueryRegion(storage);
		r.metrics.addRegion(storage.cacheName(), storage.statistics, storage::size, () -> 0);
		return storage;
	}

	@Override
	public TimestampsRegion buildTimestampsRegion(String regionName, SessionFactoryImplementor factory) {
		return new TimestampsRegion(regionName, this,
				(TimestampsStorage) createTimestampsRegionStorageAccess(regionName, factory));
	}

	@Override
	protected StorageAccess createTimestampsRegionStorageAccess(String regionName,
			SessionFactoryImplementor factory) {
		CacheRuntime r = runtime();
		long skew = Clock.timestampUnits(r.settings.clockSkew().toMillis());
		r.checkTimestampsRegion(regionName);
		return new TimestampsStorage(regionName, r.node, skew, r::clearQueryRegions, clock, getTimeout());
	}

	/** The members of this node's cluster view, by name; just this node without a cluster. */
	protected List<String> clusterMembers() {
		return runtime().node.members();
	}

	/** This node's name in the cluster. */
	protected String localMember() {
		return runtime().node.name();
	}

	protected org.infinispan.manager.EmbeddedCacheManager cacheManager() {
		return runtime().cacheManager;
	}

	/** Whether this node serves from its caches now (its freshness lease is valid). */
	protected boolean leaseValid() {
		return runtime().node.lease().valid();
	}

	/** The live figures of this node (for metrics and JMX); read without a network call. */
	protected ClusterCacheStatistics nodeStatistics() {
		return runtime().metrics;
	}

	/** UP while this node serves from its caches; DEGRADED with the reason otherwise, also when not started. */
	protected ClusterCacheHealth nodeHealth() {
		CacheRuntime r = runtime;
		return r == null ? ClusterCacheHealth.degraded("ClusterCache is not started: its SessionFactory is not "
				+ "built yet or was closed.") : r.metrics.health();
	}

	/**
	 * Hibernate's cache keys carry a hash computed in the JVM that made them. For an identifier or natural id with an
	 * enum inside, that hash differs between JVMs, so a key from another node would not find its twin: such regions
	 * invalidate as a whole on the other nodes.
	 */
	private void markRegionsWithUnstableKeys() {
		SessionFactoryImplementor sf = sessionFactory;
		if (sf == null) {
			return;
		}
		sf.getMappingMetamodel().forEachEntityDescriptor(p -> {
			if (p.canWriteToCache() && KeyTypes.unstableHash(p.getIdentifierType().getReturnedClass())) {
				markUnstable(p.getCacheAccessStrategy().getRegion().getName(), p.getEntityName() + " identifier");
			}
			if (p.getNaturalIdCacheAccessStrategy() != null && p.getNaturalIdMapping() != null
					&& p.getNaturalIdMapping().getNaturalIdAttributes().stream()
							.anyMatch(a -> KeyTypes.unstableHash(a.getJavaType().getJavaTypeClass()))) {
				markUnstable(p.getNaturalIdCacheAccessStrategy().getRegion().getName(),
						p.getEntityName() + " natural id");
			}
		});
		sf.getMappingMetamodel().forEachCollectionDescriptor(c -> {
			if (c.hasCache() && KeyTypes.unstableHash(c.getKeyType().getReturnedClass())) {
				markUnstable(c.getCacheAccessStrategy().getRegion().getName(), c.getRole() + " key");
			}
		});
	}

	private void markUnstable(String region, String what) {
		RegionCoordinator coordinator = coordinators.get(region);
		if (coordinator != null) {
			coordinator.invalidateWholeRegionOnTheWire();
			LOG.infof("Region '%s': the %s contains an enum, whose hash differs between JVMs; writes invalidate "
					+ "the whole region on the other nodes", region, what);
		}
	}

	/** The identifier and natural-id types of the mapped model: what may travel in invalidation messages. */
	private Set<Class<?>> modelTypes() {
		Set<Class<?>> types = new HashSet<>();
		SessionFactoryImplementor sf = sessionFactory;
		if (sf == null || !modelReady) {
			return null;
		}
		sf.getMappingMetamodel().forEachEntityDescriptor(p -> {
			types.add(p.getIdentifierType().getReturnedClass());
			if (p.getNaturalIdMapping() != null) {
				p.getNaturalIdMapping().getNaturalIdAttributes()
						.forEach(a -> types.add(a.getJavaType().getJavaTypeClass()));
			}
		});
		// JPA's metamodel: SessionFactoryImplementor#getJpaMetamodel() returns another type on Hibernate 6.6
		jakarta.persistence.EntityManagerFactory jpa = sf;
		jpa.getMetamodel().getEmbeddables().forEach(e -> types.add(e.getJavaType()));
		return types;
	}

	/**
	 * What may travel as a value of a replicated or distributed region besides basic and Hibernate types: the model's
	 * identifier, natural-id and embeddable types and the Java types of its basic attributes (domain and, for converted
	 * attributes, relational).
	 */
	private Set<Class<?>> valueTypes() {
		Set<Class<?>> types = modelTypes();
		if (types == null) {
			return null;
		}
		sessionFactory.getMappingMetamodel().forEachEntityDescriptor(p -> p.forEachAttributeMapping(a -> {
			if (a instanceof org.hibernate.metamodel.mapping.BasicValuedModelPart basic) {
				types.add(basic.getJavaType().getJavaTypeClass());
				types.add(basic.getJdbcMapping().getJavaTypeDescriptor().getJavaTypeClass());
			}
		}));
		return types;
	}

	private static final class QueryRegion extends QueryResultsRegionTemplate implements InMemoryCounts {
		private final QueryStorage storage;

		QueryRegion(String name, RegionFactoryImpl factory, QueryStorage storage) {
			super(name, factory, storage);
			this.storage = storage;
		}

		@Override
		public long getElementCountInMemory() {
			return storage.size();
		}
	}

	private static final class TimestampsRegion extends TimestampsRegionTemplate
			implements InMemoryCounts {
		private final TimestampsStorage storage;

		TimestampsRegion(String name, RegionFactoryImpl factory, TimestampsStorage storage) {
			super(name, factory, storage);
			this.storage = storage;
		}

		@Override
		public long getElementCountInMemory() {
			return storage.size();
		}
	}
}
