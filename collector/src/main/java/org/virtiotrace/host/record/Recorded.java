package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.host.control.Metadata;
import org.virtiotrace.host.tracedat.CpuData;

/**
 * What a recording collected, once its CPU threads have ended: the guest's metadata, each CPU's
 * checked pages (in the spool, or as ranges of the session log) and counts, the clock samples,
 * and what went wrong on the way. Owns the spool until closed; a spool that is the only copy of
 * the streams ({@code --raw}, or no metadata) is kept.
 *
 * @param stopSent  the stop order reached the control port (if not, the guest may still be sending)
 * @param tailCut   the wait for what the ports sent after the stop order was cut short
 * @param agentGone the agent did not answer after the stop: every CPU may have ended early
 * @param marker    the --until-marker marker that ended it, or null
 * @param metaAtStart the metadata as fetched before the start, when the final update came too; else null
 */
record Recorded(Metadata meta, List<CpuCollector> cpus, TimelineSync sync, List<String> warnings,
                long startedNanos, long stoppedNanos, boolean stopSent, boolean tailCut, boolean agentGone, Path spoolDir,
                boolean keepSpool, MarkerHit marker, FileSet metaAtStart) {

    /**
     * Of the events CPU {@code c}'s pages say were lost, those the guest's kernel lost before the
     * start order (see {@link LossBeforeStart}); 0 without the final update to compare with.
     */
    long lostBeforeStart(CpuCollector c) {
        if (metaAtStart == null) {
            return 0;
        }
        return LossBeforeStart.of(c.lostEvents(), LossBeforeStart.stats(metaAtStart, c.cpu),
                LossBeforeStart.stats(meta.files(), c.cpu));
    }

    /** Each CPU's pages for the trace.dat, by CPU number. */
    Map<Integer, CpuData> data() {
        Map<Integer, CpuData> byCpu = new TreeMap<>();
        cpus.forEach(c -> byCpu.put(c.cpu, c.data()));
        return byCpu;
    }

    /** Removes the spool unless it is to be kept; returns why it could not be removed, or null. */
    String removeSpool() {
        return removeSpool(spoolDir, keepSpool);
    }

    /**
     * A spool directory and what is in it, unless it is to be kept (or there is none, or it was
     * moved away to be kept); returns why it could not be removed, or null.
     */
    static String removeSpool(Path dir, boolean keep) {
        if (keep || dir == null || !Files.exists(dir)) {
            return null;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
            return null;
        } catch (IOException e) {
            return dir + ": cannot remove the spool directory (" + OutputFiles.reason(e) + ")";
        }
    }
}
