package org.virtiotrace.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** The real trace-cmd (Debian's 3.1.6), the reader every file and stream of ours must satisfy. */
public final class TraceCmd {
    /** A report's event line: "comm-pid [cpu] seconds: name: ...", as opposed to its headers. */
    public static final Pattern EVENT = Pattern.compile("\\s*\\S.*\\[\\d{3,}\\]\\s+\\d+\\.\\d+:.*");

    /** What a run printed on stdout and stderr, and its exit status. */
    public record Run(int exit, List<String> out, String err) {
        /** Lines that are events, not headers. */
        public List<String> events() {
            return out.stream().filter(l -> EVENT.matcher(l).matches()).toList();
        }

        /** Everything it said, for a failure message. */
        public String text() {
            return String.join("\n", out) + (err.isEmpty() ? "" : "\nstderr: " + err);
        }
    }

    private TraceCmd() {
    }

    /** trace-cmd ARGS in the current directory. */
    public static Run run(String... args) throws IOException, InterruptedException {
        return runIn(null, args);
    }

    /** trace-cmd ARGS in {@code dir} (null: the current directory). */
    public static Run runIn(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("trace-cmd"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        byte[][] errBytes = new byte[1][];
        Thread t = new Thread(() -> {
            try {
                errBytes[0] = p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                errBytes[0] = new byte[0];
            }
        });
        t.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("trace-cmd " + args[0] + " hung");
        }
        t.join();
        return new Run(p.exitValue(), text.lines().toList(), new String(errBytes[0], StandardCharsets.UTF_8));
    }

    /** trace-cmd report -i FILE MORE... */
    public static Run report(Path file, String... more) throws IOException, InterruptedException {
        List<String> a = new ArrayList<>(List.of("report", "-i", file.toString()));
        a.addAll(List.of(more));
        return run(a.toArray(String[]::new));
    }

    /**
     * The manual way from raw streams: {@code trace-cmd restore} of {@code dir}/meta (a tracefs copy
     * with kallsyms) into a head file, then of {@code dir}/cpuN.raw into {@code dir}/trace.dat, then
     * its report. Each step must succeed.
     */
    public static Run restoreAndReport(Path dir, int cpus) throws IOException, InterruptedException {
        ok(runIn(dir, "restore", "-c", "-t", "meta", "-k", "meta/kallsyms", "-o", "head.dat"));
        List<String> restore = new ArrayList<>(List.of("restore", "-i", "head.dat", "-o", "trace.dat"));
        for (int c = 0; c < cpus; c++) {
            restore.add("cpu" + c + ".raw");
        }
        ok(runIn(dir, restore.toArray(String[]::new)));
        return ok(runIn(dir, "report", "-i", "trace.dat"));
    }

    private static Run ok(Run r) {
        if (r.exit() != 0) {
            throw new AssertionError("trace-cmd exited " + r.exit() + ": " + r.text());
        }
        return r;
    }
}
