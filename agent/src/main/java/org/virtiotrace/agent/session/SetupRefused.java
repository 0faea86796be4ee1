package org.virtiotrace.agent.session;

/** A configuration the guest cannot or may not trace; the message is the one line the host prints. */
public class SetupRefused extends Exception {
    public SetupRefused(String message) {
        super(message);
    }
}
