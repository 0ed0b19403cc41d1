package dev.clustercache.sample;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;

/**
 * Starts a demo cluster as separate JVMs on this machine: the database (an H2 server, unless a JDBC URL is given,
 * which is then seeded from here) and N nodes named A, B, C, ..., each on a free port of 127.0.0.1, each logging
 * to a file in {@link #logDir()}. {@link #start} returns once every node serves requests and, with the cache on,
 * sees all N members in its view; on failure or time-out it prints every node's view and log tail, stops
 * everything and throws. {@link #close()} stops every process it started; a shutdown hook does the same if the JVM
 * exits first, and every child exits by itself when this JVM dies.
 *
 * <p>For fault tests, a node can be {@link #kill killed} ({@code kill -9}), {@link #stop stopped} (SIGTERM) and
 * {@link #restart restarted} on its port; {@link #pid} gives its process id (to pause it with {@code kill -STOP}),
 * {@link #members} its view, {@link #awaitView} waits for views with a deadline, and {@link #printDiagnostics}
 * prints every node's view and log tail.
 *
 * <pre>{@code
 * try (ClusterLauncher cluster = ClusterLauncher.start(ClusterLauncher.Options.defaults(3))) {
 *     LoadReport report = LoadRunner.run(LoadOptions.forDuration(cluster.nodeUrls(), Duration.ofSeconds(20), Mix.READ_MOSTLY));
 * }
 * }</pre>
 */
public final class ClusterLauncher implements AutoCloseable {

	/**
	 * JVM options of a node: small heap, cheap GC and JIT, so that several fit on a 2-core machine; one line per log
	 * record, with the time to the millisecond, so that the nodes' logs can be laid side by side.
	 */
	public static final List<String> DEFAULT_NODE_JVM_OPTIONS = List.of("-Xmx256m", "-Xss512k", "-XX:+UseSerialGC",
			"-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true",
			"-Djava.util.logging.SimpleFormatter.format=%1$tT.%1$tL %4$s [%3$s] %5$s%6$s%n");
	private static final String JGROUPS = "hibernate.cache.clustercache.jgroups.";
	private static final List<String> DB_JVM_OPTIONS = List.of("-Xmx128m", "-XX:+UseSerialGC",
			"-XX:TieredStopAtLevel=1");

