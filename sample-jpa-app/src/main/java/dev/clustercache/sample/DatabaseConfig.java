package dev.clustercache.sample;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the shared database is: an H2 server started by {@code db}, PostgreSQL or MariaDB. The user and password
 * default by database kind: {@code sa} for H2, {@code postgres} for PostgreSQL, {@code root} for MariaDB, each with
 * an empty password.
 */
public record DatabaseConfig(String url, String user, String password) {

	/** The name of the in-memory database that {@code db} serves. */
	static final String H2_DATABASE = "mem:clustercache";

	public DatabaseConfig {
		if (url == null || url.isBlank()) {
			throw new SampleException("Missing database URL. Pass '--db' with the URL that 'db' prints, or "
					+ "jdbc:postgresql://127.0.0.1:5432/test or jdbc:mariadb://127.0.0.1:3306/test.");
		}
		if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:mariadb:")) {
			throw new SampleException("Unsupported database URL '" + url + "'. Use the H2 URL that 'db' prints "
					+ "(jdbc:h2:tcp://127.0.0.1:PORT/" + H2_DATABASE + "), jdbc:postgresql://HOST:PORT/DB or "
					+ "jdbc:mariadb://HOST:PORT/DB.");
		}
		if (user == null) {
			user = url.startsWith("jdbc:postgresql:") ? "postgres" : url.startsWith("jdbc:mariadb:") ? "root" : "sa";
		}
		if (password == null) {
			password = "";
		}
	}

	/** A configuration with the default user and password for the kind of database. */
	public static DatabaseConfig of(String url) {
		return new DatabaseConfig(url, null, null);
	}

	/** The URL of the H2 server that {@code db} starts on this port. */
	public static String h2ServerUrl(int port) {
		return "jdbc:h2:tcp://127.0.0.1:" + port + "/" + H2_DATABASE;
	}

	boolean isH2() {
		return url.startsWith("jdbc:h2:");
	}

	/** The JDBC settings of the persistence unit. */
	Map<String, Object> jpaProperties() {
		Map<String, Object> p = new LinkedHashMap<>();
		p.put("jakarta.persistence.jdbc.url", url);
		p.put("jakarta.persistence.jdbc.user", user);
		p.put("jakarta.persistence.jdbc.password", password);
		return p;
	}

	/** Fails with a message that says how to fix it when the database cannot be reached. */
	void checkReachable() {
		DriverManager.setLoginTimeout(5);
		try (Connection c = DriverManager.getConnection(url, user, password)) {
			c.isValid(5);
		}
		catch (SQLException e) {
			throw new SampleException("Cannot connect to the database at '" + url + "' as '" + user + "': "
					+ firstLine(e.getMessage()) + ". " + howToStart(), e);
		}
	}

	/** Fails with a message that says how to fix it when the sample's tables are missing. */
	void checkSchema() {
		try (Connection c = DriverManager.getConnection(url, user, password);
				Statement s = c.createStatement();
				ResultSet rs = s.executeQuery("select count(*) from product")) {
			rs.next();
		}
		catch (SQLException e) {
			throw new SampleException("The database at '" + url + "' has no sample schema (" + firstLine(e.getMessage())
					+ "). Create it once before the nodes start: 'db --seed' for H2, or 'seed --db " + url + "'.", e);
		}
	}

	private String howToStart() {
		if (isH2()) {
			return "Start it with 'java -jar sample-jpa-app.jar db --seed' and pass the URL it prints to '--db'.";
		}
		return "Check that the server runs at that host and port and accepts this user; set '--db-user' and "
				+ "'--db-password' if needed.";
	}

	static String firstLine(String message) {
		if (message == null) {
			return "no detail";
		}
		String line = message.strip();
		int nl = line.indexOf('\n');
		line = nl >= 0 ? line.substring(0, nl) : line;
		return line.endsWith(".") ? line.substring(0, line.length() - 1) : line;
	}

	@Override
	public String toString() {
		return url + " (user '" + user + "')";
	}
}
