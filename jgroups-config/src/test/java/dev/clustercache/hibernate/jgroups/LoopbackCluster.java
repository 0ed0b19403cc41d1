package dev.clustercache.hibernate.jgroups;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.Util;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.clustercache.hibernate.jgroups.JGroupsStacks.Security;

/**
 * In-JVM cluster nodes named A, B, C... on 127.0.0.1, in a cluster named after the test class. Every channel
 * started here is closed after each test, in reverse order, whatever the test did.
 */
final class LoopbackCluster implements BeforeEachCallback, AfterEachCallback {

    private final Map<String, JChannel> nodes = new LinkedHashMap<>();
    private String clusterName;

    @Override
    public void beforeEach(ExtensionContext context) {
        clusterName = context.getRequiredTestClass().getSimpleName();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stopAll();
    }

    /**
     * Closes every node, in reverse order of start. For tests that must stop the nodes before what they depend on
     * (a database server, a table); runs again, harmlessly, after the test.
     */
    void stopAll() {
        List<JChannel> channels = new ArrayList<>(nodes.values());
        nodes.clear();
        for (int i = channels.size() - 1; i >= 0; i--) {
            Util.close(channels.get(i));
        }
    }

    /** Builds and connects node {@code name}; it is registered before connecting, so a failed connect is closed too. */
    JChannel start(String name, String stack, Map<String, String> properties, Set<Security> security)
            throws Exception {
        return connect(name, JGroupsStacks.newChannel(stack, properties, getClass().getClassLoader(), security));
    }

    /**
     * As {@link #start(String, String, Map, Set)} without security, with the resolved stack XML changed by
     * {@code edit} before JGroups reads it (JGroups initialises protocols, JDBC_PING2's table included, while it
     * builds the channel, so later changes come too late).
     */
    JChannel start(String name, String stack, Map<String, String> properties, UnaryOperator<String> edit)
            throws Exception {
        String xml = edit.apply(JGroupsStacks.resolve(stack, properties, getClass().getClassLoader()));
        return connect(name, new JChannel(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))));
    }

    /** Connects {@code channel}, built by the caller, as node {@code name}; it is closed after the test. */
    JChannel start(String name, JChannel channel) throws Exception {
        return connect(name, channel);
    }

    private JChannel connect(String name, JChannel channel) throws Exception {
        channel.name(name);
        JChannel previous = nodes.put(name, channel);
        if (previous != null) {
            Util.close(previous);
        }
        channel.connect(clusterName);
        return channel;
    }

    /** The cluster every node joins: the test class's simple name. */
    String clusterName() {
        return clusterName;
    }

    JChannel node(String name) {
        return nodes.get(name);
    }

    /**
     * Simulates a process crash: the node stops answering and its sockets close, without a LEAVE to the others
     * (JGroups' {@code Util.shutdown}, which closes the transport and FD_SOCK2's server abruptly).
     */
    void crash(String name) throws Exception {
        JChannel channel = nodes.remove(name);
        Util.shutdown(channel);
    }

    /** Simulates a hung process or a cut cable: the node drops all traffic, but its sockets stay open. */
    void freeze(String name) throws Exception {
        JChannel channel = nodes.get(name);
        DISCARD discard = new DISCARD().discardAll(true);
        discard.setAddress(channel.getAddress());
        channel.getProtocolStack().insertProtocol(discard, ProtocolStack.Position.ABOVE, TP.class);
    }

    void thaw(String name) {
        nodes.get(name).getProtocolStack().removeProtocol(DISCARD.class);
    }

    /**
     * Waits until each of {@code observers} has a view of exactly {@code members} (by name), and returns how long
     * that took. On timeout, fails with every node's view.
     */
    Duration awaitView(Duration timeout, List<String> observers, String... members) throws InterruptedException {
        List<String> expected = Arrays.stream(members).sorted().toList();
        return await(timeout, () -> observers.stream().allMatch(o -> memberNames(nodes.get(o)).equals(expected)),
                () -> observers + " to see " + expected);
    }

    /** Waits until {@code condition} holds; fails after {@code timeout} with {@code what} and every node's view. */
    Duration await(Duration timeout, Supplier<Boolean> condition, Supplier<String> what) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for " + what.get()
                        + ". Views:\n" + dumpViews());
            }
            Thread.sleep(20);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    String dumpViews() {
        return nodes.entrySet().stream()
                .map(e -> "  " + e.getKey() + ": " + describe(e.getValue()))
                .collect(Collectors.joining("\n"));
    }

    private static String describe(JChannel channel) {
        if (!channel.isConnected()) {
            return "not connected";
        }
        View view = channel.getView();
        GMS gms = channel.getProtocolStack().findProtocol(GMS.class);
        return view + (gms != null && gms.isCoord() ? " (coordinator)" : "")
                + " at " + channel.getProtocolStack().getTransport().localPhysicalAddress();
    }

    private static List<String> memberNames(JChannel channel) {
        if (channel == null || !channel.isConnected() || channel.getView() == null) {
            return List.of();
        }
        return channel.getView().getMembers().stream().map(Address::toString).sorted().toList();
    }

    /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago. */
    static int[] freeLoopbackPorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        try {
            // below Linux's ephemeral range (32768 and up), from which outgoing connections take their local ports:
            // a port chosen there can be taken by one before the node binds it (seen in CI as a BindException)
            for (int attempt = 0; sockets.size() < count; attempt++) {
                if (attempt == 10_000) {
                    throw new IOException("no " + count + " free ports in 10000-32600 on 127.0.0.1");
                }
                try {
                    sockets.add(new ServerSocket(random.nextInt(10_000, 32_600), 1, InetAddress.getByName("127.0.0.1")));
                }
                catch (IOException taken) {
                    // try another
                }
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        }
        finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    static String seconds(Duration duration) {
        return String.format("%.1f s", duration.toMillis() / 1000.0);
    }
}
