package org.virtiotrace.host.control;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.config.ConfigText;
import org.virtiotrace.core.config.TraceConfig;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.session.SessionLog;

/**
 * The metadata a recording needs from the agent: the handshake and the formats before tracing
 * (or --meta's files for an agent that does not answer), what changed after it.
 */
public final class MetadataExchange {
    /** How long a ?meta answer may take, in handshakes (kallsyms under TCG with the guest busy: seconds). */
    static final int META_TIMEOUTS = 12;
    /** How long the final ?update may take, in handshakes. */
    static final int UPDATE_TIMEOUTS = 2;

    private final ControlClient ctl;
    private final int answerTimeoutMs;
    private final Path metaDir;
    private final SessionLog log;
    private final List<String> warnings;

    /**
     * @param answerTimeoutMs how long the agent has to answer the handshake
     * @param metaDir         metadata exported in the guest, for an agent that does not answer; or null
     * @param warnings        where what went wrong but did not stop the recording is said
     */
    public MetadataExchange(ControlClient ctl, int answerTimeoutMs, Path metaDir, SessionLog log,
                            List<String> warnings) {
        this.ctl = ctl;
        this.answerTimeoutMs = answerTimeoutMs;
        this.metaDir = metaDir;
        this.log = log;
        this.warnings = warnings;
    }

    /**
     * Asks the agent to trace {@code guest} in a private instance for this recording: done when it
     * answers yes; exit 2 with the agent's one line when it refuses; exit 3 when it does not answer
     * (the C agent and older agents cannot be configured). Returns what to tell the user ("the
     * guest traces instance NAME, configured in N ms"), or null when a signal cut the wait.
     */
    public String configure(TraceConfig guest) throws ExitException {
        long t0 = System.nanoTime();
        Optional<ReplyFrame> r;
        try {
            r = ctl.askText("configure", ConfigText.encode(guest), META_TIMEOUTS * answerTimeoutMs);
        } catch (IOException e) {
            throw new ExitException(Exit.NO_GUEST, e.getMessage() + ": sending the trace configuration (the guest, "
                    + "QEMU or the agent went away); nothing was recorded");
        }
        if (r.isEmpty()) {
            if (ctl.abandoned()) {
                return null;
            }
            throw new ExitException(Exit.NO_GUEST, ctl.describe() + ": no answer to the trace configuration within "
                    + META_TIMEOUTS * answerTimeoutMs / 1000 + " s (saw " + ctl.lastProblem() + "): the guest's agent "
                    + "cannot choose what it traces (the C trace-agent or an older trace-agent?); record without "
                    + "-e/-f/-b/-p/-l/-n/-g/-C/-O/-T, or update the guest's agent");
        }
        if (r.get().isError()) {
            throw new ExitException(Exit.USAGE, "the guest refused: " + r.get().text() + "; nothing was traced");
        }
        log.event(SessionEvent.META_USED, r.get().requestId(), "configure");
        Properties said = TraceMetadata.parseInfo(r.get().text());
        String where = said.getProperty("session", "instance " + said.getProperty("instance", "?"));
        return "the guest traces what was asked in its " + where + " (configured in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms)";
    }

    /** Drops a configuration whose recording will not start (the agent removes its instance). */
    public void cancelConfiguration() {
        try {
            ctl.askText("configure", ConfigText.encode(TraceConfig.NONE), answerTimeoutMs);
        } catch (IOException e) {
            warnings.add(ctl.describe() + ": cannot withdraw the trace configuration: " + e.getMessage()
                    + "; the agent removes its instance at the next recording or when it stops");
        }
    }

