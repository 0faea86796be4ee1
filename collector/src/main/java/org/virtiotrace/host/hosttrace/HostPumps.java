package org.virtiotrace.host.hosttrace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.Pipe;
import org.virtiotrace.core.pump.CpuPump;
import org.virtiotrace.core.pump.PumpControl;
import org.virtiotrace.core.sink.PortSink;
import org.virtiotrace.core.tracefs.Tracefs;

/**
 * The agent's own per-CPU splice pumps, run on the host against the host instance: each
 * moves whole ring-buffer pages from its CPU's trace_pipe_raw into a spool file (a regular
 * file takes splice like a port), and on stop the partial page too.
 */
public final class HostPumps implements AutoCloseable {
    private static final int PIPE_SIZE = 1 << 20;
    private static final int PAGE_LATENCY_MS = 100;

    private final List<CpuPump> pumps = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private final int pageSize;

    private HostPumps(int pageSize) {
        this.pageSize = pageSize;
    }

    /** One pump per online host CPU, writing {@code dir}/host-cpuN.raw; started paused. */
    public static HostPumps start(Native nat, Tracefs tracefs, Path dir) throws IOException {
        int page = tracefs.subBufferSize();
        HostPumps h = new HostPumps(page);
        try {
            for (int cpu : (Iterable<Integer>) CpuList.online().stream()::iterator) {
                Path file = dir.resolve("host-cpu" + cpu + ".raw");
                Files.deleteIfExists(file);
                Files.createFile(file);
                Fd trace = nat.open(tracefs.tracePipeRaw(cpu).toString(), Native.Access.READ);
                Pipe pipe = nat.pipe(Math.max(PIPE_SIZE, page));
                Fd out = nat.open(file.toString(), Native.Access.WRITE);
                PumpControl control = new PumpControl(nat);
                CpuPump p = new CpuPump(cpu, nat, tracefs, trace, pipe, new PortSink(nat, out), null, null, control,
                        page, tracefs.bufferSizePerCpu(cpu), PAGE_LATENCY_MS, 0);
                h.pumps.add(p);
                h.files.add(file);
                Thread t = new Thread(p, "host-cpu" + cpu);
                t.setDaemon(true);
                h.threads.add(t);
                t.start();
            }
        } catch (NativeException | RuntimeException e) {
            h.close();
            throw new IOException(e.getMessage(), e);
        }
        return h;
    }

    public void run() {
        pumps.forEach(p -> p.control().start());
    }

    /** Stops: each pump delivers what the kernel holds and its partial page, then ends. */
    public void stopAndJoin() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        pumps.forEach(p -> p.control().shutdown(deadline));
        for (Thread t : threads) {
            t.join(3000);
        }
    }

    public List<Integer> cpus() {
        return pumps.stream().map(CpuPump::cpu).toList();
    }

    public List<Path> files() {
        return files;
    }

    public int pageSize() {
        return pageSize;
    }

    @Override
    public void close() {
        try {
            stopAndJoin();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < pumps.size(); i++) {
            if (!threads.get(i).isAlive()) {
                pumps.get(i).control().close();
            }
        }
    }
}
