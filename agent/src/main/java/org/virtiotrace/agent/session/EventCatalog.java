package org.virtiotrace.agent.session;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The guest's trace events, as tracefs lists them ({@code events/SYSTEM/EVENT/}), and what an
 * {@code -e} names among them, with trace-cmd's rules: {@code SYSTEM} is the whole system,
 * {@code EVENT} an event of any system, {@code SYSTEM:EVENT} (or {@code SYSTEM/EVENT}) one of
 * one system, {@code all} everything; each part may be a glob.
 */
final class EventCatalog {
    /** The plain files in events/ and in each system's directory. */
    private static final java.util.Set<String> FILES = java.util.Set.of("enable", "filter", "header_page",
            "header_event");
    private final TreeMap<String, List<String>> systems = new TreeMap<>();

    private EventCatalog() {
    }

    /**
     * Lists by name only (File.list, no stat per entry: about 1,500 stats cost over a second in a
     * TCG guest); the few plain files tracefs keeps beside the directories are known by name.
     */
    static EventCatalog read(Path eventsDir) throws IOException {
        EventCatalog c = new EventCatalog();
        String[] systems = eventsDir.toFile().list();
        if (systems == null) {
            throw new IOException(eventsDir + ": cannot list the events");
        }
        for (String sys : systems) {
            if (FILES.contains(sys)) {
                continue;
            }
            String[] events = new File(eventsDir.toFile(), sys).list();
            if (events == null) {
                continue; // not a directory after all
            }
            List<String> names = new ArrayList<>();
            for (String e : events) {
                if (!FILES.contains(e)) {
                    names.add(e);
                }
            }
            names.sort(null);
            c.systems.put(sys, names);
        }
        return c;
    }

    /** Every event, {@code system:event}, sorted, as {@code trace-cmd list -e} prints them. */
    List<String> all() {
        List<String> l = new ArrayList<>();
        systems.forEach((s, evs) -> evs.forEach(e -> l.add(s + ":" + e)));
        return l;
    }

    /** The events {@code spec} names, {@code system/event}; empty when it names none. */
    List<String> resolve(String spec) {
        if (spec.equals("all")) {
            return all().stream().map(n -> n.replace(':', '/')).toList();
        }
        int sep = spec.indexOf(':') >= 0 ? spec.indexOf(':') : spec.indexOf('/');
        List<String> out = new ArrayList<>();
        if (sep >= 0) {
            PathMatcher sys = glob(spec.substring(0, sep));
            PathMatcher ev = glob(spec.substring(sep + 1));
            systems.forEach((s, evs) -> {
                if (sys.matches(Path.of(s))) {
                    evs.stream().filter(e -> ev.matches(Path.of(e))).forEach(e -> out.add(s + "/" + e));
                }
            });
            return out;
        }
        PathMatcher m = glob(spec);
        systems.forEach((s, evs) -> {
            if (m.matches(Path.of(s))) {
                evs.forEach(e -> out.add(s + "/" + e));
            }
        });
        if (out.isEmpty()) {
            systems.forEach((s, evs) -> evs.stream().filter(e -> m.matches(Path.of(e)))
                    .forEach(e -> out.add(s + "/" + e)));
        }
        return out;
    }

    /** Up to three names closest to {@code spec}, for "did you mean". */
    List<String> nearest(String spec) {
        String want = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : spec;
        List<String> candidates = new ArrayList<>(systems.keySet());
        systems.forEach((s, evs) -> evs.forEach(e -> candidates.add(s + ":" + e)));
        return Nearest.of(want.replace("*", "").replace("?", ""), candidates, n -> n.substring(n.indexOf(':') + 1), 3);
    }

    static PathMatcher glob(String g) {
        return FileSystems.getDefault().getPathMatcher("glob:" + g);
    }
}
