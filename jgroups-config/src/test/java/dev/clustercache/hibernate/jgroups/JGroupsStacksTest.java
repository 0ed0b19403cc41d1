package dev.clustercache.hibernate.jgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.jgroups.JChannel;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FORK;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.NoBundler;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every shipped stack is parsed and built (never connected), and the lookup's errors read as documented. */
class JGroupsStacksTest {

    static List<String> shippedStacks() {
        return List.copyOf(JGroupsStacks.names());
    }

    /** The values a stack cannot do without, plus a loopback bind address so that no build depends on the NICs. */
    static Map<String, String> buildableProperties(String stack) {
        Map<String, String> properties = new HashMap<>();
        properties.put("jgroups.bind_addr", "127.0.0.1");
        switch (stack) {
            case "kubernetes" -> properties.put("jgroups.dns.query", "clustercache-ping.test.svc.cluster.local");
            case "jdbc" -> {
                properties.put("jgroups.jdbc.connection_url", "jdbc:h2:mem:JGroupsStacksTest;DB_CLOSE_DELAY=-1");
                properties.put("jgroups.jdbc.user", "sa");
                properties.put("jgroups.jdbc.password", "");
                properties.put("jgroups.jdbc.driver", "org.h2.Driver");
            }
            default -> { }
        }
        return properties;
    }

    @Test
    void names_areTheShippedStacksSorted() {
        assertThat(JGroupsStacks.names()).containsExactly("jdbc", "kubernetes", "localhost", "tcp", "udp");
        assertThat(JGroupsStacks.names()).contains(JGroupsStacks.DEFAULT_STACK);
    }

