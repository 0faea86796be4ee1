package org.virtiotrace.host.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.ReplyScanner;
import org.virtiotrace.core.wire.Request;
import org.virtiotrace.host.control.Metadata;
import org.virtiotrace.host.session.LogEnd;
import org.virtiotrace.host.session.LogFormatException;
import org.virtiotrace.host.session.LogReader;
import org.virtiotrace.host.session.LogRecord;

/**
 * What a session log says happened, apart from the data itself (which is streamed again when
 * played): the ports, what the host wrote to the control port and what the agent answered,
 * which replies the recording used as its metadata, and when each data chunk came. One pass
 * over the log, skipping the data's bytes.
 */
public final class RecordedSession {
    /** One chunk read from a CPU's port: when, and how many bytes. */
    public record DataChunk(long timestamp, int cpu, long bytes) {
    }

    /** One write to the control port: an order ({@code 1}, {@code 0}) or a request. */
    public record CtlWrite(long index, long timestamp, String token, Optional<Request> request) {
    }

    private final Path path;
    private LogRecord session;
    private String ctlPath;
    private final Map<Integer, String> dataPorts = new TreeMap<>();
    private final List<CtlWrite> writes = new ArrayList<>();
    private final Map<Long, ReplyFrame> replies = new HashMap<>();
    /** For each reply: the index of the vt_ctl_read record that completed it. */
    private final Map<Long, Long> replyRecord = new HashMap<>();
    private final Map<Long, Long> replyTime = new HashMap<>();
    private final Map<String, List<Long>> used = new LinkedHashMap<>();
    private FileSet metaFiles;
    private final Map<Integer, Long> dataBytes = new TreeMap<>();
    private final List<DataChunk> chunks = new ArrayList<>();
    private Optional<Metadata> metadata;
    private final Map<Integer, long[]> totals = new TreeMap<>();
    private long endExit = -1;
    private long[] traceIds;
    private final List<org.virtiotrace.host.sync.CpuClocks.CpuClock> cpuClocks = new ArrayList<>();
    private boolean cpuClocksApplied;
    private final org.virtiotrace.host.sync.SyncSeries sync = new org.virtiotrace.host.sync.SyncSeries();
    private long records;
    private LogEnd end;

    private RecordedSession(Path path) {
        this.path = path;
    }

    public static RecordedSession read(Path path) throws IOException, LogFormatException {
        RecordedSession s = new RecordedSession(path);
        ReplyScanner scanner = new ReplyScanner();
        StringBuilder pendingToken = new StringBuilder();
        try (LogReader r = LogReader.openSkippingData(path)) {
            s.session = r.session();
            for (Optional<LogRecord> o; (o = r.next()).isPresent(); ) {
                LogRecord rec = o.get();
                s.records++;
                if (rec.event() == null || !rec.intact()) {
                    continue; // a damaged record is not trusted (a damaged data chunk is the page check's, in ToDat)
                }
                switch (rec.event()) {
                    case CTL_OPEN -> s.ctlPath = rec.text(0);
                    case DATA_OPEN -> s.dataPorts.put((int) rec.u64(0), rec.text(1));
                    case CTL_WRITE -> s.splitWrites(rec, pendingToken);
                    case CTL_READ -> {
                        byte[] b = rec.bytes(0);
                        for (ReplyFrame f : scanner.feed(b, 0, b.length)) {
                            s.replies.put(f.requestId(), f);
                            s.replyRecord.put(f.requestId(), rec.index());
                            s.replyTime.put(f.requestId(), rec.timestamp());
                        }
                    }
                    case DATA -> {
                        s.dataBytes.merge((int) rec.u64(0), rec.size(1), Long::sum);
                        s.chunks.add(new DataChunk(rec.timestamp(), (int) rec.u64(0), rec.size(1)));
                    }
                    case META_USED -> s.used.computeIfAbsent(rec.text(1), k -> new ArrayList<>()).add(rec.u64(0));
                    case META_FILES -> s.metaFiles = FileSet.decode(rec.bytes(0));
                    case CPU_TOTAL -> s.totals.put((int) rec.u64(0), new long[] {rec.u64(1), rec.u64(2), rec.u64(3),
                        rec.u64(4), rec.u64(5)});
                    case END -> s.endExit = rec.u64(0);
                    case TRACE_IDS -> s.traceIds = new long[] {rec.u64(0), rec.u64(1), rec.u64(2)};
                    case CPU_CLOCK -> {
                        s.cpuClocks.add(new org.virtiotrace.host.sync.CpuClocks.CpuClock((int) rec.u64(0),
                                (int) rec.u64(1), rec.u64(2), rec.u64(3)));
                        s.cpuClocksApplied = rec.u64(4) == 1;
                    }
                    case SYNC_SAMPLE -> s.sync.add(new org.virtiotrace.host.sync.SyncSample(
                            new org.virtiotrace.host.sync.Probe(rec.u64(0), rec.u64(1), rec.u64(2), rec.u64(3),
                                    rec.u64(4), rec.u64(5), rec.u64(6), rec.u64(7)), (int) rec.u64(8), (int) rec.u64(9),
                            "?"), "?");
                    default -> {
                    }
                }
            }
            s.end = r.end();
            s.sync.cpuClocks(s.cpuClocks, s.cpuClocksApplied);
        }
        return s;
    }

