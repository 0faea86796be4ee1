package org.virtiotrace.host.control;

import java.io.IOException;
import java.util.Optional;
import java.util.Properties;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.link.PortLock;
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
    public static Properties run(PortLayout ports, Native nat, Long set, int timeoutMs) throws ExitException {
        try {
            if (!ports.has(PortNames.CONTROL)) {
                throw new ExitException(Exit.NO_GUEST, ports.missing(PortNames.CONTROL, ports.cpusPresent().size()));
            }
        } catch (IOException e) {
            throw new ExitException(Exit.NO_GUEST, e.getMessage());
        }
        try (PortLock lock = PortLock.take(ports.dir(), "uses these ports; ask while it does not")) {
            ControlClient ctl = new ControlClient(ports.open(nat, PortNames.CONTROL), SessionLog.NONE);
            try {
                ctl.drainStale();
                Optional<ReplyFrame> r = set == null ? ctl.ask("heartbeat", timeoutMs)
                        : ctl.ask("set-heartbeat", Long.toString(set), timeoutMs);
                if (r.isEmpty()) {
                    throw new ExitException(Exit.NO_GUEST, ctl.describe() + ": no answer within " + timeoutMs
                            + " ms (saw " + ctl.lastProblem() + "): no agent, or one without a heartbeat");
                }
                if (r.get().isError()) {
                    throw new ExitException(Exit.NO_GUEST, ctl.describe() + ": the agent said: " + r.get().text());
                }
                return TraceMetadata.parseInfo(r.get().text());
            } finally {
                ctl.close();
            }
        } catch (IOException e) {
            throw new ExitException(Exit.NO_GUEST, e.getMessage());
        }
    }
}
