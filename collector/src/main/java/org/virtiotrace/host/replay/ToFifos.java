package org.virtiotrace.host.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.PollEvents;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.session.LogFormatException;
import org.virtiotrace.host.session.LogReader;
import org.virtiotrace.host.session.LogRecord;
import org.virtiotrace.host.session.SessionEvent;

/**
 * {@code replay --to-fifos}: plays the guest's side of a recorded session into FIFOs, so a
 * host-side tool (virtio-trace record itself) run against DIR behaves as it did against the
 * guest. The control port answers each request as the recorded agent answered the same
 * request (the n-th ?meta gets the recorded n-th ?meta's reply, under the new id; a request
 * the agent left unanswered stays unanswered). On {@code 1} the data plays, each chunk when it
 * came after the recorded {@code 1} (or at once with --speed max); on {@code 0} what is left
 * goes at once, as a stopping agent flushes its tail.
 *
 * <p>Threads: the calling thread serves the control port; one player thread owns the data
 * ports. They share only volatile flags and two eventfds: {@code stopFd} (stop everything,
 * never cleared) and {@code hurryFd} (the host said 1 or 0; only the player clears it).
 */
public final class ToFifos {
    private static final long IDLE_END_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final RecordedSession s;
    private final Path dir;
    private final boolean paced;
    private final Native nat;
    private final Fd stopFd;
    private final Fd hurryFd;
    private volatile long started = -1;
    private volatile boolean hurry;
    private volatile boolean stop;
    private volatile boolean playerDone;
    private volatile String playerFailure;
    private volatile long chunks;
    private volatile long bytes;

    public ToFifos(RecordedSession s, Path dir, boolean paced, Native nat) throws NativeException {
        this.s = s;
        this.dir = dir;
        this.paced = paced;
        this.nat = nat;
        this.stopFd = nat.eventFd();
        this.hurryFd = nat.eventFd();
    }

    /** SIGINT/SIGTERM: ends the replay. Any thread. */
    public void interrupt() {
        stop = true;
        try {
            nat.signal(stopFd);
        } catch (NativeException | IllegalStateException e) {
            // closed: the replay has ended already
        }
    }

