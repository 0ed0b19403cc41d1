package dev.clustercache.hibernate.jgroups;

import static dev.clustercache.hibernate.jgroups.LoopbackCluster.seconds;
import static dev.clustercache.hibernate.jgroups.LoopbackCluster.since;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The default stack with ALL defaults: three nodes in one JVM find each other on 127.0.0.1:7800..7810, lose a
 * crashed or frozen member within failure detection, and take it back.
 */
class LocalhostStackIT {

    private static final Map<String, String> ALL_DEFAULTS = Map.of();
    private static final List<String> ALL = List.of("A", "B", "C");
    private static final List<String> SURVIVORS = List.of("A", "B");

    @RegisterExtension
    final LoopbackCluster cluster = new LoopbackCluster();

    private void startABC() throws Exception {
        long start = System.nanoTime();
        for (String node : ALL) {
            cluster.start(node, JGroupsStacks.DEFAULT_STACK, ALL_DEFAULTS, Set.of());
        }
        cluster.awaitView(Duration.ofSeconds(20), ALL, "A", "B", "C");
        System.out.println("localhost: A, B, C started and formed a cluster in " + seconds(since(start)));
    }

    @Test
    void threeNodesWithAllDefaults_formOneClusterOnLoopback() throws Exception {
        startABC();

        for (String node : ALL) {
            assertThat(cluster.node(node).getProtocolStack().getTransport().localPhysicalAddress().toString())
                    .startsWith("127.0.0.1:78");
        }
    }

    @Test
    void crashedMember_isExcludedBySocketFailureDetection_andRejoins() throws Exception {
        startABC();

        cluster.crash("C");
        Duration excluded = cluster.awaitView(Duration.ofSeconds(15), SURVIVORS, "A", "B");
        System.out.println("localhost: crashed C left the view of A and B after " + seconds(excluded));
        assertThat(excluded).as("FD_SOCK2 + VERIFY_SUSPECT2, well before FD_ALL3's 6 s").isLessThan(Duration.ofSeconds(5));

        long restart = System.nanoTime();
        cluster.start("C", JGroupsStacks.DEFAULT_STACK, ALL_DEFAULTS, Set.of());
        cluster.awaitView(Duration.ofSeconds(20), ALL, "A", "B", "C");
        System.out.println("localhost: restarted C was back in every view after " + seconds(since(restart)));
    }

    @Test
    void frozenMember_isSuspectedByHeartbeats_andMergesBackWhenItRecovers() throws Exception {
        startABC();

        cluster.freeze("C");
        Duration excluded = cluster.awaitView(Duration.ofSeconds(20), SURVIVORS, "A", "B");
        System.out.println("localhost: frozen C left the view of A and B after " + seconds(excluded)
                + " (FD_ALL3 timeout 6s, interval 1.5s, VERIFY_SUSPECT2 1s)");
        assertThat(excluded).isGreaterThanOrEqualTo(Duration.ofSeconds(5)).isLessThan(Duration.ofSeconds(12));

        cluster.thaw("C");
        Duration merged = cluster.awaitView(Duration.ofSeconds(30), ALL, "A", "B", "C");
        System.out.println("localhost: after C recovered, MERGE3 merged the views in " + seconds(merged));
    }
}
