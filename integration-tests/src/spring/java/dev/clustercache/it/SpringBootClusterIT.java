package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import jakarta.persistence.EntityManagerFactory;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.infinispan.manager.EmbeddedCacheManager;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.actuate.endpoint.MetricsEndpoint;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.transaction.support.TransactionTemplate;

import dev.clustercache.hibernate.ClusterCacheRegionFactory;
import dev.clustercache.it.spring.GivenCacheManager;
import dev.clustercache.it.spring.Note;
import dev.clustercache.it.spring.NoteRepository;
import dev.clustercache.it.spring.SpringNodeApp;

/**
 * Issue 8: Spring Boot JPA applications with ClusterCache switched on by {@code spring.jpa.properties} alone, two of
 * them in this JVM as two cluster nodes on 127.0.0.1 sharing one H2 database; and two applications that hand their own
 * clustered Infinispan cache manager beans to ClusterCache.
 */
class SpringBootClusterIT {

	private static final String NOTES = Note.class.getName();

	/** The properties a Spring Boot user sets, and names for this test. */
	private static Map<String, Object> properties(String cluster, String node, int index) {
		Map<String, Object> p = new HashMap<>();
		p.put("spring.main.banner-mode", "off");
		p.put("spring.datasource.url", "jdbc:h2:mem:" + cluster + ";DB_CLOSE_DELAY=-1");
		p.put("spring.datasource.username", "sa");
		p.put("spring.jpa.hibernate.ddl-auto", index == 0 ? "create" : "none");
		p.put("spring.jpa.open-in-view", "false");
		p.put("spring.jpa.properties.hibernate.cache.region.factory_class", "clustercache");
		p.put("spring.jpa.properties.hibernate.cache.use_second_level_cache", "true");
		p.put("spring.jpa.properties.hibernate.cache.clustercache.node_name", node);
		p.put("management.endpoints.web.exposure.include", "health,metrics");
		p.put("management.endpoints.jmx.exposure.include", "health,metrics");
		return p;
	}

	/** A node whose ClusterCache builds its own cache manager on the localhost stack, on a test port. */
	private static Map<String, Object> ownStack(String cluster, String node, int index, List<Integer> ports) {
		Map<String, Object> p = properties(cluster, node, index);
		p.put("spring.jpa.properties.hibernate.cache.clustercache.cluster_name", cluster);
		p.put("spring.jpa.properties.hibernate.cache.clustercache.jgroups.stack", "localhost");
		p.put("spring.jpa.properties.hibernate.cache.clustercache.jgroups.bind_port", String.valueOf(ports.get(index)));
		p.put("spring.jpa.properties.hibernate.cache.clustercache.jgroups.port_range", "0");
		p.put("spring.jpa.properties.hibernate.cache.clustercache.jgroups.tcpping.initial_hosts", hosts(ports));
		return p;
	}

	/** A node that hands its own clustered cache manager bean ({@link GivenCacheManager}) to ClusterCache. */
	private static Map<String, Object> givenCacheManager(String cluster, String node, int index, List<Integer> ports) {
		Map<String, Object> p = properties(cluster, node, index);
		p.put("test.infinispan.cluster_name", cluster);
		p.put("test.infinispan.node_name", node);
		p.put("test.infinispan.bind_port", String.valueOf(ports.get(index)));
		p.put("test.infinispan.initial_hosts", hosts(ports));
		return p;
	}

	private static String hosts(List<Integer> ports) {
		return ports.stream().map(port -> "127.0.0.1[" + port + "]").collect(Collectors.joining(","));
	}

	private static ConfigurableApplicationContext start(Map<String, Object> properties, Class<?>... sources) {
		return new SpringApplicationBuilder(sources).web(WebApplicationType.NONE).properties(properties).run();
	}

	private static ClusterCacheRegionFactory regionFactory(ConfigurableApplicationContext node) {
		return (ClusterCacheRegionFactory) node.getBean(EntityManagerFactory.class)
				.unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory();
	}

	private static String textOn(ConfigurableApplicationContext node, long id) {
		return node.getBean(TransactionTemplate.class)
				.execute(status -> node.getBean(NoteRepository.class).findById(id).orElseThrow().text);
	}

	private static void write(ConfigurableApplicationContext node, long id, String text) {
		node.getBean(TransactionTemplate.class).executeWithoutResult(status -> {
			NoteRepository notes = node.getBean(NoteRepository.class);
			Note note = notes.findById(id).orElseGet(() -> new Note(id, text));
			note.text = text;
			notes.save(note);
		});
	}

	/** The value of a ClusterCache meter as Actuator's metrics endpoint reports it. */
	private static double metric(ConfigurableApplicationContext node, String name, String... tags) {
		MetricsEndpoint.MetricDescriptor descriptor = node.getBean(MetricsEndpoint.class).metric(name, List.of(tags));
		assertThat(descriptor).as("metric %s %s on the metrics endpoint", name, List.of(tags)).isNotNull();
		return descriptor.getMeasurements().get(0).getValue();
	}

