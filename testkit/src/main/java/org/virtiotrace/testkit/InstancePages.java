package org.virtiotrace.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.tracefs.TraceInstance;

/** Pages straight from a private instance's trace_pipe_raw, without the agent. */
public final class InstancePages {
    private InstancePages() {
    }

    /** Stops tracing, then drains each CPU into dir/cpuN.raw (whole pages, the partial one last). */
    public static List<Path> drain(TraceInstance instance, CpuList cpus, Path dir) throws IOException {
        instance.write("tracing_on", "0");
        Native nat = Native.get();
        int page = instance.tracefs().subBufferSize();
        List<Path> files = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocateDirect(page);
        byte[] copy = new byte[page];
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            Path f = dir.resolve("cpu" + cpu + ".raw");
            try (Fd fd = nat.open(instance.tracefs().tracePipeRaw(cpu).toString(), Native.Access.READ);
                 OutputStream out = Files.newOutputStream(f)) {
                while (true) {
                    buf.clear();
                    int n = nat.read(fd, buf);
                    if (n <= 0) {
                        break;
                    }
                    buf.flip().get(copy, 0, n);
                    out.write(copy, 0, n);
                }
            }
            files.add(f);
        }
        return files;
    }
}
