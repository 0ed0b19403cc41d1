package dev.clustercache.hibernate.jgroups;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Services that some tests use when this machine runs them, and the one rule for when it does not: the test is
 * skipped with the reason, unless {@value #REQUIRE_SERVICES}{@code =1} (as in CI), where it fails with the reason.
 */
final class LocalServices {

    static final String REQUIRE_SERVICES = "CLUSTERCACHE_REQUIRE_SERVICES";

    /** A database as JDBC_PING2 is configured for it: URL, user, password and driver class. */
    record Database(String url, String user, String password, String driver) {

        Connection connect() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }
    }

    /** Database {@code test} on 127.0.0.1:5432, user {@code postgres}, trust authentication (no password). */
    static final Database POSTGRES = new Database(
            "jdbc:postgresql://127.0.0.1:5432/test?connectTimeout=3&socketTimeout=30", "postgres", "",
            "org.postgresql.Driver");

    private LocalServices() {
    }

    /** Returns {@link #POSTGRES} if it accepts a connection; otherwise skips or fails the test, see the class. */
    static Database requirePostgres() {
        try (Connection connection = POSTGRES.connect()) {
            if (!connection.isValid(3)) {
                throw new SQLException("the connection is not valid");
            }
            return POSTGRES;
        }
        catch (SQLException e) {
            throw unavailable("PostgreSQL not reachable on 127.0.0.1:5432: " + e.getMessage(),
                    System.getenv(REQUIRE_SERVICES));
        }
    }

    /**
     * Skips the running test ({@code TestAbortedException}) with {@code reason}, or fails it
     * ({@code AssertionFailedError}) if {@code requireServices}, the value of {@value #REQUIRE_SERVICES}, is
     * {@code 1}. Never returns; declared to return so that callers can {@code throw} it.
     */
    static RuntimeException unavailable(String reason, String requireServices) {
        if ("1".equals(requireServices)) {
            return Assertions.fail(reason + " (" + REQUIRE_SERVICES + "=1 requires it: start the service, or unset "
                    + REQUIRE_SERVICES + " to skip this test)");
        }
        return Assumptions.abort(reason + " (set " + REQUIRE_SERVICES + "=1 to fail instead of skipping)");
    }
}
