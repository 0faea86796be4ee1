package org.virtiotrace.core.wire;

import java.util.Optional;

/**
 * The orders the host may write on agent-ctl-path. The C trace-agent's two orders;
 * later ones (status, metadata) are added here and in {@link OrderHandler}.
 */
public enum Order {
    START("1"),
    STOP("0");

    private final String token;

    Order(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    public static Optional<Order> of(String token) {
        for (Order o : values()) {
            if (o.token.equals(token)) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }

    /** True when some order is longer than {@code prefix} and starts with it. */
    static boolean extends_(String prefix) {
        for (Order o : values()) {
            if (o.token.length() > prefix.length() && o.token.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    static String expected() {
        StringBuilder sb = new StringBuilder();
        for (Order o : values()) {
            sb.append(sb.length() == 0 ? "" : " or ").append(o.token);
        }
        return sb.toString();
    }
}
