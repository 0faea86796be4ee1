package org.virtiotrace.host.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsLocator;

/**
 * Markers in a known order across files that are merged later: "TAG A i" in one guest's
 * instance, "TAG B i" in the recording's host instance, "TAG C i" in a guest's instance (the same
 * one or another), from one thread, over and over, the even ones 2 ms apart. The merged report
 * must keep A before B before C wherever the spacing beats the clock-sync bound.
 */
public final class CausalMarks {
    private final String tag;
    private volatile Exception failure;

    private CausalMarks(String tag) {
        this.tag = tag;
    }

    /**
     * Starts marking once the host instance of the recording {@code recordPid} traces, until
     * {@code going} says no. (The instance of that process: one another run left would take the
     * host's markers and none would reach the file.)
     */
    public static CausalMarks start(String tag, TraceInstance a, TraceInstance c, BooleanSupplier going,
            long recordPid) {
        CausalMarks m = new CausalMarks(tag);
        Thread t = new Thread(() -> m.mark(a, c, going, recordPid), "causal-marks");
        t.setDaemon(true);
        t.start();
        return m;
    }

    private void mark(TraceInstance a, TraceInstance c, BooleanSupplier going, long recordPid) {
        try {
            Path host = null;
            for (int i = 0; i < 1000 && host == null && going.getAsBoolean(); i++) {
                host = tracingHostInstance(recordPid).orElse(null);
                Thread.sleep(10);
            }
            if (host == null) {
                throw new IllegalStateException("the host instance of " + recordPid + " never traced");
            }
            Path hostMarker = host.resolve("trace_marker");
            // stops once the host instance has stopped tracing: a write still open on it at its
            // removal would keep record from removing it (EBUSY)
            for (int i = 0; going.getAsBoolean() && tracing(host); i++) {
                try {
                    a.mark(tag + " A " + i);
                    spaced(i);
                    Files.write(hostMarker, (tag + " B " + i).getBytes(StandardCharsets.UTF_8),
                            StandardOpenOption.WRITE);
                    spaced(i);
                    c.mark(tag + " C " + i);
                } catch (java.io.IOException e) {
                    failure = e; // EBADF: an instance is not tracing (yet, or any more); a torn triple
                }
                Thread.sleep(7);
            }
        } catch (Exception e) {
            failure = e; // the instance went away with the recording (or never came)
        }
    }

    /** What stopped a triple last, or null. */
    public Exception failure() {
        return failure;
    }

    /** Each triple's times in a merged report ({@code trace-cmd report -t}): A, B, C; NaN where one is missing. */
    public Map<Integer, double[]> triples(List<String> reportLines) {
        Pattern p = Pattern.compile("\\s(\\d+\\.\\d{9}): .*" + Pattern.quote(tag) + " ([ABC]) (\\d+)");
        Map<Integer, double[]> triples = new HashMap<>();
        for (String l : reportLines) {
            Matcher m = p.matcher(l);
            if (m.find()) {
                triples.computeIfAbsent(Integer.parseInt(m.group(3)), k -> new double[] {Double.NaN, Double.NaN,
                    Double.NaN})[m.group(2).charAt(0) - 'A'] = Double.parseDouble(m.group(1));
            }
        }
        return triples;
    }

    /** The host instance record {@code pid} made for --host, once it traces (before, writes fail with EBADF). */
    public static Optional<Path> tracingHostInstance(long pid) {
        Path p = TracefsLocator.DEFAULT_MOUNT.resolve("instances").resolve("virtio-trace-host-" + pid);
        return tracing(p) ? Optional.of(p) : Optional.empty();
    }

    /** Whether {@code instance} traces now. */
    public static boolean tracing(Path instance) {
        try {
            return Files.readString(instance.resolve("tracing_on")).strip().equals("1");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void spaced(int i) throws InterruptedException {
        if (i % 2 == 0) {
            Thread.sleep(2);
        }
    }
}
