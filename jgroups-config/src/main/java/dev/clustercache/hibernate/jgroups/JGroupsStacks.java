package dev.clustercache.hibernate.jgroups;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.jgroups.JChannel;

/**
 * The JGroups stacks shipped with ClusterCache, and the lookup from a stack name to its configuration.
 *
 * <p>A stack is named by {@code hibernate.cache.clustercache.jgroups.stack}: one of {@link #names()}, a classpath
 * resource or a file path. Every {@code ${name:default}} variable in the file (JGroups' syntax, including
 * {@code ${a,b:default}}) is substituted here, so that a stack is configured with JGroups' own property names
 * ({@code jgroups.bind_addr}, {@code jgroups.tcpping.initial_hosts}...) either as system properties or in the map
 * given to {@link #resolve}. The resolved XML can contain passwords and secrets: do not log it.
 */
public final class JGroupsStacks {

    /** The stack used when none is configured: loopback only, so that a first start never leaves the machine. */
    public static final String DEFAULT_STACK = "localhost";

    /** Optional protocols that {@link #resolve(String, Map, ClassLoader, Set)} inserts into any stack. */
    public enum Security {
        /**
         * Encrypts messages with a shared AES key: {@code SYM_ENCRYPT} below {@code NAKACK2}. Needs
         * {@code jgroups.encrypt.keystore} (a file or classpath resource), {@code jgroups.encrypt.keystore_password}
         * and optionally {@code jgroups.encrypt.key_alias} (default {@code clustercache}) and
         * {@code jgroups.encrypt.keystore_type} (default {@code pkcs12}).
         */
        SYM_ENCRYPT,
        /**
         * Refuses joiners that do not know the shared secret {@code jgroups.auth.secret}: {@code AUTH} below
         * {@code GMS}. The secret never travels; members exchange an HMAC of it.
         */
        AUTH
    }

    static final String STACK_SETTING = "hibernate.cache.clustercache.jgroups.stack";
    static final String RESOURCE_PREFIX = "dev/clustercache/hibernate/jgroups/";

    private static final SortedSet<String> NAMES = Collections.unmodifiableSortedSet(
            new TreeSet<>(Set.of("jdbc", "kubernetes", DEFAULT_STACK, "tcp", "udp")));

    private JGroupsStacks() {
    }

    /** The shipped stacks, sorted: {@code jdbc}, {@code kubernetes}, {@code localhost}, {@code tcp}, {@code udp}. */
    public static Set<String> names() {
        return NAMES;
    }

    /**
     * Returns the stack's XML with every {@code ${a,b:default}} variable substituted: each name is looked up in
     * {@code properties}, then in the system properties, then in the environment; the first value found wins, else
     * the default applies.
     *
     * @param nameOrPath a shipped name (see {@link #names()}), a classpath resource or a file path
     * @param properties values for the stack's variables, for example {@code jgroups.bind_addr}; may be empty
     * @param classLoader where to look for classpath resources; {@code null} for this library's class loader
     * @throws IllegalArgumentException if no such stack exists, or a variable has neither a value nor a default
     */
    public static String resolve(String nameOrPath, Map<String, String> properties, ClassLoader classLoader) {
        return resolve(nameOrPath, properties, classLoader, Set.of());
    }

    /**
     * As {@link #resolve(String, Map, ClassLoader)}, with the given {@link Security} protocols inserted.
     *
     * @throws IllegalArgumentException also if the keystore cannot be read with the configured password and alias, or
     *         if the stack already contains the protocol or lacks {@code NAKACK2} or {@code GMS} to place it
     */
    public static String resolve(String nameOrPath, Map<String, String> properties, ClassLoader classLoader,
            Set<Security> security) {
        Objects.requireNonNull(nameOrPath, "nameOrPath");
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(security, "security");
        ClassLoader loader = classLoader != null ? classLoader : JGroupsStacks.class.getClassLoader();
        StackVariables variables = new StackVariables(nameOrPath, properties);
        String xml = load(nameOrPath, loader);
        Set<Security> wanted = security.isEmpty() ? EnumSet.noneOf(Security.class) : EnumSet.copyOf(security);
        if (wanted.contains(Security.SYM_ENCRYPT)) {
            StackSecurity.checkKeystore(variables, loader);
        }
        if (wanted.contains(Security.AUTH)) {
            StackSecurity.checkSecret(variables);
        }
        xml = StackSecurity.insert(nameOrPath, xml, wanted);
        return variables.substitute(xml);
    }

    /**
     * Builds a channel from {@link #resolve(String, Map, ClassLoader)}, without connecting it. The caller closes it.
     *
     * @throws IllegalArgumentException as {@code resolve} does, or if JGroups rejects the stack
     */
    public static JChannel newChannel(String nameOrPath, Map<String, String> properties, ClassLoader classLoader)
            throws Exception {
        return newChannel(nameOrPath, properties, classLoader, Set.of());
    }

    /** As {@link #newChannel(String, Map, ClassLoader)}, with the given {@link Security} protocols inserted. */
    public static JChannel newChannel(String nameOrPath, Map<String, String> properties, ClassLoader classLoader,
            Set<Security> security) throws Exception {
        String xml = resolve(nameOrPath, properties, classLoader, security);
        // JGroups loads protocol classes and SYM_ENCRYPT's keystore through the context class loader.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        if (classLoader != null) {
            thread.setContextClassLoader(classLoader);
        }
        try {
            return new JChannel(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        }
        catch (Exception e) {
            throw new IllegalArgumentException("Cannot build the JGroups stack '" + nameOrPath + "': "
                    + e.getMessage(), e);
        }
        finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static String load(String nameOrPath, ClassLoader loader) {
        if (NAMES.contains(nameOrPath)) {
            return read(JGroupsStacks.class.getClassLoader().getResource(RESOURCE_PREFIX + nameOrPath + ".xml"),
                    nameOrPath);
        }
        String resource = nameOrPath.startsWith("/") ? nameOrPath.substring(1) : nameOrPath;
        if (!resource.isBlank()) {
            URL url = loader.getResource(resource);
            if (url != null) {
                return read(url, nameOrPath);
            }
        }
        Path file = toPath(nameOrPath);
        if (file != null && Files.isRegularFile(file)) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            }
            catch (IOException e) {
                throw new UncheckedIOException("Cannot read the JGroups stack file '" + file + "': " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException("Unknown JGroups stack '" + nameOrPath + "' for '" + STACK_SETTING
                + "'. Use one of " + NAMES.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "))
                + ", a classpath resource or a file path.");
    }

    private static Path toPath(String nameOrPath) {
        if (nameOrPath.isBlank()) {
            return null;
        }
        try {
            return Path.of(nameOrPath);
        }
        catch (InvalidPathException e) {
            return null;
        }
    }

    private static String read(URL url, String nameOrPath) {
        if (url == null) {
            throw new IllegalStateException("The shipped JGroups stack '" + nameOrPath
                    + "' is missing from the classpath. Check that clustercache-jgroups-config is complete.");
        }
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read the JGroups stack '" + nameOrPath + "' from " + url
                    + ": " + e.getMessage(), e);
        }
    }
}
