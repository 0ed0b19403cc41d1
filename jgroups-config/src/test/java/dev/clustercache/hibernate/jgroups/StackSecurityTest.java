package dev.clustercache.hibernate.jgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jgroups.JChannel;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.jgroups.stack.Protocol;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.clustercache.hibernate.jgroups.JGroupsStacks.Security;

/** SYM_ENCRYPT and AUTH are opt-in on any stack, go where JGroups wants them, and fail early naming the property. */
class StackSecurityTest {

    private static final Set<Security> BOTH = EnumSet.allOf(Security.class);

    @TempDir
    Path dir;
    private Path keystore;

    @BeforeEach
    void createKeystore() throws Exception {
        keystore = TestKeystores.aesKeystore(dir.resolve("cluster.p12"));
    }

    private Map<String, String> secured(String stack) {
        Map<String, String> properties = JGroupsStacksTest.buildableProperties(stack);
        properties.put("jgroups.encrypt.keystore", keystore.toString());
        properties.put("jgroups.encrypt.keystore_password", TestKeystores.PASSWORD);
        properties.put("jgroups.auth.secret", "s3cret & <shared>");
        return properties;
    }

    static List<String> shippedStacks() {
        return JGroupsStacksTest.shippedStacks();
    }

    @ParameterizedTest
    @MethodSource("shippedStacks")
    void bothOnAnyShippedStack_putSymEncryptBelowNakack2AndAuthBelowGms(String stack) throws Exception {
        try (JChannel channel = JGroupsStacks.newChannel(stack, secured(stack), null, BOTH)) {
            List<String> names = channel.getProtocolStack().getProtocols().stream()
                    .map(Protocol::getName).toList(); // top first
            assertThat(names.get(names.indexOf("NAKACK2") + 1)).isEqualTo("SYM_ENCRYPT");
            assertThat(names.get(names.indexOf("GMS") + 1)).isEqualTo("AUTH");
            AUTH auth = channel.getProtocolStack().findProtocol(AUTH.class);
            assertThat(auth.getAuthToken()).isInstanceOf(SharedSecretToken.class);
            assertThat(channel.getProtocolStack().<SYM_ENCRYPT>findProtocol(SYM_ENCRYPT.class).keystoreName())
                    .isEqualTo(keystore.toString());
        }
    }

    @Test
    void noSecurity_leavesTheStackUnchanged() {
        assertThat(JGroupsStacks.resolve("tcp", Map.of(), null, Set.of()))
                .isEqualTo(JGroupsStacks.resolve("tcp", Map.of(), null))
                .doesNotContain("SYM_ENCRYPT", "<AUTH");
    }

    @Test
    void insertedProtocols_keepTheIndentationOfTheFile() {
        String xml = JGroupsStacks.resolve("localhost", secured("localhost"), null, BOTH);

        assertThat(xml).contains("\n    <SYM_ENCRYPT keystore_name=\"" + keystore + "\"\n")
                .contains("\n    <AUTH auth_class=\"" + SharedSecretToken.class.getName() + "\"\n")
                .contains("auth_token.secret=\"s3cret &amp; &lt;shared&gt;\"/>\n    <pbcast.GMS");
    }

