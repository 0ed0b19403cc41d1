package dev.clustercache.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;

import org.infinispan.manager.EmbeddedCacheManager;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import dev.clustercache.hibernate.ClusterCacheRegionFactory;
import dev.clustercache.hibernate.jgroups.JGroupsStacks;

/**
 * One provider's nodes in this JVM: one SessionFactory per node (A, and B for a cluster) over one shared in-memory H2
 * database, the data inserted and every node's caches warmed. A one-node provider's fork also holds a second, idle
 * SessionFactory without a cache, so that every fork bootstraps Hibernate twice (see {@link #startNodes}). Clustered
 * providers talk over 127.0.0.1 only, on free ports chosen here: JGroups with the shipped {@code localhost} stack, TCP
 * and TCPPING bound to 127.0.0.1 (ClusterCache by its setting {@code jgroups.stack=localhost}, Infinispan's module by a
 * file of that stack), Hazelcast with TCP/IP join to 127.0.0.1 members only, multicast, auto-detection and phone-home
 * off.
 */
public final class Deployment implements AutoCloseable {

	public static final Duration VIEW_DEADLINE = Duration.ofSeconds(60);

	private static final String INFINISPAN_FACTORY = "org.infinispan.hibernate.cache.v6.InfinispanRegionFactory";

	static {
		// keep the JMH output readable: providers log their start at INFO through JUL
		java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
		System.setProperty("hazelcast.phone.home.enabled", "false");
		System.setProperty("hazelcast.logging.type", "jdk");
		System.setProperty("java.net.preferIPv4Stack", "true");
	}

	private final Provider provider;
	private final String name;
	private final List<Integer> ports;
	private final List<SessionFactoryImplementor> nodes = new ArrayList<>();
	private final List<HazelcastInstance> hazelcast = new ArrayList<>();
	/** A one-node provider's second SessionFactory: idle, no second-level cache (see {@link #startNodes}). */
	private SessionFactoryImplementor twin;
	private Path tempDir;

	private Deployment(Provider provider, String name, List<Integer> ports) {
		this.provider = provider;
		this.name = name;
		this.ports = ports;
	}

	/**
	 * Starts the provider's nodes, waits until they see each other and inserts the data; every cache is empty.
	 *
	 * @param statistics whether Hibernate's statistics are on (off while measuring; the staleness probe reads them)
	 */
	public static Deployment start(Provider provider, boolean statistics) {
		String name = "bench-" + provider.id() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
		Deployment d = new Deployment(provider, name, freePorts(provider.nodes()));
		try {
			d.startNodes(statistics);
			BenchData.populate(d.node(0));
			return d;
		}
		catch (RuntimeException | Error e) {
			d.close();
			throw e;
		}
	}

	public Provider provider() {
		return provider;
	}

	/** Node {@code index}: 0 is A, 1 is B. */
	public SessionFactoryImplementor node(int index) {
		return nodes.get(index);
	}

	public int size() {
		return nodes.size();
	}

	private void startNodes(boolean statistics) {
		if (provider == Provider.HAZELCAST_LOCAL || provider == Provider.HAZELCAST_CLUSTER) {
			startHazelcast();
		}
		// Every fork bootstraps Hibernate twice, after node A has opened sessions, so that Hibernate's own session
		// opening runs on the same JIT state under every provider. A bootstrap calls Hibernate's
		// AbstractServiceRegistryImpl.getService hundreds of times with other services; once A's sessions have started
		// its profiling, they leave a second type in its profile at the cast to Service. C2 then checks every session
		// opening's ExtensionIntegrationService against two interfaces through its implementation class's one-element
		// secondary-supers cache, which the two checks overwrite in turn (JDK-8180450, fixed in JDK 23): about 30 ns
		// more per session on one thread, and a cache line that both threads write on two. Whether a second bootstrap
		// did so depended on timing: measured, in every fork of infinispan-cluster and in most of clustercache-cluster,
		// in no fork of limit with one bootstrap (BENCHMARKS.md). Now it does in every fork of every provider. A
		// one-node provider's second SessionFactory is idle and has no second-level cache.
		nodes.add(buildSessionFactory(settings(provider, 0, statistics)));
		openSessions(nodes.get(0), SESSIONS_BEFORE_SECOND_BOOTSTRAP);
		for (int i = 1; i < provider.nodes(); i++) {
			nodes.add(buildSessionFactory(settings(provider, i, statistics)));
		}
		if (provider.clustered()) {
			await("every node sees " + provider.nodes() + " members", this::clusterFormed);
		}
		else {
			twin = buildSessionFactory(settings(Provider.NONE, 1, statistics));
		}
	}

