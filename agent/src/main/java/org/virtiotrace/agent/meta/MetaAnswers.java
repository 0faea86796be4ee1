package org.virtiotrace.agent.meta;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.virtiotrace.agent.control.Questions;
import org.virtiotrace.agent.session.ListAnswers;
import org.virtiotrace.agent.session.Sessions;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/**
 * The agent's answers on the request worker: {@code ?hello}, {@code ?meta}, {@code ?update}
 * (docs/control-protocol.md), {@code ?configure} and {@code ?list} (docs/trace-config.md).
 * The metadata is the configured recording's while there is one, else the agent's own buffer's.
 */
public final class MetaAnswers implements Questions {
    public static final String KNOWN = "hello meta update configure list clock heartbeat set-heartbeat";

    private final Sessions sessions;
    private final ListAnswers lists;

    public MetaAnswers(Sessions sessions, ListAnswers lists) {
        this.sessions = sessions;
        this.lists = lists;
    }

    @Override
    public ReplyFrame answer(Request r) {
        try {
            return switch (r.name()) {
                case "hello" -> ReplyFrame.ok(r.id(), sessions.metadata().hello().getBytes(StandardCharsets.UTF_8));
                case "meta" -> ReplyFrame.ok(r.id(), sessions.metadata().meta().encode());
                case "update" -> ReplyFrame.ok(r.id(), sessions.update().encode());
                case "configure" -> sessions.configure(r);
                case "list" -> lists.answer(r);
                default -> {
                    Log.warn("request %s: unknown (known: %s)", r, KNOWN);
                    yield ReplyFrame.error(r.id(), "unknown request '" + r.name() + "' (known: " + KNOWN + ")");
                }
            };
        } catch (IOException | RuntimeException e) {
            Log.error("request %s: %s", r, e.getMessage());
            return ReplyFrame.error(r.id(), "cannot answer " + r + ": " + e.getMessage());
        }
    }
}
