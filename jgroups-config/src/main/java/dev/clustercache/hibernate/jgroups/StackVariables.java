package dev.clustercache.hibernate.jgroups;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Substitutes JGroups' {@code ${a,b:default}} variables in a stack file. Each name is looked up in the given
 * properties, then in the system properties, then in the environment (as JGroups does); the first value found wins,
 * else the default (everything after the first {@code :}) applies. Values found are escaped for XML; defaults are
 * already XML. Comments are copied unchanged.
 */
final class StackVariables {

    private final String stack;
    private final Map<String, String> properties;

    StackVariables(String stack, Map<String, String> properties) {
        this.stack = stack;
        this.properties = properties;
    }

    /** The value set for {@code name}, or {@code null}: properties, then system properties, then environment. */
    String lookup(String name) {
        String value = properties.get(name);
        if (value == null) {
            value = System.getProperty(name);
        }
        if (value == null) {
            value = System.getenv(name);
        }
        return value;
    }

    String substitute(String xml) {
        StringBuilder out = new StringBuilder(xml.length());
        int i = 0;
        while (i < xml.length()) {
            if (xml.startsWith("<!--", i)) {
                int end = xml.indexOf("-->", i + 4);
                int stop = end < 0 ? xml.length() : end + 3;
                out.append(xml, i, stop);
                i = stop;
            }
            else if (xml.startsWith("${", i)) {
                int end = xml.indexOf('}', i + 2);
                if (end < 0) {
                    String rest = xml.substring(i, Math.min(xml.length(), i + 40)).strip();
                    throw new IllegalArgumentException("Unclosed variable '" + rest + "' in JGroups stack '" + stack
                            + "'. Close it with '}'.");
                }
                out.append(evaluate(xml.substring(i + 2, end)));
                i = end + 1;
            }
            else {
                out.append(xml.charAt(i));
                i++;
            }
        }
        return out.toString();
    }

    private String evaluate(String expression) {
        int colon = expression.indexOf(':');
        String namePart = colon < 0 ? expression : expression.substring(0, colon);
        List<String> names = new ArrayList<>();
        for (String name : namePart.split(",")) {
            if (!name.isBlank()) {
                names.add(name.strip());
            }
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("Variable '${" + expression + "}' in JGroups stack '" + stack
                    + "' has no name. Write it as ${name} or ${name:default}.");
        }
        for (String name : names) {
            String value = lookup(name);
            if (value != null) {
                return escapeXml(value);
            }
        }
        if (colon >= 0) {
            return expression.substring(colon + 1).strip();
        }
        String first = names.get(0);
        String alternatives = names.size() == 1 ? ""
                : " (or " + String.join(", ", names.subList(1, names.size()).stream().map(n -> "'" + n + "'")
                        .toList()) + ")";
        throw new IllegalArgumentException("No value for variable '" + first + "'" + alternatives + " in JGroups stack '"
                + stack + "'. Set it in the properties or as a system property (-D" + first + "=...).");
    }

    static String escapeXml(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
