package dev.clustercache.hibernate.jgroups;

import static dev.clustercache.hibernate.jgroups.LoopbackCluster.seconds;
import static dev.clustercache.hibernate.jgroups.LoopbackCluster.since;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.ObjectMessage;
import org.jgroups.Receiver;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.clustercache.hibernate.jgroups.JGroupsStacks.Security;

/**
 * SYM_ENCRYPT on the tcp stack, on 127.0.0.1: what a node puts on the wire (read by a {@link WireTap} directly above
 * the transport, below SYM_ENCRYPT) does not contain a cached value in clear; a node with another key is kept out.
 */
class SymEncryptIT {

    private static final String CACHED_VALUE = "cached-value-7f3a";
    private static final List<String> NODES = List.of("A", "B", "C");

    @RegisterExtension
    final LoopbackCluster cluster = new LoopbackCluster();
    @RegisterExtension
    final CapturedLog log = new CapturedLog();

    @TempDir
    Path dir;
    private Path clusterKey;
    private int[] ports;
    private final Map<String, Queue<String>> received = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        clusterKey = TestKeystores.aesKeystore(dir.resolve("cluster.p12"));
        ports = LoopbackCluster.freeLoopbackPorts(NODES.size());
    }

    private JChannel start(String node, Path keystore, Set<Security> security) throws Exception {
        return start(node, keystore, security, Map.of());
    }

    private JChannel start(String node, Path keystore, Set<Security> security, Map<String, String> extra)
            throws Exception {
        Map<String, String> properties = new HashMap<>(extra);
        properties.put("jgroups.bind_addr", "127.0.0.1");
        properties.put("jgroups.bind_port", String.valueOf(ports[NODES.indexOf(node)]));
        properties.put("jgroups.port_range", "0");
        properties.put("jgroups.tcpping.initial_hosts",
                Arrays.stream(ports).mapToObj(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(",")));
        properties.put("jgroups.encrypt.keystore", keystore.toString());
        properties.put("jgroups.encrypt.keystore_password", TestKeystores.PASSWORD);
        Queue<String> inbox = new ConcurrentLinkedQueue<>();
        received.put(node, inbox);
        JChannel channel = JGroupsStacks.newChannel("tcp", properties, getClass().getClassLoader(), security);
        channel.setReceiver(new Receiver() {
            @Override
            public void receive(Message msg) {
                inbox.add(msg.getObject());
            }
        });
        return cluster.start(node, channel);
    }

    /** Starts A and B, taps A's wire, and has A send the cached value to everyone and to B alone. */
    private WireTap sendCachedValueFromA(Set<Security> security) throws Exception {
        start("A", clusterKey, security);
        start("B", clusterKey, security);
        cluster.awaitView(Duration.ofSeconds(20), List.of("A", "B"), "A", "B");
        WireTap tap = new WireTap();
        cluster.node("A").getProtocolStack().insertProtocol(tap, ProtocolStack.Position.ABOVE, TP.class);

        cluster.node("A").send(new ObjectMessage(null, CACHED_VALUE + " to all"));
        cluster.node("A").send(new ObjectMessage(cluster.node("B").getAddress(), CACHED_VALUE + " to B"));
        cluster.await(Duration.ofSeconds(10),
                () -> received.get("B").containsAll(List.of(CACHED_VALUE + " to all", CACHED_VALUE + " to B")),
                () -> "B to receive both of A's messages, received: " + received.get("B"));
        return tap;
    }

    @Test
    void withoutSymEncrypt_cachedValueTravelsInClear() throws Exception {
        WireTap tap = sendCachedValueFromA(Set.of());

        assertThat(tap.sentInClear(CACHED_VALUE)).as("the tap sees the bytes A sends").isTrue();
    }

    @Test
    void withSymEncrypt_cachedValueNeverTravelsInClear_andIsDelivered() throws Exception {
        WireTap tap = sendCachedValueFromA(Set.of(Security.SYM_ENCRYPT));

        assertThat(tap.messagesSent()).isPositive();
        assertThat(tap.sentInClear(CACHED_VALUE)).as("%d messages A sent", tap.messagesSent()).isFalse();
    }

    /**
     * What JGroups 5.5 does with a member whose key differs: the coordinator cannot decrypt its JOIN and logs
     * {@code A: rejected decryption of unicast message from non-member C} (ERROR) for every attempt and retransmission;
     * C logs {@code C: JOIN(C) sent to A timed out} (WARN) on each of its 10 attempts of {@code jgroups.join_timeout}
     * (1 s here, to keep the test short; 3 s by default), then
     * {@code C: too many JOIN attempts (10): becoming singleton} and runs alone. Nothing C sends reaches A or B.
     */
    @Test
    void memberWithAnotherKey_isKeptOut_andItsMessagesAreDropped() throws Exception {
        Set<Security> encrypted = Set.of(Security.SYM_ENCRYPT);
        start("A", clusterKey, encrypted);
        start("B", clusterKey, encrypted);
        cluster.awaitView(Duration.ofSeconds(20), List.of("A", "B"), "A", "B");
        Path otherKey = TestKeystores.aesKeystore(dir.resolve("other.p12"));

        long start = System.nanoTime();
        JChannel c = start("C", otherKey, encrypted, Map.of("jgroups.join_timeout", "1s"));
        System.out.println("encrypt: C with another key gave up joining after " + seconds(since(start))
                + " and runs alone: " + c.getView());

        assertThat(c.getView().getMembers()).extracting(Object::toString).containsExactly("C");
        assertThat(log.linesContaining("A: rejected decryption of unicast message from non-member C")).isNotEmpty();
        assertThat(log.linesContaining("C: too many JOIN attempts (10): becoming singleton")).hasSize(1);
        cluster.awaitView(Duration.ofSeconds(1), List.of("A", "B"), "A", "B");

        c.send(new ObjectMessage(cluster.node("A").getAddress(), CACHED_VALUE + " from C"));
        c.send(new ObjectMessage(cluster.node("B").getAddress(), CACHED_VALUE + " from C"));
        // Absence needs a bounded wait: 2 s is 10 of UNICAST3's 200 ms retransmission intervals.
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() - deadline < 0) {
            assertThat(received.get("A")).as("A's inbox").isEmpty();
            assertThat(received.get("B")).as("B's inbox").isEmpty();
            Thread.sleep(50);
        }
        assertThat(log.linesContaining("B: rejected decryption of unicast message from non-member C")).isNotEmpty();
    }
}
