package org.virtiotrace.host.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.core.wire.ControlParser;
import org.virtiotrace.core.wire.Order;
import org.virtiotrace.core.wire.OrderHandler;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/**
 * A guest that can misbehave at any step, for the host's fault matrix: it plays the agent's side
 * of a port set (FIFO pairs or unix sockets, as QEMU presents them) from a script of real
 * metadata and real pages of this machine, and at one {@link Phase} commits one {@link Fault}.
 * Before the phase and, for faults that end, after it, it behaves as the agent does: it answers
 * ?hello, ?meta, ?clock, ?heartbeat and ?update, streams two thirds of its pages after {@code 1}
 * and the rest as the tail after {@code 0}.
 */
public final class StandInGuest implements AutoCloseable {
    /** Where in a recording the fault comes. */
    public enum Phase {
        BEFORE_HANDSHAKE, IN_HANDSHAKE_REPLY, IN_META_REPLY, DATA_FLOWING, STOP_TAIL, IN_FINAL_UPDATE,
        /** The first clock-sync probe's reply, just after the start order. */
        IN_FIRST_CLOCK_REPLY
    }

    /** What goes wrong on the guest's side. */
    public enum Fault {
        /** QEMU went away, or the ports were unplugged: every port closes. */
        PORT_CLOSED,
        /** Bytes that are neither a reply nor pages, then the agent goes on. */
        GARBAGE,
        /** A reply or a page cut in half, then the agent goes on. */
        TRUNCATED,
        /** Nothing for {@link #PAUSE_MS}, then the agent goes on where it was. */
        STALL,
        /** The guest stops reading the control port: the host's next write fails (EPIPE). */
        EPIPE_ON_HOST_WRITE,
        /** The agent died (SIGKILL); QEMU keeps the ports open, so the host hears nothing more. */
        KILLED,
        /** SIGSTOP, and SIGCONT {@link #PAUSE_MS} later. */
        STOPPED_THEN_CONTINUED
    }

    /** What the agent would say and send. */
    public record Script(String hello, FileSet meta, FileSet update, List<byte[]> pages, int pageSize) {
    }

    /** How long a stall or a SIGSTOP lasts. */
    public static final int PAUSE_MS = 5000;
    /** The run's pages go out over this long after {@code 1}. */
    static final int RUN_MS = 600;

    private final Script script;
    private final Phase phase;
    private final Fault fault;
    private final GuestPort ctl;
    private final List<GuestPort> data = new ArrayList<>();
    private final Thread thread;
    private final Queue<Object> said = new ArrayDeque<>();
    private final ControlParser parser = new ControlParser(new OrderHandler() {
        @Override
        public void order(Order order) {
            said.add(order);
        }

        @Override
        public void request(Request request) {
            said.add(request);
        }

        @Override
        public void unknown(String token) {
            // as the agent: ignored
        }
    });
    private final EnumSet<Phase> reached = EnumSet.noneOf(Phase.class);
    private final CountDownLatch[] latches = new CountDownLatch[Phase.values().length];
    private final Random random = new Random(7);
    private final java.util.function.Consumer<Phase> onReach;
    private volatile int pauseMs = PAUSE_MS;
    private volatile boolean closing;
    private boolean faulted;
    private boolean hearing = true;
    private int[] sent;
    private long runStart;
    private boolean stopping;

    private StandInGuest(Script script, Phase phase, Fault fault, GuestPort ctl, List<GuestPort> data,
                         java.util.function.Consumer<Phase> onReach) {
        this.onReach = onReach;
        this.script = script;
        this.phase = phase;
        this.fault = fault;
        this.ctl = ctl;
        this.data.addAll(data);
        this.sent = new int[data.size()];
        for (int i = 0; i < latches.length; i++) {
            latches[i] = new CountDownLatch(1);
        }
        this.thread = new Thread(this::run, "stand-in-guest");
        thread.setDaemon(true);
    }

