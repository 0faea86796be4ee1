package org.virtiotrace.host.record;

import java.io.IOException;
import java.util.Optional;
import java.util.Properties;
import org.virtiotrace.agent.control.ReplyFrame;
import org.virtiotrace.agent.meta.GuestMetadata;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.session.SessionLog;

/**
 * The host's read and write of the agent's heartbeat counter ({@code virtio-trace heartbeat}),
 * the vdev trace's read and write of its location. Takes the ports' lock: a second reader of
 * the control port would take a recording's replies.
 */
public final class HeartbeatAccess {
    private HeartbeatAccess() {
    }

    /** Reads the counter, or sets it when {@code set} is given; returns the agent's reply text. */
    public static Properties run(PortLayout ports, Native nat, Long set, int timeoutMs) throws RecordException {
        try {
            if (!ports.has(PortLayout.CTL)) {
                throw new RecordException(Exit.NO_GUEST, ports.missing(PortLayout.CTL, ports.cpusPresent().size()));
            }
        } catch (IOException e) {
            throw new RecordException(Exit.NO_GUEST, e.getMessage());
        }
        String[] holder = new String[1];
        try (SessionLock lock = SessionLock.tryTake(ports.dir(), holder).orElseThrow(() -> new RecordException(
                Exit.BUSY, ports.dir().resolve(SessionLock.NAME) + ": a virtio-trace (" + holder[0]
                        + ") uses these ports; ask while it does not"))) {
            ControlClient ctl = new ControlClient(ports.open(nat, PortLayout.CTL), SessionLog.NONE);
            try {
                ctl.drainStale();
                Optional<ReplyFrame> r = set == null ? ctl.ask("heartbeat", timeoutMs)
                        : ctl.ask("set-heartbeat", Long.toString(set), timeoutMs);
                if (r.isEmpty()) {
                    throw new RecordException(Exit.NO_GUEST, ctl.describe() + ": no answer within " + timeoutMs
                            + " ms (saw " + ctl.lastProblem() + "): no agent, or one without a heartbeat");
                }
                if (r.get().isError()) {
                    throw new RecordException(Exit.NO_GUEST, ctl.describe() + ": the agent said: " + r.get().text());
                }
                return GuestMetadata.parseInfo(r.get().text());
            } finally {
                ctl.close();
            }
        } catch (IOException e) {
            throw new RecordException(Exit.NO_GUEST, e.getMessage());
        }
    }
}
