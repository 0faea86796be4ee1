package org.virtiotrace.host.session;

/** A file that is not a session log, or one this version cannot read: one line for the user. */
public final class LogFormatException extends Exception {
    public LogFormatException(String message) {
        super(message);
    }
}
