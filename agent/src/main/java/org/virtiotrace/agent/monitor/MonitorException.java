package org.virtiotrace.agent.monitor;

/** A request the agent refused, or a socket the client could not use; the message is the one line to show. */
public final class MonitorException extends Exception {
    /** Whether the agent answered and refused, or could not be asked at all. */
    public enum Kind { REFUSED, UNREACHABLE }

    private final Kind kind;

    public MonitorException(String message) {
        this(Kind.REFUSED, message);
    }

    public MonitorException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
