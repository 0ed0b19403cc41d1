package dev.clustercache.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Nodes A, B, C... in one JVM, each with its own SessionFactory, cache manager and JGroups channel on 127.0.0.1 (the
 * shipped {@code localhost} stack on free ports), sharing one H2 database. The cluster name is the test class.
 */
public final class TestCluster implements AutoCloseable {

	public static final Duration VIEW_DEADLINE = Duration.ofSeconds(30);

	private final List<TestNode> nodes = new ArrayList<>();
	private final String clusterName;
	private final List<Integer> ports;
	private final Map<String, Object> extra;
	private final String jdbcUrl;

	private TestCluster(String clusterName, List<Integer> ports, Map<String, Object> extra, String jdbcUrl) {
		this.clusterName = clusterName;
		this.ports = ports;
		this.extra = extra;
		this.jdbcUrl = jdbcUrl;
	}

	public static TestCluster start(Class<?> testClass, int size) {
		return start(testClass, size, Map.of());
	}

	public static TestCluster start(Class<?> testClass, int size, Map<String, Object> extra) {
		return start(testClass, size, extra, size);
	}

	/**
	 * Starts a cluster of its own (cluster name and database) for one variant of a test class, so that clusters of
	 * several variants can run side by side.
	 */
	public static TestCluster start(Class<?> testClass, String variant, int size, Map<String, Object> extra) {
		return start(testClass.getSimpleName() + "-" + variant, size, extra, size);
	}

	/** Starts {@code size} nodes and waits until each sees {@code expectedView} members (1 in local mode). */
	public static TestCluster start(Class<?> testClass, int size, Map<String, Object> extra, int expectedView) {
		return start(testClass.getSimpleName(), size, extra, expectedView);
	}

	private static TestCluster start(String name, int size, Map<String, Object> extra, int expectedView) {
		return start(name, size, size, extra, expectedView);
	}

