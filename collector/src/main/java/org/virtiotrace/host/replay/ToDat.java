package org.virtiotrace.host.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.control.Metadata;
import org.virtiotrace.host.pages.PageCheck;
import org.virtiotrace.host.pages.PageSpool;
import org.virtiotrace.host.session.LogEnd;
import org.virtiotrace.host.session.LogFormatException;
import org.virtiotrace.host.session.LogReader;
import org.virtiotrace.host.session.LogRecord;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.tracedat.CpuData;
import org.virtiotrace.host.tracedat.TraceDatFormat;
import org.virtiotrace.host.tracedat.TraceDatHeader;
import org.virtiotrace.host.tracedat.TraceDatWriter;

/**
 * {@code replay --to-dat}: the trace.dat again, from the log alone. Every CPU's chunks go
 * through the same page check and spool as at record time, in the same pieces, so the pages
 * kept, the tears refused and the file written are the same, byte for byte.
 */
public final class ToDat {
    private ToDat() {
    }

    /** Writes {@code out}; returns the lines to print and the exit status. */
    public static ReplayResult run(RecordedSession s, Path out, TraceDatFormat format) throws ExitException, IOException {
        Optional<Metadata> meta = s.metadata();
        if (meta.isEmpty() && !s.end().whole()) {
            throw new ExitException(Exit.INCOMPLETE, s.path() + ": " + s.end().describe() + "; what it holds "
                    + "includes no usable metadata, so no trace.dat was made");
        }
        if (meta.isEmpty()) {
            throw new ExitException(Exit.NO_METADATA, s.path() + ": the log holds no metadata (the agent did not "
                    + "answer and no --meta was given when it was recorded); its data can be dumped, not made a trace.dat");
        }
        Metadata m = meta.get();
        Path dir = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".virtio-trace-replay-");
        Map<Integer, Spool> spools = new TreeMap<>();
        List<String> lines = new ArrayList<>();
        try {
            for (int cpu : s.dataPorts().keySet()) {
                spools.put(cpu, new Spool(dir.resolve("cpu" + cpu + ".raw"), m));
            }
            LogEnd end;
            try (LogReader r = LogReader.open(s.path())) {
                for (Optional<LogRecord> o; (o = r.next()).isPresent(); ) {
                    LogRecord rec = o.get();
                    if (rec.is(SessionEvent.DATA)) {
                        Spool sp = spools.get((int) rec.u64(0));
                        if (sp != null) {
                            sp.add(rec.bytes(1)); // a damaged chunk too: the page check refuses what is torn
                        }
                    }
                }
                end = r.end(); // this pass reads the pages, so it also finds those whose CRC fails
            } catch (LogFormatException e) {
                throw new IllegalStateException(e); // read once already
            }
            Map<Integer, CpuData> byCpu = new java.util.TreeMap<>();
            boolean differs = false;
            for (Map.Entry<Integer, Spool> e : spools.entrySet()) {
                Spool sp = e.getValue();
                sp.finish();
                byCpu.put(e.getKey(), CpuData.of(sp.file));
                long[] t = s.totals(e.getKey());
                String same = t == null ? "" : t[1] == sp.spool.pages() && t[3] == sp.spool.tornPages()
                        ? ", as recorded" : String.format(", but the recording counted %d pages and %d torn", t[1], t[3]);
                differs |= t != null && !same.equals(", as recorded");
                lines.add(String.format("cpu%d: %d pages, %d torn pages refused%s", e.getKey(), sp.spool.pages(),
                        sp.spool.tornPages(), same));
            }
            List<CpuData> data = CpuData.byCpu(byCpu);
            int cpuCount = data.size();
            try {
                TraceDatWriter.write(out, TraceDatHeader.from(m.files(), m.info(), cpuCount)
                        .withTime(s.guestTimeOptions(cpuCount)), data, format);
            } catch (IOException | IllegalArgumentException e) {
                throw new ExitException(Exit.OUTPUT, out + ": cannot write the trace.dat: " + e.getMessage()
                        + "; no partial file was left");
            }
            lines.add(String.format("wrote %s (%s, %.1f MB) from %s; see it with: trace-cmd report %s", out,
                    format.describe(), Files.size(out) / 1e6, s.path(), out));
            int exit = Exit.OK;
            if (!end.whole()) {
                lines.add(0, "warning: " + end.describe() + (end.kind() == LogEnd.Kind.DAMAGED
                        ? "; the trace.dat holds the pages that are whole" : "; the trace.dat holds what came before"));
                exit = Exit.INCOMPLETE;
            }
            if (differs) {
                // the same chunks through the same check keep the same pages: a log that gives others is damaged
                lines.add("warning: the log is damaged: its pages are not the ones the recording kept (each CPU's line "
                        + "says how); the trace.dat holds the pages that are whole");
                exit = Exit.INCOMPLETE;
            }
            return new ReplayResult(exit, lines);
        } finally {
            for (Spool sp : spools.values()) {
                sp.close();
            }
            try (var w = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) w.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** One CPU's spool, fed the recorded chunks as the port gave them. */
    private static final class Spool implements AutoCloseable {
        final Path file;
        final FileChannel ch;
        final PageSpool spool;

        Spool(Path file, Metadata m) throws IOException {
            this.file = file;
            this.ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.spool = new PageSpool(ch, new PageCheck(m.format()));
        }

        void add(byte[] chunk) throws IOException {
            // a chunk larger than a read could be comes only from a damaged log: fed in pieces, checked the same
            for (int at = 0; at < chunk.length; ) {
                ByteBuffer b = spool.buffer();
                int n = Math.min(b.remaining(), chunk.length - at);
                b.put(chunk, at, n);
                at += n;
                spool.consume(n == 0); // a full buffer that kept everything: decide now rather than wait
            }
        }

        void finish() throws IOException {
            spool.consume(true);
            ch.force(false);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
