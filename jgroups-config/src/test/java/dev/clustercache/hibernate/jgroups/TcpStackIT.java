package dev.clustercache.hibernate.jgroups;

import static dev.clustercache.hibernate.jgroups.LoopbackCluster.seconds;
import static dev.clustercache.hibernate.jgroups.LoopbackCluster.since;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The production TCP stack with a static member list: three nodes on three free ports of 127.0.0.1, each listing
 * all three as initial hosts, lose a crashed or frozen member within failure detection and take it back.
 */
class TcpStackIT {

    private static final List<String> ALL = List.of("A", "B", "C");
    private static final List<String> SURVIVORS = List.of("A", "B");

    @RegisterExtension
    final LoopbackCluster cluster = new LoopbackCluster();

    private int[] ports;

    @BeforeEach
    void pickPorts() throws Exception {
        ports = LoopbackCluster.freeLoopbackPorts(3);
    }

    private Map<String, String> propertiesOf(String node) {
        String initialHosts = Arrays.stream(ports).mapToObj(p -> "127.0.0.1[" + p + "]")
                .collect(Collectors.joining(","));
        return Map.of("jgroups.bind_addr", "127.0.0.1",
                "jgroups.bind_port", String.valueOf(ports[ALL.indexOf(node)]),
                "jgroups.port_range", "0",
                "jgroups.tcpping.initial_hosts", initialHosts);
    }

    private void start(String node) throws Exception {
        cluster.start(node, "tcp", propertiesOf(node), Set.of());
    }

    private void startABC() throws Exception {
        long start = System.nanoTime();
        for (String node : ALL) {
            start(node);
        }
        cluster.awaitView(Duration.ofSeconds(20), ALL, "A", "B", "C");
        System.out.println("tcp: A, B, C started and formed a cluster in " + seconds(since(start)));
    }

    @Test
    void threeNodesListedAsInitialHosts_formOneCluster() throws Exception {
        startABC();

        for (String node : ALL) {
            assertThat(cluster.node(node).getProtocolStack().getTransport().localPhysicalAddress().toString())
                    .isEqualTo("127.0.0.1:" + ports[ALL.indexOf(node)]);
        }
    }

    @Test
    void crashedMember_isExcludedBySocketFailureDetection_andRejoins() throws Exception {
        startABC();

        cluster.crash("C");
        Duration excluded = cluster.awaitView(Duration.ofSeconds(15), SURVIVORS, "A", "B");
        System.out.println("tcp: crashed C left the view of A and B after " + seconds(excluded));
        assertThat(excluded).as("FD_SOCK2 + VERIFY_SUSPECT2, well before FD_ALL3's 6 s").isLessThan(Duration.ofSeconds(5));

        long restart = System.nanoTime();
        start("C");
        cluster.awaitView(Duration.ofSeconds(20), ALL, "A", "B", "C");
        System.out.println("tcp: restarted C was back in every view after " + seconds(since(restart)));
    }

    @Test
    void frozenMember_isSuspectedByHeartbeats_andMergesBackWhenItRecovers() throws Exception {
        startABC();

        cluster.freeze("C");
        Duration excluded = cluster.awaitView(Duration.ofSeconds(20), SURVIVORS, "A", "B");
        System.out.println("tcp: frozen C left the view of A and B after " + seconds(excluded)
                + " (FD_ALL3 timeout 6s, interval 1.5s, VERIFY_SUSPECT2 1s)");
        assertThat(excluded).isGreaterThanOrEqualTo(Duration.ofSeconds(5)).isLessThan(Duration.ofSeconds(12));

        cluster.thaw("C");
        Duration merged = cluster.awaitView(Duration.ofSeconds(30), ALL, "A", "B", "C");
        System.out.println("tcp: after C recovered, MERGE3 merged the views in " + seconds(merged));
    }
}
