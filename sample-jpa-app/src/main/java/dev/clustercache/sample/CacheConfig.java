package dev.clustercache.sample;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a node caches: with ClusterCache switched on through its public settings, or with the second-level cache off
 * ({@code --no-cache}). Extra Hibernate properties ({@code -P key=value}) are applied last, so that a setting such as
 * {@code hibernate.cache.clustercache.mode=local} can be tried from the command line.
 */
public record CacheConfig(boolean enabled, String stack, String clusterName, String nodeName,
		Map<String, String> extraProperties) {

	public static final String DEFAULT_STACK = "localhost";
	public static final String DEFAULT_CLUSTER_NAME = "clustercache-sample";

	public CacheConfig {
		extraProperties = Map.copyOf(extraProperties == null ? Map.of() : extraProperties);
		if (stack == null || stack.isBlank()) {
			stack = DEFAULT_STACK;
		}
		if (clusterName == null || clusterName.isBlank()) {
			clusterName = DEFAULT_CLUSTER_NAME;
		}
	}

	/** The second-level and query caches switched off. */
	public static CacheConfig disabled() {
		return new CacheConfig(false, null, null, null, Map.of());
	}

	/** The Hibernate properties of this configuration. */
	Map<String, Object> jpaProperties() {
		Map<String, Object> p = new LinkedHashMap<>();
		p.put("hibernate.generate_statistics", "true");
		if (enabled) {
			p.put("hibernate.cache.region.factory_class", "clustercache");
			p.put("hibernate.cache.use_second_level_cache", "true");
			p.put("hibernate.cache.use_query_cache", "true");
			p.put("hibernate.cache.clustercache.jgroups.stack", stack);
			p.put("hibernate.cache.clustercache.cluster_name", clusterName);
			if (nodeName != null) {
				p.put("hibernate.cache.clustercache.node_name", nodeName);
			}
		}
		else {
			p.put("hibernate.cache.use_second_level_cache", "false");
			p.put("hibernate.cache.use_query_cache", "false");
		}
		p.putAll(extraProperties);
		return p;
	}
}
