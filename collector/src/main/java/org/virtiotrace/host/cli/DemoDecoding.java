package org.virtiotrace.host.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.host.control.Metadata;
import org.virtiotrace.host.decode.EventDecoder;

/** The demo's reading of its trace.dat: trace-cmd when installed, else the project's page reader. */
final class DemoDecoding {
    private static final int SAMPLE = 8;

    private DemoDecoding() {
    }

    static DemoCommand.Decoded decode(Path dat, Path raw, CpuList cpus) throws IOException, InterruptedException {
        if (onPath("trace-cmd")) {
            Process p = new ProcessBuilder("trace-cmd", "report", "-i", dat.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> events = new ArrayList<>();
            for (String l : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (l.matches("\\s*\\S.*\\[\\d{3}\\]\\s+\\d+\\.\\d+:.*")) {
                    events.add(l);
                }
            }
            p.waitFor(60, TimeUnit.SECONDS);
            List<String> sample = DemoCommand.first(events.stream().filter(l -> l.contains("demo tick")).toList(), 3);
            sample.addAll(DemoCommand.first(events.stream().filter(l -> !l.contains("demo tick")).toList(), SAMPLE - 3));
            return new DemoCommand.Decoded("trace-cmd report", p.exitValue() == 0 ? events.size() : -1, sample);
        }
        FileSet meta = FileSet.readFrom(raw);
        var info = TraceMetadata.parseInfo(meta.text(TraceMetadata.INFO).orElse(""));
        EventDecoder dec = new EventDecoder(meta, Metadata.of(meta, info, false, 0).format());
        long count = 0;
        List<String> sample = new ArrayList<>();
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            var events = dec.decode(cpu, Files.readAllBytes(raw.resolve("cpu" + cpu + ".raw")));
            count += events.size();
            events.stream().limit(SAMPLE / Math.max(1, cpus.size())).forEach(e -> sample.add(e.toString()));
        }
        return new DemoCommand.Decoded("virtio-trace's page reader (trace-cmd is not installed)", count, sample);
    }

    private static boolean onPath(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }
}
