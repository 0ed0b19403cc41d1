package dev.clustercache.hibernate.jgroups;

import static dev.clustercache.hibernate.jgroups.LoopbackCluster.seconds;
import static dev.clustercache.hibernate.jgroups.LoopbackCluster.since;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jgroups.JChannel;
import org.jgroups.protocols.DELAY;
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

    /**
     * A node that starts while the machine is busy (or its JVM stalls) hears the members' answers to its discovery late.
     * If none arrives within {@code join_timeout}, it starts a cluster of its own: a split from its first second, in
     * which its writes reach no other member's cache until MERGE3 merges it (about 8 s). With the 1 s the stacks had,
     * a node restarted under load did that, and the sample cluster served stale reads on every node. Here C receives
     * everything 2 s late (JGroups' DELAY protocol above its transport), and must still join A and B from the start.
     */
    @Test
    void joinerThatHearsTheMembersTwoSecondsLate_joinsThemInsteadOfStartingAlone() throws Exception {
        for (String node : SURVIVORS) {
            cluster.start(node, JGroupsStacks.DEFAULT_STACK, ALL_DEFAULTS, Set.of());
        }
        cluster.awaitView(Duration.ofSeconds(20), SURVIVORS, "A", "B");

        long start = System.nanoTime();
        JChannel c = cluster.start("C", JGroupsStacks.DEFAULT_STACK, ALL_DEFAULTS,
                xml -> xml.replaceFirst("(<TCP\\b[^>]*/>)", "$1\n    <DELAY in_delay=\"2000\" constant_delay=\"true\"/>"));
        System.out.println("localhost: C, hearing everything 2 s late, connected after " + seconds(since(start))
                + " with view " + c.getView());

        assertThat(c.getProtocolStack().<DELAY>findProtocol(DELAY.class)).as("the delay is in C's stack").isNotNull();
        assertThat(c.getView().getMembers()).extracting(Object::toString)
                .as("C's first view: it joined A and B, it did not start alone")
                .containsExactlyInAnyOrder("A", "B", "C");
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
