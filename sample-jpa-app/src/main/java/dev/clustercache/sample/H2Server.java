package dev.clustercache.sample;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import org.h2.tools.Server;

/**
 * The shared database of a demo: an in-memory H2 database served over TCP on 127.0.0.1 only. It lives as long as
 * this object: {@link #close()} drops it.
 */
public final class H2Server implements AutoCloseable {

	static {
		// H2 reads this once, when its classes load: listen on loopback only, never on every interface.
		System.setProperty("h2.bindAddress", "127.0.0.1");
	}

	private final Server server;
	private final Connection keepAlive;

	private H2Server(Server server, Connection keepAlive) {
		this.server = server;
		this.keepAlive = keepAlive;
	}

	/**
	 * Starts the server.
	 *
	 * @param port the TCP port on 127.0.0.1, 0 for a free one
	 * @param seed whether to create the schema and the seed data
	 */
	public static H2Server start(int port, boolean seed, int categories, int products) {
		Connection keepAlive;
		try {
			// Opening it here first keeps the in-memory database alive while the server runs; clients must not
			// create it (the server refuses to create databases for remote clients).
			keepAlive = DriverManager.getConnection("jdbc:h2:" + DatabaseConfig.H2_DATABASE + ";DB_CLOSE_DELAY=-1",
					"sa", "");
		}
		catch (SQLException e) {
			throw new SampleException("Cannot create the in-memory H2 database: " + e.getMessage() + ".", e);
		}
		int actualPort = port == 0 ? freePort() : port;
		Server server;
		try {
			server = Server.createTcpServer("-tcpPort", Integer.toString(actualPort)).start();
		}
		catch (SQLException e) {
			close(keepAlive);
			throw new SampleException("Cannot start the H2 server on 127.0.0.1:" + actualPort + ": port " + actualPort
					+ " is probably in use. Choose another with '--port', or leave it out for a free one.", e);
		}
		H2Server h2 = new H2Server(server, keepAlive);
		if (seed) {
			try {
				Seeder.seed(new DatabaseConfig(h2.url(), "sa", ""), categories, products);
			}
			catch (RuntimeException e) {
				h2.close();
				throw e;
			}
		}
		return h2;
	}

	public int port() {
		return server.getPort();
	}

	/** The JDBC URL that nodes use. */
	public String url() {
		return DatabaseConfig.h2ServerUrl(port());
	}

	@Override
	public void close() {
		server.stop();
		close(keepAlive);
	}

	private static void close(Connection c) {
		try {
			c.close();
		}
		catch (SQLException e) {
			// closing an in-memory database at exit: nothing to do about it
		}
	}

	/** A port on 127.0.0.1 that was free a moment ago. */
	static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException e) {
			throw new SampleException("Cannot find a free port on 127.0.0.1: " + e.getMessage() + ".", e);
		}
	}
}