	/** Enough session openings on node A for the JIT to profile them (its threshold is a few thousand calls). */
	static final int SESSIONS_BEFORE_SECOND_BOOTSTRAP = 20_000;

	private static void openSessions(SessionFactoryImplementor sf, int count) {
		for (int i = 0; i < count; i++) {
			sf.openSession().close();
		}
	}

	static String nodeName(int index) {
		return String.valueOf((char) ('A' + index));
	}

	private Map<String, Object> settings(Provider kind, int index, boolean statistics) {
		Map<String, Object> s = new HashMap<>();
		s.put("hibernate.connection.url", "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
		s.put("hibernate.connection.username", "sa");
		s.put("hibernate.connection.password", "");
		s.put("hibernate.connection.pool_size", "8");
		s.put("hibernate.hbm2ddl.auto", index == 0 ? "create-drop" : "none");
		s.put("hibernate.generate_statistics", String.valueOf(statistics));
		boolean cache = kind != Provider.NONE;
		s.put("hibernate.cache.use_second_level_cache", String.valueOf(cache));
		s.put("hibernate.cache.use_query_cache", String.valueOf(cache));
		switch (kind) {
			case NONE -> {
				// no region factory
			}
			case LIMIT -> s.put("hibernate.cache.region.factory_class", LimitRegionFactory.class.getName());
			case JCACHE -> {
				s.put("hibernate.cache.region.factory_class", "org.hibernate.cache.jcache.internal.JCacheRegionFactory");
				s.put("hibernate.javax.cache.provider", "org.ehcache.jsr107.EhcacheCachingProvider");
				s.put("hibernate.javax.cache.uri", writeTemp("ehcache-" + nodeName(index) + ".xml", EHCACHE_XML)
						.toUri().toString());
				s.put("hibernate.javax.cache.missing_cache_strategy", "create");
			}
			case INFINISPAN_LOCAL, INFINISPAN_CLUSTER -> {
				s.put("hibernate.cache.region.factory_class", INFINISPAN_FACTORY);
				if (kind == Provider.INFINISPAN_LOCAL) {
					s.put("hibernate.cache.infinispan.cfg",
							"org/infinispan/hibernate/cache/commons/builder/infinispan-configs-local.xml");
				}
				else {
					s.put("hibernate.cache.infinispan.jgroups_cfg", jgroupsStackFile(index).toString());
				}
				// its default bound is 10,000 entries a region: as many as there are books
				s.put("hibernate.cache.infinispan.entity.memory.size", "20000");
				s.put("hibernate.cache.infinispan.collection.memory.size", "20000");
			}
			case HAZELCAST_LOCAL, HAZELCAST_CLUSTER -> {
				s.put("hibernate.cache.region.factory_class", kind == Provider.HAZELCAST_LOCAL
						? "com.hazelcast.hibernate.HazelcastLocalCacheRegionFactory"
						: "com.hazelcast.hibernate.HazelcastCacheRegionFactory");
				s.put("hibernate.cache.hazelcast.instance_name", hazelcastName(index));
				s.put("hibernate.cache.hazelcast.shutdown_on_session_factory_close", "false");
			}
			case CLUSTERCACHE_LOCAL, CLUSTERCACHE_CLUSTER, CLUSTERCACHE_REPLICATED, CLUSTERCACHE_DISTRIBUTED -> {
				s.put("hibernate.cache.region.factory_class", "clustercache");
				s.put("hibernate.cache.clustercache.jgroups.stack", "localhost");
				s.put("hibernate.cache.clustercache.jgroups.bind_addr", "127.0.0.1");
				s.put("hibernate.cache.clustercache.mode", switch (kind) {
					case CLUSTERCACHE_LOCAL -> "local";
					case CLUSTERCACHE_REPLICATED -> "replicated";
					case CLUSTERCACHE_DISTRIBUTED -> "distributed";
					default -> "invalidation";
				});
				s.put("hibernate.cache.clustercache.max_entries", "20000");
				s.put("hibernate.cache.clustercache.cluster_name", name);
				s.put("hibernate.cache.clustercache.node_name", nodeName(index));
				s.put("hibernate.cache.clustercache.jgroups.bind_port", String.valueOf(ports.get(index)));
				s.put("hibernate.cache.clustercache.jgroups.port_range", "0");
				s.put("hibernate.cache.clustercache.jgroups.tcpping.initial_hosts", initialHosts());
				if (index == 0) {
					s.put("hibernate.cache.clustercache.jgroups.join_timeout", FIRST_NODE_JOIN_TIMEOUT);
				}
			}
		}
		// experiments: -Dbench.setting.hibernate.cache.clustercache.config=/tmp/x.xml adds a setting to every node
		System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(EXTRA_SETTING))
				.forEach(k -> s.put(k.substring(EXTRA_SETTING.length()), System.getProperty(k)));
		return s;
	}

