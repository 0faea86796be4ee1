package org.virtiotrace.agent.heartbeat;

import java.nio.charset.StandardCharsets;
import org.virtiotrace.core.heartbeat.HeartbeatCounter;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/**
 * The host's read and write of the heartbeat counter ({@code ?heartbeat},
 * {@code ?set-heartbeat/ID:VALUE}), the vdev trace's read and write of its location. Each is
 * logged here, as the host logs it on its side.
 */
public final class HeartbeatAnswers {
    private final HeartbeatCounter counter;

    public HeartbeatAnswers(HeartbeatCounter counter) {
        this.counter = counter;
    }

    public ReplyFrame answer(Request r) {
        if (r.name().equals("heartbeat")) {
            long v = counter.value();
            Log.info("heartbeat: the host read the counter: %d", v);
            return text(r, "heartbeat=" + v + "\n");
        }
        long value;
        try {
            value = Long.parseLong(r.argument() == null ? "" : r.argument());
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 0) {
            return ReplyFrame.error(r.id(), "set-heartbeat needs a value: ?set-heartbeat/ID:N with N a decimal "
                    + "from 0 to " + Long.MAX_VALUE);
        }
        long was = counter.set(value);
        Log.info("heartbeat: the host set the counter to %d (it was %d)", value, was);
        return text(r, "heartbeat=" + value + "\nwas=" + was + "\n");
    }

    private static ReplyFrame text(Request r, String s) {
        return ReplyFrame.ok(r.id(), s.getBytes(StandardCharsets.US_ASCII));
    }
}
