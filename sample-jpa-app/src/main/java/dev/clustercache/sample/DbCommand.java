package dev.clustercache.sample;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "db", mixinStandardHelpOptions = true,
		description = { "Starts the shared database: an in-memory H2 database served over TCP on 127.0.0.1, and "
				+ "prints its JDBC URL for 'node --db'. Runs until Ctrl-C; the data is gone after that.",
				"Give '--seed' to create the schema and the seed data (categories and products) before serving." })
final class DbCommand implements Callable<Integer> {

	/** The line that tells a launcher the database serves requests. */
	static final String READY = "H2 database ready:";

	@Option(names = "--port", description = "TCP port on 127.0.0.1; 0 (default) for a free one.", defaultValue = "0")
	int port;

	@Option(names = "--seed", description = "Create the schema and the seed data.")
	boolean seed;

	@Option(names = "--categories", defaultValue = "10", description = "Categories to seed (default ${DEFAULT-VALUE}).")
	int categories;

	@Option(names = "--products", defaultValue = "1000", description = "Products to seed (default ${DEFAULT-VALUE}).")
	int products;

	@Option(names = "--exit-with-parent", hidden = true)
	boolean exitWithParent;

	@Override
	public Integer call() {
		NodeCommand.checkPort(port);
		Main.quietHibernate();
		if (exitWithParent) {
			Main.exitWithParent("db");
		}
		H2Server server = H2Server.start(port, seed, categories, products);
		System.out.println(READY + " " + server.url() + " (user 'sa', empty password)"
				+ (seed ? String.format(java.util.Locale.ROOT, ", seeded with %d categories and %,d products",
						categories, products) : ", empty: seed it with 'seed --db " + server.url() + "'")
				+ ". Stop it with Ctrl-C.");
		System.out.flush();
		Main.awaitShutdown(server::close);
		return 0;
	}
}
