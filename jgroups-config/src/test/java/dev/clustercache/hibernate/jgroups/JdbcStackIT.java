package dev.clustercache.hibernate.jgroups;

import static dev.clustercache.hibernate.jgroups.LoopbackCluster.seconds;
import static dev.clustercache.hibernate.jgroups.LoopbackCluster.since;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import org.h2.engine.SysProperties;
import org.h2.tools.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.clustercache.hibernate.jgroups.LocalServices.Database;

/**
 * The jdbc stack: three nodes on 127.0.0.1 find each other through a table in a shared database (in-memory H2, H2
 * as a TCP server, PostgreSQL on 127.0.0.1:5432), lose a crashed member and take it back.
 */
class JdbcStackIT {

    private static final List<String> ALL = List.of("A", "B", "C");
    private static final List<String> SURVIVORS = List.of("A", "B");

    @RegisterExtension
    final LoopbackCluster cluster = new LoopbackCluster();

    @Test
    void threeNodesSharingADatabase_formOneCluster() throws Exception {
        int[] ports = LoopbackCluster.freeLoopbackPorts(ALL.size());
        long start = System.nanoTime();
        for (String node : ALL) {
            cluster.start(node, "jdbc", Map.of(
                    "jgroups.bind_addr", "127.0.0.1",
                    "jgroups.bind_port", String.valueOf(ports[ALL.indexOf(node)]),
                    "jgroups.port_range", "0",
                    "jgroups.jdbc.connection_url", "jdbc:h2:mem:JdbcStackIT;DB_CLOSE_DELAY=-1",
                    "jgroups.jdbc.user", "sa",
                    "jgroups.jdbc.password", "",
                    "jgroups.jdbc.driver", "org.h2.Driver"), Set.of());
        }
        cluster.awaitView(Duration.ofSeconds(20), ALL, "A", "B", "C");
        System.out.println("jdbc: A, B, C started and formed a cluster in " + seconds(since(start)));
    }

    @Test
    void h2TcpServer_crashedMember_leavesTheView_andRejoins() throws Exception {
        assertThat(SysProperties.BIND_ADDRESS)
                .as("H2's TCP server must listen on loopback only: run with -Dh2.bindAddress=127.0.0.1 (failsafe does)")
                .isEqualTo("127.0.0.1");
        int port = LoopbackCluster.freeLoopbackPorts(1)[0];
        Database h2 = new Database("jdbc:h2:tcp://127.0.0.1:" + port + "/mem:jgroups;DB_CLOSE_DELAY=-1", "sa", "",
                "org.h2.Driver");
        // No -tcpAllowOthers: only local clients. Remote clients cannot create a database, so this JVM creates it.
        try (Connection embedded = DriverManager.getConnection("jdbc:h2:mem:jgroups;DB_CLOSE_DELAY=-1", "sa", "")) {
            Server server = Server.createTcpServer("-tcpPort", String.valueOf(port)).start();
            try {
                formLoseAndRejoin("jdbc (H2 server)", h2, uniqueTable());
            }
            finally {
                cluster.stopAll();
                server.stop();
                try (Statement statement = embedded.createStatement()) {
                    statement.execute("SHUTDOWN");
                }
            }
        }
    }

    @Test
    void postgresql_crashedMember_leavesTheView_andRejoins() throws Exception {
        Database postgres = LocalServices.requirePostgres();
        String table = uniqueTable();
        try {
            formLoseAndRejoin("jdbc (PostgreSQL)", postgres, table);
        }
        finally {
            cluster.stopAll();
            try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    /**
     * A, B and C start on the jdbc stack with JDBC_PING2 on {@code table}, form one cluster and are all in the
     * table; C crashes, leaves A's and B's views and its row is removed; C restarts and is back in every view.
     */
    private void formLoseAndRejoin(String label, Database database, String table) throws Exception {
        int[] ports = LoopbackCluster.freeLoopbackPorts(ALL.size());
        long start = System.nanoTime();
        for (String node : ALL) {
            startNode(node, ports, database, table);
        }
        cluster.awaitView(Duration.ofSeconds(20), ALL, "A", "B", "C");
        System.out.println(label + ": A, B, C started and formed a cluster in " + seconds(since(start)));
        awaitRows(database, table, "A", "B", "C");

        cluster.crash("C");
        Duration excluded = cluster.awaitView(Duration.ofSeconds(15), SURVIVORS, "A", "B");
        System.out.println(label + ": crashed C left the view of A and B after " + seconds(excluded));
        assertThat(excluded).as("FD_SOCK2 + VERIFY_SUSPECT2, well before FD_ALL3's 6 s").isLessThan(Duration.ofSeconds(5));
        awaitRows(database, table, "A", "B");

        long restart = System.nanoTime();
        startNode("C", ports, database, table);
        cluster.awaitView(Duration.ofSeconds(20), ALL, "A", "B", "C");
        System.out.println(label + ": restarted C was back in every view after " + seconds(since(restart)));
        awaitRows(database, table, "A", "B", "C");
    }

    private void startNode(String node, int[] ports, Database database, String table) throws Exception {
        cluster.start(node, "jdbc", Map.of(
                "jgroups.bind_addr", "127.0.0.1",
                "jgroups.bind_port", String.valueOf(ports[ALL.indexOf(node)]),
                "jgroups.port_range", "0",
                "jgroups.jdbc.connection_url", database.url(),
                "jgroups.jdbc.user", database.user(),
                "jgroups.jdbc.password", database.password(),
                "jgroups.jdbc.driver", database.driver()), xml -> withTable(xml, table));
    }

    /** Waits until the table lists exactly {@code names} for this cluster (the coordinator removes crashed rows). */
    private void awaitRows(Database database, String table, String... names) throws InterruptedException {
        List<String> expected = List.of(names);
        List<List<String>> last = new ArrayList<>(List.of(List.of()));
        cluster.await(Duration.ofSeconds(15), () -> {
            last.set(0, rowNames(database, table));
            return last.get(0).equals(expected);
        }, () -> "table '" + table + "' to list " + expected + ", it lists " + last.get(0));
    }

    private List<String> rowNames(Database database, String table) {
        try (Connection connection = database.connect();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT name FROM " + table + " WHERE cluster=? ORDER BY name")) {
            select.setString(1, cluster.clusterName());
            List<String> names = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
            }
            return names;
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot read table '" + table + "' at " + database.url() + ": "
                    + e.getMessage(), e);
        }
    }

    /** A table name of this test run, so that runs sharing a database never see each other's rows. */
    private static String uniqueTable() {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return "jgroups_it_" + HexFormat.of().formatHex(random);
    }

    /** The shipped jdbc stack with JDBC_PING2's statements pointed at {@code table} instead of 'jgroups'. */
    private static String withTable(String xml, String table) {
        String tag = "<JDBC_PING2 ";
        assertThat(xml).as("the jdbc stack has one JDBC_PING2").containsOnlyOnce(tag);
        String statements = """
                initialize_sql="CREATE TABLE IF NOT EXISTS %1$s (address varchar(200) NOT NULL, name varchar(200), \
                cluster varchar(200) NOT NULL, ip varchar(200) NOT NULL, coord boolean, PRIMARY KEY (address))"
                insert_single_sql="INSERT INTO %1$s values (?, ?, ?, ?, ?)"
                delete_single_sql="DELETE FROM %1$s WHERE address=?"
                clear_sql="DELETE FROM %1$s WHERE cluster=?"
                select_all_pingdata_sql="SELECT address, name, ip, coord FROM %1$s WHERE cluster=?"
                """.formatted(table);
        return xml.replace(tag, tag + statements.replace('\n', ' '));
    }
}
