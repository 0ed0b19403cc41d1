package dev.clustercache.sample;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.stat.CacheRegionStatistics;
import org.hibernate.stat.Statistics;

import dev.clustercache.hibernate.ClusterCacheRegionFactory;

/**
 * The {@code /stats} answer of a node: its name, the cluster view reported by the region factory, and per cache
 * region the hits, misses, puts and hit ratio from Hibernate's statistics. {@code reads} adds up the regions that
 * serve reads (entity, collection, natural-id and query regions); the timestamps region is listed but not added.
 */
final class NodeStats {

	private record RegionRef(String name, String kind) {
	}

	private final SessionFactoryImplementor sessionFactory;
	private final String nodeName;
	private final boolean cacheEnabled;
	private final List<RegionRef> regions;
	private final RegionFactory regionFactory;

	NodeStats(SessionFactoryImplementor sessionFactory, String nodeName, boolean cacheEnabled) {
		this.sessionFactory = sessionFactory;
		this.nodeName = nodeName;
		this.cacheEnabled = cacheEnabled;
		this.regions = cacheEnabled ? findRegions(sessionFactory) : List.of();
		this.regionFactory = sessionFactory.getSessionFactoryOptions().getServiceRegistry()
				.getService(RegionFactory.class);
	}

	private static List<RegionRef> findRegions(SessionFactoryImplementor sf) {
		Map<String, RegionRef> found = new LinkedHashMap<>();
		sf.getMappingMetamodel().forEachEntityDescriptor(p -> {
			if (p.canReadFromCache() && p.getCacheAccessStrategy() != null) {
				String name = p.getCacheAccessStrategy().getRegion().getName();
				found.putIfAbsent(name, new RegionRef(name, "entity"));
			}
			if (p.hasNaturalIdCache()) {
				String name = p.getNaturalIdCacheAccessStrategy().getRegion().getName();
				found.putIfAbsent(name, new RegionRef(name, "natural-id"));
			}
		});
		sf.getMappingMetamodel().forEachCollectionDescriptor(c -> {
			if (c.hasCache()) {
				String name = c.getCacheAccessStrategy().getRegion().getName();
				found.putIfAbsent(name, new RegionRef(name, "collection"));
			}
		});
		if (sf.getSessionFactoryOptions().isQueryCacheEnabled()) {
			String query = sf.getCache().getDefaultQueryResultsCache().getRegion().getName();
			found.putIfAbsent(query, new RegionRef(query, "query"));
			String timestamps = sf.getCache().getTimestampsCache().getRegion().getName();
			found.putIfAbsent(timestamps, new RegionRef(timestamps, "timestamps"));
		}
		return List.copyOf(found.values());
	}

	/** The cluster members as ClusterCache sees them; empty with the cache off. */
	List<String> members() {
		return regionFactory instanceof ClusterCacheRegionFactory cc ? cc.getClusterMembers() : List.of();
	}

	private String localMember() {
		return regionFactory instanceof ClusterCacheRegionFactory cc ? cc.getLocalMember() : null;
	}

	Map<String, Object> snapshot() {
		Statistics statistics = sessionFactory.getStatistics();
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("node", nodeName);
		json.put("cache", cacheEnabled ? "on" : "off");
		json.put("regionFactory", regionFactory == null ? null : regionFactory.getClass().getName());
		json.put("localMember", localMember());
		List<String> members = members();
		json.put("members", members);
		json.put("clusterSize", members.size());
		long hits = 0;
		long misses = 0;
		long puts = 0;
		List<Object> regionList = new ArrayList<>();
		for (RegionRef region : regions) {
			CacheRegionStatistics s = switch (region.kind()) {
				case "query" -> statistics.getQueryRegionStatistics(region.name());
				case "timestamps" -> null;
				default -> statistics.getDomainDataRegionStatistics(region.name());
			};
			long h;
			long m;
			long p;
			if (region.kind().equals("timestamps")) {
				h = statistics.getUpdateTimestampsCacheHitCount();
				m = statistics.getUpdateTimestampsCacheMissCount();
				p = statistics.getUpdateTimestampsCachePutCount();
			}
			else {
				h = s == null ? 0 : s.getHitCount();
				m = s == null ? 0 : s.getMissCount();
				p = s == null ? 0 : s.getPutCount();
				hits += h;
				misses += m;
				puts += p;
			}
			regionList.add(counters(region.name(), region.kind(), h, m, p));
		}
		json.put("regions", regionList);
		json.put("reads", counters(null, null, hits, misses, puts));
		return json;
	}

	private static Map<String, Object> counters(String name, String kind, long hits, long misses, long puts) {
		Map<String, Object> json = new LinkedHashMap<>();
		if (name != null) {
			json.put("name", name);
			json.put("kind", kind);
		}
		json.put("hits", hits);
		json.put("misses", misses);
		json.put("puts", puts);
		json.put("hitRatio", hits + misses == 0 ? null : (double) hits / (hits + misses));
		return json;
	}
}
