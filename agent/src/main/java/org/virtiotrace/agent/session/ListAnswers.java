package org.virtiotrace.agent.session;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import org.virtiotrace.core.config.ListQuery;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/**
 * {@code ?list}: what the guest can trace, one name a line, as {@code trace-cmd list} prints it
 * on the machine itself: events ({@code system:event}), tracers, trace options, filterable
 * functions. Read from the top-level tracefs, what the kernel offers; the lists can be long
 * (tens of thousands of functions), the reply frame compresses them.
 */
public final class ListAnswers {
    private final Path mount;

    public ListAnswers(Path mount) {
        this.mount = mount;
    }

    public ReplyFrame answer(Request r) {
        ListQuery q;
        try {
            q = ListQuery.decode(r.text());
        } catch (IllegalArgumentException e) {
            return ReplyFrame.error(r.id(), "cannot read the list request: " + e.getMessage());
        }
        try {
            String text = switch (q.kind()) {
                case EVENTS -> events(q.glob());
                case TRACERS -> lines(TraceLists.words(Files.readString(mount.resolve("available_tracers"))));
                case OPTIONS -> Files.readString(mount.resolve("trace_options"));
                case FUNCTIONS -> functions(q.glob());
            };
            return ReplyFrame.ok(r.id(), text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            String why = "cannot list " + q.kind().word() + ": " + e.getMessage();
            Log.warn("request %s: %s", r, why);
            return ReplyFrame.error(r.id(), why);
        }
    }

    private String events(String glob) throws IOException {
        List<String> all = EventCatalog.read(mount.resolve("events")).all();
        if (glob == null) {
            return lines(all);
        }
        PathMatcher m = EventCatalog.glob(glob.replace('/', ':'));
        PathMatcher ev = EventCatalog.glob(glob);
        return lines(all.stream().filter(n -> m.matches(Path.of(n))
                || ev.matches(Path.of(n.substring(n.indexOf(':') + 1)))
                || ev.matches(Path.of(n.substring(0, n.indexOf(':'))))).toList());
    }

    /** available_filter_functions lines are "name" or "name [module]"; the glob is on the name. */
    private String functions(String glob) throws IOException {
        PathMatcher m = glob == null ? null : EventCatalog.glob(glob);
        StringBuilder b = new StringBuilder();
        try (BufferedReader in = Files.newBufferedReader(mount.resolve("available_filter_functions"))) {
            for (String line; (line = in.readLine()) != null; ) {
                int sp = line.indexOf(' ');
                String name = sp < 0 ? line : line.substring(0, sp);
                if (!name.isEmpty() && (m == null || m.matches(Path.of(name)))) {
                    b.append(line).append('\n');
                }
            }
        }
        return b.toString();
    }

    private static String lines(List<String> names) {
        StringBuilder b = new StringBuilder();
        names.forEach(n -> b.append(n).append('\n'));
        return b.toString();
    }
}