	/**
	 * How to start the cluster.
	 *
	 * @param nodes how many nodes, 1 to 26
	 * @param db null or {@code h2} for an H2 server JVM, else a JDBC URL of a running PostgreSQL or MariaDB
	 * @param dbUser null for the default user of the database kind
	 * @param dbPassword null for an empty password
	 * @param stack the JGroups stack name
	 * @param clusterName null for a fresh unique name, so that runs never join each other
	 * @param noCache whether nodes run with the second-level cache off
	 * @param waitForView whether to wait until every node's view has all N members (with the cache on); false for
	 *        deliberately unclustered setups such as {@code hibernate.cache.clustercache.mode=local}
	 * @param properties extra Hibernate properties for every node
	 * @param jvmOptions JVM options of every node
	 * @param formTimeout how long to wait for all nodes to serve and see each other
	 * @param logDir null for a new temporary directory
	 * @param out where progress lines go, or null
	 * @param jar null to run the nodes and the database on this JVM's class path (as {@code cluster} does from the
	 *        fat jar); else the runnable jar {@code target/sample-jpa-app.jar} (as tests do)
	 */
	public record Options(int nodes, String db, String dbUser, String dbPassword, String stack, String clusterName,
			boolean noCache, boolean waitForView, Map<String, String> properties, List<String> jvmOptions, Duration formTimeout,
			Path logDir, PrintStream out, Path jar) {

		public Options {
			if (nodes < 1 || nodes > 26) {
				throw new SampleException("Invalid value for '--nodes': '" + nodes + "'. Expected 1 to 26 "
						+ "(each node is a JVM of about 300 MB).");
			}
			properties = Map.copyOf(properties == null ? Map.of() : properties);
			jvmOptions = List.copyOf(jvmOptions == null ? DEFAULT_NODE_JVM_OPTIONS : jvmOptions);
			if (formTimeout == null) {
				formTimeout = Duration.ofSeconds(90);
			}
			if (stack == null) {
				stack = CacheConfig.DEFAULT_STACK;
			}
		}

		public static Options defaults(int nodes) {
			return new Options(nodes, null, null, null, null, null, false, true, Map.of(), null, null, null, null, null);
		}

		/** A database given by its URL, user and password (null for the defaults of its kind). */
		public Options withDb(String url, String user, String password) {
			return new Options(nodes, url, user, password, stack, clusterName, noCache, waitForView, properties,
					jvmOptions, formTimeout, logDir, out, jar);
		}

		/** Run the node JVMs (and the H2 server) from this runnable jar instead of this JVM's class path. */
		public Options withJar(Path runnableJar) {
			return new Options(nodes, db, dbUser, dbPassword, stack, clusterName, noCache, waitForView, properties,
					jvmOptions, formTimeout, logDir, out, runnableJar);
		}

		public Options withFormTimeout(Duration timeout) {
			return new Options(nodes, db, dbUser, dbPassword, stack, clusterName, noCache, waitForView, properties,
					jvmOptions, timeout, logDir, out, jar);
		}

		public Options withDb(String url) {
			return new Options(nodes, url, dbUser, dbPassword, stack, clusterName, noCache, waitForView, properties, jvmOptions,
					formTimeout, logDir, out, jar);
		}

		public Options withNoCache(boolean off) {
			return new Options(nodes, db, dbUser, dbPassword, stack, clusterName, off, waitForView, properties, jvmOptions,
					formTimeout, logDir, out, jar);
		}

		public Options withWaitForView(boolean wait) {
			return new Options(nodes, db, dbUser, dbPassword, stack, clusterName, noCache, wait, properties,
					jvmOptions, formTimeout, logDir, out, jar);
		}

		public Options withProperties(Map<String, String> extra) {
			return new Options(nodes, db, dbUser, dbPassword, stack, clusterName, noCache, waitForView, extra, jvmOptions,
					formTimeout, logDir, out, jar);
		}

		public Options withClusterName(String name) {
			return new Options(nodes, db, dbUser, dbPassword, stack, name, noCache, waitForView, properties, jvmOptions,
					formTimeout, logDir, out, jar);
		}

		public Options withLogDir(Path dir) {
			return new Options(nodes, db, dbUser, dbPassword, stack, clusterName, noCache, waitForView, properties, jvmOptions,
					formTimeout, dir, out, jar);
		}

		public Options withOut(PrintStream stream) {
			return new Options(nodes, db, dbUser, dbPassword, stack, clusterName, noCache, waitForView, properties, jvmOptions,
					formTimeout, logDir, stream, jar);
		}

		boolean h2() {
			return db == null || db.equalsIgnoreCase("h2");
		}
	}

	private record Child(String name, Process process, Path log) {
	}

