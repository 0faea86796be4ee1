package org.virtiotrace.host.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real trace-cmd (Debian's 3.1.6), the reader our files must satisfy. */
public final class TraceCmd {
    /** What a run printed on stdout and stderr, and its exit status. */
    public record Run(int exit, List<String> out, String err) {
        /** Lines that are events ("comm-pid [cpu] ts: name: ..."), not headers. */
        public List<String> events() {
            return out.stream().filter(l -> l.matches("\\s*\\S.*\\[\\d{3}\\]\\s+\\d+\\.\\d+:.*")).toList();
        }
    }

    private TraceCmd() {
    }

    public static Run run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("trace-cmd"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        var out = p.getInputStream();
        var err = p.getErrorStream();
        byte[][] errBytes = new byte[1][];
        Thread t = new Thread(() -> {
            try {
                errBytes[0] = err.readAllBytes();
            } catch (IOException e) {
                errBytes[0] = new byte[0];
            }
        });
        t.start();
        String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("trace-cmd " + args[0] + " hung");
        }
        t.join();
        return new Run(p.exitValue(), text.lines().toList(), new String(errBytes[0], StandardCharsets.UTF_8));
    }

    public static Run report(Path file, String... more) throws IOException, InterruptedException {
        List<String> a = new ArrayList<>(List.of("report", "-i", file.toString()));
        a.addAll(List.of(more));
        return run(a.toArray(String[]::new));
    }
}
