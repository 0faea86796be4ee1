package org.virtiotrace.host;

/** A command that cannot go on (or start): the one line to print, and the documented exit status ({@link Exit}). */
public final class ExitException extends Exception {
    private final int exit;

    public ExitException(int exit, String message) {
        super(message);
        this.exit = exit;
    }

    public int exit() {
        return exit;
    }
}
