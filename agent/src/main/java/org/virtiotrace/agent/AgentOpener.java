package org.virtiotrace.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.virtiotrace.agent.control.ControlPort;
import org.virtiotrace.agent.port.PortOpener;
import org.virtiotrace.agent.port.PortResolver;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.Pipe;
import org.virtiotrace.core.pump.CpuPump;
import org.virtiotrace.core.pump.PortLookup;
import org.virtiotrace.core.pump.PumpControl;
import org.virtiotrace.core.ring.PageRing;
import org.virtiotrace.core.ring.RingSize;
import org.virtiotrace.core.sink.PortSink;
import org.virtiotrace.core.sink.Sink;
import org.virtiotrace.core.sink.StdoutSink;
import org.virtiotrace.core.tracefs.Tracefs;
import org.virtiotrace.core.tracefs.TracefsException;
import org.virtiotrace.core.tracefs.TracefsLocator;

/**
 * Opens everything the agent needs up front, so every failure is a clear line at start,
 * not a surprise later: tracefs, each CPU's trace pipe (locked), port, ring and pipe, and
 * the control port. What it opened it hands over whole; what it opened before a failure it
 * closes.
 */
final class AgentOpener {
    /** Everything the agent runs on, opened. */
    record Opened(Tracefs tracefs, CpuList cpus, int subBufferSize, List<CpuPump> pumps, ControlPort control) {
    }

    private AgentOpener() {
    }

