package org.virtiotrace.agent;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.virtiotrace.agent.control.ControlChannel;
import org.virtiotrace.agent.control.Orders;
import org.virtiotrace.agent.meta.MetaAnswers;
import org.virtiotrace.agent.monitor.MonitorException;
import org.virtiotrace.agent.monitor.MonitorServer;
import org.virtiotrace.agent.monitor.Requests;
import org.virtiotrace.agent.notify.ServiceNotifier;
import org.virtiotrace.agent.session.Leftovers;
import org.virtiotrace.agent.session.ListAnswers;
import org.virtiotrace.agent.session.Sessions;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.log.RateLimiter;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.pump.CpuPump;
import org.virtiotrace.core.pump.PumpControl;
import org.virtiotrace.core.pump.PumpRehearsal;
import org.virtiotrace.core.pump.Route;
import org.virtiotrace.core.tracefs.Tracefs;
import org.virtiotrace.core.wire.Order;

/**
 * Runs what {@link AgentOpener} opened: one pump thread per CPU, the control thread, the local
 * socket; turns the host's orders and the shutdown request into {@link PumpControl} calls.
 * Requests never pass through here: the control thread routes them to their answers.
 */
public final class Agent implements Orders, Requests {
    /** Grace period on SIGTERM for delivering what was taken plus the partial pages. */
    static final long SHUTDOWN_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long JOIN_SLACK_MS = 250;

    private final Native nat;
    private final Tracefs tracefs;
    private final int subBufferSize;
    private final List<CpuPump> pumps;
    private final ControlChannel control;
    private final Timekeeping time;
    private final Rings rings;
    private final MonitorServer monitor;
    private final Path dumpDir;
    private final ServiceNotifier notifier;
    private final Sessions sessions;
    /** The pumps' controls, made once: the start order must not pay for building a list (first byte). */
    private final List<PumpControl> controls = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch shutdownRequested = new CountDownLatch(1);
    private final RateLimiter unknownOrders = new RateLimiter(5, TimeUnit.MINUTES.toNanos(1));
    private final AtomicInteger pumpsAlive = new AtomicInteger();
    private volatile int exitCode = ExitCodes.OK;
    private volatile boolean stopping;
    private volatile boolean running; // written by the control thread only; read by status

    private Agent(AgentOpener.Opened parts, AgentConfig cfg, Native nat, ServiceNotifier notifier)
            throws StartupException, NativeException {
        this.notifier = notifier;
        this.nat = nat;
        this.tracefs = parts.tracefs();
        this.subBufferSize = parts.subBufferSize();
        this.pumps = parts.pumps();
        for (CpuPump p : pumps) {
            controls.add(p.control());
        }
        this.dumpDir = cfg.dumpDir();
        java.nio.file.Path loanRecord = cfg.dumpDir().resolve("top-level-loan");
        Leftovers.remove(tracefs.mount());
        Leftovers.restoreLoan(loanRecord);
        this.sessions = new Sessions(nat, tracefs, parts.cpus(), subBufferSize, cfg.hostConfig(), loanRecord);
        this.time = new Timekeeping(nat, tracefs, sessions::traced, cfg.heartbeat(), pumps);
        this.rings = new Rings(pumps, subBufferSize);
        // the socket and the channel only call back once start() has run their threads
        try {
            this.monitor = cfg.socket() == null ? null : MonitorServer.bind(cfg.socket(), this);
        } catch (MonitorException e) {
            throw new StartupException(ExitCodes.SOCKET, e.getMessage());
        }
        try {
            this.control = new ControlChannel(nat, parts.control(), this, time,
                    new MetaAnswers(sessions, new ListAnswers(tracefs.mount())));
        } catch (NativeException e) {
            if (monitor != null) {
                monitor.close();
            }
            throw e;
        }
    }

    /** Opens tracefs, every CPU's trace pipe and port, and the control port; or explains why not. */
    public static Agent open(AgentConfig cfg, Native nat) throws StartupException {
        return open(cfg, nat, ServiceNotifier.none());
    }

    /** The same, telling systemd (through {@code notifier}) when it is ready and what it does. */
    public static Agent open(AgentConfig cfg, Native nat, ServiceNotifier notifier) throws StartupException {
        AgentOpener.Opened parts = AgentOpener.open(cfg, nat);
        try {
            return new Agent(parts, cfg, nat, notifier);
        } catch (NativeException e) {
            AgentOpener.close(parts);
            throw new StartupException(ExitCodes.SOFTWARE, e.getMessage());
        } catch (StartupException e) {
            AgentOpener.close(parts);
            throw e;
        }
    }

