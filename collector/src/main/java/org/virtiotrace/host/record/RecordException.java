package org.virtiotrace.host.record;

/** A recording that cannot go on (or start): the one line to print and the exit status. */
public final class RecordException extends Exception {
    private final int exit;

    public RecordException(int exit, String message) {
        super(message);
        this.exit = exit;
    }

    public int exit() {
        return exit;
    }
}
