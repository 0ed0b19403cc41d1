package dev.clustercache.it.multijvm;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The database services of this machine, PostgreSQL and MariaDB on 127.0.0.1, each with a scratch schema per test
 * class (so that runs sharing the service never meet), and the one rule for a service that does not answer: the
 * test is skipped with the reason, unless {@value #REQUIRE_SERVICES}{@code =1} (as in CI), where it fails with it.
 */
final class LocalDatabases {

	static final String REQUIRE_SERVICES = "CLUSTERCACHE_REQUIRE_SERVICES";

	private static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
	private static final String MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/";

	private LocalDatabases() {
	}

	/** Database {@code test} on 127.0.0.1:5432, user {@code postgres} without password; a scratch schema in it. */
	static ClusterDatabase postgres() {
		String schema = scratchName();
		String admin = POSTGRES_URL + "?connectTimeout=3";
		execute("PostgreSQL", admin, "postgres", "create schema " + schema);
		return new ClusterDatabase("postgresql", POSTGRES_URL + "?currentSchema=" + schema, "postgres", "",
				() -> dropQuietly(admin, "postgres", "drop schema if exists " + schema + " cascade"));
	}

	/** MariaDB on 127.0.0.1:3306, user {@code root} without password; a scratch database beside {@code test}. */
	static ClusterDatabase mariadb() {
		String database = scratchName();
		String admin = MARIADB_URL + "test?connectTimeout=3000";
		execute("MariaDB", admin, "root", "create database " + database);
		return new ClusterDatabase("mariadb", MARIADB_URL + database, "root", "",
				() -> dropQuietly(admin, "root", "drop database if exists " + database));
	}

	private static String scratchName() {
		return "clustercache_mjvm_" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
	}

	/** Runs one statement; skips or fails the test if the service does not accept a connection. */
	private static void execute(String service, String url, String user, String sql) {
		Connection connection;
		try {
			DriverManager.setLoginTimeout(5);
			connection = DriverManager.getConnection(url, user, "");
		}
		catch (SQLException e) {
			String reason = service + " not reachable at '" + url + "' as '" + user + "': " + e.getMessage();
			String require = System.getenv(REQUIRE_SERVICES);
			System.out.println("MULTIJVM " + service + ": " + ("1".equals(require) ? "FAILED" : "SKIPPED") + ", "
					+ reason);
			throw unavailable(reason, require);
		}
		try (connection; Statement s = connection.createStatement()) {
			s.execute(sql);
		}
		catch (SQLException e) {
			throw new IllegalStateException(service + " at '" + url + "' refused '" + sql + "': " + e.getMessage()
					+ ". The multi-JVM tests need a user that may create a scratch schema.", e);
		}
	}

	private static void dropQuietly(String url, String user, String sql) {
		try (Connection c = DriverManager.getConnection(url, user, ""); Statement s = c.createStatement()) {
			s.execute(sql);
		}
		catch (SQLException e) {
			System.err.println("Could not clean up ('" + sql + "' at '" + url + "'): " + e.getMessage());
		}
	}

	/**
	 * Skips the running test ({@code TestAbortedException}) with {@code reason}, or fails it if
	 * {@code requireServices}, the value of {@value #REQUIRE_SERVICES}, is {@code 1}. Never returns; declared to
	 * return so that callers can {@code throw} it.
	 */
	static RuntimeException unavailable(String reason, String requireServices) {
		if ("1".equals(requireServices)) {
			return Assertions.fail(reason + " (" + REQUIRE_SERVICES + "=1 requires it: start the service, or unset "
					+ REQUIRE_SERVICES + " to skip this test)");
		}
		return Assumptions.abort(reason + " (set " + REQUIRE_SERVICES + "=1 to fail instead of skipping)");
	}
}
