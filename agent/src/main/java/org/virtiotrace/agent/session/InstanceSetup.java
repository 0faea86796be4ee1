package org.virtiotrace.agent.session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtiotrace.core.config.EventChoice;
import org.virtiotrace.core.config.TraceConfig;

/**
 * Makes a fresh trace instance trace what a {@link TraceConfig} asks, or refuses before
 * anything is traced. Every name is checked against what the kernel offers first (events,
 * clocks, options, tracers), so a typo is refused with the nearest names and nothing
 * written; what only the kernel can judge (a filter, a function glob) is written and its
 * refusal quoted. Tracing stays off in the instance until the host's start order.
 */
final class InstanceSetup {
    private final TracefsWrites inst;
    private final Path mount;
    private final EventCatalog catalog;

    /** @param target the buffer set up: a fresh instance, or the borrowed top-level one; under {@code mount} */
    InstanceSetup(TracefsWrites target, Path mount, EventCatalog catalog) {
        this.inst = target;
        this.mount = mount;
        this.catalog = catalog;
    }

    /** Applies {@code c}; on a refusal the instance may be half made: the caller removes it. */
    void apply(TraceConfig c) throws SetupRefused {
        Map<String, String> filters = resolveEvents(c.events());
        checkClock(c.clock());
        checkOptions(c);
        checkTracer(c.tracer());
        inst.set("tracing_on", "0", "tracing off while the instance is set up");
        if (c.bufferKb() > 0) {
            inst.set("buffer_size_kb", Integer.toString(c.bufferKb()), "-b " + c.bufferKb());
        }
        if (c.clock() != null) {
            inst.set("trace_clock", c.clock(), "-C " + c.clock());
        }
        for (String o : c.options()) {
            boolean off = o.startsWith("no") && !inst.has("options/" + o);
            String name = off ? o.substring(2) : o;
            inst.set("options/" + name, off ? "0" : "1", "-O " + o);
        }
        if (c.stackTraces()) {
            inst.set("options/stacktrace", "1", "-T");
        }
        // The guest's own markers (echo ... > /sys/kernel/tracing/trace_marker, what people write
        // and what record --until-marker waits for) go to the top-level buffer only, unless the
        // kernel can copy them into an instance (6.17 and later); -O nocopy_trace_marker keeps them out.
        if (!inst.dir().toAbsolutePath().normalize().equals(mount.toAbsolutePath().normalize())
                && inst.has("options/copy_trace_marker")
                && !c.options().contains("nocopy_trace_marker")) {
            inst.set("options/copy_trace_marker", "1", "the guest's top-level markers copied in");
        }
        for (var e : filters.entrySet()) {
            if (e.getValue() != null) {
                inst.set("events/" + e.getKey() + "/filter", e.getValue(), "-f '" + e.getValue() + "' on " + e.getKey());
            }
        }
        for (String ev : filters.keySet()) {
            inst.set("events/" + ev + "/enable", "1", "-e " + ev.replace('/', ':'));
        }
        functionFilters("set_ftrace_filter", "-l", c.functions());
        functionFilters("set_ftrace_notrace", "-n", c.notrace());
        functionFilters("set_graph_function", "-g", c.graphFunctions());
        if (c.maxGraphDepth() > 0) {
            need("max_graph_depth", "--max-graph-depth");
            inst.set("max_graph_depth", Integer.toString(c.maxGraphDepth()), "--max-graph-depth " + c.maxGraphDepth());
        }
        if (c.tracer() != null) {
            inst.set("current_tracer", c.tracer(), "-p " + c.tracer());
        }
    }

    /** system/event -> its filter (null for none), in the order asked; a later -f for the same event wins. */
    private Map<String, String> resolveEvents(List<EventChoice> events) throws SetupRefused {
        Map<String, String> out = new LinkedHashMap<>();
        for (EventChoice e : events) {
            List<String> found = catalog.resolve(e.spec());
            if (found.isEmpty()) {
                List<String> near = catalog.nearest(e.spec());
                throw new SetupRefused("-e " + e.spec() + ": no such event in the guest"
                        + (near.isEmpty() ? " (virtio-trace list -e shows them)" : "; nearest: " + String.join(", ", near)));
            }
            for (String ev : found) {
                out.merge(ev, e.filter() == null ? "" : e.filter(), (a, b) -> b.isEmpty() ? a : b);
            }
        }
        out.replaceAll((k, v) -> v.isEmpty() ? null : v);
        return out;
    }

    private void checkClock(String clock) throws SetupRefused {
        if (clock == null) {
            return;
        }
        List<String> clocks = TraceLists.words(inst.read("trace_clock"));
        if (!clocks.contains(clock)) {
            throw new SetupRefused("-C " + clock + ": not a trace clock of the guest (it has: " + String.join(" ", clocks)
                    + ")");
        }
    }

    private void checkOptions(TraceConfig c) throws SetupRefused {
        for (String o : c.options()) {
            boolean known = inst.has("options/" + o) || (o.startsWith("no") && inst.has("options/" + o.substring(2)));
            if (!known) {
                List<String> near = Nearest.of(o, TraceLists.options(inst.dir()), n -> n, 3);
                throw new SetupRefused("-O " + o + ": no such trace option in the guest"
                        + (near.isEmpty() ? " (virtio-trace list -o shows them)" : "; nearest: " + String.join(", ", near)));
            }
        }
        if (c.stackTraces() && !inst.has("options/stacktrace")) {
            throw new SetupRefused("-T: the guest's kernel has no stacktrace option");
        }
    }

    private void checkTracer(String tracer) throws SetupRefused {
        if (tracer == null) {
            return;
        }
        List<String> here = TraceLists.words(inst.read("available_tracers"));
        if (here.contains(tracer)) {
            return;
        }
        List<String> top = TraceLists.words(readTop("available_tracers"));
        if (top.contains(tracer)) {
            throw new NeedsTopLevel("-p " + tracer + ": the guest's kernel runs " + tracer + " only in its top-level "
                    + "buffer (instances offer: " + String.join(" ", here) + ")");
        }
        List<String> near = Nearest.of(tracer, top, n -> n, 3);
        throw new SetupRefused("-p " + tracer + ": not a tracer of the guest (it has: " + String.join(" ", top) + ")"
                + (near.isEmpty() ? "" : "; nearest: " + String.join(", ", near)));
    }

    private String readTop(String file) {
        try {
            return Files.readString(mount.resolve(file));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private void functionFilters(String file, String option, List<String> globs) throws SetupRefused {
        if (globs.isEmpty()) {
            return;
        }
        need(file, option);
        for (String g : new ArrayList<>(globs)) {
            inst.add(file, g, option + " " + g + " (no function matches? virtio-trace list -f " + g + ")");
        }
    }

    private void need(String file, String option) throws SetupRefused {
        if (inst.has(file)) {
            return;
        }
        if (Files.exists(mount.resolve(file))) {
            throw new NeedsTopLevel(option + ": the guest's kernel has " + file + " only in its top-level buffer");
        }
        throw new SetupRefused(option + ": the guest's kernel has no " + file + " (a kernel built without "
                + "dynamic ftrace or the function graph tracer)");
    }

    /**
     * A setting the kernel makes only in its top-level buffer (function_graph and its files before
     * about 6.12): the recording may borrow that buffer if nobody uses it ({@link TraceSession}).
     */
    static final class NeedsTopLevel extends SetupRefused {
        NeedsTopLevel(String why) {
            super(why);
        }
    }
}
