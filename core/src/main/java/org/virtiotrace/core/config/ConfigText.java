package org.virtiotrace.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The text form of a {@link TraceConfig}, as {@code ?configure} carries it: a first line
 * {@code virtio-trace-config 1}, then one {@code KEY VALUE} a line, in the order the host's
 * command line gave them (a {@code filter} belongs to the {@code event} line before it). An
 * unknown key is refused, never skipped: a setting the agent cannot make must not be dropped
 * without a word. The spec is docs/trace-config.md.
 */
public final class ConfigText {
    public static final String FIRST_LINE = "virtio-trace-config 1";

    private ConfigText() {
    }

    public static String encode(TraceConfig c) {
        StringBuilder b = new StringBuilder(FIRST_LINE).append('\n');
        for (EventChoice e : c.events()) {
            line(b, "event", e.spec());
            if (e.filter() != null) {
                line(b, "filter", e.filter());
            }
        }
        if (c.bufferKb() > 0) {
            line(b, "buffer-kb", Integer.toString(c.bufferKb()));
        }
        if (c.tracer() != null) {
            line(b, "tracer", c.tracer());
        }
        c.functions().forEach(f -> line(b, "function", f));
        c.notrace().forEach(f -> line(b, "notrace", f));
        c.graphFunctions().forEach(f -> line(b, "graph-function", f));
        if (c.maxGraphDepth() > 0) {
            line(b, "max-graph-depth", Integer.toString(c.maxGraphDepth()));
        }
        if (c.clock() != null) {
            line(b, "clock", c.clock());
        }
        c.options().forEach(o -> line(b, "option", o));
        if (c.stackTraces()) {
            b.append("stacktrace\n");
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(key).append(' ').append(value).append('\n');
    }

    /** The configuration a text spells; {@link IllegalArgumentException} names the line that is wrong. */
    public static TraceConfig decode(String text) {
        String[] lines = text.split("\n", -1);
        if (lines.length == 0 || !lines[0].equals(FIRST_LINE)) {
            throw new IllegalArgumentException("not a trace configuration (expected '" + FIRST_LINE + "' first)");
        }
        List<EventChoice> events = new ArrayList<>();
        List<String> functions = new ArrayList<>();
        List<String> notrace = new ArrayList<>();
        List<String> graph = new ArrayList<>();
        List<String> options = new ArrayList<>();
        int bufferKb = 0;
        int depth = 0;
        String tracer = null;
        String clock = null;
        boolean stack = false;
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i];
            if (l.isEmpty()) {
                continue;
            }
            int sp = l.indexOf(' ');
            String key = sp < 0 ? l : l.substring(0, sp);
            String value = sp < 0 ? "" : l.substring(sp + 1);
            try {
                switch (key) {
                    case "event" -> events.add(new EventChoice(value, null));
                    case "filter" -> {
                        if (events.isEmpty()) {
                            throw new IllegalArgumentException("a filter must follow an event");
                        }
                        int last = events.size() - 1;
                        events.set(last, events.get(last).withFilter(value));
                    }
                    case "buffer-kb" -> bufferKb = Integer.parseInt(value);
                    case "tracer" -> tracer = value;
                    case "function" -> functions.add(value);
                    case "notrace" -> notrace.add(value);
                    case "graph-function" -> graph.add(value);
                    case "max-graph-depth" -> depth = Integer.parseInt(value);
                    case "clock" -> clock = value;
                    case "option" -> options.add(value);
                    case "stacktrace" -> stack = true;
                    default -> throw new IllegalArgumentException("unknown setting '" + key
                            + "' (this agent is older than the host: upgrade it, or leave that option out)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + key + " needs a number, not '" + value
                        + "'");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return new TraceConfig(events, bufferKb, tracer, functions, notrace, graph, depth, clock, options, stack);
    }
}
