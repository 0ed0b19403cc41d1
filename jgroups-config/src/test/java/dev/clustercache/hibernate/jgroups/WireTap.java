package dev.clustercache.hibernate.jgroups;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jgroups.Message;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ByteArrayDataOutputStream;

/**
 * A protocol placed directly above the transport that records every message it passes down as the bytes the
 * transport will put on the wire for it (JGroups' own serialization, {@link Message#writeTo}), so that a test can
 * look for a string in what a node sends. Messages pass unchanged.
 */
final class WireTap extends Protocol {

    private final List<byte[]> sent = new CopyOnWriteArrayList<>();

    @Override
    public Object down(Message msg) {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(msg.size() + 16);
        try {
            msg.writeTo(out);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot serialize " + msg + " to record it", e);
        }
        sent.add(Arrays.copyOf(out.buffer(), out.position()));
        return down_prot.down(msg);
    }

    int messagesSent() {
        return sent.size();
    }

    /** Whether any message sent so far contains {@code text} in clear (as its UTF-8 bytes). */
    boolean sentInClear(String text) {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        return sent.stream().anyMatch(bytes -> indexOf(bytes, needle) >= 0);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
