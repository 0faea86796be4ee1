package org.virtiotrace.host.hosttrace;

/** --host cannot be done; the message is the one line to print. */
public final class HostTraceException extends Exception {
    public HostTraceException(String message) {
        super(message);
    }
}
