package dev.clustercache.it.multijvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.clustercache.sample.ClusterLauncher;

/**
 * A cluster of the packaged sample app for one test class, as a JUnit extension: before the class, the database and
 * N node JVMs (A, B, C, ...) from {@code sample-jpa-app/target/sample-jpa-app.jar}, on free ports of 127.0.0.1 with
 * the {@code localhost} stack and the test class as cluster name; after it, every process it started is stopped (and
 * a paused one resumed first), also when a test failed. The launcher's shutdown hook does the same if the test JVM
 * exits early, and every node exits by itself when the test JVM dies. Node logs go to
 * {@code target/multijvm-logs/<cluster name>/}.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final SampleCluster cluster = SampleCluster.of(3, () -> ClusterDatabase.H2);
 * }</pre>
 */
final class SampleCluster implements BeforeAllCallback, AfterAllCallback {

	/** The system property with the path of the runnable jar, set by the failsafe configuration. */
	static final String JAR_PROPERTY = "clustercache.sample.jar";
	/** How long a whole cluster may take to start (or a node to restart) on a busy 2-core machine. */
	static final Duration FORM_TIMEOUT = Duration.ofSeconds(120);
	/** A bound on a pause, after which a watchdog resumes the node even if this JVM died meanwhile. */
	private static final Duration PAUSE_WATCHDOG = Duration.ofSeconds(60);

	private final int nodes;
	private final Supplier<ClusterDatabase> database;
	private final Map<String, String> properties;
	private final boolean clustered;
	private final Set<String> paused = ConcurrentHashMap.newKeySet();
	private final Map<String, Process> watchdogs = new ConcurrentHashMap<>();
	private String clusterNamePrefix = "multijvm";
	private ClusterDatabase db;
	private ClusterLauncher launcher;

	private SampleCluster(int nodes, Supplier<ClusterDatabase> database, Map<String, String> properties,
			boolean clustered) {
		this.nodes = nodes;
		this.database = database;
		this.properties = Map.copyOf(properties);
		this.clustered = clustered;
	}

	/** N nodes in the default {@code invalidation} mode, on the database that {@code database} gives. */
	static SampleCluster of(int nodes, Supplier<ClusterDatabase> database) {
		return new SampleCluster(nodes, database, Map.of(), true);
	}

	/**
	 * The same nodes, each with these extra Hibernate properties; {@code clustered} false for setups whose nodes do
	 * not form one view (such as {@code mode=local}), so that nobody waits for it.
	 */
	SampleCluster with(Map<String, String> extra, boolean clustered) {
		Map<String, String> all = new LinkedHashMap<>(properties);
		all.putAll(extra);
		return new SampleCluster(nodes, database, all, clustered);
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		clusterNamePrefix = context.getRequiredTestClass().getSimpleName();
		db = database.get();
		launcher = start();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		close();
	}

	private ClusterLauncher start() {
		String clusterName = clusterNamePrefix + "-" + UUID.randomUUID().toString().substring(0, 6);
		ClusterLauncher.Options options = ClusterLauncher.Options.defaults(nodes)
				.withJar(runnableJar())
				.withDb(db.url(), db.user(), db.password())
				.withClusterName(clusterName)
				// kept with the build (and removed by 'mvn clean'), one directory per cluster
				.withLogDir(Path.of(System.getProperty("basedir", "."), "target", "multijvm-logs", clusterName))
				.withProperties(properties)
				.withWaitForView(clustered)
				.withFormTimeout(FORM_TIMEOUT)
				.withOut(System.out);
		return ClusterLauncher.start(options);
	}