	private final Options options;
	private final Path logDir;
	private final String clusterName;
	private final List<Child> children = new ArrayList<>();
	/** The latest process of each node, by index; guarded by {@code children}. */
	private final List<Child> nodeChildren = new ArrayList<>();
	private final List<List<String>> nodeArgs = new ArrayList<>();
	private final List<String> nodeUrls = new ArrayList<>();
	private final List<String> nodeNames = new ArrayList<>();
	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(2)).build();
	private final Thread shutdownHook = new Thread(() -> {
		System.err.println("Interrupted: stopping the nodes and the database.");
		stopAll();
	}, "cluster-launcher-shutdown");
	private String jdbcUrl;
	private boolean closed;

	private ClusterLauncher(Options options, Path logDir) {
		this.options = options;
		this.logDir = logDir;
		this.clusterName = options.clusterName() != null ? options.clusterName()
				: "clustercache-sample-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/** Starts the database and the nodes and waits until they form the cluster; see the class comment. */
	public static ClusterLauncher start(Options options) {
		Path logDir;
		try {
			logDir = options.logDir() != null ? Files.createDirectories(options.logDir())
					: Files.createTempDirectory("clustercache-sample-");
		}
		catch (IOException e) {
			throw new SampleException("Cannot create the log directory: " + e.getMessage() + ".", e);
		}
		ClusterLauncher launcher = new ClusterLauncher(options, logDir);
		Runtime.getRuntime().addShutdownHook(launcher.shutdownHook);
		try {
			launcher.startAll();
			return launcher;
		}
		catch (RuntimeException e) {
			launcher.close();
			throw e;
		}
	}

	public List<String> nodeUrls() {
		return List.copyOf(nodeUrls);
	}

	public List<String> nodeNames() {
		return List.copyOf(nodeNames);
	}

	public String jdbcUrl() {
		return jdbcUrl;
	}

	public String clusterName() {
		return clusterName;
	}

	public Path logDir() {
		return logDir;
	}

	/** The log file of a node ({@code A}, {@code B}, ...) or of the database ({@code db}). */
	public Path logFile(String name) {
		return logDir.resolve(name + ".log");
	}

	private void startAll() {
		if (options.jar() != null && !Files.isRegularFile(options.jar())) {
			throw new SampleException("The runnable jar '" + options.jar() + "' does not exist. Build it with "
					+ "'mvn -pl sample-jpa-app -am package -DskipTests'.");
		}
		say("Logs: " + logDir);
		long t0 = System.nanoTime();
		DatabaseConfig db;
		if (options.h2()) {
			int port = H2Server.freePort();
			Child child = launch("db", DB_JVM_OPTIONS, List.of("db", "--port", Integer.toString(port), "--seed"));
			waitForLine(child, DbCommand.READY, Duration.ofSeconds(60));
			db = new DatabaseConfig(DatabaseConfig.h2ServerUrl(port), "sa", "");
			say("Database: H2 server " + db.url() + " (seeded)");
		}
		else {
			db = new DatabaseConfig(options.db(), options.dbUser(), options.dbPassword());
			say("Database: seeding " + db.url() + " ...");
			Seeder.seed(db, Seeder.DEFAULT_CATEGORIES, Seeder.DEFAULT_PRODUCTS);
		}
		jdbcUrl = db.url();
		List<Integer> jgroupsPorts = choosesJGroupsPorts() ? freeJGroupsPorts(options.nodes()) : List.of();
		List<Integer> httpPorts = freeHttpPorts(options.nodes(), jgroupsPorts);
		for (int i = 0; i < options.nodes(); i++) {
			String name = String.valueOf((char) ('A' + i));
			int port = httpPorts.get(i);
			List<String> args = new ArrayList<>(List.of("node", "--name", name, "--port", Integer.toString(port),
					"--db", db.url(), "--db-user", db.user(), "--db-password", db.password(), "--stack",
					options.stack(), "--cluster-name", clusterName));
			if (options.noCache()) {
				args.add("--no-cache");
			}
			if (!jgroupsPorts.isEmpty()) {
				args.add("--property=" + JGROUPS + "bind_port=" + jgroupsPorts.get(i));
				args.add("--property=" + JGROUPS + "port_range=0");
				args.add("--property=" + JGROUPS + "tcpping.initial_hosts=" + jgroupsPorts.stream()
						.map(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(",")));
			}
			options.properties().forEach((k, v) -> args.add("--property=" + k + "=" + v));
			Child child = launch(name, options.jvmOptions(), args);
			synchronized (children) {
				nodeChildren.add(child);
			}
			nodeArgs.add(List.copyOf(args));
			nodeNames.add(name);
			nodeUrls.add("http://127.0.0.1:" + port);
		}
		say("Nodes: " + describeNodes() + (options.noCache() ? " (second-level cache off)"
				: " (cluster '" + clusterName + "', stack '" + options.stack() + "')"));
		waitForCluster();
		say(String.format(Locale.ROOT, "Started the database and %d nodes in %.1f s", options.nodes(),
				(System.nanoTime() - t0) / 1e9));
	}

	/**
	 * Whether to give each node a free JGroups port of its own (and the list of all as discovery hosts) instead of the
	 * {@code localhost} stack's shared range 7800..7810: with that stack, unless the properties set the ports.
	 */
	private boolean choosesJGroupsPorts() {
		return !options.noCache() && options.stack().equals("localhost") && options.properties().keySet().stream()
				.noneMatch(k -> k.equals(JGROUPS + "bind_port") || k.equals(JGROUPS + "port_range")
						|| k.equals(JGROUPS + "tcpping.initial_hosts"));
	}

	/** Free ports p of 127.0.0.1 such that p + 100 (the port of JGroups' FD_SOCK2) is free too. */
	static List<Integer> freeJGroupsPorts(int count) {
		return freePorts(count, (p, chosen) -> p + 100 <= 65535 && !chosen.contains(p + 100)
				&& !chosen.contains(p - 100) && isFree(p + 100));
	}

	/**
	 * Free ports of 127.0.0.1 for the nodes' HTTP servers, all chosen before any node starts: a port chosen while the
	 * node before is still starting can be the one that node was given (the kernel hands a port it just closed out
	 * again), and none is a JGroups port of {@code jgroupsPorts} or its FD_SOCK2 port (+100).
	 */
	static List<Integer> freeHttpPorts(int count, List<Integer> jgroupsPorts) {
		return freePorts(count, (p, chosen) -> !jgroupsPorts.contains(p) && !jgroupsPorts.contains(p - 100));
	}

	/** {@code count} distinct free ports of 127.0.0.1, each also {@code acceptable} beside those chosen before it. */
	private static List<Integer> freePorts(int count, BiPredicate<Integer, List<Integer>> acceptable) {
		List<Integer> ports = new ArrayList<>();
		while (ports.size() < count) {
			int p = H2Server.freePort();
			if (!ports.contains(p) && acceptable.test(p, ports)) {
				ports.add(p);
			}
		}
		return ports;
	}

	private static boolean isFree(int port) {
		try {
			new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
			return true;
		}
		catch (IOException e) {
			return false;
		}
	}

	private String describeNodes() {
		List<String> parts = new ArrayList<>();
		for (int i = 0; i < nodeNames.size(); i++) {
			parts.add(nodeNames.get(i) + " " + nodeUrls.get(i));
		}
		return String.join(", ", parts);
	}

	private Child launch(String name, List<String> jvmOptions, List<String> args) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmOptions);
		command.add("-cp");
		command.add(options.jar() != null ? options.jar().toString() : System.getProperty("java.class.path"));
		command.add(Main.class.getName());
		command.addAll(args);
		command.add("--exit-with-parent");
		Path log = logFile(name);
		ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.directory(new File(System.getProperty("user.dir")));
		try {
			Child child = new Child(name, pb.start(), log);
			synchronized (children) {
				children.add(child);
			}
			return child;
		}
		catch (IOException e) {
			throw new SampleException("Cannot start the JVM of '" + name + "': " + e.getMessage() + ".", e);
		}
	}

	private void waitForLine(Child child, String marker, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (tail(child.log(), 200).stream().anyMatch(l -> l.contains(marker))) {
				return;
			}
			if (!child.process().isAlive()) {
				throw new SampleException("'" + child.name() + "' exited during start (exit code "
						+ child.process().exitValue() + "): " + lastLine(child.log()) + " Full log: " + child.log());
			}
			sleep(100);
		}
		throw new SampleException("'" + child.name() + "' did not start within " + Durations.format(timeout)
				+ ". See its log: " + child.log());
	}

	private void waitForCluster() {
		long deadline = System.nanoTime() + options.formTimeout().toNanos();
		int expected = options.nodes();
		while (true) {
			boolean all = true;
			for (int i = 0; i < nodeNames.size(); i++) {
				Child child = nodeChild(nodeNames.get(i));
				if (!child.process().isAlive()) {
					throw new SampleException("Node '" + child.name() + "' exited during start (exit code "
							+ child.process().exitValue() + "): " + lastLine(child.log()) + " Full log: "
							+ child.log());
				}
				Map<String, Object> stats = stats(nodeUrls.get(i));
				if (stats == null || !formed(stats, expected)) {
					all = false;
				}
			}
			if (all) {
				return;
			}
			if (System.nanoTime() > deadline) {
				PrintStream out = options.out() != null ? options.out() : System.err;
				out.println("Views when the wait for the cluster timed out:");
				printDiagnostics(out);
				throw new SampleException("The " + expected + " nodes did not form one cluster within "
						+ Durations.format(options.formTimeout()) + " (their views are printed above). Check the "
						+ "stack ('--stack " + options.stack() + "') and the node logs in " + logDir + ", or allow "
						+ "more time with '--form-timeout'.");
			}
			sleep(250);
		}
	}

	/** The URL of a node, by its name ({@code A}, {@code B}, ...). */
	public String nodeUrl(String node) {
		return nodeUrls.get(indexOf(node));
	}

	/** The process id of a node's JVM (of its latest start). */
	public long pid(String node) {
		return nodeChild(node).process().pid();
	}

	/** Whether a node's JVM (of its latest start) runs. */
	public boolean isAlive(String node) {
		return nodeChild(node).process().isAlive();
	}

	/**
	 * Kills a node's JVM at once, as {@code kill -9} does (SIGKILL: no shutdown hook runs; the system closes its
	 * sockets), and waits until it is gone.
	 */
	public void kill(String node) {
		Child child = nodeChild(node);
		child.process().destroyForcibly();
		try {
			if (!child.process().waitFor(10, TimeUnit.SECONDS)) {
				throw new SampleException("Node '" + node + "' (pid " + child.process().pid() + ") did not exit "
						+ "within 10 s of SIGKILL.");
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new SampleException("Interrupted while killing node '" + node + "'.", e);
		}
		say("Killed node " + node + " (pid " + child.process().pid() + ")");
	}

	/**
	 * Stops a node as Ctrl-C does (SIGTERM: it stops serving, leaves the cluster and closes), killing it if it is
	 * not gone within 10 s.
	 */
	public void stop(String node) {
		Child child = nodeChild(node);
		stop(List.of(child));
		say("Stopped node " + node + " (pid " + child.process().pid() + ")");
	}

	/**
	 * Starts a stopped or killed node again, with its name, port and settings (its log continues in the same file),
	 * and returns once it serves requests and, with the cache on, every node sees all N members; on time-out prints
	 * every node's view and log tail and throws.
	 */
	public void restart(String node) {
		int i = indexOf(node);
		Child old = nodeChild(node);
		if (old.process().isAlive()) {
			throw new SampleException("Node '" + node + "' still runs (pid " + old.process().pid() + "). Stop or "
					+ "kill it before restarting it.");
		}
		Child child = launch(node, options.jvmOptions(), nodeArgs.get(i));
		synchronized (children) {
			nodeChildren.set(i, child);
		}
		long t0 = System.nanoTime();
		waitForCluster();
		say(String.format(Locale.ROOT, "Restarted node %s (pid %d) in %.1f s", node, child.process().pid(),
				(System.nanoTime() - t0) / 1e9));
	}

	/** The members of a node's cluster view, as its {@code /stats} reports them; null if it does not answer in 5 s. */
	public List<String> members(String node) {
		Map<String, Object> stats = stats(nodeUrl(node));
		if (stats == null) {
			return null;
		}
		List<String> members = new ArrayList<>();
		if (stats.get("members") instanceof List<?> list) {
			list.forEach(m -> members.add(String.valueOf(m)));
		}
		return members;
	}

	/**
	 * Waits until each of {@code nodes} reports a view of exactly {@code size} members. On time-out prints every
	 * node's view and log tail (to the options' {@code out}, else standard error) and throws.
	 */
	public void awaitView(Collection<String> nodes, int size, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			boolean all = true;
			for (String node : nodes) {
				List<String> members = members(node);
				if (members == null || members.size() != size) {
					all = false;
					break;
				}
			}
			if (all) {
				return;
			}
			if (System.nanoTime() > deadline) {
				PrintStream out = options.out() != null ? options.out() : System.err;
				out.println("Views when the wait for " + nodes + " to see " + size + " members timed out:");
				printDiagnostics(out);
				throw new SampleException("Nodes " + nodes + " did not all see " + size + " members within "
						+ Durations.format(timeout) + " (every node's view and log tail are printed above; logs in "
						+ logDir + ").");
			}
			sleep(200);
		}
	}

	/** Prints every node's view (or that it does not answer), its process state, and the last lines of its log. */
	public void printDiagnostics(PrintStream out) {
		for (String name : nodeNames) {
			Child child = nodeChild(name);
			out.println("  " + name + " " + nodeUrl(name) + " (pid " + child.process().pid()
					+ (child.process().isAlive() ? ", running" : ", exited") + "): "
					+ (child.process().isAlive() ? view(stats(nodeUrl(name))) : "no view"));
		}
		for (String name : nodeNames) {
			out.println("Last lines of " + logFile(name) + ":");
			tail(logFile(name), 15).forEach(l -> out.println("  | " + l));
		}
	}

	private int indexOf(String node) {
		int i = nodeNames.indexOf(node);
		if (i < 0) {
			throw new SampleException("Unknown node '" + node + "'. The nodes are " + nodeNames + ".");
		}
		return i;
	}

	private Child nodeChild(String node) {
		int i = indexOf(node);
		synchronized (children) {
			return nodeChildren.get(i);
		}
	}

	private boolean formed(Map<String, Object> stats, int expected) {
		if (options.noCache() || !options.waitForView()) {
			return true;
		}
		return stats.get("clusterSize") instanceof BigDecimal size && size.intValue() == expected;
	}

	private static String view(Map<String, Object> stats) {
		if (stats == null) {
			return "not serving yet";
		}
		return "members " + stats.get("members") + ", local member " + stats.get("localMember");
	}

	/** A node's {@code /stats}, or null when it does not answer (yet). */
	private Map<String, Object> stats(String url) {
		try {
			HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/stats"))
					.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
			return r.statusCode() == 200 ? Json.parseObject(r.body()) : null;
		}
		catch (IOException | IllegalArgumentException e) {
			return null;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new SampleException("Interrupted while waiting for the cluster to form.", e);
		}
	}

	/** The last {@code n} lines of a log file; an empty list if it cannot be read. */
	static List<String> tail(Path file, int n) {
		try {
			List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
			return lines.subList(Math.max(0, lines.size() - n), lines.size());
		}
		catch (IOException e) {
			return List.of();
		}
	}

	private static String lastLine(Path log) {
		List<String> lines = tail(log, 50);
		for (int i = lines.size() - 1; i >= 0; i--) {
			String line = lines.get(i).strip();
			if (line.startsWith("error:")) {
				return line.substring("error:".length()).strip();
			}
		}
		for (int i = lines.size() - 1; i >= 0; i--) {
			if (!lines.get(i).isBlank() && !lines.get(i).startsWith("\tat ")) {
				return lines.get(i).strip();
			}
		}
		return "(empty log)";
	}

	private void say(String line) {
		if (options.out() != null) {
			options.out().println(line);
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new SampleException("Interrupted while starting the cluster.", e);
		}
	}

	/** Stops every process this launcher started: the nodes first (they leave the cluster), then the database. */
	@Override
	public void close() {
		stopAll();
		try {
			Runtime.getRuntime().removeShutdownHook(shutdownHook);
		}
		catch (IllegalStateException e) {
			// the JVM is already shutting down, and the hook runs stopAll() too
		}
	}

	private void stopAll() {
		List<Child> toStop;
		synchronized (children) {
			if (closed) {
				return;
			}
			closed = true;
			toStop = new ArrayList<>(children);
		}
		List<Child> nodes = toStop.stream().filter(c -> !c.name().equals("db")).toList();
		stop(nodes);
		stop(toStop.stream().filter(c -> c.name().equals("db")).toList());
	}

	private static void stop(List<Child> list) {
		for (Child c : list) {
			c.process().destroy();
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		for (Child c : list) {
			try {
				long left = Math.max(1, deadline - System.nanoTime());
				if (!c.process().waitFor(left, TimeUnit.NANOSECONDS)) {
					c.process().descendants().forEach(ProcessHandle::destroyForcibly);
					c.process().destroyForcibly().waitFor(5, TimeUnit.SECONDS);
				}
			}
			catch (InterruptedException e) {
				c.process().destroyForcibly();
				Thread.currentThread().interrupt();
			}
		}
	}
}
