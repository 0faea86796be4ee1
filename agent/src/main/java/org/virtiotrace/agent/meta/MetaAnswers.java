package org.virtiotrace.agent.meta;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.virtiotrace.agent.control.Questions;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/** The agent's answers: {@code ?hello}, {@code ?meta}, {@code ?update} (docs/control-protocol.md). */
public final class MetaAnswers implements Questions {
    public static final String KNOWN = "hello meta update clock heartbeat set-heartbeat";

    private final TraceMetadata meta;

    public MetaAnswers(TraceMetadata meta) {
        this.meta = meta;
    }

    @Override
    public ReplyFrame answer(Request r) {
        try {
            return switch (r.name()) {
                case "hello" -> ReplyFrame.ok(r.id(), meta.hello().getBytes(StandardCharsets.UTF_8));
                case "meta" -> ReplyFrame.ok(r.id(), meta.meta().encode());
                case "update" -> ReplyFrame.ok(r.id(), meta.update().encode());
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
