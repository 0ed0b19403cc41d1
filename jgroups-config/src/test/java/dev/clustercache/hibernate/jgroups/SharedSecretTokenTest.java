package dev.clustercache.hibernate.jgroups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.jgroups.EmptyMessage;
import org.jgroups.Message;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

/** The AUTH token proves knowledge of the secret without sending it. */
class SharedSecretTokenTest {

    private static SharedSecretToken sentBy(SharedSecretToken sender) throws Exception {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(sender.size());
        sender.writeTo(out);
        assertThat(out.position()).isEqualTo(sender.size());
        SharedSecretToken received = new SharedSecretToken();
        received.readFrom(new ByteArrayDataInputStream(out.buffer(), 0, out.position()));
        return received;
    }

    @Test
    void sameSecret_isAccepted() throws Exception {
        Message join = new EmptyMessage();

        assertThat(new SharedSecretToken("one").authenticate(sentBy(new SharedSecretToken("one")), join)).isTrue();
    }

    @Test
    void otherSecret_isRefused() throws Exception {
        Message join = new EmptyMessage();

        assertThat(new SharedSecretToken("one").authenticate(sentBy(new SharedSecretToken("two")), join)).isFalse();
    }

    @Test
    void tokenBoundToNoAddress_isRefusedForAMessageFromAnAddress() throws Exception {
        Message join = new EmptyMessage().setSrc(UUID.randomUUID());

        assertThat(new SharedSecretToken("one").authenticate(sentBy(new SharedSecretToken("one")), join)).isFalse();
    }

    @Test
    void theSecretNeverTravels() throws Exception {
        SharedSecretToken token = new SharedSecretToken("a-rather-long-secret");
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64);
        token.writeTo(out);

        assertThat(new String(out.buffer(), 0, out.position(), StandardCharsets.ISO_8859_1))
                .doesNotContain("a-rather-long-secret");
        assertThat(token).hasToString("SharedSecretToken");
    }

    @Test
    void eachTokenSent_hasAFreshNonce() throws Exception {
        SharedSecretToken token = new SharedSecretToken("one");
        ByteArrayDataOutputStream first = new ByteArrayDataOutputStream(64);
        ByteArrayDataOutputStream second = new ByteArrayDataOutputStream(64);
        token.writeTo(first);
        token.writeTo(second);

        assertThat(first.buffer()).isNotEqualTo(second.buffer());
    }
}
