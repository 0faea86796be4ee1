package org.virtiotrace.agent;

/** The agent cannot start; the message is the one line the user reads, the code the exit status. */
public final class StartupException extends Exception {
    private final int exitCode;

    public StartupException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
