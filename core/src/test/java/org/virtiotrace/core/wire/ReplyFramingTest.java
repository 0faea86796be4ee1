package org.virtiotrace.core.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Replies on agent-ctl-path as a host reads them: whole, split, cut, damaged, among noise. */
class ReplyFramingTest {
    private static byte[] bigText() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            b.append(String.format("ffffffff81%06x T some_kernel_function_%d%n", i * 16, i));
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void a_reply_read_in_one_piece_comes_out_whole() {
        ReplyScanner s = new ReplyScanner();
        List<ReplyFrame> got = s.feed(ReplyFrame.ok(3, "protocol=1\n".getBytes()).encode(), 0, 39);
        assertEquals(1, got.size());
        assertEquals(3, got.get(0).requestId());
        assertEquals("protocol=1\n", got.get(0).text());
        assertNull(s.pendingDescription());
    }

    @Test
    void a_large_reply_is_compressed_and_decoded_byte_for_byte() {
        byte[] text = bigText();
        byte[] wire = ReplyFrame.ok(9, text).encode();
        assertTrue(wire.length < text.length / 3, "compressed to " + wire.length + " of " + text.length);
        List<ReplyFrame> got = new ReplyScanner().feed(wire, 0, wire.length);
        assertArrayEquals(text, got.get(0).payload());
    }

    @Test
    void a_reply_split_into_one_byte_reads_is_joined() {
        byte[] wire = ReplyFrame.ok(1, bigText()).encode();
        ReplyScanner s = new ReplyScanner();
        List<ReplyFrame> got = new ArrayList<>();
        for (int i = 0; i < wire.length; i += 997) {
            got.addAll(s.feed(wire, i, Math.min(997, wire.length - i)));
        }
        assertEquals(1, got.size());
        assertArrayEquals(bigText(), got.get(0).payload());
    }

    @Test
    void noise_before_and_between_replies_is_skipped_and_counted() {
        byte[] a = ReplyFrame.ok(1, "a".getBytes()).encode();
        byte[] b = ReplyFrame.error(2, "unknown request 'x'").encode();
        byte[] noise = "VTRP garbage VT\n".getBytes(StandardCharsets.US_ASCII);
        byte[] all = concat(noise, a, noise, b);
        ReplyScanner s = new ReplyScanner();
        List<ReplyFrame> got = s.feed(all, 0, all.length);
        assertEquals(2, got.size());
        assertTrue(got.get(1).isError());
        assertEquals("unknown request 'x'", got.get(1).text());
        assertEquals(2L * noise.length, s.noiseBytes());
    }

    @Test
    void a_truncated_reply_is_reported_as_cut_not_returned() {
        byte[] wire = ReplyFrame.ok(5, bigText()).encode();
        ReplyScanner s = new ReplyScanner();
        assertEquals(0, s.feed(wire, 0, wire.length - 10).size());
        assertTrue(s.pendingDescription().startsWith("reply 5 cut after"), s.pendingDescription());
    }

    @Test
    void a_reply_cut_short_then_followed_by_a_whole_one_yields_the_whole_one() {
        byte[] cut = ReplyFrame.ok(5, bigText()).encode();
        byte[] whole = ReplyFrame.ok(6, "ok".getBytes()).encode();
        byte[] all = concat(java.util.Arrays.copyOf(cut, 1000), whole);
        List<ReplyFrame> got = new ReplyScanner().feed(all, 0, all.length);
        assertEquals(1, got.size());
        assertEquals(6, got.get(0).requestId());
    }

    @Test
    void a_damaged_payload_is_reported_and_reading_goes_on() {
        byte[] wire = ReplyFrame.ok(7, "hello world".getBytes()).encode();
        wire[ReplyFrame.HEADER_SIZE + 2] ^= 0x40;
        byte[] next = ReplyFrame.ok(8, "x".getBytes()).encode();
        ReplyScanner s = new ReplyScanner();
        List<ReplyFrame> got = s.feed(concat(wire, next), 0, wire.length + next.length);
        assertEquals(List.of(8L), got.stream().map(ReplyFrame::requestId).toList());
        assertTrue(s.takeProblems().get(0).contains("CRC"));
    }

    @Test
    void random_garbage_never_yields_a_reply() {
        byte[] junk = new byte[1 << 20];
        new Random(42).nextBytes(junk);
        ReplyScanner s = new ReplyScanner();
        assertEquals(0, s.feed(junk, 0, junk.length).size());
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
