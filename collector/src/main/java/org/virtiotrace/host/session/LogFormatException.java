package org.virtiotrace.host.session;

/**
 * A log this version cannot read at all: not a session log, one written by a newer version
 * (exit 9), or a session log damaged before anything could be read from it (exit 8): one line
 * for the user.
 */
public final class LogFormatException extends Exception {
    private final boolean damaged;

    public LogFormatException(String message) {
        this(message, false);
    }

    private LogFormatException(String message, boolean damaged) {
        super(message);
        this.damaged = damaged;
    }

    /** A session log (its mappings name our events), but damaged where it starts. */
    static LogFormatException damaged(String message) {
        return new LogFormatException(message, true);
    }

    /** True for a damaged session log, false for a file that is none (or a newer one). */
    public boolean damaged() {
        return damaged;
    }
}
