package dev.clustercache.it.spring;

import java.util.Map;

import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.manager.EmbeddedCacheManager;
import org.infinispan.remoting.transport.jgroups.JGroupsTransport;
import org.springframework.boot.hibernate.autoconfigure.HibernatePropertiesCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.clustercache.hibernate.ClusterCacheSettings;
import dev.clustercache.hibernate.jgroups.JGroupsStacks;

/**
 * An application that already owns a clustered Infinispan cache manager bean hands it to ClusterCache with a
 * {@link HibernatePropertiesCustomizer}; Spring stops it, ClusterCache never does. The manager's JGroups transport is
 * the shipped {@code localhost} stack on the ports in the {@code test.infinispan.*} properties. Added as a source of
 * the application only where a test wants it (not component-scanned).
 */
public class GivenCacheManager {

	@Bean(destroyMethod = "stop")
	EmbeddedCacheManager infinispan(Environment environment) {
		GlobalConfigurationBuilder global = GlobalConfigurationBuilder.defaultClusteredBuilder();
		global.metrics().gauges(false).histograms(false); // no Prometheus registry here: Infinispan would warn
		global.transport()
				.clusterName(environment.getRequiredProperty("test.infinispan.cluster_name"))
				.nodeName(environment.getRequiredProperty("test.infinispan.node_name"))
				.addProperty(JGroupsTransport.CONFIGURATION_XML, JGroupsStacks.resolve("localhost", Map.of(
						"jgroups.bind_port", environment.getRequiredProperty("test.infinispan.bind_port"),
						"jgroups.port_range", "0",
						"jgroups.tcpping.initial_hosts",
						environment.getRequiredProperty("test.infinispan.initial_hosts")), null));
		return new DefaultCacheManager(global.build());
	}

	@Bean
	HibernatePropertiesCustomizer clusterCacheUsesTheInfinispanBean(EmbeddedCacheManager infinispan) {
		return properties -> properties.put(ClusterCacheSettings.CACHE_MANAGER, infinispan);
	}
}
