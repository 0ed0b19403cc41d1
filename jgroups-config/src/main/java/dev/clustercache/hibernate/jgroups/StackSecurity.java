package dev.clustercache.hibernate.jgroups;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.clustercache.hibernate.jgroups.JGroupsStacks.Security;

/** Inserts {@code SYM_ENCRYPT} and {@code AUTH} into a stack, and checks the keystore before JGroups reads it. */
final class StackSecurity {

    static final String KEYSTORE = "jgroups.encrypt.keystore";
    static final String KEYSTORE_PASSWORD = "jgroups.encrypt.keystore_password";
    static final String KEY_ALIAS = "jgroups.encrypt.key_alias";
    static final String KEYSTORE_TYPE = "jgroups.encrypt.keystore_type";
    static final String AUTH_SECRET = "jgroups.auth.secret";
    static final String DEFAULT_KEY_ALIAS = "clustercache";
    static final String DEFAULT_KEYSTORE_TYPE = "pkcs12";

    private static final String SYM_ENCRYPT_XML = """
            <SYM_ENCRYPT keystore_name="${%s}"
                         keystore_type="${%s:%s}"
                         store_password="${%s}"
                         alias="${%s:%s}"
                         sym_algorithm="AES/CBC/PKCS5Padding"
                         sym_iv_length="16"/>
            """.formatted(KEYSTORE, KEYSTORE_TYPE, DEFAULT_KEYSTORE_TYPE, KEYSTORE_PASSWORD, KEY_ALIAS,
            DEFAULT_KEY_ALIAS);

    private static final String AUTH_XML = """
            <AUTH auth_class="%s"
                  auth_token.secret="${%s}"/>
            """.formatted(SharedSecretToken.class.getName(), AUTH_SECRET);

    private static final Pattern COMMENT = Pattern.compile("<!--.*?(-->|\\z)", Pattern.DOTALL);
    private static final Pattern NAKACK = protocolTag("NAKACK2|NAKACK4");
    private static final Pattern GMS = protocolTag("GMS");
    private static final Pattern ENCRYPT = protocolTag("SYM_ENCRYPT|ASYM_ENCRYPT");
    private static final Pattern AUTH = protocolTag("AUTH");

    private StackSecurity() {
    }

    static String insert(String stack, String xml, Set<Security> security) {
        String result = xml;
        if (security.contains(Security.SYM_ENCRYPT)) {
            result = insertBelow(stack, result, "SYM_ENCRYPT", ENCRYPT, NAKACK, "NAKACK2", SYM_ENCRYPT_XML);
        }
        if (security.contains(Security.AUTH)) {
            result = insertBelow(stack, result, "AUTH", AUTH, GMS, "GMS", AUTH_XML);
        }
        return result;
    }

    /** Inserts {@code snippet} just before (that is, below) the first {@code anchor} protocol, at its indentation. */
    private static String insertBelow(String stack, String xml, String protocol, Pattern existing, Pattern anchor,
            String anchorName, String snippet) {
        String masked = maskComments(xml);
        Matcher present = existing.matcher(masked);
        if (present.find()) {
            throw new IllegalArgumentException("JGroups stack '" + stack + "' already contains "
                    + present.group(1) + ". Remove it from the stack or do not enable " + protocol + " in addition.");
        }
        Matcher at = anchor.matcher(masked);
        if (!at.find()) {
            throw new IllegalArgumentException("Cannot add " + protocol + " to JGroups stack '" + stack + "': it has no "
                    + anchorName + " to place it below. Add " + protocol + " to the stack file yourself.");
        }
        int tag = at.start();
        int lineStart = xml.lastIndexOf('\n', tag - 1) + 1;
        String indent = xml.substring(lineStart, tag).isBlank() ? xml.substring(lineStart, tag) : "    ";
        StringBuilder block = new StringBuilder();
        for (String line : snippet.strip().split("\n")) {
            block.append(line).append('\n').append(indent);
        }
        return xml.substring(0, tag) + block + xml.substring(tag);
    }