	/**
	 * How long node A of a JGroups provider waits for answers to its discovery: nobody can answer, as it starts first.
	 * The stack's default, 3 s, cost about 1.5 s more of each of the suite's two-node starts.
	 */
	private static final String FIRST_NODE_JOIN_TIMEOUT = "1s";

	/** The prefix of system properties that are added, without it, to every node's Hibernate settings. */
	public static final String EXTRA_SETTING = "bench.setting.";

	private static SessionFactoryImplementor buildSessionFactory(Map<String, Object> settings) {
		StandardServiceRegistry registry = new StandardServiceRegistryBuilder().applySettings(settings).build();
		try {
			return (SessionFactoryImplementor) new MetadataSources(registry)
					.addAnnotatedClasses(Book.class, Publisher.class).buildMetadata().buildSessionFactory();
		}
		catch (RuntimeException e) {
			StandardServiceRegistryBuilder.destroy(registry);
			throw e;
		}
	}

	private String initialHosts() {
		return ports.stream().map(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(","));
	}

	/**
	 * The shipped {@code localhost} stack with this node's port, for Infinispan's module (it takes a file), with the
	 * bundler of Infinispan's own default TCP stack ({@code transfer-queue}): measured with ClusterCache's
	 * {@code no-bundler} its updateCommit fell to about two thirds.
	 */
	private Path jgroupsStackFile(int index) {
		Map<String, String> properties = new HashMap<>(Map.of("jgroups.bind_addr", "127.0.0.1",
				"jgroups.bind_port", String.valueOf(ports.get(index)), "jgroups.port_range", "0",
				"jgroups.tcpping.initial_hosts", initialHosts(), "jgroups.bundler_type", "transfer-queue"));
		if (index == 0) {
			properties.put("jgroups.join_timeout", FIRST_NODE_JOIN_TIMEOUT);
		}
		String xml = JGroupsStacks.resolve("localhost", properties, null);
		return writeTemp("jgroups-" + nodeName(index) + ".xml", xml);
	}

	/**
	 * Ehcache 3 on heap, as a user tuning it for Hibernate would set it up: the regions that hibernate-jcache creates
	 * get a template that stores by reference (JSR-107's default, store by value, would serialize every entry on each
	 * get and put) and holds every row of the suite.
	 */
	private static final String EHCACHE_XML = """
			<config xmlns="http://www.ehcache.org/v3" xmlns:jsr107="http://www.ehcache.org/v3/jsr107">
			    <service>
			        <jsr107:defaults default-template="region" enable-management="false" enable-statistics="false"/>
			    </service>
			    <cache-template name="region">
			        <key-type copier="org.ehcache.impl.copy.IdentityCopier">java.lang.Object</key-type>
			        <value-type copier="org.ehcache.impl.copy.IdentityCopier">java.lang.Object</value-type>
			        <heap unit="entries">20000</heap>
			    </cache-template>
			</config>
			""";

	/** Writes a provider's configuration file into this deployment's temporary directory (deleted on close). */
	private Path writeTemp(String fileName, String content) {
		try {
			if (tempDir == null) {
				tempDir = Files.createTempDirectory(name);
			}
			Path file = tempDir.resolve(fileName);
			Files.writeString(file, content, StandardCharsets.UTF_8);
			return file;
		}
		catch (IOException e) {
			throw new UncheckedIOException("Cannot write " + fileName + " for " + provider.id(), e);
		}
	}

	private String hazelcastName(int index) {
		return name + "-" + nodeName(index);
	}

