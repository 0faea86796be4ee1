package org.virtiotrace.agent.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.virtiotrace.core.config.TraceConfig;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.tracefs.Tracefs;

/**
 * A recording whose settings the kernel makes only in its top-level buffer (function_graph and
 * its files before about 6.12): that buffer, borrowed for the recording if nobody uses it and
 * the agent does not read it itself, and put back as found afterwards ({@link Restorer}).
 */
final class TopLevelLoan {
    private TopLevelLoan() {
    }

    /** The session on the borrowed top-level buffer, or the refusal saying what stands in the way. */
    static TraceSession borrow(Native nat, Tracefs agentBuffer, CpuList cpus, int subBufferSize, TraceConfig config,
                               Path loanRecord, Runnable onEnd, String why) throws SetupRefused {
        Path mount = agentBuffer.mount();
        Tracefs top = new Tracefs(mount, mount);
        if (agentBuffer.dir().equals(mount)) {
            // its pipes are open, and the kernel refuses a tracer change on a buffer being read (EBUSY)
            throw new SetupRefused(why + ", which this agent reads itself, so the kernel refuses to change it; run "
                    + "trace-agent with --instance NAME (TRACE_AGENT_OPTS in /etc/default/trace-agent) to leave the "
                    + "top-level buffer free for a recording to borrow");
        }
        String busy = inUse(mount);
        if (busy != null) {
            throw new SetupRefused(why + ", which is in use (" + busy + "): not borrowed");
        }
        Restorer r = new Restorer(mount, loanRecord);
        TraceSession s = null;
        try {
            if (top.subBufferSize() != subBufferSize) {
                throw new SetupRefused(why + ", whose sub-buffers are " + top.subBufferSize() + " bytes, the agent's "
                        + subBufferSize);
            }
            new InstanceSetup(new TracefsWrites(r), mount, EventCatalog.read(mount.resolve("events"))).apply(config);
            String where = "top-level buffer, borrowed (" + why + "; nobody used it; put back as found after the "
                    + "recording)";
            s = new TraceSession(null, r, TraceSession.metadata(top, cpus, subBufferSize), where,
                    TraceSession.describe(mount, "top-level buffer"), onEnd);
            s.openPipes(nat, top, cpus, true);
            return s;
        } catch (SetupRefused | IOException e) {
            if (s != null) {
                s.closePipes();
            }
            List<String> left = r.restore();
            if (!left.isEmpty()) {
                Log.warn("%s: not put back after a refused configuration: %s", mount, String.join(", ", left));
            }
            throw e instanceof SetupRefused sr ? sr : new SetupRefused("cannot set up " + mount + ": "
                    + TracefsWrites.reason((IOException) e));
        }
    }

    /** Why the top-level buffer may not be borrowed (someone traces there), or null. */
    private static String inUse(Path mount) throws SetupRefused {
        try {
            String tracer = Files.readString(mount.resolve("current_tracer")).trim();
            long events = Files.readAllLines(mount.resolve("set_event")).stream().filter(l -> !l.isBlank()).count();
            if (!tracer.equals("nop")) {
                return "tracer " + tracer;
            }
            return events > 0 ? events + (events == 1 ? " event" : " events") + " enabled" : null;
        } catch (IOException e) {
            throw new SetupRefused(mount + ": " + TracefsWrites.reason(e));
        }
    }
}
