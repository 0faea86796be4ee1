package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.hosttrace.HostTrace;
import org.virtiotrace.host.hosttrace.HostTraceException;
import org.virtiotrace.host.hosttrace.QemuThreads;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.tracedat.TimeOptions;
import org.virtiotrace.host.tracedat.TraceDatFormat;

/**
 * --host within a recording: nothing at all without it. With one guest the recording begins,
 * ends and writes it; with several ({@link Fleet}) the fleet begins it before the first guest's
 * start order and ends it after the last guest's tail, each guest's recording only marks its
 * orders and leaves its name, and the fleet writes one host file naming every guest.
 */
final class HostRecording implements AutoCloseable {
    private final Path output;
    private final HostTrace trace;
    private final Path spool;
    /** Shared by every guest linked to this host file: each guest's TIME_SHIFT names it. */
    private final long traceId = new SecureRandom().nextLong();
    private final boolean fleet;
    private final List<Linked> linked = new ArrayList<>(); // fleet: guarded by this
    private boolean running;

    /** A guest that named itself for the fleet's host file. */
    private record Linked(TimeOptions.Guest guest, Path dat, Long offsetNs, TraceDatFormat format) {
    }

    private HostRecording(Path output, HostTrace trace, Path spool, boolean fleet) {
        this.output = output;
        this.trace = trace;
        this.spool = spool;
        this.fleet = fleet;
    }

    static HostRecording none() {
        return new HostRecording(null, null, null, false);
    }

    /**
     * Sets up the host's trace before the guest is touched, so a refusal costs the guest nothing;
     * {@code fleet}: for several guests at once (see the class comment).
     */
    static HostRecording prepare(RecordOptions opt, Native nat, boolean fleet) throws ExitException {
        Path out = opt.timeline().hostOutput();
        if (out == null) {
            return none();
        }
        Path spool;
        try {
            spool = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".virtio-trace-host-");
        } catch (IOException e) {
            throw new ExitException(Exit.OUTPUT, out + ": cannot make a spool directory beside it: " + e);
        }
        try {
            return new HostRecording(out, HostTrace.prepare(nat, opt.timeline().hostEvents(), spool), spool, fleet);
        } catch (HostTraceException e) {
            deleteQuietly(spool);
            throw new ExitException(Exit.HOST_TRACE, e.getMessage());
        }
    }

    boolean active() {
        return trace != null;
    }

    long traceId() {
        return traceId;
    }

    /** A guest is about to send its start order; with several guests the fleet has begun already. */
    void begin() throws IOException {
        if (!fleet) {
            beginTrace();
        }
    }

    /** The fleet's begin, before any guest's start order. */
    void beginTrace() throws IOException {
        if (trace != null) {
            trace.begin();
            running = true;
        }
    }

    /** Marks what the collector writes to {@code ports}' control port in the host trace. */
    void mark(PortLayout ports, String text) {
        if (running) {
            trace.mark(fleet ? name(ports) + ": " + text : text);
        }
    }

    /** A guest's tail is in; with several guests the fleet ends the host trace after the last. */
    void end() throws IOException, InterruptedException {
        if (!fleet) {
            endTrace();
        }
    }

    /** The fleet's end, after every guest's tail. */
    void endTrace() throws IOException, InterruptedException {
        if (running) {
            running = false;
            trace.end();
        }
    }

    /**
     * Writes the host file naming the guest: the port directory's name, its vCPUs' QEMU threads when
     * found. With several guests, only takes the guest's name down for {@link #writeFleet}.
     */
    void write(List<String> lines, PortLayout ports, int guestCpus, long guestTraceId, Path guestDat,
               Long offsetNs, TraceDatFormat format) {
        if (trace == null) {
            return;
        }
        String name = name(ports);
        Optional<Long> qemu = QemuThreads.holderOf(ports.dir());
        List<Integer> tids = qemu.map(pid -> QemuThreads.vcpuThreads(pid, guestCpus)).orElse(List.of());
        Linked guest = new Linked(new TimeOptions.Guest(name, guestTraceId, tids), guestDat, offsetNs, format);
        lines.add(!tids.isEmpty() ? "  guest " + name + ": vCPU threads " + tids
                : qemu.isEmpty() ? "  no QEMU process holds " + ports.dir() + "'s FIFOs or sockets: the host file has "
                + "no GUEST option for " + name + " (its vCPU threads are unknown; the files merge all the same)"
                : "  QEMU (pid " + qemu.get() + ") does not name its vCPU threads (start it with -name "
                + "guest=NAME,debug-threads=on, as libvirt does): the host file has no GUEST option for " + name
                + " (the files merge all the same)");
        if (fleet) {
            synchronized (this) {
                linked.add(guest);
            }
            return;
        }
        writeFile(lines, List.of(guest));
    }

    /**
     * The fleet's host file, naming every guest that wrote its own, in the order of {@code names}
     * (the command line's), whichever finished first; nothing when none did.
     */
    synchronized void writeFleet(List<String> lines, List<String> names) {
        if (trace != null && !linked.isEmpty()) {
            List<Linked> ordered = new ArrayList<>(linked);
            ordered.sort(java.util.Comparator.comparingInt(g -> names.indexOf(g.guest().name())));
            writeFile(lines, ordered);
        }
    }

    private void writeFile(List<String> lines, List<Linked> guests) {
        Linked first = guests.get(0);
        try {
            // GUEST maps a guest's vCPUs to the host threads that run them. Without the threads it
            // says nothing a reader needs (the guest file's TIME_SHIFT names this file's TRACEID,
            // which is what merges them), and trace-cmd 3.1.6 dies on two such options
            // ("Could not allocate vcpu maps": it reallocs its map to 0 bytes).
            List<TimeOptions.Guest> named = guests.stream().map(Linked::guest)
                    .filter(g -> !g.vcpuHostTids().isEmpty()).toList();
            lines.add(trace.write(output, traceId, named, first.offsetNs(), first.format()));
            StringBuilder merge = new StringBuilder("  one timeline: trace-cmd report -i " + output);
            StringBuilder shark = new StringBuilder("   (kernelshark -i " + output);
            for (Linked g : guests) {
                merge.append(" -i ").append(g.dat());
                shark.append(" -a ").append(g.dat());
            }
            lines.add(merge.append(shark).append(")").toString());
        } catch (IOException | RuntimeException e) {
            lines.add("warning: " + output + ": cannot write the host trace: " + e.getMessage());
        }
    }

    /** The name a guest goes by in the host file: its port directory's. */
    static String name(PortLayout ports) {
        return ports.dir().toAbsolutePath().normalize().getFileName().toString();
    }

    @Override
    public void close() {
        if (trace != null) {
            try {
                trace.close();
            } catch (IOException e) {
                // the next run's name differs (our pid), but the host keeps the buffer: say so
                System.err.println("virtio-trace: warning: " + e.getMessage() + "; remove it with rmdir once nothing "
                        + "holds it open");
            }
            deleteQuietly(spool);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is named .virtio-trace-host-*
        }
    }
}
