package org.virtiotrace.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.constants.platform.Errno;
import org.virtiotrace.agent.control.ControlChannel;
import org.virtiotrace.agent.control.Order;
import org.virtiotrace.agent.control.OrderHandler;
import org.virtiotrace.agent.cpu.CpuList;
import org.virtiotrace.agent.log.Log;
import org.virtiotrace.agent.log.RateLimiter;
import org.virtiotrace.agent.nativeio.Fd;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.agent.nativeio.NativeException;
import org.virtiotrace.agent.nativeio.Pipe;
import org.virtiotrace.agent.port.PortResolver;
import org.virtiotrace.agent.pump.CpuPump;
import org.virtiotrace.agent.pump.PumpControl;
import org.virtiotrace.agent.sink.PortSink;
import org.virtiotrace.agent.sink.Sink;
import org.virtiotrace.agent.sink.StdoutSink;
import org.virtiotrace.agent.tracefs.Tracefs;
import org.virtiotrace.agent.tracefs.TracefsException;
import org.virtiotrace.agent.tracefs.TracefsLocator;

/**
 * Wires the pieces: opens everything up front (so every failure is a clear line at
 * start, not a surprise later), runs one pump thread per CPU and the control thread,
 * and turns orders and the shutdown request into {@link PumpControl} calls.
 */
public final class Agent implements OrderHandler {
    /** Grace period on SIGTERM for delivering what was taken plus the partial pages. */
    static final long SHUTDOWN_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long JOIN_SLACK_MS = 250;

    private final Tracefs tracefs;
    private final int subBufferSize;
    private final List<CpuPump> pumps;
    private final ControlChannel control;
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch shutdownRequested = new CountDownLatch(1);
    private final RateLimiter unknownOrders = new RateLimiter(5, TimeUnit.MINUTES.toNanos(1));
    private final AtomicInteger pumpsAlive = new AtomicInteger();
    private volatile int exitCode = ExitCodes.OK;
    private volatile boolean stopping;
    private boolean running; // control thread only

    private Agent(Native nat, Tracefs tracefs, int subBufferSize, List<CpuPump> pumps, Fd ctl)
            throws NativeException {
        this.tracefs = tracefs;
        this.subBufferSize = subBufferSize;
        this.pumps = pumps;
        // the channel only calls back once start() has run its thread
        this.control = new ControlChannel(nat, ctl, this);
    }