    /** The handshake and the metadata: from the agent, or from --meta, or none (raw streams only). */
    public Metadata fetch() throws ExitException, IOException {
        long t0 = System.nanoTime();
        Optional<ReplyFrame> hello;
        try {
            hello = ctl.ask("hello", answerTimeoutMs);
        } catch (IOException e) {
            throw new ExitException(Exit.NO_GUEST, e.getMessage());
        }
        String problem;
        if (hello.isPresent() && !hello.get().isError()) {
            Properties said = TraceMetadata.parseInfo(hello.get().text());
            log.begin(said.getProperty("agent", "unnamed"));
            log.event(SessionEvent.META_USED, hello.get().requestId(), "hello");
            Optional<ReplyFrame> m;
            try {
                m = ctl.ask("meta", META_TIMEOUTS * answerTimeoutMs);
            } catch (IOException e) {
                throw new ExitException(Exit.NO_GUEST, e.getMessage() + ": asking for the metadata (the guest, QEMU or "
                        + "the agent went away during the handshake); nothing was recorded");
            }
            if (m.isPresent() && !m.get().isError()) {
                log.event(SessionEvent.META_USED, m.get().requestId(), "meta");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                return Metadata.of(FileSet.decode(m.get().payload()), TraceMetadata.parseInfo(hello.get().text()),
                        true, ms);
            }
            problem = ctl.describe() + ": the agent answered the handshake but not the metadata request ("
                    + m.map(f -> "it said: " + f.text()).orElse("within " + META_TIMEOUTS * answerTimeoutMs / 1000
                    + " s it sent " + ctl.lastProblem()) + ")";
        } else {
            log.begin("none");
            problem = ctl.describe() + ": no answer from the agent within " + answerTimeoutMs + " ms ("
                    + hello.map(f -> "it answered: " + f.text()).orElse("saw " + ctl.lastProblem())
                    + "); the guest may run the C trace-agent, an older agent, or none";
        }
        if (metaDir != null) {
            warnings.add(problem + "; using the metadata in " + metaDir);
            FileSet set = FileSet.readFrom(metaDir);
            log.event(SessionEvent.META_FILES, set.encode());
            Properties info = TraceMetadata.parseInfo(set.text(TraceMetadata.INFO).orElse(""));
            return Metadata.of(set, info, false, 0);
        }
        warnings.add(problem + "; recording the raw streams only. For a trace.dat, run 'trace-agent export-meta DIR' "
                + "in the guest, copy DIR here and pass --meta DIR");
        return Metadata.none();
    }

    /**
     * What changed while tracing. A live agent always answers after the stop: silence here is
     * how a pipe chardev (QEMU holds the FIFOs, so no end of file ever comes) shows that the
     * agent or the guest has gone. Returns false then.
     */
    public boolean update(Metadata meta) {
        try {
            Optional<ReplyFrame> u = ctl.ask("update", UPDATE_TIMEOUTS * answerTimeoutMs);
            if (u.isPresent() && !u.get().isError()) {
                log.event(SessionEvent.META_USED, u.get().requestId(), "update");
                meta.files().putAll(FileSet.decode(u.get().payload()));
                return true;
            }
            warnings.add(ctl.describe() + ": no answer to the final update (" + u.map(ReplyFrame::text)
                    .orElse("it sent " + ctl.lastProblem()) + "): the agent or the guest went away during the "
                    + "recording, so every CPU may have ended early (each CPU's line says when its last page came); "
                    + "comm names and CPU stats are those from the start");
            return false;
        } catch (IOException e) {
            warnings.add(ctl.describe() + ": cannot ask for the final update: " + e.getMessage());
            return false;
        }
    }

    /**
     * Reads the agent's heartbeat counter into the session log (the agent logs the read too):
     * the value the streams' beats count from. An agent without a heartbeat says nothing usable.
     */
    public void logHeartbeat() {
        Optional<ReplyFrame> r;
        try {
            r = ctl.ask("heartbeat", answerTimeoutMs);
        } catch (IOException e) {
            warnings.add(ctl.describe() + ": cannot read the heartbeat counter: " + e.getMessage());
            return;
        }
        if (r.isPresent() && !r.get().isError()) {
            try {
                long v = Long.parseLong(TraceMetadata.parseInfo(r.get().text()).getProperty("heartbeat", "").strip());
                log.event(SessionEvent.HEARTBEAT, "read", v, 0L);
            } catch (NumberFormatException e) {
                // not a counter: nothing to log
            }
        }
    }
}
