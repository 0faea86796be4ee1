package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.hosttrace.HostTrace;
import org.virtiotrace.host.hosttrace.HostTraceException;
import org.virtiotrace.host.hosttrace.QemuThreads;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.tracedat.TraceDatFormat;
import org.virtiotrace.host.tracedat.TimeOptions;

/** --host within a recording: nothing at all without it. */
final class HostRecording implements AutoCloseable {
    private final Path output;
    private final HostTrace trace;
    private final Path spool;
    private boolean running;

    private HostRecording(Path output, HostTrace trace, Path spool) {
        this.output = output;
        this.trace = trace;
        this.spool = spool;
    }

    static HostRecording none() {
        return new HostRecording(null, null, null);
    }

    /** Sets up the host's trace before the guest is touched, so a refusal costs the guest nothing. */
    static HostRecording prepare(RecordOptions opt, Native nat) throws ExitException {
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
            return new HostRecording(out, HostTrace.prepare(nat, opt.timeline().hostEvents(), spool), spool);
        } catch (HostTraceException e) {
            deleteQuietly(spool);
            throw new ExitException(Exit.HOST_TRACE, e.getMessage());
        }
    }

    boolean active() {
        return trace != null;
    }

    void begin() throws IOException {
        if (trace != null) {
            trace.begin();
            running = true;
        }
    }

    /** Marks what the collector writes to the control port in the host trace. */
    void mark(String text) {
        if (running) {
            trace.mark(text);
        }
    }

    void end() throws IOException, InterruptedException {
        if (running) {
            running = false;
            trace.end();
        }
    }

    /** Writes the host file naming the guest: the port directory's name, its vCPUs' QEMU threads when found. */
    void write(List<String> lines, PortLayout ports, int guestCpus, long hostTraceId, long guestTraceId, Path guestDat,
               Long offsetNs, TraceDatFormat format) {
        if (trace == null) {
            return;
        }
        String name = ports.dir().toAbsolutePath().normalize().getFileName().toString();
        Optional<Long> qemu = QemuThreads.holderOf(ports.dir());
        List<Integer> tids = qemu.map(pid -> QemuThreads.vcpuThreads(pid, guestCpus)).orElse(List.of());
        try {
            lines.add(trace.write(output, hostTraceId, new TimeOptions.Guest(name, guestTraceId, tids), offsetNs,
                    format));
            lines.add(!tids.isEmpty() ? "  guest " + name + ": vCPU threads " + tids
                    : qemu.isEmpty() ? "  no QEMU process holds " + ports.dir() + "'s FIFOs or sockets: the GUEST option "
                    + "names no vCPU threads"
                    : "  QEMU (pid " + qemu.get() + ") does not name its vCPU threads (start it with -name "
                    + "guest=NAME,debug-threads=on, as libvirt does): the GUEST option names no vCPU threads");
            lines.add("  one timeline: trace-cmd report -i " + output + " -i " + guestDat + "   (kernelshark -i "
                    + output + " -a " + guestDat + ")");
        } catch (IOException | RuntimeException e) {
            lines.add("warning: " + output + ": cannot write the host trace: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (trace != null) {
            try {
                trace.close();
            } catch (IOException e) {
                // the instance stays; the next run's name differs (our pid)
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
