package org.virtiotrace.host.control;

import java.util.Properties;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.link.PortLayout;

/**
 * The host's read and write of the agent's heartbeat counter ({@code virtio-trace heartbeat}),
 * the vdev trace's read and write of its location.
 */
public final class HeartbeatAccess {
    private HeartbeatAccess() {
    }

    /** Reads the counter, or sets it when {@code set} is given; returns the agent's reply text. */
    public static Properties run(PortLayout ports, Native nat, Long set, int timeoutMs) throws ExitException {
        return TraceMetadata.parseInfo(OneQuestion.ask(ports, nat, timeoutMs, "no agent, or one without a heartbeat",
                Exit.NO_GUEST, ctl -> set == null ? ctl.ask("heartbeat", timeoutMs)
                        : ctl.ask("set-heartbeat", Long.toString(set), timeoutMs)).text());
    }
}