	/** The runnable jar of the sample app; fails saying how to build it when it is missing. */
	static Path runnableJar() {
		String path = System.getProperty(JAR_PROPERTY);
		if (path == null) {
			throw new IllegalStateException("System property '" + JAR_PROPERTY + "' is not set. Run the multi-JVM "
					+ "tests through Maven ('mvn verify', or 'mvn verify -pl integration-tests -Dit.test=H2ClusterIT'), "
					+ "or set it to sample-jpa-app/target/sample-jpa-app.jar.");
		}
		Path jar = Path.of(path).toAbsolutePath().normalize();
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException("The sample app's runnable jar '" + jar + "' does not exist. Build it "
					+ "first: 'mvn -pl sample-jpa-app -am install -DskipTests' ('mvn verify' from the root builds it "
					+ "before integration-tests).");
		}
		return jar;
	}

	ClusterLauncher launcher() {
		if (launcher == null) {
			throw new IllegalStateException("The cluster is not started: register SampleCluster as a static "
					+ "@RegisterExtension field.");
		}
		return launcher;
	}

	String databaseLabel() {
		return db.label();
	}

	List<String> nodeNames() {
		return launcher().nodeNames();
	}

	/**
	 * Makes sure that every node runs and, if clustered, sees all N members, so that a scenario starts from a
	 * whole cluster even after an earlier one failed half-way; if not within 30 s, prints every node's view and log
	 * tail and starts a fresh cluster on the same database.
	 */
	void ensureWhole() {
		ClusterLauncher current = launcher();
		try {
			if (!paused.isEmpty()) {
				throw new IllegalStateException("nodes " + paused + " are paused");
			}
			for (String node : current.nodeNames()) {
				if (!current.isAlive(node)) {
					throw new IllegalStateException("node " + node + " is not running");
				}
			}
			if (clustered) {
				current.awaitView(current.nodeNames(), nodes, Duration.ofSeconds(30));
			}
		}
		catch (RuntimeException e) {
			System.out.println("The cluster is not whole (" + e.getMessage() + "): starting a fresh one.");
			current.printDiagnostics(System.out);
			resumeAll();
			current.close();
			launcher = null;
			launcher = start();
		}
	}

	/** Freezes a node's JVM with SIGSTOP ({@code kill -STOP <pid>}); a watchdog resumes it after 60 s at the latest. */
	void pause(String node) {
		long pid = launcher().pid(node);
		signal("STOP", pid);
		paused.add(node);
		try {
			// resumes the node even if this JVM is killed before it does; stopped by resume()
			Process watchdog = new ProcessBuilder("sh", "-c", "sleep " + PAUSE_WATCHDOG.toSeconds() + "; kill -CONT "
					+ pid + " 2>/dev/null").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
					.start();
			watchdogs.put(node, watchdog);
		}
		catch (IOException e) {
			resume(node);
			throw new IllegalStateException("Cannot start the watchdog of the pause of node '" + node + "'.", e);
		}
		System.out.println("Paused node " + node + " (SIGSTOP to pid " + pid + ")");
	}

	/** Resumes a node paused by {@link #pause} with SIGCONT ({@code kill -CONT <pid>}). */
	void resume(String node) {
		long pid = launcher().pid(node);
		signal("CONT", pid);
		paused.remove(node);
		Process watchdog = watchdogs.remove(node);
		if (watchdog != null) {
			watchdog.destroyForcibly();
		}
		System.out.println("Resumed node " + node + " (SIGCONT to pid " + pid + ")");
	}

	private void resumeAll() {
		for (String node : List.copyOf(paused)) {
			try {
				resume(node);
			}
			catch (RuntimeException e) {
				System.err.println("Could not resume node " + node + ": " + e.getMessage());
			}
		}
	}

	/** Sends a signal to one process, by pid, with the {@code kill} command. */
	static void signal(String signal, long pid) {
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
					.start();
			String output = new String(kill.getInputStream().readAllBytes()).strip();
			if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException("'kill -" + signal + " " + pid + "' failed: " + output);
			}
		}
		catch (IOException e) {
			throw new IllegalStateException("Cannot run 'kill -" + signal + " " + pid + "': " + e.getMessage(), e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while sending SIG" + signal + " to " + pid, e);
		}
	}

	/** Resumes paused nodes, stops every process of the cluster, then cleans the database up. */
	void close() {
		try {
			resumeAll();
			if (launcher != null) {
				launcher.close();
			}
		}
		finally {
			launcher = null;
			if (db != null) {
				db.close();
			}
		}
	}
}
