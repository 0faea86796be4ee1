package org.virtiotrace.host.record;

import java.io.IOException;
import java.util.List;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.VersionText;
import org.virtiotrace.host.control.ControlClient;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.session.SessionLog;

/** What a recording puts in its session log beyond the bytes of the ports: its start, progress, totals and end. */
final class RecordingLog {
    private RecordingLog() {
    }

    /** The log --session asks for, or {@link SessionLog#NONE}. */
    static SessionLog open(RecordOptions opt) throws ExitException {
        if (opt.session() == null) {
            return SessionLog.NONE;
        }
        try {
            return SessionLog.create(opt.session(), opt.ports().target(), VersionText.collector());
        } catch (IOException e) {
            throw new ExitException(Exit.OUTPUT, opt.session() + ": cannot write the session log: " + e.getMessage());
        }
    }

    /** Once a second while tracing: each CPU's counters. */
    static void progress(SessionLog log, List<CpuCollector> collectors) {
        for (CpuCollector c : collectors) {
            log.event(SessionEvent.PROGRESS, c.cpu, c.bytes(), c.pages(), c.lostEvents(), c.tornPages());
        }
    }

    /** After the stop: the control port's totals and each CPU's. */
    static void totals(SessionLog log, ControlClient ctl, List<CpuCollector> collectors) {
        log.event(SessionEvent.CTL_TOTAL, ctl.totals()[0], ctl.totals()[1]);
        for (CpuCollector c : collectors) {
            log.event(SessionEvent.CPU_TOTAL, c.cpu, c.bytes(), c.pages(), c.lostEvents(), c.tornPages(), c.leftover());
        }
    }

    /** The warnings and the end record; a log that failed on the way says so in the summary. */
    static void close(SessionLog log, Summary summary) {
        if (!log.enabled()) {
            if (log.failure() != null) {
                summary.lines().add("warning: session log: " + log.failure());
            }
            return;
        }
        summary.lines().stream().filter(l -> l.startsWith("warning: ")).forEach(l -> log.event(SessionEvent.NOTE, l));
        log.end(summary.exit());
        if (log.failure() != null) {
            summary.lines().add("warning: session log: " + log.failure());
        } else {
            summary.lines().add(String.format("session log %s (%.1f MB, %d records); see it with: virtio-trace dump %s",
                    log.path(), log.size() / 1e6, log.records(), log.path()));
        }
    }
}