    /** Starts the pump threads (paused) and the control thread. */
    public void start() {
        pumpsAlive.set(pumps.size());
        for (CpuPump p : pumps) {
            p.whenEnded(this::pumpEnded);
            p.whenRouteChanges(() -> notifier.status(serviceStatus()));
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
        time.start();
        Thread c = new Thread(control, "control");
        c.setDaemon(true);
        threads.add(c);
        c.start();
        if (monitor != null) {
            Thread m = new Thread(monitor, "socket");
            m.setDaemon(true);
            m.start(); // not joined at exit: closing the socket ends it, and it holds nothing to flush
        }
        Log.info("ready: %d CPU%s from %s to %s; waiting for orders on %s", pumps.size(),
                pumps.size() == 1 ? "" : "s", tracefs, describeSinks(), control.path());
        notifier.ready(serviceStatus());
        rehearse();
    }

    /**
     * Plays a scratch pump's loop a few hundred times while the agent waits for orders, so the
     * JIT's work is done before the host's first recording, not in its first seconds
     * (PumpRehearsal); on a thread of its own, so it delays nothing.
     */
    private void rehearse() {
        if (pumps.isEmpty()) {
            return;
        }
        int cpu = pumps.get(0).cpu();
        Thread t = new Thread(() -> PumpRehearsal.run(nat, tracefs, cpu, subBufferSize), "rehearsal-driver");
        t.setDaemon(true);
        t.start();
    }

    /** systemd's one-line STATUS=: the state, then how many CPUs take each route. */
    private String serviceStatus() {
        java.util.Map<Route, Integer> routes = new java.util.EnumMap<>(Route.class);
        pumps.forEach(p -> routes.merge(p.route(), 1, Integer::sum));
        StringBuilder b = new StringBuilder(running ? "tracing" : "waiting for the host's start order");
        b.append(": ");
        String sep = "";
        for (var e : routes.entrySet()) {
            b.append(sep).append(e.getValue()).append(e.getValue() == 1 ? " CPU " : " CPUs ")
                    .append(describe(e.getKey(), e.getValue()));
            sep = ", ";
        }
        return b.toString();
    }

    private String describe(Route r, int cpus) {
        if (r == Route.PORT && !pumps.isEmpty() && pumps.get(0).sinkName().equals("stdout")) {
            return "to stdout";
        }
        return r == Route.PORT ? (cpus == 1 ? "to its port" : "to their ports") : "to " + r.words();
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
                sessions.beforeStart(controls);
                pumps.forEach(p -> p.control().start());
                if (!running) {
                    Log.info("start order: tracing");
                }
                running = true;
                notifier.status(serviceStatus());
            }
            case STOP -> {
                pumps.forEach(p -> p.control().pause());
                sessions.atStop();
                if (running) {
                    Log.info("stop order: delivering the partial pages, then pausing");
                }
                running = false;
                notifier.status(serviceStatus());
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
        notifier.stopping("stopping: delivering what was taken");
        long deadline = System.nanoTime() + SHUTDOWN_GRACE_NANOS;
        if (monitor != null) {
            monitor.close();
        }
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
        time.close();
        sessions.close();
        return exitCode;
    }

    public List<CpuPump> pumps() {
        return pumps;
    }

    @Override
    public void ringbufRead(int cpu, ByteBuffer dst) throws MonitorException {
        rings.read(cpu, dst);
    }

    @Override
    public String ringbufDump(Path dir) throws MonitorException {
        return rings.dump(dir);
    }

    @Override
    public String status() {
        return StatusReport.of(running, tracefs, subBufferSize, pumps);
    }

    /** SIGUSR1: dump every ring to --dump-dir, off the signal thread. */
    public void dumpOnSignal() {
        Thread t = new Thread(() -> {
            try {
                String files = ringbufDump(dumpDir);
                Log.notice("SIGUSR1: dumped the rings: %s", files.trim().replace(System.lineSeparator(), "; "));
            } catch (MonitorException e) {
                Log.error("SIGUSR1: %s", e.getMessage());
            }
        }, "dump");
        t.setDaemon(true);
        t.start();
    }
}