    static Opened open(AgentConfig cfg, Native nat) throws StartupException {
        Tracefs tracefs;
        CpuList cpus;
        int subBuffer;
        try {
            tracefs = TracefsLocator.locate(cfg.tracefs(), cfg.instance());
            cpus = cfg.cpus() != null ? cfg.cpus() : CpuList.online();
            subBuffer = tracefs.subBufferSize();
        } catch (TracefsException e) {
            throw new StartupException(ExitCodes.TRACEFS, e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new StartupException(ExitCodes.TRACEFS, "cannot read the trace setup: " + e.getMessage());
        }
        if (!cfg.toStdout()) {
            String problem = RingSize.problem(cfg.ringSize(), subBuffer);
            if (problem != null) {
                throw new StartupException(ExitCodes.USAGE, "--ring-size: " + problem);
            }
        }
        PortResolver ports = new PortResolver(cfg.portDir());
        PortOpener opener = new PortOpener(nat, ports);
        List<CpuPump> pumps = new ArrayList<>();
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            Sink stdout = cfg.toStdout() ? new StdoutSink(nat) : null;
            boolean pipeWarned = false;
            for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
                Fd trace = openTracePipe(nat, tracefs, cpu);
                opened.add(trace);
                String portName = String.format(cfg.portName(), cpu);
                Sink sink = stdout;
                PortLookup lookup = null;
                PageRing ring = null;
                if (!cfg.toStdout()) {
                    ring = allocateRing(nat, cfg.ringSize(), subBuffer);
                    if (!cfg.memoryOnly()) {
                        lookup = portLookup(nat, opener, portName);
                        sink = openPort(opener, portName, ring).orElse(null);
                        if (sink != null) {
                            opened.add(sink);
                        }
                    }
                }
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
                pumps.add(new CpuPump(cpu, nat, tracefs, trace, pipe, sink, ring, lookup, pc, subBuffer,
                        tracefs.bufferSizePerCpu(cpu), cfg.pageLatencyMs(), cfg.stallTimeoutMs()));
            }
            ControlPort ctl = openControl(nat, ports, cfg.ctlPort());
            opened.add(ctl);
            return new Opened(tracefs, cpus, subBuffer, pumps, ctl);
        } catch (StartupException e) {
            closeAll(opened);
            throw e;
        } catch (IOException e) {
            closeAll(opened);
            throw new StartupException(ExitCodes.SOFTWARE, e.getMessage());
        }
    }

    /** Closes what {@link #open} opened, for an agent that will not start. */
    static void close(Opened parts) {
        parts.pumps().forEach(CpuPump::discard);
        parts.control().close();
    }

    private static PageRing allocateRing(Native nat, long size, int subBuffer) throws StartupException {
        try {
            return new PageRing(nat.mapAnonymous((int) size), subBuffer);
        } catch (NativeException e) {
            throw new StartupException(ExitCodes.SOFTWARE, e.getMessage() + "; choose a smaller --ring-size");
        }
    }

    private static PortLookup portLookup(Native nat, PortOpener opener, String name) {
        return new PortLookup() {
            @Override
            public Optional<Sink> tryOpen() throws NativeException {
                return opener.open(name).map(fd -> new PortSink(nat, fd));
            }

            @Override
            public String expectedPath() {
                return opener.resolver().expectedPath(name).toString();
            }
        };
    }

    private static Fd openTracePipe(Native nat, Tracefs tracefs, int cpu) throws StartupException {
        Path p = tracefs.tracePipeRaw(cpu);
        try {
            Fd fd = nat.open(p.toString(), Native.Access.READ);
            try {
                nat.lockExclusive(fd);
            } catch (NativeException e) {
                fd.close();
                throw NativeException.busy(p.toString(), "flock");
            }
            return fd;
        } catch (NativeException e) {
            if (e.isBusy()) {
                throw new StartupException(ExitCodes.BUSY, e.getMessage() + ": another reader (trace-cmd, a second "
                        + "trace-agent?) holds cpu" + cpu + "'s trace pipe; stop it, or trace a separate --instance");
            }
            if (e.isMissing()) {
                throw new StartupException(ExitCodes.TRACEFS, e.getMessage() + ": cpu" + cpu
                        + " has no trace pipe; is it online? choose CPUs with --cpus");
            }
            throw new StartupException(ExitCodes.TRACEFS, e.getMessage() + ": the agent must run as root");
        }
    }

    /** The port; empty (pages go to memory, one warning) when it does not exist yet. */
    private static Optional<Sink> openPort(PortOpener opener, String name, PageRing ring) throws StartupException {
        try {
            Optional<Fd> fd = opener.open(name);
            if (fd.isEmpty()) {
                Log.warn("%s; keeping this CPU's pages in memory (a %d KiB ring) until the port appears",
                        opener.resolver().missingMessage(name), ring.capacity() >> 10);
            }
            return fd.map(f -> new PortSink(opener.nativeCalls(), f));
        } catch (NativeException e) {
            throw new StartupException(ExitCodes.PORT, e.getMessage() + "; cannot write the trace port");
        }
    }

    /**
     * The control port and where replies go. A virtio port (a character device) is opened
     * read-write and answers on itself. A lone FIFO is read-only (the C agent's stand-in):
     * orders work, requests cannot be answered. Where NAME is missing but NAME.in exists
     * (the host's FIFO layout, as {@code virtio-trace setup} makes it), the agent plays the
     * guest on this machine: orders from NAME.in, replies to NAME.out.
     */
    private static ControlPort openControl(Native nat, PortResolver ports, String nameOrPath) throws StartupException {
        Optional<Path> path = ports.resolve(nameOrPath);
        Native.Access access = Native.Access.READ;
        String replyPath = null;
        if (path.isEmpty()) {
            Path in = ports.hostEnd(nameOrPath, "in");
            if (!Files.exists(in)) {
                throw new StartupException(ExitCodes.PORT, ports.missingMessage(nameOrPath));
            }
            path = Optional.of(in);
            replyPath = ports.hostEnd(nameOrPath, "out").toString();
        } else if (isCharDevice(path.get())) {
            access = Native.Access.READ_WRITE;
        }
        try {
            return new ControlPort(nat.open(path.get().toString(), access), access, replyPath);
        } catch (NativeException e) {
            throw new StartupException(ExitCodes.PORT, e.getMessage() + "; cannot read the control port");
        }
    }

    private static boolean isCharDevice(Path p) {
        try {
            return Files.getAttribute(p, "unix:mode") instanceof Integer mode && (mode & 0170000) == 0020000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
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
}
