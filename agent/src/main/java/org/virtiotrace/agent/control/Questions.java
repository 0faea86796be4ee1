package org.virtiotrace.agent.control;

/** What the agent can be asked on the control port; answered off the control thread. */
public interface Questions {
    /** The reply to {@code request}: its answer, or an error frame saying why not. Never throws. */
    ReplyFrame answer(Request request);
}
