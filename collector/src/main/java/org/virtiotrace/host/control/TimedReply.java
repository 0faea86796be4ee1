package org.virtiotrace.host.control;

import org.virtiotrace.core.wire.ReplyFrame;

/**
 * A reply with the host's CLOCK_MONOTONIC times around it: just before the request's write,
 * and when the read that completed the reply returned.
 */
public record TimedReply(ReplyFrame frame, long sentNanos, long receivedNanos) {
    /** Asks over the control port and times the exchange; empty when no reply came in time. */
    @FunctionalInterface
    public interface Asker {
        java.util.Optional<TimedReply> ask(String name, int timeoutMs) throws java.io.IOException;
    }
}
