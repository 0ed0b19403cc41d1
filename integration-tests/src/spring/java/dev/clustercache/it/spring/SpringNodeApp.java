package dev.clustercache.it.spring;

import jakarta.persistence.EntityManagerFactory;

import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import io.micrometer.core.instrument.binder.MeterBinder;

import dev.clustercache.hibernate.ClusterCacheHealth;
import dev.clustercache.hibernate.ClusterCacheMeterBinder;
import dev.clustercache.hibernate.ClusterCacheRegionFactory;

/**
 * A plain Spring Boot JPA application: ClusterCache is switched on by {@code spring.jpa.properties} alone; the two beans
 * below, as the README shows them, publish its figures to Spring Boot's meter registry (and so to Actuator's metrics
 * endpoint) and its health to Actuator's health endpoint.
 */
@SpringBootApplication
public class SpringNodeApp {

	@Bean
	MeterBinder clusterCacheMeters(EntityManagerFactory entityManagerFactory) {
		return new ClusterCacheMeterBinder(entityManagerFactory.unwrap(SessionFactory.class));
	}

	@Bean
	HealthIndicator clusterCache(EntityManagerFactory entityManagerFactory) {
		ClusterCacheRegionFactory cache = (ClusterCacheRegionFactory) entityManagerFactory
				.unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory();
		return () -> {
			ClusterCacheHealth health = cache.health();
			return health.isUp() ? Health.up().build()
					: Health.status("DEGRADED").withDetail("reason", health.reason()).build();
		};
	}
}
