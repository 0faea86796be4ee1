package org.virtiotrace.core.wire;

/**
 * Splits what arrives on the control port into orders. Tokens end at a newline, CR,
 * NUL, space or tab, so "1", "1\n", "1\r\n" and "1\n0\n" in one read all work, and a
 * token split across reads is joined. A token that is a whole order and the prefix of
 * no longer one needs no terminator: a host writing "1" without newline is obeyed at
 * once. Other unterminated text waits for more bytes, or for {@link #flush()}. A token
 * that starts with '?' is a {@link Request}, never an order.
 *
 * <p>Not thread-safe: owned by the control thread.
 */
public final class ControlParser {
    /** Longest token kept (a request with the longest argument); the rest of a longer one is skipped. */
    static final int MAX_TOKEN = Request.MAX_ARGUMENT + 64;
    /** How much of a bad token a log line quotes. */
    static final int MAX_QUOTE = 32;

    private final OrderHandler handler;
    private final StringBuilder token = new StringBuilder();
    private boolean overlong;

    public ControlParser(OrderHandler handler) {
        this.handler = handler;
    }

    /** Feeds the bytes of one read; orders complete by its end are dispatched. */
    public void feed(byte[] data, int off, int len) {
        for (int i = off; i < off + len; i++) {
            int b = data[i] & 0xff;
            if (isTerminator(b)) {
                endToken();
            } else if (token.length() < MAX_TOKEN) {
                token.append((char) b);
            } else {
                overlong = true;
            }
        }
        if (!overlong && token.length() > 0 && Order.of(token.toString()).isPresent()
                && !Order.extends_(token.toString())) {
            endToken();
        }
    }

    /** True when an unterminated token is waiting for more bytes. */
    public boolean hasPending() {
        return token.length() > 0;
    }

    /** The writer went quiet (or away): a pending token is complete as it stands. */
    public void flush() {
        endToken();
    }

    private static boolean isTerminator(int b) {
        return b == '\n' || b == '\r' || b == 0 || b == ' ' || b == '\t';
    }

    private void endToken() {
        if (token.length() == 0) {
            overlong = false;
            return;
        }
        String t = token.toString();
        token.setLength(0);
        boolean cut = overlong;
        overlong = false;
        if (!cut) {
            var order = Order.of(t);
            if (order.isPresent()) {
                handler.order(order.get());
                return;
            }
            var request = Request.parse(t);
            if (request.isPresent()) {
                handler.request(request.get());
                return;
            }
        }
        handler.unknown(escape(t, cut));
    }

    static String escape(String t, boolean cut) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (; i < t.length() && sb.length() < MAX_QUOTE; i++) {
            char c = t.charAt(i);
            if (c == '\\' || c == '"') {
                sb.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            } else {
                sb.append(String.format("\\x%02x", (int) c));
            }
        }
        return sb + (cut || i < t.length() ? "..." : "");
    }

    static String expected() {
        return Order.expected();
    }
}
