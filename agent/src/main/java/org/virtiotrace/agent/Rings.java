package org.virtiotrace.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.virtiotrace.agent.monitor.MonitorException;
import org.virtiotrace.core.pump.CpuPump;
import org.virtiotrace.core.ring.PageRing;
import org.virtiotrace.core.ring.RingDump;

/** The pumps' memory rings as the monitor socket and SIGUSR1 see them: read one, dump them all. */
final class Rings {
    private final List<CpuPump> pumps;
    private final int subBufferSize;

    Rings(List<CpuPump> pumps, int subBufferSize) {
        this.pumps = pumps;
        this.subBufferSize = subBufferSize;
    }

    private PageRing ringOf(int cpu) throws MonitorException {
        for (CpuPump p : pumps) {
            if (p.cpu() == cpu) {
                return p.ring().orElseThrow(() -> notRingbuf(cpu));
            }
        }
        throw notRingbuf(cpu);
    }

    private static MonitorException notRingbuf(int cpu) {
        return new MonitorException("cpu" + cpu + " is not a ringbuf device");
    }

    /** Consumes up to {@code dst.remaining()} of the oldest bytes of cpu's ring. */
    void read(int cpu, ByteBuffer dst) throws MonitorException {
        ringOf(cpu).read(dst);
    }

    /** Writes every ring to DIR/cpuN.raw; returns one line per file. */
    String dump(Path dir) throws MonitorException {
        List<CpuPump> withRings = pumps.stream().filter(p -> p.ring().isPresent()).toList();
        if (withRings.isEmpty()) {
            throw new MonitorException("no CPU has a ring (-o mode): nothing to dump");
        }
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new MonitorException(dir + ": cannot create the dump directory: " + e.getMessage());
        }
        StringBuilder out = new StringBuilder();
        for (CpuPump p : withRings) {
            Path file = dir.resolve("cpu" + p.cpu() + ".raw");
            try {
                long n = RingDump.write(p.ring().get(), file);
                out.append(String.format("%s %d bytes (%d pages)%n", file, n, n / subBufferSize));
            } catch (IOException e) {
                throw new MonitorException(file + ": cannot write the dump: " + e.getMessage());
            }
        }
        return out.toString();
    }
}