    /** Checks that AUTH has a secret, naming the property; the value itself is never shown. */
    static void checkSecret(StackVariables variables) {
        String secret = variables.lookup(AUTH_SECRET);
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("AUTH needs '" + AUTH_SECRET + "': set it to the same secret on every "
                    + "member" + (secret == null ? "." : "; it is blank."));
        }
    }

    /** Checks that the keystore opens with the configured password and holds the secret key, naming the property. */
    static void checkKeystore(StackVariables variables, ClassLoader loader) {
        String location = variables.lookup(KEYSTORE);
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("SYM_ENCRYPT needs '" + KEYSTORE + "': set it to a keystore file or "
                    + "classpath resource holding an AES key, created for example with: " + keytool("<file>",
                    DEFAULT_KEY_ALIAS));
        }
        String password = variables.lookup(KEYSTORE_PASSWORD);
        if (password == null) {
            throw new IllegalArgumentException("SYM_ENCRYPT needs '" + KEYSTORE_PASSWORD + "', the password of the "
                    + "keystore '" + location + "' ('" + KEYSTORE + "').");
        }
        String alias = valueOr(variables, KEY_ALIAS, DEFAULT_KEY_ALIAS);
        String type = valueOr(variables, KEYSTORE_TYPE, DEFAULT_KEYSTORE_TYPE);

        KeyStore store;
        try {
            store = KeyStore.getInstance(type);
        }
        catch (KeyStoreException e) {
            throw new IllegalArgumentException("Unknown keystore type '" + type + "' in '" + KEYSTORE_TYPE
                    + "'. Use 'pkcs12' or 'jceks'.", e);
        }
        try (InputStream in = open(location, loader)) {
            store.load(in, password.toCharArray());
        }
        catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot open the keystore '" + location + "' ('" + KEYSTORE
                    + "') with the password in '" + KEYSTORE_PASSWORD + "' as type '" + type + "' ('" + KEYSTORE_TYPE
                    + "'): " + e.getMessage() + ". Check the password and the keystore type.", e);
        }
        try {
            if (!store.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
                throw new IllegalArgumentException("The keystore '" + location + "' ('" + KEYSTORE
                        + "') has no secret key with alias '" + alias + "' ('" + KEY_ALIAS + "'). Create one with: "
                        + keytool(location, alias));
            }
            store.getEntry(alias, new KeyStore.PasswordProtection(password.toCharArray()));
        }
        catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot read the secret key '" + alias + "' ('" + KEY_ALIAS
                    + "') from the keystore '" + location + "' ('" + KEYSTORE + "') with the password in '"
                    + KEYSTORE_PASSWORD + "': " + e.getMessage() + ". The key password must equal the keystore's.", e);
        }
    }

    private static InputStream open(String location, ClassLoader loader) throws IOException {
        String resource = location.startsWith("/") ? location.substring(1) : location;
        InputStream in = loader.getResourceAsStream(resource);
        if (in != null) {
            return in;
        }
        Path file;
        try {
            file = Path.of(location);
        }
        catch (InvalidPathException e) {
            file = null;
        }
        if (file == null || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Cannot find the keystore '" + location + "' set in '" + KEYSTORE
                    + "': no such file or classpath resource. Check the path, or create it with: "
                    + keytool(location, DEFAULT_KEY_ALIAS));
        }
        return new FileInputStream(file.toFile());
    }

    private static String valueOr(StackVariables variables, String name, String defaultValue) {
        String value = variables.lookup(name);
        return value == null ? defaultValue : value;
    }

    private static String keytool(String file, String alias) {
        return "keytool -genseckey -alias " + alias + " -keyalg AES -keysize 256 -storetype pkcs12 -keystore " + file;
    }

    private static Pattern protocolTag(String names) {
        return Pattern.compile("<(?:[\\w.]+\\.)?(" + names + ")(?=[\\s/>])");
    }

    private static String maskComments(String xml) {
        Matcher m = COMMENT.matcher(xml);
        StringBuilder out = new StringBuilder(xml);
        while (m.find()) {
            for (int i = m.start(); i < m.end(); i++) {
                if (out.charAt(i) != '\n') {
                    out.setCharAt(i, ' ');
                }
            }
        }
        return out.toString();
    }
}
