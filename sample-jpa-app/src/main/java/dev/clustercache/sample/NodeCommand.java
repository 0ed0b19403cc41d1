package dev.clustercache.sample;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "node", mixinStandardHelpOptions = true,
		description = { "Starts one application node: the persistence unit with ClusterCache as its second-level "
				+ "and query cache, and an HTTP JSON API on 127.0.0.1. Runs until Ctrl-C.",
				"API: GET /health, /stats, /catalog, /products/{id}, /products/sku/{sku}, /categories/{id}/products, "
						+ "/queries/products-of-category?categoryId=ID, /queries/products-under-price?maxPrice=P; "
						+ "PUT /products/{id} {\"price\":\"12.50\"}; POST /products; DELETE /products/{id}." })
final class NodeCommand implements Callable<Integer> {

	@Option(names = "--port", defaultValue = "0", description = "HTTP port on 127.0.0.1; 0 (default) for a free one.")
	int port;

	@Option(names = "--db", required = true, paramLabel = "URL",
			description = "JDBC URL: the one 'db' prints, or jdbc:postgresql://127.0.0.1:5432/test, "
					+ "or jdbc:mariadb://127.0.0.1:3306/test.")
	String url;

	@Option(names = "--db-user", description = "Default: 'sa' for H2, 'postgres' for PostgreSQL, 'root' for MariaDB.")
	String user;

	@Option(names = "--db-password", description = "Default: empty.")
	String password;

	@Option(names = "--name", description = "This node's name in logs, /stats and the cluster view. "
			+ "Default: node-PORT.")
	String name;

	@Option(names = "--stack", defaultValue = CacheConfig.DEFAULT_STACK,
			description = "JGroups stack of ClusterCache (default ${DEFAULT-VALUE}: loopback only).")
	String stack;

	@Option(names = "--cluster-name", defaultValue = CacheConfig.DEFAULT_CLUSTER_NAME,
			description = "Nodes with the same cluster name and stack form one cluster (default ${DEFAULT-VALUE}).")
	String clusterName;

	@Option(names = "--no-cache", description = "Switch the second-level and query caches off.")
	boolean noCache;

	@Option(names = { "-P", "--property" }, paramLabel = "KEY=VALUE",
			description = "An extra Hibernate property, applied last; repeatable. For example "
					+ "-P hibernate.cache.clustercache.mode=local gives each node a cache of its own, which "
					+ "the load's stale-read check should catch.")
	Map<String, String> properties = new LinkedHashMap<>();

	@Option(names = "--exit-with-parent", hidden = true)
	boolean exitWithParent;

	@Override
	public Integer call() {
		checkPort(port);
		DatabaseConfig db = new DatabaseConfig(url, user, password);
		if (exitWithParent) {
			Main.exitWithParent(name != null ? name : "node");
		}
		CacheConfig cache = new CacheConfig(!noCache, stack, clusterName, name, properties);
		SampleNode node = SampleNode.start(port, db, cache);
		System.out.println("Node " + node.name() + " ready at " + node.url() + " ("
				+ (noCache ? "second-level cache off" : "cache on: stack '" + stack + "', cluster '" + clusterName + "'")
				+ "; database " + db + ")");
		System.out.flush();
		Main.awaitShutdown(() -> {
			System.out.println("Node " + node.name() + " stopping");
			node.close();
		});
		return 0;
	}

	static void checkPort(int port) {
		if (port < 0 || port > 65535) {
			throw new SampleException("Invalid value for '--port': '" + port + "'. Expected 1 to 65535, or 0 for a "
					+ "free port.");
		}
	}
}