    @Test
    void symEncryptWithoutKeystore_failsNamingTheProperty() {
        Map<String, String> properties = secured("tcp");
        properties.remove("jgroups.encrypt.keystore");

        assertThatThrownBy(() -> JGroupsStacks.resolve("tcp", properties, null, Set.of(Security.SYM_ENCRYPT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("SYM_ENCRYPT needs 'jgroups.encrypt.keystore': set it to a keystore file")
                .hasMessageContaining("keytool -genseckey");
    }

    @Test
    void wrongKeystorePath_failsNamingTheProperty() {
        Map<String, String> properties = secured("tcp");
        Path missing = dir.resolve("missing.p12");
        properties.put("jgroups.encrypt.keystore", missing.toString());

        assertThatThrownBy(() -> JGroupsStacks.newChannel("tcp", properties, null, Set.of(Security.SYM_ENCRYPT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot find the keystore '" + missing
                        + "' set in 'jgroups.encrypt.keystore': no such file or classpath resource.");
    }

    @Test
    void wrongKeystorePassword_failsNamingTheProperty() {
        Map<String, String> properties = secured("tcp");
        properties.put("jgroups.encrypt.keystore_password", "wrong");

        assertThatThrownBy(() -> JGroupsStacks.newChannel("tcp", properties, null, Set.of(Security.SYM_ENCRYPT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot open the keystore '" + keystore + "' ('jgroups.encrypt.keystore') "
                        + "with the password in 'jgroups.encrypt.keystore_password'")
                .hasMessageNotContaining("wrong");
    }

    @Test
    void missingKeystorePassword_failsNamingTheProperty() {
        Map<String, String> properties = secured("tcp");
        properties.remove("jgroups.encrypt.keystore_password");

        assertThatThrownBy(() -> JGroupsStacks.resolve("tcp", properties, null, Set.of(Security.SYM_ENCRYPT)))
                .hasMessageStartingWith("SYM_ENCRYPT needs 'jgroups.encrypt.keystore_password'");
    }

    @Test
    void wrongKeyAlias_failsNamingThePropertyAndHowToCreateTheKey() {
        Map<String, String> properties = secured("tcp");
        properties.put("jgroups.encrypt.key_alias", "other");

        assertThatThrownBy(() -> JGroupsStacks.resolve("tcp", properties, null, Set.of(Security.SYM_ENCRYPT)))
                .hasMessage("The keystore '" + keystore + "' ('jgroups.encrypt.keystore') has no secret key with "
                        + "alias 'other' ('jgroups.encrypt.key_alias'). Create one with: keytool -genseckey -alias "
                        + "other -keyalg AES -keysize 256 -storetype pkcs12 -keystore " + keystore);
    }

    @Test
    void unknownKeystoreType_failsNamingTheProperty() {
        Map<String, String> properties = secured("tcp");
        properties.put("jgroups.encrypt.keystore_type", "nope");

        assertThatThrownBy(() -> JGroupsStacks.resolve("tcp", properties, null, Set.of(Security.SYM_ENCRYPT)))
                .hasMessage("Unknown keystore type 'nope' in 'jgroups.encrypt.keystore_type'. Use 'pkcs12' or "
                        + "'jceks'.");
    }

    @Test
    void authWithoutSecret_failsNamingTheProperty() {
        assertThatThrownBy(() -> JGroupsStacks.resolve("localhost", Map.of(), null, Set.of(Security.AUTH)))
                .hasMessage("AUTH needs 'jgroups.auth.secret': set it to the same secret on every member.");
    }

    @Test
    void authWithBlankSecret_failsNamingTheProperty() {
        assertThatThrownBy(() -> JGroupsStacks.resolve("localhost", Map.of("jgroups.auth.secret", " "), null,
                Set.of(Security.AUTH)))
                .hasMessage("AUTH needs 'jgroups.auth.secret': set it to the same secret on every member; it is "
                        + "blank.");
    }

    @Test
    void stackThatAlreadyHasTheProtocol_failsInsteadOfAddingASecondOne() throws Exception {
        Path file = dir.resolve("with-auth.xml");
        Files.writeString(file, "<config><TCP/><pbcast.NAKACK2/><AUTH auth_class=\"x\"/><pbcast.GMS/></config>");

        assertThatThrownBy(() -> JGroupsStacks.resolve(file.toString(), Map.of("jgroups.auth.secret", "s"), null,
                Set.of(Security.AUTH)))
                .hasMessage("JGroups stack '" + file + "' already contains AUTH. Remove it from the stack or do not "
                        + "enable AUTH in addition.");
    }

    @Test
    void stackWithoutGms_cannotTakeAuth() throws Exception {
        Path file = dir.resolve("no-gms.xml");
        Files.writeString(file, "<config><TCP/><!-- <pbcast.GMS/> --></config>");

        assertThatThrownBy(() -> JGroupsStacks.resolve(file.toString(), Map.of("jgroups.auth.secret", "s"), null,
                Set.of(Security.AUTH)))
                .hasMessage("Cannot add AUTH to JGroups stack '" + file + "': it has no GMS to place it below. Add "
                        + "AUTH to the stack file yourself.");
    }

    @Test
    void keystoreOnTheClasspath_isFound() throws Exception {
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Files.copy(keystore, classes.resolve("cluster-on-classpath.p12"));
        Map<String, String> properties = new HashMap<>(secured("tcp"));
        properties.put("jgroups.encrypt.keystore", "cluster-on-classpath.p12");

        try (var loader = new java.net.URLClassLoader(new java.net.URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            assertThat(JGroupsStacks.resolve("tcp", properties, loader, Set.of(Security.SYM_ENCRYPT)))
                    .contains("keystore_name=\"cluster-on-classpath.p12\"");
        }
    }
}