    /** Opens tracefs, every CPU's trace pipe and port, and the control port; or explains why not. */
    public static Agent open(AgentConfig cfg, Native nat) throws StartupException {
        Tracefs tracefs;
        CpuList cpus;
        int subBuffer;
        try {
            tracefs = TracefsLocator.locate(cfg.tracefs(), cfg.instance(), nat);
            cpus = cfg.cpus() != null ? cfg.cpus() : CpuList.online();
            subBuffer = tracefs.subBufferSize();
        } catch (TracefsException e) {
            throw new StartupException(ExitCodes.TRACEFS, e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new StartupException(ExitCodes.TRACEFS, "cannot read the trace setup: " + e.getMessage());
        }
        PortResolver ports = new PortResolver(cfg.portDir());
        List<CpuPump> pumps = new ArrayList<>();
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            Sink stdout = cfg.toStdout() ? new StdoutSink(nat) : null;
            boolean pipeWarned = false;
            for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
                Fd trace = openTracePipe(nat, tracefs, cpu);
                opened.add(trace);
                Sink sink = stdout != null ? stdout : new PortSink(nat, openPort(nat, ports,
                        String.format(cfg.portName(), cpu)));
                opened.add(sink);
                // the pipe must hold at least one whole sub-buffer (they may be up to 1 MiB)
                Pipe pipe = nat.pipe(Math.max(cfg.pipeSize(), subBuffer));
                opened.add(pipe);
                if (pipe.capacity() < subBuffer) {
                    throw new StartupException(ExitCodes.SOFTWARE, "the kernel granted a " + pipe.capacity()
                            + "-byte pipe, less than one " + subBuffer + "-byte sub-buffer; raise "
                            + "/proc/sys/fs/pipe-max-size or lower buffer_subbuf_size_kb");
                }
                if (pipe.capacity() < cfg.pipeSize() && !pipeWarned) {
                    Log.warn("pipe size %d refused, using %d (see /proc/sys/fs/pipe-max-size)", cfg.pipeSize(),
                            pipe.capacity());
                    pipeWarned = true;
                }
                PumpControl pc = new PumpControl(nat);
                opened.add(pc);
                pumps.add(new CpuPump(cpu, nat, tracefs, trace, pipe, sink, pc, subBuffer,
                        tracefs.bufferSizePerCpu(cpu), cfg.pageLatencyMs()));
            }
            Fd ctl = openControl(nat, ports, cfg.ctlPort());
            opened.add(ctl);
            return new Agent(nat, tracefs, subBuffer, pumps, ctl);
        } catch (StartupException e) {
            closeAll(opened);
            throw e;
        } catch (IOException e) {
            closeAll(opened);
            throw new StartupException(ExitCodes.SOFTWARE, e.getMessage());
        }
    }

    private static Fd openTracePipe(Native nat, Tracefs tracefs, int cpu) throws StartupException {
        Path p = tracefs.tracePipeRaw(cpu);
        try {
            Fd fd = nat.open(p.toString(), Native.Access.READ);
            try {
                nat.lockExclusive(fd);
            } catch (NativeException e) {
                fd.close();
                throw new NativeException(p.toString(), "flock", Errno.EBUSY);
            }
            return fd;
        } catch (NativeException e) {
            if (e.is(Errno.EBUSY)) {
                throw new StartupException(ExitCodes.BUSY, e.getMessage() + ": another reader (trace-cmd, a second "
                        + "trace-agent?) holds cpu" + cpu + "'s trace pipe; stop it, or trace a separate --instance");
            }
            if (e.is(Errno.ENOENT)) {
                throw new StartupException(ExitCodes.TRACEFS, e.getMessage() + ": cpu" + cpu
                        + " has no trace pipe; is it online? choose CPUs with --cpus");
            }
            throw new StartupException(ExitCodes.TRACEFS, e.getMessage() + ": the agent must run as root");
        }
    }

    private static Fd openPort(Native nat, PortResolver ports, String name) throws StartupException {
        Path path = ports.resolve(name).orElseThrow(
                () -> new StartupException(ExitCodes.PORT, ports.missingMessage(name)));
        try {
            return nat.open(path.toString(), Native.Access.WRITE);
        } catch (NativeException e) {
            if (!e.is(Errno.ENXIO)) {
                throw new StartupException(ExitCodes.PORT, e.getMessage() + "; cannot write the trace port");
            }
        }
        // A FIFO standing in for a port, with no reader yet. Holding a read end too makes it
        // behave like a real port whose host is not reading: data waits, nothing is lost.
        try {
            Log.notice("%s: no reader yet; data waits in the port until the host reads it", path);
            return nat.open(path.toString(), Native.Access.READ_WRITE);
        } catch (NativeException e) {
            throw new StartupException(ExitCodes.PORT, e.getMessage() + "; cannot write the trace port");
        }
    }

    private static Fd openControl(Native nat, PortResolver ports, String nameOrPath) throws StartupException {
        Path path = ports.resolve(nameOrPath).orElseThrow(
                () -> new StartupException(ExitCodes.PORT, ports.missingMessage(nameOrPath)));
        try {
            return nat.open(path.toString(), Native.Access.READ);
        } catch (NativeException e) {
            throw new StartupException(ExitCodes.PORT, e.getMessage() + "; cannot read the control port");
        }
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                // closing what a failed start opened: nothing to report beyond the failure itself
            }
        }
    }

    /** Starts the pump threads (paused) and the control thread. */
    public void start() {
        pumpsAlive.set(pumps.size());
        for (CpuPump p : pumps) {
            p.whenEnded(this::pumpEnded);
            Thread t = new Thread(p, "cpu" + p.cpu() + "-pump");
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (CpuPump p : pumps) {
            try {
                p.awaitWarm(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Thread c = new Thread(control, "control");
        c.setDaemon(true);
        threads.add(c);
        c.start();
        Log.info("ready: %d CPU%s from %s to %s; waiting for orders on %s", pumps.size(),
                pumps.size() == 1 ? "" : "s", tracefs, describeSinks(), control.path());
    }

    private String describeSinks() {
        if (pumps.isEmpty()) {
            return "nowhere";
        }
        String first = pumps.get(0).sinkName();
        return pumps.size() == 1 || first.equals("stdout") ? first
                : first + (pumps.size() > 2 ? " ... " : ", ") + pumps.get(pumps.size() - 1).sinkName();
    }

    @Override
    public void order(Order order) {
        switch (order) {
            case START -> {
                // pumps first, words after: the log line must not delay the first page
                pumps.forEach(p -> p.control().start());
                if (!running) {
                    Log.info("start order: tracing");
                }
                running = true;
            }
            case STOP -> {
                pumps.forEach(p -> p.control().pause());
                if (running) {
                    Log.info("stop order: delivering the partial pages, then pausing");
                }
                running = false;
            }
        }
    }

    @Override
    public void unknown(String token) {
        switch (unknownOrders.admit()) {
            case 1 -> Log.warn("%s: ignoring \"%s\": not an order (expected 1 or 0)", control.path(), token);
            case 0 -> Log.warn("%s: more unknown orders; not logging them for a minute", control.path());
            default -> {
            }
        }
    }

    /** With no CPU left to serve (each pump hit a fatal error) there is nothing to wait for. */
    private void pumpEnded() {
        if (pumpsAlive.decrementAndGet() == 0 && !stopping) {
            Log.error("no CPU is being traced any more; exiting");
            exitCode = ExitCodes.SOFTWARE;
            requestShutdown();
        }
    }

    /** Safe from any thread, any number of times (signal handlers call it). */
    public void requestShutdown() {
        shutdownRequested.countDown();
    }

    /** Blocks until shutdown is requested, then stops everything within about a second. */
    public int awaitAndStop() throws InterruptedException {
        shutdownRequested.await();
        stopping = true;
        long deadline = System.nanoTime() + SHUTDOWN_GRACE_NANOS;
        control.stop();
        pumps.forEach(p -> p.control().shutdown(deadline));
        long joinUntil = deadline + TimeUnit.MILLISECONDS.toNanos(JOIN_SLACK_MS);
        for (Thread t : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(joinUntil - System.nanoTime());
            t.join(Math.max(1, left));
            if (t.isAlive()) {
                Log.warn("%s did not stop in time; exiting anyway", t.getName());
            }
        }
        long total = pumps.stream().mapToLong(p -> p.counters().bytes()).sum();
        for (CpuPump p : pumps) {
            Log.debug("cpu%d: %d bytes in %d chunks, %d wake-ups", p.cpu(), p.counters().bytes(),
                    p.counters().chunks(), p.counters().wakeups());
        }
        Log.info("stopped: delivered %d bytes (%d pages)", total, total / subBufferSize);
        for (int i = 0; i < pumps.size(); i++) {
            if (!threads.get(i).isAlive()) {
                pumps.get(i).control().close();
            }
        }
        control.close();
        return exitCode;
    }

    public List<CpuPump> pumps() {
        return pumps;
    }
}
