package org.virtiotrace.host.control;

import java.io.IOException;
import java.util.Optional;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.link.PortLock;
import org.virtiotrace.host.session.SessionLog;

/**
 * One request to the agent outside a recording ({@code heartbeat}, {@code list}): takes the
 * ports' lock (a second reader of the control port would take a recording's replies), drops
 * what an earlier session left unread, asks, and turns silence or a refusal into one line.
 */
public final class OneQuestion {
    /** How a command asks its question on an open client. */
    public interface Asker {
        Optional<ReplyFrame> ask(ControlClient ctl) throws IOException;
    }

    private OneQuestion() {
    }

    /**
     * The agent's answer; exit 3 when there is no control port or no answer, exit 5 when a
     * recording holds the ports, {@code refusedExit} with the agent's words when it refuses.
     */
    public static ReplyFrame ask(PortLayout ports, Native nat, int timeoutMs, String silence, int refusedExit,
                                 Asker asker) throws ExitException {
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
                Optional<ReplyFrame> r = asker.ask(ctl);
                if (r.isEmpty()) {
                    throw new ExitException(Exit.NO_GUEST, ctl.describe() + ": no answer within " + timeoutMs
                            + " ms (saw " + ctl.lastProblem() + "): " + silence);
                }
                if (r.get().isError()) {
                    throw new ExitException(refusedExit, ctl.describe() + ": the agent said: " + r.get().text());
                }
                return r.get();
            } finally {
                ctl.close();
            }
        } catch (IOException e) {
            throw new ExitException(Exit.NO_GUEST, e.getMessage());
        }
    }
}
