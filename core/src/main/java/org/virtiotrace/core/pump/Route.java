package org.virtiotrace.core.pump;

/** Where a CPU's pages are going right now, as `trace-agent status` shows it. */
public enum Route {
    /** Straight to the port (or stdout), zero-copy, with splice. */
    PORT("direct"),
    /** Into memory, then to the port, oldest first, as fast as the port takes them. */
    BACKLOG("memory, draining to the port"),
    /** Into memory: the port accepted nothing for the stall timeout. */
    STALLED("memory, port stalled"),
    /** Into memory: the port does not exist (yet). */
    MISSING("memory, port missing"),
    /** Into memory by choice (--sink memory). */
    MEMORY("memory");

    private final String words;

    Route(String words) {
        this.words = words;
    }

    public String words() {
        return words;
    }
}
