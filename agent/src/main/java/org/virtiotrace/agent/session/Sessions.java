package org.virtiotrace.agent.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.virtiotrace.core.config.ConfigText;
import org.virtiotrace.core.config.TraceConfig;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.pump.PumpControl;
import org.virtiotrace.core.pump.TraceSource;
import org.virtiotrace.core.tracefs.Tracefs;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/**
 * The recordings the host configures ({@code ?configure}, docs/trace-config.md): at most one
 * waiting for its start order and one running. {@code ?configure} is answered on the request
 * worker; the start and stop orders come from the control thread; the end of a run from the
 * last pump to give its pipe back. All three meet under this object's lock.
 */
public final class Sessions {
    /** Every instance this agent makes starts so; nobody else's does, so leftovers are ours to remove. */
    public static final String PREFIX = "virtio-trace-agent-";

    private final Native nat;
    private final Tracefs agentBuffer;
    private final CpuList cpus;
    private final int subBufferSize;
    private final HostConfigPolicy policy;
    private final java.nio.file.Path loanRecord;
    private final TraceMetadata ownMeta;
    private final AtomicInteger made = new AtomicInteger();
    private TraceSession waiting; // configured, no start order yet
    private TraceSession running; // from the start order until its last pipe is given back
    private TraceSession ended;   // the last one, for its final ?update, until the next start
    /** A session waits for its start order: read by the control thread at every 1 without the lock. */
    private volatile boolean configured;
    /** The buffer traced now or next, read by the control thread's clock probes without the lock. */
    private volatile Tracefs traced;

    /**
     * @param loanRecord where a borrowed top-level buffer's values as found are kept while it is
     *                   borrowed ({@link Leftovers#remove} puts them back after a kill)
     */
    public Sessions(Native nat, Tracefs agentBuffer, CpuList cpus, int subBufferSize, HostConfigPolicy policy,
                    java.nio.file.Path loanRecord) {
        this.nat = nat;
        this.loanRecord = loanRecord;
        this.agentBuffer = agentBuffer;
        this.cpus = cpus;
        this.subBufferSize = subBufferSize;
        this.policy = policy;
        this.ownMeta = new TraceMetadata(agentBuffer, cpus, subBufferSize);
        this.traced = agentBuffer;
    }

    /** The buffer whose clock a probe reads: the configured or running session's, else the agent's own. */
    public Tracefs traced() {
        return traced;
    }

    /** {@code ?configure}: on the request worker. The reply's payload is the new session's handshake. */
    public ReplyFrame configure(Request r) {
        TraceConfig config;
        try {
            config = ConfigText.decode(r.text());
        } catch (IllegalArgumentException e) {
            return refuse(r, "cannot read the configuration: " + e.getMessage());
        }
        var refusal = policy.refusal(config);
        if (refusal.isPresent()) {
            return refuse(r, refusal.get());
        }
        synchronized (this) {
            if (running != null) {
                return refuse(r, "busy: recording in the " + running.where() + "; send 0 and wait for its end first");
            }
            if (waiting != null) {
                Log.info("a new configuration replaces the one in the %s, which never started", waiting.where());
                waiting.abandon();
                waiting = null;
                configured = false;
                traced = agentBuffer;
            }
        }
        if (config.isEmpty()) {
            return ReplyFrame.ok(r.id(), hello(ownMeta));
        }
        // made outside the lock: seconds under TCG, and the control thread takes the lock at every order.
        // The worker is the only thread that makes sessions, so no second one can start meanwhile.
        String name = PREFIX + ProcessHandle.current().pid() + "-" + made.incrementAndGet();
        TraceSession s;
        try {
            s = TraceSession.make(nat, agentBuffer, cpus, subBufferSize, name, config, loanRecord, this::ended);
        } catch (SetupRefused e) {
            return refuse(r, e.getMessage());
        }
        synchronized (this) {
            waiting = s;
            traced = s.metadata().tracefs();
            configured = true;
        }
        Log.info("configured by the host: %s", s.summary());
        byte[] hello = hello(s.metadata());
        byte[] where = ("session=" + s.where() + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] reply = java.util.Arrays.copyOf(hello, hello.length + where.length);
        System.arraycopy(where, 0, reply, hello.length, where.length);
        return ReplyFrame.ok(r.id(), reply);
    }

    private static ReplyFrame refuse(Request r, String why) {
        Log.warn("request %s refused: %s", r, why);
        return ReplyFrame.error(r.id(), why);
    }

    private static byte[] hello(TraceMetadata m) {
        try {
            return m.hello().getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ("error=" + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * On the control thread, at the start order, before the pumps are started: a configured
     * session's pipes go to the pumps ({@code controls} in the order of the agent's CPUs).
     */
    public void beforeStart(List<PumpControl> controls) {
        if (configured) {
            lendTo(controls);
        }
    }

    private synchronized void lendTo(List<PumpControl> controls) {
        if (waiting == null) {
            return;
        }
        configured = false;
        running = waiting;
        waiting = null;
        ended = null;
        running.tracing(true);
        List<TraceSource> pipes = running.lend();
        for (int i = 0; i < controls.size(); i++) {
            controls.get(i).follow(pipes.get(i));
        }
        Log.info("start order: tracing %s", running.summary());
    }

    /** On the control thread, at the stop order: the instance stops, so its tail has an end. */
    public void atStop() {
        if (traced != agentBuffer) {
            stopInstance();
        }
    }

    private synchronized void stopInstance() {
        if (running != null) {
            running.tracing(false);
        }
    }

    private synchronized void ended() {
        if (running != null && running.finalUpdate() != null) {
            ended = running;
            running = null;
            traced = waiting != null ? waiting.metadata().tracefs() : agentBuffer;
        }
    }

    /** What {@code ?hello} and {@code ?meta} describe: the configured or running session, else the agent's own. */
    public synchronized TraceMetadata metadata() {
        TraceSession s = waiting != null ? waiting : running;
        return s != null ? s.metadata() : ownMeta;
    }

    /** {@code ?update}: the running session's, the last one's final files, or the agent's own buffer's. */
    public FileSet update() throws IOException {
        TraceSession last;
        TraceMetadata live;
        synchronized (this) {
            last = running == null && waiting == null ? ended : null;
            live = running != null ? running.metadata() : ownMeta;
        }
        if (last != null) {
            return last.finalUpdate();
        }
        return live.update();
    }

    /** At exit, after the pumps have ended: nothing of ours is left in tracefs. */
    public synchronized void close() {
        traced = agentBuffer;
        if (waiting != null) {
            waiting.abandon();
            waiting = null;
            configured = false;
        }
        if (running != null) {
            running.end(); // a pump that did not stop in time still holds a pipe: removal may fail, said once
            running = null;
        }
    }
}