	/** Reserves ports for {@code size} nodes, starts the first {@code started} and waits for their views. */
	private static TestCluster start(String name, int size, int started, Map<String, Object> extra,
			int expectedView) {
		TestCluster cluster = new TestCluster(name, freePorts(size), extra,
				"jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
		try {
			for (int i = 0; i < started; i++) {
				cluster.nodes.add(i == 0 ? cluster.startFirstNode() : cluster.startNode(i));
			}
			cluster.awaitViews(expectedView);
			return cluster;
		}
		catch (RuntimeException | Error e) {
			cluster.close();
			throw e;
		}
	}

	/**
	 * Reserves ports for {@code size} nodes (every node's discovery lists them all) but starts only node A; the test
	 * starts the others with {@link #startNode(int, Map, Class...)}.
	 */
	public static TestCluster startFirst(Class<?> testClass, int size, Map<String, Object> extra) {
		return start(testClass.getSimpleName(), size, 1, extra, 1);
	}

	/**
	 * Starts the next node, {@code index}, with {@code overrides} on top of its settings and the given model; does not
	 * wait for views. A node whose start fails is not added (Hibernate has closed it).
	 */
	public TestNode startNode(int index, Map<String, Object> overrides, Class<?>... model) {
		if (index != nodes.size()) {
			throw new IllegalArgumentException("the next node is " + nodes.size() + ", not " + index);
		}
		Map<String, Object> settings = settings(index);
		settings.putAll(overrides);
		TestNode node = TestNode.start(nodeName(index), settings, model.length == 0 ? TestNode.MODEL : model);
		nodes.add(node);
		return node;
	}

	/** The JGroups port of node {@code index}. */
	public int port(int index) {
		return ports.get(index);
	}

	public static String nodeName(int index) {
		return String.valueOf((char) ('A' + index));
	}

	/** The settings of node {@code index}: all that a user sets, plus loopback ports for this test. */
	public Map<String, Object> settings(int index) {
		Map<String, Object> s = new HashMap<>();
		s.put("hibernate.connection.url", jdbcUrl);
		s.put("hibernate.connection.username", "sa");
		s.put("hibernate.connection.password", "");
		s.put("hibernate.connection.pool_size", "8");
		s.put("hibernate.hbm2ddl.auto", index == 0 ? "create-drop" : "none");
		s.put("hibernate.cache.region.factory_class", "clustercache");
		s.put("hibernate.cache.use_second_level_cache", "true");
		s.put("hibernate.cache.use_query_cache", "true");
		s.put("hibernate.generate_statistics", "true");
		s.put("hibernate.cache.clustercache.cluster_name", clusterName);
		s.put("hibernate.cache.clustercache.node_name", nodeName(index));
		s.put("hibernate.cache.clustercache.jgroups.bind_port", String.valueOf(ports.get(index)));
		s.put("hibernate.cache.clustercache.jgroups.port_range", "0");
		s.put("hibernate.cache.clustercache.jgroups.tcpping.initial_hosts",
				ports.stream().map(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(",")));
		s.putAll(extra);
		return s;
	}

	private TestNode startNode(int index) {
		return TestNode.start(nodeName(index), settings(index));
	}

	/**
	 * Node A of a new cluster: nobody can answer its discovery, so it waits 1 s for answers instead of the stacks' 3 s
	 * ({@code jgroups.join_timeout}), which would add 2 s to each of the suite's cluster starts. Nodes that join, and A
	 * when it restarts, keep the default.
	 */
	private TestNode startFirstNode() {
		Map<String, Object> settings = settings(0);
		settings.putIfAbsent("hibernate.cache.clustercache.jgroups.join_timeout", "1s");
		return TestNode.start(nodeName(0), settings);
	}

	/** Starts node {@code index} again after it was closed; waits until every node sees the whole cluster. */
	public TestNode restart(int index) {
		TestNode node = startNode(index);
		nodes.set(index, node);
		awaitViews(nodes.size());
		return node;
	}

	public TestNode node(int index) {
		return nodes.get(index);
	}

	public List<TestNode> nodes() {
		return nodes;
	}

	public void awaitViews(int size) {
		await("every node sees " + size + " members", VIEW_DEADLINE, () -> nodes.stream()
				.filter(n -> !n.sessionFactory().isClosed())
				.allMatch(n -> n.regionFactory().getClusterMembers().size() == size
						&& n.regionFactory().isServingFromCache()));
	}

	/** Waits for a condition; on timeout fails with every node's view and lease state. */
	/**
	 * Waits until {@code node} has seen the end of every write window: the end of a writer's window reaches the other
	 * members asynchronously, and until it has arrived a load there meets the window still open and is not cached.
	 */
	public void awaitWindowsEnded(TestNode node) {
		await(node.name() + " saw the end of every write window", Duration.ofSeconds(5),
				() -> node.regionFactory().statistics().regions().stream().allMatch(r -> r.writesInProgress() == 0));
	}

	public void await(String what, Duration deadline, BooleanSupplier condition) {
		long end = System.nanoTime() + deadline.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() - end > 0) {
				throw new AssertionError("Timed out after " + deadline.toMillis() + " ms waiting until " + what
						+ ". Nodes: " + describe());
			}
			Thread.onSpinWait();
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new AssertionError("Interrupted while waiting until " + what, e);
			}
		}
	}

	public String describe() {
		return nodes.stream().filter(n -> !n.sessionFactory().isClosed()).map(TestNode::describe)
				.collect(Collectors.joining("; "));
	}

	@Override
	public void close() {
		for (int i = nodes.size() - 1; i >= 0; i--) {
			try {
				nodes.get(i).close();
			}
			catch (RuntimeException e) {
				System.err.println("Could not close node " + nodes.get(i).name() + ": " + e);
			}
		}
	}

	/**
	 * Free loopback ports p such that p + 100 (FD_SOCK2's offset) is free too, and no two of them 100 apart. They are
	 * drawn below Linux's ephemeral range (32768 and up), from which the outgoing connections of every process take
	 * their local ports: a port chosen there can be taken by one between this choice and the node's bind (seen in CI
	 * as a BindException).
	 */
	public static List<Integer> freePorts(int count) {
		List<Integer> result = new ArrayList<>();
		List<ServerSocket> held = new ArrayList<>();
		java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
		try {
			for (int attempt = 0; result.size() < count; attempt++) {
				if (attempt == 10_000) {
					throw new IOException("no two free ports p and p + 100 in 10000-32600 after 10000 attempts");
				}
				int p = random.nextInt(10_000, 32_600);
				if (result.contains(p - 100) || result.contains(p + 100)) {
					continue; // another node's FD_SOCK2 would take p, or this one's the other node's port
				}
				ServerSocket s;
				try {
					s = new ServerSocket(p, 50, InetAddress.getLoopbackAddress());
				}
				catch (IOException taken) {
					continue;
				}
				held.add(s);
				try (ServerSocket probe = new ServerSocket(p + 100, 50, InetAddress.getLoopbackAddress())) {
					result.add(p);
				}
				catch (IOException taken) {
					// try another
				}
			}
		}
		catch (IOException e) {
			throw new IllegalStateException("No free port on 127.0.0.1", e);
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
