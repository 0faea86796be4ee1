package org.virtiotrace.agent.guest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The host tool users decode with: trace-cmd restore (twice) and report. */
final class TraceCmd {
    record Report(String text, long events) {
    }

    static Report decode(Path work, int cpus) throws IOException, InterruptedException {
        run(work, "trace-cmd", "restore", "-c", "-t", "meta", "-k", "meta/kallsyms", "-o", "head.dat");
        List<String> restore = new ArrayList<>(List.of("trace-cmd", "restore", "-i", "head.dat", "-o", "trace.dat"));
        for (int c = 0; c < cpus; c++) {
            restore.add("cpu" + c + ".raw");
        }
        run(work, restore.toArray(String[]::new));
        String text = run(work, "trace-cmd", "report", "-i", "trace.dat");
        long events = text.lines().filter(l -> l.matches("^\\s*\\S.*\\[\\d+\\]\\s+\\d+\\.\\d+:.*")).count();
        return new Report(text, events);
    }

    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
