package dev.clustercache.sample;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "cluster", mixinStandardHelpOptions = true,
		description = { "The one-command demo: starts the database and N nodes as separate JVMs on 127.0.0.1, waits "
				+ "until they form one cluster, runs 'load' round-robin across them, prints the report and stops "
				+ "everything it started (also on Ctrl-C or failure). Node logs go to a temporary directory, "
				+ "printed at the start.",
				"Exit code 1 when a stale read was seen, 2 when the cluster could not start, 3 when operations "
						+ "failed." })
final class ClusterCommand implements Callable<Integer> {

	@Option(names = "--nodes", defaultValue = "3", description = "Number of nodes (default ${DEFAULT-VALUE}).")
	int nodes;

	@Option(names = "--duration", defaultValue = "30s", description = "Load duration (default ${DEFAULT-VALUE}).")
	Duration duration;

	@Option(names = "--ops", description = "Run this many operations instead of '--duration'.")
	Long operations;

	@Option(names = "--threads", defaultValue = "8", description = "Concurrent clients (default ${DEFAULT-VALUE}).")
	int threads;

	@Option(names = "--mix", defaultValue = "read-mostly",
			description = "read-mostly (95%% reads) or write-heavy (50%% writes); default ${DEFAULT-VALUE}.")
	Mix mix;

	@Option(names = "--seed", defaultValue = "42", description = "Random seed of the workload (default ${DEFAULT-VALUE}).")
	long seed;

	@Option(names = "--db", defaultValue = "h2", paramLabel = "h2|URL",
			description = "h2 (default) starts an H2 server JVM; a JDBC URL such as "
					+ "jdbc:postgresql://127.0.0.1:5432/test uses that database (its sample tables are recreated).")
	String db;

	@Option(names = "--db-user", description = "Default: 'sa' for H2, 'postgres' for PostgreSQL, 'root' for MariaDB.")
	String dbUser;

	@Option(names = "--db-password", description = "Default: empty.")
	String dbPassword;

	@Option(names = "--stack", defaultValue = CacheConfig.DEFAULT_STACK,
			description = "JGroups stack of ClusterCache (default ${DEFAULT-VALUE}).")
	String stack;

	@Option(names = "--cluster-name", description = "Default: a fresh name per run, so that runs never meet.")
	String clusterName;

	@Option(names = "--no-cache", description = "Run the nodes with the second-level and query caches off.")
	boolean noCache;

	@Option(names = "--skip-view-check",
			description = "Start the load once every node serves requests, without waiting for the nodes to see "
					+ "each other: for deliberately unclustered setups, such as "
					+ "'-P hibernate.cache.clustercache.mode=local', whose stale reads the report should show.")
	boolean skipViewCheck;

	@Option(names = { "-P", "--property" }, paramLabel = "KEY=VALUE",
			description = "An extra Hibernate property for every node; repeatable.")
	Map<String, String> properties = new LinkedHashMap<>();

	@Option(names = "--form-timeout", defaultValue = "90s",
			description = "How long to wait for the nodes to start and see each other (default ${DEFAULT-VALUE}).")
	Duration formTimeout;

	@Override
	public Integer call() {
		Main.quietHibernate();
		ClusterLauncher.Options options = new ClusterLauncher.Options(nodes, db, dbUser, dbPassword, stack,
				clusterName, noCache, !skipViewCheck, properties, ClusterLauncher.DEFAULT_NODE_JVM_OPTIONS, formTimeout, null,
				System.out, null);
		// validate the load options before starting anything
		LoadOptions load = new LoadOptions(List.of("http://127.0.0.1:1"), operations == null ? duration : null,
				operations, threads, mix, seed, System.err);
		try (ClusterLauncher cluster = ClusterLauncher.start(options)) {
			System.out.println("Running the " + mix.label() + " load for "
					+ (operations == null ? Durations.format(duration) : operations + " operations") + " ...");
			LoadReport report = LoadRunner.run(new LoadOptions(cluster.nodeUrls(), load.duration(),
					load.operations(), threads, mix, seed, System.err));
			System.out.print(ReportFormatter.format(report));
			System.out.println("Stopping the nodes and the database. Logs: " + cluster.logDir());
			return report.exitCode();
		}
	}
}
