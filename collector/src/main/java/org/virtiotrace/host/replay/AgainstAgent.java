package org.virtiotrace.host.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.ReplyScanner;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.control.Metadata;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.link.PortLink;
import org.virtiotrace.host.pages.PageCheck;
import org.virtiotrace.host.pages.PageSpool;

/**
 * {@code replay --against-agent}: plays the recorded host's orders and requests, at their
 * recorded pace, into a live agent's ports and compares what comes back with what the
 * recorded agent did: each reply (there or not, its status, its kind: the handshake's keys,
 * a file set), and the data's shape (whole pages only; data while started where the recording
 * had data; none before the first 1). Event payloads differ, of course. The first divergence
 * stops the replay and is printed as QEMU's replay does: the record's index, the port, what
 * was expected and what happened.
 */
public final class AgainstAgent {
    /** A reply may take ten times as long as it took the recorded agent, and 5 s at least. */
    private static final int REPLY_MIN_TIMEOUT_MS = 5_000;
    private static final int UNANSWERED_WAIT_MS = 1000;
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long TAIL_MAX_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RecordedSession s;
    private final PortLayout ports;
    private final boolean paced;
    private final Native nat;
    private volatile boolean stop;

    public AgainstAgent(RecordedSession s, PortLayout ports, boolean paced, Native nat) {
        this.s = s;
        this.ports = ports;
        this.paced = paced;
        this.nat = nat;
    }

    public void interrupt() {
        stop = true;
    }

