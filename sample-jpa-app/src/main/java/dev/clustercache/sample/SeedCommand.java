package dev.clustercache.sample;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "seed", mixinStandardHelpOptions = true,
		description = { "Creates the sample's schema (dropping its tables 'product' and 'category' if they exist) "
				+ "and inserts the seed data, in the database at '--db'. Run it once before the nodes start." })
final class SeedCommand implements Callable<Integer> {

	@Option(names = "--db", required = true, paramLabel = "URL",
			description = "JDBC URL, such as jdbc:postgresql://127.0.0.1:5432/test or jdbc:mariadb://127.0.0.1:3306/test.")
	String url;

	@Option(names = "--db-user", description = "Default: 'sa' for H2, 'postgres' for PostgreSQL, 'root' for MariaDB.")
	String user;

	@Option(names = "--db-password", description = "Default: empty.")
	String password;

	@Option(names = "--categories", defaultValue = "10", description = "Categories to seed (default ${DEFAULT-VALUE}).")
	int categories;

	@Option(names = "--products", defaultValue = "1000", description = "Products to seed (default ${DEFAULT-VALUE}).")
	int products;

	@Override
	public Integer call() {
		Main.quietHibernate();
		DatabaseConfig db = new DatabaseConfig(url, user, password);
		Seeder.seed(db, categories, products);
		System.out.printf(java.util.Locale.ROOT, "Seeded %d categories and %,d products into %s%n", categories,
				products, db);
		return 0;
	}
}