    /** Orders and requests are newline-terminated tokens; a write may hold several, or part of one. */
    private void splitWrites(LogRecord rec, StringBuilder pending) {
        pending.append(new String(rec.bytes(0), StandardCharsets.ISO_8859_1));
        int nl;
        while ((nl = pending.indexOf("\n")) >= 0) {
            String token = pending.substring(0, nl).trim();
            pending.delete(0, nl + 1);
            if (!token.isEmpty()) {
                writes.add(new CtlWrite(rec.index(), rec.timestamp(), token, Request.parse(token)));
            }
        }
    }

    /**
     * The metadata the recording used, rebuilt exactly as it built it: the handshake and the
     * metadata replies, or the --meta files; then every final update applied. Empty when the
     * log holds none. Built once.
     */
    public Optional<Metadata> metadata() throws IOException {
        if (metadata == null) {
            metadata = buildMetadata();
        }
        return metadata;
    }

    private Optional<Metadata> buildMetadata() throws IOException {
        Metadata m = null;
        Optional<ReplyFrame> hello = usedReply("hello");
        Optional<ReplyFrame> meta = usedReply("meta");
        if (hello.isPresent() && meta.isPresent()) {
            m = Metadata.of(FileSet.decode(meta.get().payload()), TraceMetadata.parseInfo(hello.get().text()), true, 0);
        } else if (metaFiles != null) {
            Properties info = TraceMetadata.parseInfo(metaFiles.text(TraceMetadata.INFO).orElse(""));
            m = Metadata.of(metaFiles, info, false, 0);
        }
        if (m == null || !m.usable()) {
            return Optional.empty();
        }
        for (long id : used.getOrDefault("update", List.of())) {
            ReplyFrame f = replies.get(id);
            if (f != null) {
                m.files().putAll(FileSet.decode(f.payload()));
            }
        }
        return Optional.of(m);
    }

    private Optional<ReplyFrame> usedReply(String what) {
        List<Long> ids = used.getOrDefault(what, List.of());
        return ids.isEmpty() ? Optional.empty() : Optional.ofNullable(replies.get(ids.get(0)));
    }

    public Path path() {
        return path;
    }

    /** The vt_session record, or null for a log cut before it. */
    public LogRecord session() {
        return session;
    }

    public String ctlPath() {
        return ctlPath;
    }

    /** CPU -> the path its data was read from, in CPU order. */
    public Map<Integer, String> dataPorts() {
        return dataPorts;
    }

    public List<CtlWrite> writes() {
        return writes;
    }

    /** The agent's reply to a request id, if a whole one was recorded. */
    public Optional<ReplyFrame> reply(long requestId) {
        return Optional.ofNullable(replies.get(requestId));
    }

    public Optional<Long> replyRecord(long requestId) {
        return Optional.ofNullable(replyRecord.get(requestId));
    }

    /** How long the recorded agent took to answer a request, or -1. */
    /** When (the log's CLOCK_MONOTONIC) the read that completed the reply to {@code requestId} returned, or -1. */
    public long replyTime(long requestId) {
        return replyTime.getOrDefault(requestId, -1L);
    }

    public long replyLatencyNanos(long requestId) {
        Long at = replyTime.get(requestId);
        return at == null ? -1 : writes.stream().filter(w -> w.request().map(r -> r.id() == requestId).orElse(false))
                .findFirst().map(w -> at - w.timestamp()).orElse(-1L);
    }

    /** Every data chunk, in the log's order (their bytes are read again when played). */
    public List<DataChunk> dataChunks() {
        return chunks;
    }

    public long dataBytes(int cpu) {
        return dataBytes.getOrDefault(cpu, 0L);
    }

    /** The recording's own count for a CPU: bytes, pages, lost, torn, leftover; or null. */
    public long[] totals(int cpu) {
        return totals.get(cpu);
    }

    /** vt_end's exit status, or -1 when the log has no end record. */
    /** The guest file's timeline options as the recording wrote them (none for a log from before them). */
    public org.virtiotrace.host.tracedat.TimeOptions guestTimeOptions(int cpuCount) {
        return traceIds == null ? org.virtiotrace.host.tracedat.TimeOptions.NONE
                : sync.guestOptions(traceIds[0], traceIds[1], cpuCount).withOffset(traceIds[2] == 0 ? null : traceIds[2]);
    }

    public long endExit() {
        return endExit;
    }

    public long records() {
        return records;
    }

    public LogEnd end() {
        return end;
    }
}
