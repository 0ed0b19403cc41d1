package dev.clustercache.hibernate.jgroups;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.annotations.Property;
import org.jgroups.auth.AuthToken;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.Util;

/**
 * The {@code AUTH} token behind {@link JGroupsStacks.Security#AUTH}: a member may join only if it knows the shared
 * secret {@code jgroups.auth.secret}. The secret never travels: a joiner sends a random nonce and
 * HMAC-SHA256(secret, nonce + its address), and the coordinator answers the same way.
 *
 * <p>Not API: public only because JGroups instantiates it by name from the stack's {@code auth_class}. It keeps out
 * members that were given another secret (or none); it does not stop an attacker who can read and replay traffic,
 * which is what {@code SYM_ENCRYPT} with a private network is for.
 */
public final class SharedSecretToken extends AuthToken {

    private static final int NONCE_BYTES = 16;
    private static final int MAC_BYTES = 32;
    private static final String HMAC = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();

    @Property(description = "The secret shared by all members (jgroups.auth.secret)", exposeAsManagedAttribute = false)
    private String secret;

    /** As received from another member; {@code null} on the local token. */
    private byte[] nonce;
    private byte[] mac;

    /** For JGroups, which creates the local token from {@code auth_class} and received ones from headers. */
    public SharedSecretToken() {
    }

    SharedSecretToken(String secret) {
        this.secret = secret;
    }

    @Override
    public String getName() {
        return SharedSecretToken.class.getName();
    }

    @Override
    public void start() {
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("AUTH needs a shared secret: set '" + StackSecurity.AUTH_SECRET
                    + "' to the same value on every member.");
        }
    }

    @Override
    public int size() {
        return NONCE_BYTES + MAC_BYTES;
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        byte[] freshNonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(freshNonce);
        out.write(freshNonce);
        out.write(mac(freshNonce, auth != null ? auth.getAddress() : null));
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        nonce = new byte[NONCE_BYTES];
        in.readFully(nonce);
        mac = new byte[MAC_BYTES];
        in.readFully(mac);
    }

    @Override
    public boolean authenticate(AuthToken token, Message msg) {
        if (!(token instanceof SharedSecretToken received) || received.nonce == null || received.mac == null) {
            return false;
        }
        return MessageDigest.isEqual(mac(received.nonce, msg.getSrc()), received.mac);
    }

    private byte[] mac(byte[] salt, Address sender) {
        if (secret == null) {
            throw new IllegalStateException("AUTH has no shared secret: set '" + StackSecurity.AUTH_SECRET + "'.");
        }
        try {
            Mac hmac = Mac.getInstance(HMAC);
            hmac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
            hmac.update(salt);
            if (sender != null) {
                ByteArrayDataOutputStream address = new ByteArrayDataOutputStream(32);
                Util.writeAddress(sender, address);
                hmac.update(address.buffer(), 0, address.position());
            }
            return hmac.doFinal();
        }
        catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot compute the AUTH token with " + HMAC + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SharedSecretToken";
    }
}
