package org.virtiotrace.agent.control;

import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/** Some of what the agent can be asked on the control port, and the answers. */
public interface Questions {
    /** True for the requests these questions cover. */
    default boolean answers(Request request) {
        return true;
    }

    /** Told of every request on the control thread as it is parsed, before it is routed. */
    default void heard(Request request) {
    }

    /** The reply to {@code request}: its answer, or an error frame saying why not. Never throws. */
    ReplyFrame answer(Request request);
}