    /**
     * Makes the ports in {@code dir} (FIFO pairs, or unix sockets) and starts playing the guest;
     * {@code fault} null: it never misbehaves (the phases are still reached, for the host's faults).
     */
    public static StandInGuest start(Path dir, boolean sockets, Script script, Phase phase, Fault fault)
            throws IOException {
        return start(dir, sockets, script, phase, fault, p -> { });
    }

    /**
     * The same, calling {@code onReach} with each phase as the guest first reaches it, before it
     * goes on (so a fault of the host's comes exactly there).
     */
    public static StandInGuest start(Path dir, boolean sockets, Script script, Phase phase, Fault fault,
                                     java.util.function.Consumer<Phase> onReach) throws IOException {
        GuestPort ctl = port(dir, sockets, PortNames.CONTROL);
        List<GuestPort> data = new ArrayList<>();
        for (int cpu = 0; cpu < script.pages().size(); cpu++) {
            data.add(port(dir, sockets, PortNames.data(PortNames.DATA_FORMAT, cpu)));
        }
        StandInGuest g = new StandInGuest(script, phase, fault, ctl, data, onReach);
        g.faulted = fault == null;
        g.thread.start();
        return g;
    }

    private static GuestPort port(Path dir, boolean sockets, String name) throws IOException {
        return sockets ? GuestPort.socket(dir, name) : GuestPort.fifo(dir, name);
    }

    /** A stall or SIGSTOP lasts {@code ms} instead of {@link #PAUSE_MS}; call before the guest gets there. */
    public StandInGuest pausing(int ms) {
        this.pauseMs = ms;
        return this;
    }

