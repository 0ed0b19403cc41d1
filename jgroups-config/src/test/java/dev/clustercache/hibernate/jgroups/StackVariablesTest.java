package dev.clustercache.hibernate.jgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** JGroups' {@code ${a,b:default}} syntax, and where values come from: properties, then system properties, then default. */
class StackVariablesTest {

    private static final String A = "clustercache.test.a";
    private static final String B = "clustercache.test.b";

    @AfterEach
    void clearSystemProperties() {
        System.clearProperty(A);
        System.clearProperty(B);
    }

    private static String substitute(String text, Map<String, String> properties) {
        return new StackVariables("test-stack", properties).substitute(text);
    }

    @Test
    void propertyInTheMap_winsOverSystemPropertyAndDefault() {
        System.setProperty(A, "from-system");

        assertThat(substitute("x=\"${" + A + ":default}\"", Map.of(A, "from-map"))).isEqualTo("x=\"from-map\"");
    }

    @Test
    void systemProperty_winsOverDefault() {
        System.setProperty(A, "from-system");

        assertThat(substitute("${" + A + ":default}", Map.of())).isEqualTo("from-system");
    }

    @Test
    void default_appliesWhenNothingIsSet() {
        assertThat(substitute("${" + A + ":default}", Map.of())).isEqualTo("default");
    }

    @Test
    void emptyDefault_isAValue() {
        assertThat(substitute("[${" + A + ":}]", Map.of())).isEqualTo("[]");
    }

    @Test
    void default_keepsEverythingAfterTheFirstColon() {
        assertThat(substitute("${" + A + ":jdbc:h2:mem:x}", Map.of())).isEqualTo("jdbc:h2:mem:x");
        assertThat(substitute("${" + A + ":site_local,loopback}", Map.of())).isEqualTo("site_local,loopback");
    }

    @Test
    void alternatives_takeTheFirstNameThatIsSet() {
        String text = "${" + A + "," + B + ":default}";

        assertThat(substitute(text, Map.of(B, "b"))).isEqualTo("b");
        assertThat(substitute(text, Map.of(A, "a", B, "b"))).isEqualTo("a");
        System.setProperty(B, "b-system");
        assertThat(substitute(text, Map.of())).isEqualTo("b-system");
        assertThat(substitute(text, Map.of(A, "a"))).isEqualTo("a");
    }

    @Test
    void alternatives_fallBackToTheDefault() {
        assertThat(substitute("${" + A + ", " + B + ":7800}", Map.of())).isEqualTo("7800");
    }

    @Test
    void severalVariablesInOneValue_areAllSubstituted() {
        assertThat(substitute("${" + A + ":127.0.0.1}[${" + B + ":7800}]", Map.of(B, "7801")))
                .isEqualTo("127.0.0.1[7801]");
    }

    @Test
    void valuesAreEscapedForXml_defaultsAreNot() {
        assertThat(substitute("url=\"${" + A + "}\"", Map.of(A, "jdbc:x://h/db?a=1&b=\"2\"<")))
                .isEqualTo("url=\"jdbc:x://h/db?a=1&amp;b=&quot;2&quot;&lt;\"");
        assertThat(substitute("${" + A + ":a&amp;b}", Map.of())).isEqualTo("a&amp;b");
    }

    @Test
    void variablesInComments_areLeftAlone() {
        String text = "<!-- set ${" + A + "} --><TCP port=\"${" + B + ":1}\"/>";

        assertThat(substitute(text, Map.of())).isEqualTo("<!-- set ${" + A + "} --><TCP port=\"1\"/>");
    }

    @Test
    void textWithoutVariables_isUnchanged() {
        assertThat(substitute("<config>$ {not} $</config>", Map.of())).isEqualTo("<config>$ {not} $</config>");
    }

    @Test
    void variableWithoutValueOrDefault_failsNamingItAndTheStack() {
        assertThatThrownBy(() -> substitute("${" + A + "}", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("No value for variable '" + A + "' in JGroups stack 'test-stack'. Set it in the "
                        + "properties or as a system property (-D" + A + "=...).");
    }

    @Test
    void alternativesWithoutValueOrDefault_failNamingEveryName() {
        assertThatThrownBy(() -> substitute("${" + A + "," + B + "}", Map.of()))
                .hasMessageStartingWith("No value for variable '" + A + "' (or '" + B + "') in JGroups stack "
                        + "'test-stack'.");
    }

    @Test
    void unclosedVariable_fails() {
        assertThatThrownBy(() -> substitute("<TCP port=\"${" + A + ":1\"/>", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Unclosed variable '${" + A + ":1\"/>' in JGroups stack 'test-stack'.");
    }

    @Test
    void variableWithoutName_fails() {
        assertThatThrownBy(() -> substitute("${:1}", Map.of()))
                .hasMessage("Variable '${:1}' in JGroups stack 'test-stack' has no name. Write it as ${name} or "
                        + "${name:default}.");
    }
}