	private static void await(String what, BooleanSupplier condition, ConfigurableApplicationContext... nodes)
			throws InterruptedException {
		long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() - end > 0) {
				StringBuilder views = new StringBuilder();
				for (ConfigurableApplicationContext node : nodes) {
					views.append(' ').append(regionFactory(node).getLocalMember()).append(" sees ")
							.append(regionFactory(node).getClusterMembers()).append(';');
				}
				throw new AssertionError("Timed out waiting until " + what + ":" + views);
			}
			Thread.sleep(20);
		}
	}

	@Test
	void twoSpringBootNodes_neverServeAStaleNote_andPublishTheirCacheFiguresOnTheMetricsEndpoint() throws Exception {
		String cluster = "SpringBootClusterIT-" + ProcessHandle.current().pid();
		List<Integer> ports = TestCluster.freePorts(2);
		try (ConfigurableApplicationContext a = start(ownStack(cluster, "A", 0, ports), SpringNodeApp.class);
				ConfigurableApplicationContext b = start(ownStack(cluster, "B", 1, ports), SpringNodeApp.class)) {
			await("A and B see each other", () -> regionFactory(a).getClusterMembers().size() == 2
					&& regionFactory(b).getClusterMembers().size() == 2 && regionFactory(b).isServingFromCache(), a, b);

			write(a, 1, "first");
			assertThat(textOn(b, 1)).isEqualTo("first");
			await("B serves the note from its cache", () -> {
				double hits = metric(b, "clustercache.cache.gets", "result:hit", "region:" + NOTES);
				return textOn(b, 1).equals("first")
						&& metric(b, "clustercache.cache.gets", "result:hit", "region:" + NOTES) > hits;
			}, a, b);

			write(a, 1, "second");
			assertThat(textOn(b, 1)).as("B after A's commit").isEqualTo("second");

			assertThat(metric(a, "clustercache.invalidations", "direction:sent", "region:" + NOTES)).isPositive();
			assertThat(metric(b, "clustercache.invalidations", "direction:received", "region:" + NOTES))
					.isPositive();
			assertThat(metric(b, "clustercache.cluster.members")).isEqualTo(2);
			assertThat(metric(b, "clustercache.lease.valid")).isEqualTo(1);
			assertThat(((IndicatedHealthDescriptor) b.getBean(HealthEndpoint.class).healthForPath("clusterCache"))
					.getStatus()).isEqualTo(Status.UP);
		}
	}

	@Test
	void clusteredEmbeddedCacheManagerBeans_carryTheInvalidationsBetweenTwoNodes_andSpringStopsThem() throws Exception {
		String cluster = "SpringBootClusterIT-given-" + ProcessHandle.current().pid();
		List<Integer> ports = TestCluster.freePorts(2);
		EmbeddedCacheManager infinispanA;
		EmbeddedCacheManager infinispanB;
		try (ConfigurableApplicationContext a = start(givenCacheManager(cluster, "A", 0, ports), SpringNodeApp.class,
				GivenCacheManager.class);
				ConfigurableApplicationContext b = start(givenCacheManager(cluster, "B", 1, ports),
						SpringNodeApp.class, GivenCacheManager.class)) {
			infinispanA = a.getBean(EmbeddedCacheManager.class);
			infinispanB = b.getBean(EmbeddedCacheManager.class);
			assertThat(regionFactory(a).getCacheManager()).isSameAs(infinispanA);
			assertThat(regionFactory(b).getCacheManager()).isSameAs(infinispanB);
			assertThat(regionFactory(b).statistics().clusterName()).as("the cluster that the manager's transport joined")
					.isEqualTo(cluster);
			await("A and B see each other", () -> regionFactory(a).getClusterMembers().size() == 2
					&& regionFactory(b).getClusterMembers().size() == 2 && regionFactory(b).isServingFromCache(), a, b);

			write(a, 1, "first");
			assertThat(textOn(b, 1)).isEqualTo("first");
			assertThat(infinispanB.cacheExists(NOTES)).as("B's region lives in B's cache manager bean").isTrue();
			long hits = regionFactory(b).statistics().region(NOTES).orElseThrow().hits();
			await("B serves the note from its cache", () -> textOn(b, 1).equals("first")
					&& regionFactory(b).statistics().region(NOTES).orElseThrow().hits() > hits, a, b);

			write(a, 1, "second");
			assertThat(textOn(b, 1)).as("B after A's commit").isEqualTo("second");
			assertThat(regionFactory(b).statistics().region(NOTES).orElseThrow().invalidationsReceived()).isPositive();
		}
		assertThat(infinispanA.getStatus().isTerminated()).as("A's manager stopped by Spring at the close").isTrue();
		assertThat(infinispanB.getStatus().isTerminated()).as("B's manager stopped by Spring at the close").isTrue();
	}
}
