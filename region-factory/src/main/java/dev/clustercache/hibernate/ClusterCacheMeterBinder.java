package dev.clustercache.hibernate;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.hibernate.SessionFactory;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.clustercache.hibernate.ClusterCacheStatistics.RejectedPutReason;

/**
 * Binds ClusterCache's figures of one node to a Micrometer registry:
 * <pre>{@code
 * new ClusterCacheMeterBinder(sessionFactory).bindTo(registry);
 * }</pre>
 * Every meter is tagged {@code cluster} and {@code node}; region meters also {@code region}:
 * <ul>
 * <li>{@code clustercache.cache.gets} ({@code result=hit|miss}), {@code clustercache.cache.gets.bypassed}</li>
 * <li>{@code clustercache.cache.puts} ({@code result=put|skipped|rejected},
 * {@code reason=none|already-cached|in-flight-write|stale-load|lease-expired})</li>
 * <li>{@code clustercache.invalidations} ({@code direction=sent|received}), {@code clustercache.cache.size},
 * {@code clustercache.writes.in.progress}</li>
 * <li>{@code clustercache.invalidation.duration} (a timer), {@code clustercache.cluster.members},
 * {@code clustercache.lease.valid} (1 or 0), {@code clustercache.cluster.merges},
 * {@code clustercache.cluster.merge.last} (epoch seconds, 0 if none)</li>
 * </ul>
 * Meters are created for the regions that exist when {@link #bindTo} runs, so bind after the SessionFactory is built.
 * They read counters kept by ClusterCache: no network call. Micrometer is an optional dependency of ClusterCache; this
 * class is the only one that uses it.
 */
public class ClusterCacheMeterBinder implements MeterBinder {

	private final ClusterCacheRegionFactory regionFactory;

	public ClusterCacheMeterBinder(ClusterCacheRegionFactory regionFactory) {
		this.regionFactory = Objects.requireNonNull(regionFactory, "regionFactory");
	}

	/** @throws IllegalArgumentException if the SessionFactory's second-level cache is not ClusterCache */
	public ClusterCacheMeterBinder(SessionFactory sessionFactory) {
		this(regionFactoryOf(sessionFactory));
	}

	private static ClusterCacheRegionFactory regionFactoryOf(SessionFactory sessionFactory) {
		RegionFactory factory = sessionFactory.unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory();
		if (factory instanceof ClusterCacheRegionFactory clusterCache) {
			return clusterCache;
		}
		throw new IllegalArgumentException("The SessionFactory's second-level cache is '"
				+ factory.getClass().getName() + "', not ClusterCache. Set 'hibernate.cache.region.factory_class' to "
				+ "'clustercache' and 'hibernate.cache.use_second_level_cache' to 'true'.");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		ClusterCacheStatistics node = regionFactory.statistics();
		Tags tags = Tags.of("cluster", node.clusterName(), "node", node.nodeName());
		Gauge.builder("clustercache.cluster.members", node, n -> n.members().size()).tags(tags)
				.description("The members of this node's cluster view").register(registry);
		Gauge.builder("clustercache.lease.valid", node, n -> n.leaseValid() ? 1 : 0).tags(tags)
				.description("1 while this node serves from its caches (its freshness lease is valid), else 0")
				.register(registry);
		Gauge.builder("clustercache.members.refused", node, n -> n.refusedMembers().size()).tags(tags)
				.description("Members this node answers no more until they have cleared regions they could not be "
						+ "told of a change to").register(registry);
		FunctionCounter.builder("clustercache.cluster.merges", node, ClusterCacheStatistics::merges).tags(tags)
				.description("Merges of partitions seen by this node; each clears every region").register(registry);
		Gauge.builder("clustercache.cluster.merge.last", node, n -> n.lastMergeTime() / 1000.0).tags(tags)
				.baseUnit("seconds").description("Epoch time of the last merge, 0 if none").register(registry);
		FunctionTimer.builder("clustercache.invalidation.duration", node,
				ClusterCacheStatistics::invalidationRoundTrips, ClusterCacheStatistics::invalidationRoundTripNanos,
				TimeUnit.NANOSECONDS).tags(tags)
				.description("Synchronous calls to the other members: opening write windows, invalidating")
				.register(registry);
		for (ClusterCacheStatistics.Region region : node.regions()) {
			bindRegion(registry, tags.and("region", region.name()), region);
		}
	}

	private static void bindRegion(MeterRegistry registry, Tags tags, ClusterCacheStatistics.Region region) {
		String gets = "Reads of the cache; misses include reads bypassed because the lease was not valid";
		FunctionCounter.builder("clustercache.cache.gets", region, ClusterCacheStatistics.Region::hits)
				.tags(tags.and("result", "hit")).description(gets).register(registry);
		FunctionCounter.builder("clustercache.cache.gets", region, ClusterCacheStatistics.Region::misses)
				.tags(tags.and("result", "miss")).description(gets).register(registry);
		FunctionCounter.builder("clustercache.cache.gets.bypassed", region,
				ClusterCacheStatistics.Region::bypassedReads).tags(tags)
				.description("Reads that found an entry but did not serve it because the lease was not valid")
				.register(registry);
		String puts = "Puts into the cache, done, skipped or rejected by the consistency protocol";
		FunctionCounter.builder("clustercache.cache.puts", region, ClusterCacheStatistics.Region::puts)
				.tags(tags.and("result", "put", "reason", "none")).description(puts).register(registry);
		FunctionCounter.builder("clustercache.cache.puts", region, ClusterCacheStatistics.Region::skippedPuts)
				.tags(tags.and("result", "skipped", "reason", "already-cached")).description(puts)
				.register(registry);
		for (RejectedPutReason reason : RejectedPutReason.values()) {
			FunctionCounter.builder("clustercache.cache.puts", region, r -> r.rejectedPuts(reason))
					.tags(tags.and("result", "rejected", "reason", reason.tagValue())).description(puts)
					.register(registry);
		}
		String invalidations = "Write windows and invalidations sent to or received from the other members";
		FunctionCounter.builder("clustercache.invalidations", region,
				ClusterCacheStatistics.Region::invalidationsSent).tags(tags.and("direction", "sent"))
				.description(invalidations).register(registry);
		FunctionCounter.builder("clustercache.invalidations", region,
				ClusterCacheStatistics.Region::invalidationsReceived).tags(tags.and("direction", "received"))
				.description(invalidations).register(registry);
		Gauge.builder("clustercache.cache.size", region, ClusterCacheStatistics.Region::size).tags(tags)
				.description("Entries in this node's cache of the region").register(registry);
		Gauge.builder("clustercache.writes.in.progress", region, ClusterCacheStatistics.Region::writesInProgress)
				.tags(tags).description("Write windows open on the region here, opened by any node")
				.register(registry);
	}
}
