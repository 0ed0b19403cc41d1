package dev.clustercache.hibernate.jgroups;

import static dev.clustercache.hibernate.jgroups.LoopbackCluster.seconds;
import static dev.clustercache.hibernate.jgroups.LoopbackCluster.since;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.clustercache.hibernate.jgroups.JGroupsStacks.Security;

/** The tcp stack with SYM_ENCRYPT and AUTH, on 127.0.0.1: the right secret joins, a wrong one is refused. */
class SecureStackIT {

    private static final Set<Security> SECURE = Set.of(Security.SYM_ENCRYPT, Security.AUTH);
    private static final List<String> NODES = List.of("A", "B", "C");

    @RegisterExtension
    final LoopbackCluster cluster = new LoopbackCluster();

    @TempDir
    Path dir;
    private Path keystore;
    private int[] ports;

    @BeforeEach
    void setUp() throws Exception {
        keystore = TestKeystores.aesKeystore(dir.resolve("cluster.p12"));
        ports = LoopbackCluster.freeLoopbackPorts(NODES.size());
    }

    private Map<String, String> propertiesOf(String node, String secret) {
        Map<String, String> properties = new HashMap<>();
        properties.put("jgroups.bind_addr", "127.0.0.1");
        properties.put("jgroups.bind_port", String.valueOf(ports[NODES.indexOf(node)]));
        properties.put("jgroups.port_range", "0");
        properties.put("jgroups.tcpping.initial_hosts",
                Arrays.stream(ports).mapToObj(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(",")));
        properties.put("jgroups.encrypt.keystore", keystore.toString());
        properties.put("jgroups.encrypt.keystore_password", TestKeystores.PASSWORD);
        properties.put("jgroups.auth.secret", secret);
        return properties;
    }

    @Test
    void membersWithTheSameKeyAndSecret_formAClusterAndExchangeMessages() throws Exception {
        Map<String, Queue<String>> received = new HashMap<>();
        for (String node : NODES) {
            JChannel channel = cluster.start(node, "tcp", propertiesOf(node, "right secret"), SECURE);
            Queue<String> inbox = new ConcurrentLinkedQueue<>();
            received.put(node, inbox);
            channel.setReceiver(new Receiver() {
                @Override
                public void receive(Message msg) {
                    inbox.add(msg.getObject());
                }
            });
        }
        cluster.awaitView(Duration.ofSeconds(20), NODES, "A", "B", "C");

        cluster.node("A").send(new ObjectMessage(null, "hello from A"));
        cluster.await(Duration.ofSeconds(10),
                () -> NODES.stream().allMatch(n -> received.get(n).contains("hello from A")),
                () -> "every node to receive A's message, received: " + received);
    }

    @Test
    void memberWithAWrongSecret_isRefused() throws Exception {
        cluster.start("A", "tcp", propertiesOf("A", "right secret"), SECURE);
        cluster.start("B", "tcp", propertiesOf("B", "right secret"), SECURE);
        cluster.awaitView(Duration.ofSeconds(20), List.of("A", "B"), "A", "B");

        long start = System.nanoTime();
        assertThatThrownBy(() -> cluster.start("C", "tcp", propertiesOf("C", "wrong secret"), SECURE))
                .isInstanceOf(SecurityException.class)
                .hasMessage("authentication failed");
        System.out.println("secure: C with a wrong secret was refused after "
                + seconds(since(start)));

        cluster.awaitView(Duration.ofSeconds(5), List.of("A", "B"), "A", "B");
    }
}