    /** Waits until the recording reached {@code p} (the fault is about to come). */
    public boolean awaitPhase(Phase p, long timeoutMs) throws InterruptedException {
        return latches[p.ordinal()].await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    private void reach(Phase p) {
        if (reached.add(p)) {
            onReach.accept(p);
        }
        latches[p.ordinal()].countDown();
    }

    private void run() {
        ByteBuffer in = ByteBuffer.allocate(4096);
        byte[] copy = new byte[4096];
        try {
            while (!closing) {
                in.clear();
                int n = hearing ? ctl.read(in) : 0;
                if (n > 0) {
                    in.flip().get(copy, 0, n);
                    parser.feed(copy, 0, n);
                }
                for (Object o; (o = said.poll()) != null && !closing; ) {
                    if (o instanceof Request r) {
                        answer(r);
                    } else if (o == Order.START && runStart == 0) {
                        runStart = System.nanoTime();
                    } else if (o == Order.STOP && runStart != 0) {
                        stopping = true;
                        reach(Phase.STOP_TAIL);
                    }
                }
                if (runStart != 0) {
                    stream();
                }
                Thread.sleep(2);
            }
        } catch (IOException | InterruptedException e) {
            // the port went away under us, or the test is over
        }
    }

    private void answer(Request r) throws IOException, InterruptedException {
        reach(Phase.BEFORE_HANDSHAKE);
        if (!faulted && phase == Phase.BEFORE_HANDSHAKE && commit(ctl) == Boolean.FALSE) {
            return;
        }
        byte[] payload = switch (r.name()) {
            case "hello" -> script.hello().getBytes(StandardCharsets.UTF_8);
            case "meta" -> script.meta().encode();
            case "update" -> script.update().encode();
            case "heartbeat" -> "heartbeat=7\n".getBytes(StandardCharsets.US_ASCII);
            case "clock" -> clock();
            default -> null;
        };
        byte[] frame = (payload == null ? ReplyFrame.error(r.id(), "unknown request") : ReplyFrame.ok(r.id(), payload))
                .encode();
        Phase here = switch (r.name()) {
            case "hello" -> Phase.IN_HANDSHAKE_REPLY;
            case "meta" -> Phase.IN_META_REPLY;
            case "update" -> Phase.IN_FINAL_UPDATE;
            case "clock" -> Phase.IN_FIRST_CLOCK_REPLY;
            default -> null;
        };
        if (here != null) {
            reach(here);
        }
        if (!faulted && here == phase) {
            writeAll(ctl, frame, 0, frame.length / 2);
            Boolean goOn = commit(ctl);
            if (goOn == Boolean.FALSE || fault == Fault.TRUNCATED) {
                return; // the rest of the reply never comes
            }
            writeAll(ctl, frame, frame.length / 2, frame.length - frame.length / 2);
            return;
        }
        writeAll(ctl, frame, 0, frame.length);
    }

    /** A ?clock answer on CLOCK_MONOTONIC, which the script's pages were recorded with. */
    private static byte[] clock() {
        long mono = System.nanoTime();
        long real = System.currentTimeMillis() * 1_000_000L;
        return ("clock=mono\nmethod=exact\nclock-error=0\ntrace-minus-mono=0\nmono=" + mono + "\nrealtime=" + real
                + "\nheartbeat=7\nreceived=" + mono + "\nreplied=" + System.nanoTime() + "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Two thirds of each CPU's pages over RUN_MS after 1; the rest, at once, after 0 (the tail). */
    private void stream() throws IOException, InterruptedException {
        double share = stopping ? 1.0 : Math.min(1.0, (System.nanoTime() - runStart) / (RUN_MS * 1e6)) * 2 / 3;
        for (int cpu = 0; cpu < data.size() && !closing; cpu++) {
            int pages = script.pages().get(cpu).length / script.pageSize();
            int due = (int) (pages * share);
            while (sent[cpu] < due && !closing) {
                if (!stopping && sent[cpu] >= pages / 3) {
                    reach(Phase.DATA_FLOWING);
                    if (!faulted && phase == Phase.DATA_FLOWING && commit(data.get(cpu)) == Boolean.FALSE) {
                        return;
                    }
                }
                if (!faulted && phase == Phase.STOP_TAIL && stopping && sent[cpu] >= pages * 5 / 6) {
                    if (commit(data.get(cpu)) == Boolean.FALSE) {
                        return;
                    }
                }
                writeAll(data.get(cpu), script.pages().get(cpu), sent[cpu] * script.pageSize(), script.pageSize());
                sent[cpu]++;
            }
        }
    }

    /**
     * Commits the fault on {@code port} (the control port for a reply, a data port for pages):
     * returns FALSE when the guest is gone or stuck for good, TRUE when it goes on.
     */
    private Boolean commit(GuestPort port) throws IOException, InterruptedException {
        faulted = true;
        switch (fault) {
            case PORT_CLOSED -> {
                ctl.close();
                data.forEach(GuestPort::close);
                closing = true;
                return false;
            }
            case GARBAGE -> {
                byte[] junk = new byte[port == ctl ? 2048 : 777];
                random.nextBytes(junk);
                writeAll(port, junk, 0, junk.length);
            }
            case TRUNCATED -> {
                if (port != ctl) {
                    writeAll(port, new byte[script.pageSize() / 2], 0, script.pageSize() / 2);
                }
            }
            case STALL, STOPPED_THEN_CONTINUED -> Thread.sleep(pauseMs);
            case EPIPE_ON_HOST_WRITE -> {
                ctl.closeReadSide();
                hearing = false;
            }
            case KILLED -> {
                closing = true;
                return false;
            }
            default -> throw new IllegalStateException(fault.toString());
        }
        return true;
    }

    private void writeAll(GuestPort port, byte[] b, int off, int len) throws IOException, InterruptedException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (buf.hasRemaining() && !closing) {
            if (port.write(buf) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(port.name + ": the host took nothing for 10 s");
                }
                Thread.sleep(1);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        thread.join(2000);
        ctl.close();
        data.forEach(GuestPort::close);
    }
}
