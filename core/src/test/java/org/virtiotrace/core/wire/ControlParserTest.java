package org.virtiotrace.core.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the host may write on agent-ctl-path, and what the agent makes of it. */
class ControlParserTest {
    private final List<String> seen = new ArrayList<>();
    private final ControlParser parser = new ControlParser(new OrderHandler() {
        @Override
        public void order(Order order) {
            seen.add(order.name());
        }

        @Override
        public void request(Request request) {
            seen.add("request:" + request);
        }

        @Override
        public void unknown(String token) {
            seen.add("unknown:" + token);
        }
    });

    private void host(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        parser.feed(b, 0, b.length);
    }

    @Test
    void echo_1_starts() {
        host("1\n");
        assertEquals(List.of("START"), seen);
    }

    @Test
    void echo_0_stops() {
        host("0\n");
        assertEquals(List.of("STOP"), seen);
    }

    @Test
    void an_order_without_newline_is_obeyed_at_once() {
        host("1");
        assertEquals(List.of("START"), seen);
        assertFalse(parser.hasPending());
    }

    @Test
    void crlf_line_endings_are_accepted() {
        host("1\r\n0\r\n");
        assertEquals(List.of("START", "STOP"), seen);
    }

    @Test
    void several_orders_in_one_read_are_obeyed_in_order() {
        host("1\n0\n1\n");
        assertEquals(List.of("START", "STOP", "START"), seen);
    }

    @Test
    void a_line_ending_split_across_reads_adds_nothing() {
        host("1\r");
        host("\n");
        assertEquals(List.of("START"), seen);
    }

    @Test
    void garbage_split_across_reads_is_reported_once_whole() {
        host("sta");
        assertTrue(parser.hasPending(), "an unterminated unknown token waits for more bytes");
        host("rt\n");
        assertEquals(List.of("unknown:start"), seen);
    }

    @Test
    void an_unterminated_unknown_token_is_reported_when_the_writer_goes_quiet() {
        host("x");
        assertEquals(List.of(), seen);
        parser.flush();
        assertEquals(List.of("unknown:x"), seen);
    }

    @Test
    void garbage_between_orders_is_reported_and_the_orders_still_work() {
        host("1\nhello\n0\n");
        assertEquals(List.of("START", "unknown:hello", "STOP"), seen);
    }

    @Test
    void unprintable_bytes_are_quoted_escaped() {
        host("a\u0001\u00ff\"b\n");
        assertEquals(List.of("unknown:a\\x01\\xff\\\"b"), seen);
    }

    @Test
    void a_long_token_is_quoted_cut_to_a_bounded_length() {
        host("y".repeat(10_000) + "\n");
        assertEquals(1, seen.size());
        String quoted = seen.get(0).substring("unknown:".length());
        assertTrue(quoted.length() <= ControlParser.MAX_QUOTE + 3, quoted);
        assertTrue(quoted.endsWith("..."), quoted);
    }

    @Test
    void an_order_glued_to_garbage_is_not_an_order() {
        host("10\n");
        assertEquals(List.of("unknown:10"), seen);
    }

    @Test
    void repeated_orders_are_delivered_and_harmless_to_parse() {
        host("1\n1\n1\n");
        assertEquals(List.of("START", "START", "START"), seen);
    }

    @Test
    void nul_and_spaces_separate_orders() {
        host("1\u00000 1\t");
        assertEquals(List.of("START", "STOP", "START"), seen);
    }

    @Test
    void empty_lines_are_ignored() {
        host("\n\n\r\n");
        assertEquals(List.of(), seen);
    }

    @Test
    void a_request_is_a_question_mark_token_and_never_an_order() {
        host("?hello/7\n1\n?meta\n");
        assertEquals(List.of("request:?hello/7", "START", "request:?meta/0"), seen);
    }

    @Test
    void a_request_split_across_reads_is_joined() {
        host("?upd");
        host("ate/42\n");
        assertEquals(List.of("request:?update/42"), seen);
    }

    @Test
    void a_malformed_request_is_an_unknown_token() {
        host("?Hello\n?meta/99999999999\n?/1\n");
        assertEquals(List.of("unknown:?Hello", "unknown:?meta/99999999999", "unknown:?/1"), seen);
    }

    @Test
    void a_request_that_starts_like_an_order_is_still_a_request() {
        host("?1\n");
        assertEquals(List.of("unknown:?1"), seen);
    }
}
