package dev.clustercache.it.multijvm;

/**
 * The database of a multi-JVM cluster: {@link #H2} for an H2 server JVM that the launcher starts, or a running
 * PostgreSQL or MariaDB given by URL, user and password. {@link #close()} drops what the test created in it.
 *
 * @param label the database in summary lines: {@code h2}, {@code postgresql}, {@code mariadb}, ...
 * @param url null for an H2 server JVM, else the JDBC URL that the nodes use
 * @param cleanup what {@link #close()} runs, or null
 */
record ClusterDatabase(String label, String url, String user, String password, Runnable cleanup)
		implements AutoCloseable {

	static final ClusterDatabase H2 = new ClusterDatabase("h2", null, null, null, null);

	@Override
	public void close() {
		if (cleanup != null) {
			cleanup.run();
		}
	}
}