    public ReplayResult run() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Map<Integer, GuestEnds> data = new TreeMap<>();
        GuestEnds ctl = null;
        Thread player = null;
        try {
            ctl = GuestEnds.make(nat, dir, portName(s.ctlPath(), PortNames.CONTROL), false);
            for (Map.Entry<Integer, String> e : s.dataPorts().entrySet()) {
                data.put(e.getKey(), GuestEnds.make(nat, dir, portName(e.getValue(),
                        String.format(PortNames.DATA_FORMAT, e.getKey())), true));
            }
            player = new Thread(() -> play(data), "replay-data");
            player.setDaemon(true);
            player.start();
            int answered = serve(ctl);
            stop = true;
            nat.signal(stopFd);
            player.join(TimeUnit.SECONDS.toMillis(5));
            List<String> lines = new ArrayList<>();
            lines.add(String.format("played %d chunks (%.1f MB) into %d CPU ports in %s, answered %d requests as "
                    + "recorded", chunks, bytes / 1e6, data.size(), dir, answered));
            if (playerFailure != null) {
                lines.add("warning: " + playerFailure);
            }
            return new ReplayResult(playerFailure == null ? Exit.OK : Exit.INCOMPLETE, lines);
        } finally {
            if (ctl != null) {
                ctl.close();
            }
            data.values().forEach(GuestEnds::close);
            stopFd.close();
            hurryFd.close();
        }
    }

    /** The name a port had: its recorded path without the directory and the FIFO's ".out". */
    private static String portName(String recorded, String fallback) {
        if (recorded == null) {
            return fallback;
        }
        String n = Path.of(recorded).getFileName().toString();
        return n.endsWith(".out") ? n.substring(0, n.length() - 4) : n;
    }

    /** Reads the host's tokens and answers them; returns when all is played and asked, or on stop. */
    private int serve(GuestEnds ctl) throws IOException {
        Map<String, List<Long>> recordedIds = new HashMap<>();
        for (RecordedSession.CtlWrite w : s.writes()) {
            w.request().ifPresent(r -> recordedIds.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r.id()));
        }
        Map<String, Integer> asked = new HashMap<>();
        int tokens = 0;
        int answered = 0;
        long lastToken = System.nanoTime();
        long doneAt = -1;
        StringBuilder pending = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        byte[] copy = new byte[4096];
        while (!stop) {
            long now = System.nanoTime();
            boolean allAsked = tokens >= s.writes().size();
            if (playerDone && allAsked && doneAt < 0) {
                doneAt = now;
            }
            if (doneAt >= 0 && now - doneAt > LINGER_NANOS || playerDone && now - lastToken > IDLE_END_NANOS) {
                break;
            }
            int r = nat.poll(ctl.in(), PollEvents.IN, stopFd, PollEvents.IN, 100);
            if (!PollEvents.has(PollEvents.first(r), PollEvents.IN)) {
                continue;
            }
            int n = nat.read(ctl.in(), buf.clear());
            if (n <= 0) {
                continue;
            }
            buf.flip().get(copy, 0, n);
            pending.append(new String(copy, 0, n, StandardCharsets.ISO_8859_1));
            for (int nl; (nl = pending.indexOf("\n")) >= 0; ) {
                String token = pending.substring(0, nl).trim();
                pending.delete(0, nl + 1);
                if (token.isEmpty()) {
                    continue;
                }
                tokens++;
                lastToken = System.nanoTime();
                if (token.equals("1") && started < 0) {
                    started = System.nanoTime();
                    nat.signal(hurryFd);
                } else if (token.equals("0")) {
                    hurry = true;
                    nat.signal(hurryFd);
                } else {
                    Optional<Request> req = Request.parse(token);
                    if (req.isPresent()) {
                        int k = asked.merge(req.get().name(), 1, Integer::sum) - 1;
                        List<Long> ids = recordedIds.getOrDefault(req.get().name(), List.of());
                        Optional<ReplyFrame> rec = k < ids.size() ? s.reply(ids.get(k)) : Optional.empty();
                        if (rec.isPresent()) {
                            ReplyFrame again = new ReplyFrame(rec.get().status(), req.get().id(), rec.get().payload());
                            if (!ctl.writeAll(ByteBuffer.wrap(again.encode()), stopFd)) {
                                break;
                            }
                            answered++;
                        }
                    }
                }
            }
        }
        return answered;
    }

    /** The player thread: every recorded chunk to its CPU's port, paced after the host's 1. */
    private void play(Map<Integer, GuestEnds> ports) {
        long recordedStart = s.writes().stream().filter(w -> w.token().equals("1")).mapToLong(
                RecordedSession.CtlWrite::timestamp).findFirst().orElse(Long.MIN_VALUE);
        try (LogReader r = LogReader.open(s.path())) {
            while (started < 0 && !stop) {
                waitWake(100);
            }
            for (Optional<LogRecord> o; !stop && (o = r.next()).isPresent(); ) {
                LogRecord rec = o.get();
                if (rec.is(SessionEvent.DATA)) {
                    GuestEnds port = ports.get((int) rec.u64(0));
                    if (paced && recordedStart != Long.MIN_VALUE) {
                        long due = started + (rec.timestamp() - recordedStart);
                        while (!hurry && !stop && System.nanoTime() < due) {
                            waitWake((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime())));
                        }
                    }
                    byte[] b = rec.bytes(1);
                    if (port != null && port.writeAll(ByteBuffer.wrap(b), stopFd)) {
                        chunks++;
                        bytes += b.length;
                    }
                } else if (rec.is(SessionEvent.DATA_EOF)) {
                    GuestEnds port = ports.get((int) rec.u64(0));
                    if (port != null) {
                        port.closeOut();
                    }
                }
            }
        } catch (IOException | LogFormatException | RuntimeException e) {
            playerFailure = "the data player stopped: " + e.getMessage();
        } finally {
            playerDone = true;
        }
    }

    /** Sleeps up to {@code ms}, or until the host says 1 or 0, or the replay stops. */
    private void waitWake(int ms) throws NativeException {
        int r = nat.poll(hurryFd, PollEvents.IN, stopFd, PollEvents.IN, ms);
        if (PollEvents.has(PollEvents.first(r), PollEvents.IN)) {
            nat.clearSignal(hurryFd);
        }
    }
}