    /** The divergence found, as lines, or the comparison's summary. */
    public ReplayResult run() throws IOException, InterruptedException {
        long[] windowBytes = recordedWindows();
        Optional<Metadata> meta = s.metadata();
        PageFormat format = meta.map(Metadata::format).orElse(PageFormat.local(4096));
        PortLink ctl = ports.open(nat, PortNames.CONTROL);
        Map<Integer, DataWatch> watches = new TreeMap<>();
        try {
            for (int cpu : s.dataPorts().keySet()) {
                String name = ports.dataName(cpu);
                if (!ports.has(name)) {
                    return diverged(-1, ports.probe(name).toString(), new Mismatch("a port for cpu" + cpu,
                            "none in " + ports.dir()));
                }
                DataWatch w = new DataWatch(cpu, ports.open(nat, name), new PageCheck(format));
                watches.put(cpu, w);
                w.thread.start();
            }
            ReplyScanner scanner = new ReplyScanner();
            List<RecordedSession.CtlWrite> writes = s.writes();
            long recordedBase = writes.isEmpty() ? 0 : writes.get(0).timestamp();
            long liveBase = System.nanoTime();
            int window = 0;
            long[] atWindowStart = sample(watches);
            String lastOrder = null;
            int checked = 0;
            for (RecordedSession.CtlWrite w : writes) {
                if (stop) {
                    break;
                }
                if (paced) {
                    long due = liveBase + (w.timestamp() - recordedBase);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                boolean order = w.token().equals("1") || w.token().equals("0");
                if (order) {
                    Optional<Mismatch> d = closeWindow(lastOrder, windowBytes[window], atWindowStart, watches);
                    if (d.isPresent()) {
                        return diverged(w.index(), "the data ports", d.get());
                    }
                    window++;
                    atWindowStart = sample(watches);
                    lastOrder = w.token();
                }
                ctl.write(ByteBuffer.wrap((w.token() + "\n").getBytes(StandardCharsets.US_ASCII)), 2000);
                if (w.request().isPresent()) {
                    long id = w.request().get().id();
                    Optional<ReplyFrame> want = s.reply(id);
                    int timeout = (int) Math.max(REPLY_MIN_TIMEOUT_MS,
                            TimeUnit.NANOSECONDS.toMillis(10 * s.replyLatencyNanos(id)));
                    Optional<ReplyFrame> got = await(ctl, scanner, id, want.isPresent() ? timeout : UNANSWERED_WAIT_MS);
                    Optional<Mismatch> d = ReplyComparison.compare(w.request().get().name(), want, got);
                    if (d.isPresent()) {
                        return diverged(s.replyRecord(id).orElse(w.index()), ctl.describe(), d.get());
                    }
                    checked++;
                }
            }
            awaitQuiet(watches);
            Optional<Mismatch> d = closeWindow(lastOrder, windowBytes[window], atWindowStart, watches);
            if (d.isPresent()) {
                return diverged(s.records(), "the data ports", d.get());
            }
            for (DataWatch w : watches.values()) {
                w.finish();
                if (w.spool.tornPages() > 0 || w.spool.leftover() > 0) {
                    return diverged(s.records(), w.link.describe(), new Mismatch("whole pages", w.spool.tornPages()
                            + " torn pages and " + w.spool.leftover() + " bytes of a page cut short"));
                }
            }
            List<String> lines = new ArrayList<>();
            lines.add(String.format("the agent at %s did as recorded: %d orders and requests, %d replies compared, "
                    + "%d order windows", ports.target(), writes.size(), checked, window + 1));
            for (DataWatch w : watches.values()) {
                lines.add(String.format("cpu%d: %d whole pages (the recording had %d)", w.cpu, w.spool.pages(),
                        s.dataBytes(w.cpu) / format.pageSize()));
            }
            return new ReplayResult(Exit.OK, lines);
        } finally {
            for (DataWatch w : watches.values()) {
                w.finish();
            }
            ctl.close();
        }
    }

    /** Recorded data bytes in each window between orders: window 0 is before the first order. */
    private long[] recordedWindows() {
        List<Long> orderTimes = new ArrayList<>();
        for (RecordedSession.CtlWrite w : s.writes()) {
            if (w.token().equals("1") || w.token().equals("0")) {
                orderTimes.add(w.timestamp());
            }
        }
        long[] bytes = new long[orderTimes.size() + 1];
        for (RecordedSession.DataChunk c : s.dataChunks()) {
            int i = 0;
            while (i < orderTimes.size() && orderTimes.get(i) <= c.timestamp()) {
                i++;
            }
            bytes[i] += c.bytes();
        }
        return bytes;
    }

    /**
     * The window that ends, which the recording saw {@code recorded} bytes of data in: data must
     * have come while started where the recording had some, and none before the first order.
     * The window after a 0 holds the tail, whose size is timing: not compared.
     */
    private static Optional<Mismatch> closeWindow(String lastOrder, long recorded, long[] atStart,
                                                  Map<Integer, DataWatch> watches) {
        long live = 0;
        long[] now = sample(watches);
        for (int i = 0; i < now.length; i++) {
            live += now[i] - atStart[i];
        }
        String where = lastOrder == null ? "before the first order" : "after the order '" + lastOrder + "'";
        if (lastOrder == null && live > 0) {
            return Optional.of(new Mismatch("no data " + where, live + " bytes"));
        }
        if ("1".equals(lastOrder) && recorded > 0 && live == 0) {
            return Optional.of(new Mismatch("data " + where + " (the recording had " + recorded + " bytes)", "none"));
        }
        return Optional.empty();
    }

    private static long[] sample(Map<Integer, DataWatch> watches) {
        return watches.values().stream().mapToLong(w -> w.bytes).toArray();
    }

    private void awaitQuiet(Map<Integer, DataWatch> watches) throws InterruptedException {
        long end = System.nanoTime() + TAIL_MAX_NANOS;
        while (!stop && System.nanoTime() < end) {
            long now = System.nanoTime();
            if (watches.values().stream().allMatch(w -> now - w.lastByte > QUIET_NANOS)) {
                return;
            }
            Thread.sleep(20);
        }
    }

    private static Optional<ReplyFrame> await(PortLink ctl, ReplyScanner scanner, long id, int timeoutMs)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(256 << 10);
        byte[] copy = new byte[256 << 10];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            int n = ctl.read(buf.clear(), 100);
            if (n < 0) {
                return Optional.empty();
            }
            if (n > 0) {
                buf.flip().get(copy, 0, n);
                for (ReplyFrame f : scanner.feed(copy, 0, n)) {
                    if (f.requestId() == id) {
                        return Optional.of(f);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private ReplayResult diverged(long index, String port, Mismatch m) {
        return new ReplayResult(Exit.DIVERGED, List.of(
                "divergence at record #" + index + " of " + s.path() + ", port " + port + ":",
                "  expected: " + m.expected(),
                "  happened: " + m.happened()));
    }

    /** One CPU's port read on its own thread: bytes counted, pages checked (into /dev/null). */
    private final class DataWatch {
        final int cpu;
        final PortLink link;
        final PageSpool spool;
        final FileChannel sink;
        final Thread thread;
        volatile long bytes;
        volatile long lastByte;
        private volatile boolean done;

        DataWatch(int cpu, PortLink link, PageCheck check) throws IOException {
            this.cpu = cpu;
            this.link = link;
            this.sink = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
            this.spool = new PageSpool(sink, check);
            this.thread = new Thread(this::run, "against-cpu" + cpu);
            this.thread.setDaemon(true);
        }

        private void run() {
            try {
                ByteBuffer b = spool.buffer();
                while (!done) {
                    int n = link.read(b, 200);
                    if (n < 0) {
                        return;
                    }
                    if (n > 0) {
                        lastByte = System.nanoTime();
                        bytes += n;
                        spool.consume(false);
                    }
                }
            } catch (IOException e) {
                // the comparison says what is missing
            }
        }

        void finish() {
            if (done) {
                return;
            }
            done = true;
            link.wake();
            try {
                thread.join(2000);
                spool.consume(true);
                sink.close();
            } catch (IOException | InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            link.close();
        }
    }
}
