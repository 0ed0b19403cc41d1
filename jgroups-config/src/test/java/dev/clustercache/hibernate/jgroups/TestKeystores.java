package dev.clustercache.hibernate.jgroups;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;

import javax.crypto.spec.SecretKeySpec;

/** Writes PKCS12 keystores holding one AES key, as {@code keytool -genseckey} would. */
final class TestKeystores {

    static final String PASSWORD = "changeme-in-tests";
    static final String ALIAS = "clustercache";

    private TestKeystores() {
    }

    /** A keystore at {@code file} with a fresh random 256-bit AES key under {@link #ALIAS}. */
    static Path aesKeystore(Path file) throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        KeyStore store = KeyStore.getInstance("pkcs12");
        store.load(null, null);
        store.setEntry(ALIAS, new KeyStore.SecretKeyEntry(new SecretKeySpec(key, "AES")),
                new KeyStore.PasswordProtection(PASSWORD.toCharArray()));
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD.toCharArray());
        }
        return file;
    }
}