	/** Hazelcast members on 127.0.0.1 only: TCP/IP join to the given ports, no multicast, no auto-detection. */
	private void startHazelcast() {
		List<String> members = ports.stream().map(p -> "127.0.0.1:" + p).toList();
		List<Thread> starters = new ArrayList<>();
		List<HazelcastInstance> started = java.util.Collections.synchronizedList(new ArrayList<>());
		List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
		for (int i = 0; i < provider.nodes(); i++) {
			Config c = new Config();
			c.setInstanceName(hazelcastName(i));
			c.setClusterName(name);
			c.setProperty("hazelcast.phone.home.enabled", "false");
			c.setProperty("hazelcast.socket.bind.any", "false");
			c.setProperty("hazelcast.local.localAddress", "127.0.0.1");
			c.setProperty("hazelcast.wait.seconds.before.join", "0");
			c.setProperty("hazelcast.shutdownhook.enabled", "false");
			NetworkConfig network = c.getNetworkConfig();
			network.setPort(ports.get(i)).setPortAutoIncrement(false);
			network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
			JoinConfig join = network.getJoin();
			join.getMulticastConfig().setEnabled(false);
			join.getAutoDetectionConfig().setEnabled(false);
			join.getTcpIpConfig().setEnabled(true).setMembers(members);
			Thread t = new Thread(() -> {
				try {
					started.add(Hazelcast.newHazelcastInstance(c));
				}
				catch (RuntimeException e) {
					failures.add(e);
				}
			}, "start-hazelcast-" + nodeName(i));
			t.start();
			starters.add(t);
		}
		for (Thread t : starters) {
			try {
				t.join();
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while starting Hazelcast", e);
			}
		}
		hazelcast.addAll(started);
		if (!failures.isEmpty()) {
			throw failures.get(0);
		}
		await("every Hazelcast member sees " + provider.nodes() + " members",
				() -> hazelcast.stream().allMatch(h -> h.getCluster().getMembers().size() == provider.nodes()));
	}

	private boolean clusterFormed() {
		return nodes.stream().allMatch(sf -> members(sf) == provider.nodes());
	}

	private int members(SessionFactoryImplementor sf) {
		RegionFactory rf = sf.getCache().getRegionFactory();
		if (rf instanceof ClusterCacheRegionFactory cc) {
			return cc.isServingFromCache() ? cc.getClusterMembers().size() : 0;
		}
		if (rf.getClass().getName().equals(INFINISPAN_FACTORY)) {
			// by reflection: compiling against Infinispan's module drags in annotations of Infinispan internals
			try {
				EmbeddedCacheManager cm = (EmbeddedCacheManager) rf.getClass().getMethod("getCacheManager").invoke(rf);
				List<?> members = cm.getMembers();
				return members == null ? 1 : members.size();
			}
			catch (ReflectiveOperationException e) {
				throw new IllegalStateException("Cannot read the members of Infinispan's region factory", e);
			}
		}
		// Hazelcast: the members were awaited before the session factories started
		return provider.nodes();
	}

	private String describe() {
		StringBuilder sb = new StringBuilder();
		for (int i = 0; i < nodes.size(); i++) {
			sb.append(i == 0 ? "" : "; ").append(nodeName(i)).append(" sees ").append(members(nodes.get(i)));
		}
		for (HazelcastInstance h : hazelcast) {
			sb.append("; ").append(h.getName()).append(" sees ").append(h.getCluster().getMembers());
		}
		return sb.toString();
	}

	private void await(String what, BooleanSupplier condition) {
		long end = System.nanoTime() + VIEW_DEADLINE.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() - end > 0) {
				throw new IllegalStateException("Timed out after " + VIEW_DEADLINE.toSeconds() + " s waiting until "
						+ what + " (" + provider.id() + "): " + describe());
			}
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting until " + what, e);
			}
		}
	}

	/** Closes one SessionFactory; a failure is reported and does not stop the rest of the deployment's close. */
	private void close(SessionFactoryImplementor sf, String what) {
		try {
			sf.close();
		}
		catch (RuntimeException e) {
			System.err.println("Could not close " + what + " of " + provider.id() + ": " + e);
		}
	}

	@Override
	public void close() {
		if (twin != null) {
			close(twin, "the second SessionFactory");
		}
		for (int i = nodes.size() - 1; i >= 0; i--) {
			close(nodes.get(i), "node " + nodeName(i));
		}
		for (HazelcastInstance h : hazelcast) {
			h.getLifecycleService().terminate();
		}
		if (tempDir != null) {
			try (Stream<Path> files = Files.walk(tempDir)) {
				files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
			}
			catch (IOException e) {
				System.err.println("Could not delete " + tempDir + ": " + e);
			}
		}
	}

	/** Free loopback ports p such that p + 100 (JGroups FD_SOCK2's offset) is free too. */
	static List<Integer> freePorts(int count) {
		List<Integer> result = new ArrayList<>();
		List<ServerSocket> held = new ArrayList<>();
		try {
			while (result.size() < count) {
				ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
				held.add(s);
				int p = s.getLocalPort();
				if (p + 100 > 65535) {
					continue;
				}
				try (ServerSocket probe = new ServerSocket(p + 100, 50, InetAddress.getLoopbackAddress())) {
					result.add(probe.getLocalPort() - 100);
				}
				catch (IOException taken) {
					// try another
				}
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException("No free port on 127.0.0.1", e);
		}
		finally {
			for (ServerSocket s : held) {
				try {
					s.close();
				}
				catch (IOException ignored) {
					// closing a probe socket
				}
			}
		}
		return result;
	}
}
