package org.virtiotrace.core.tracefs;

/** tracefs cannot be found, mounted or used; the message says what to do. */
public final class TracefsException extends Exception {
    public TracefsException(String message) {
        super(message);
    }
}