    @ParameterizedTest
    @MethodSource("shippedStacks")
    void shippedStack_opensWithACommentOnWhenToUseItAndIsWellFormedXml(String stack) throws Exception {
        String raw;
        try (InputStream in = JGroupsStacks.class.getClassLoader()
                .getResourceAsStream(JGroupsStacks.RESOURCE_PREFIX + stack + ".xml")) {
            assertThat(in).as("resource of stack '%s'", stack).isNotNull();
            raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(raw.strip()).startsWith("<!--\n    " + stack + ":");
        assertThat(raw).contains("Use it", "Properties", "Example");

        String resolved = JGroupsStacks.resolve(stack, buildableProperties(stack), null);
        assertThat(resolved).doesNotContain("${");
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.newDocumentBuilder().parse(new ByteArrayInputStream(resolved.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @MethodSource("shippedStacks")
    void shippedStack_buildsWithTheCommonFailureDetectionAndForkOnTop(String stack) throws Exception {
        try (JChannel channel = JGroupsStacks.newChannel(stack, buildableProperties(stack), null)) {
            ProtocolStack protocols = channel.getProtocolStack();
            assertThat(protocols.getTopProtocol()).isInstanceOf(FORK.class);

            TP transport = protocols.getTransport();
            assertThat(transport.getDiagnosticsHandler().isEnabled()).as("diagnostics").isFalse();
            assertThat(transport.useVirtualThreads()).as("virtual threads").isFalse();
            assertThat(transport.getThreadPool().getMaxThreads()).isEqualTo(100);
            // JGroups 5.5's default per-destination bundler, with its single sender thread, was seen spinning on a
            // core for a whole run after a cluster start; a write's round trip also waited for that thread to wake up
            assertThat(transport.getBundler()).as("bundler").isInstanceOf(NoBundler.class);

            FD_SOCK2 fdSock = protocols.findProtocol(FD_SOCK2.class);
            assertThat(fdSock.getBindAddress()).isEqualTo(transport.getBindAddress());
            FD_ALL3 fdAll = protocols.findProtocol(FD_ALL3.class);
            assertThat(fdAll.getTimeout()).isEqualTo(6_000);
            assertThat(fdAll.getInterval()).isEqualTo(1_500);
            assertThat(((VERIFY_SUSPECT2) protocols.findProtocol(VERIFY_SUSPECT2.class)).getTimeout())
                    .isEqualTo(1_000);
            MERGE3 merge = protocols.findProtocol(MERGE3.class);
            assertThat(merge.getMinInterval()).isEqualTo(2_000);
            assertThat(merge.getMaxInterval()).isEqualTo(5_000);
            GMS gms = protocols.findProtocol(GMS.class);
            // 1 s was too short on a busy machine: a restarted node heard no answer in time, started a cluster of its
            // own and, until MERGE3 merged it about 8 s later, wrote without invalidating the others (stale reads)
            assertThat(gms.getJoinTimeout()).isEqualTo(3_000);
            assertThat(gms.printLocalAddress()).isFalse();
            assertThat(protocols.getProtocols()).extracting(p -> p.getClass().getSimpleName())
                    .contains("NAKACK2", "UNICAST3", "STABLE", "UFC", "MFC", "FRAG4");
            assertThat(protocols.<NAKACK2>findProtocol(NAKACK2.class)).isNotNull();
            assertThat(protocols.<UNICAST3>findProtocol(UNICAST3.class)).isNotNull();
            assertThat(protocols.<STABLE>findProtocol(STABLE.class)).isNotNull();
            assertThat(protocols.<FRAG4>findProtocol(FRAG4.class)).isNotNull();
        }
    }

    @Test
    void localhost_bindsTransportAndFailureDetectionToLoopbackAndProbesTheWholePortRange() throws Exception {
        try (JChannel channel = JGroupsStacks.newChannel(JGroupsStacks.DEFAULT_STACK, Map.of(), null)) {
            ProtocolStack protocols = channel.getProtocolStack();
            TP transport = protocols.getTransport();
            assertThat(transport.getBindAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
            assertThat(transport.getBindPort()).isEqualTo(7800);
            assertThat(transport.getPortRange()).isEqualTo(10);
            assertThat(((FD_SOCK2) protocols.findProtocol(FD_SOCK2.class)).getBindAddress())
                    .isEqualTo(InetAddress.getByName("127.0.0.1"));
            TCPPING ping = protocols.findProtocol(TCPPING.class);
            assertThat(ping.getPortRange()).isEqualTo(10);
            assertThat(ping.getInitialHosts()).hasSize(11)
                    .allSatisfy(host -> assertThat(host.toString()).startsWith("127.0.0.1:78"));
        }
    }

    @Test
    void unknownName_failsListingTheShippedStacks() {
        assertThatThrownBy(() -> JGroupsStacks.resolve("foo", Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown JGroups stack 'foo' for 'hibernate.cache.clustercache.jgroups.stack'. Use one of "
                        + "'jdbc', 'kubernetes', 'localhost', 'tcp', 'udp', a classpath resource or a file path.");
    }

    @Test
    void classpathResource_isResolvedWithTheGivenClassLoader() throws Exception {
        String xml = JGroupsStacks.resolve("stacks/minimal-loopback.xml", Map.of("test.bind_port", "7999"),
                getClass().getClassLoader());

        assertThat(xml).contains("bind_addr=\"127.0.0.1\"", "bind_port=\"7999\"");
        try (JChannel channel = JGroupsStacks.newChannel("/stacks/minimal-loopback.xml", Map.of(),
                getClass().getClassLoader())) {
            assertThat(channel.getProtocolStack().getTransport().getBindPort()).isEqualTo(0);
        }
    }

    @Test
    void filePath_isResolved(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("my-stack.xml");
        Files.writeString(file, "<config><TCP bind_port=\"${my.port:7800}\"/></config>");

        assertThat(JGroupsStacks.resolve(file.toString(), Map.of("my.port", "9000"), null))
                .isEqualTo("<config><TCP bind_port=\"9000\"/></config>");
    }

    @Test
    void missingVariable_failsNamingTheVariableAndTheStack() {
        assertThatThrownBy(() -> JGroupsStacks.resolve("kubernetes", Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("No value for variable 'jgroups.dns.query' in JGroups stack 'kubernetes'. Set it in the "
                        + "properties or as a system property (-Djgroups.dns.query=...).");
    }

    @Test
    void jdbc_requiresTheConnectionUrl() {
        assertThatThrownBy(() -> JGroupsStacks.resolve("jdbc", Map.of(), null))
                .hasMessageContaining("'jgroups.jdbc.connection_url'")
                .hasMessageContaining("stack 'jdbc'");
    }

    @Test
    void stackJGroupsRejects_failsNamingTheStack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.xml");
        Files.writeString(file, "<config><TCP bind_addr=\"127.0.0.1\" no_such_attribute=\"1\"/></config>");

        assertThatThrownBy(() -> JGroupsStacks.newChannel(file.toString(), Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot build the JGroups stack '" + file + "': ")
                .hasMessageContaining("no_such_attribute");
    }
}
