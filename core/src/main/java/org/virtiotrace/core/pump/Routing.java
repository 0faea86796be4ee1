package org.virtiotrace.core.pump;

/**
 * Where one CPU's pages are going right now ({@link Route}) and to what, for `trace-agent
 * status`: changed by the pump thread only, readable from any thread; whoever listens is
 * told on the pump's thread when the route changes.
 */
final class Routing {
    private final String destination;
    private volatile Route route;
    private volatile Runnable onChange = () -> { };

    Routing(Route first, String destination) {
        this.route = first;
        this.destination = destination;
    }

    Route current() {
        return route;
    }

    /** The port's path (or where it is expected), "stdout", or "memory" with --sink memory. */
    String destination() {
        return destination;
    }

    /** Set before the pump's thread starts. */
    void whenChanges(Runnable r) {
        onChange = r;
    }

    void set(Route next) {
        if (route != next) {
            route = next;
            onChange.run();
        }
    }
}
