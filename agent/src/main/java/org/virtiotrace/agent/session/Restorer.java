package org.virtiotrace.agent.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtiotrace.core.meta.TraceMetadata;

/**
 * What a recording changed in a buffer it borrowed (the top-level one, where the kernel can do a
 * setting nowhere else), and how to put it back: each file's value as found, taken just before
 * its first write, written back in reverse order. Kept on disk too while the loan lasts, so an
 * agent killed meanwhile is put right by the next one to start.
 */
final class Restorer {
    /** Files that hold a list, rewritten line by line; "####" lines mean "empty". */
    private static final List<String> LISTS = List.of("set_ftrace_filter", "set_ftrace_notrace", "set_graph_function");

    private final Path dir;
    private final Path record;
    private final Map<String, String> found = new LinkedHashMap<>();

    /** @param record where the values as found are kept while the loan lasts, or null */
    Restorer(Path dir, Path record) {
        this.dir = dir;
        this.record = record;
    }

    Path dir() {
        return dir;
    }

    /** Before the first write to {@code file}: its value now. */
    void remember(String file) throws IOException {
        if (found.containsKey(file)) {
            return;
        }
        found.put(file, Files.readString(dir.resolve(file)));
        if (record != null) {
            Files.createDirectories(record.getParent());
            StringBuilder b = new StringBuilder().append(ProcessHandle.current().pid()).append('\n').append(dir)
                    .append('\n');
            found.forEach((f, v) -> b.append(f).append('\0').append(v).append('\0'));
            Files.writeString(record, b);
        }
    }

    /** Puts every remembered file back, last written first; returns what could not be (file: reason). */
    List<String> restore() {
        List<String> failed = new ArrayList<>();
        List<String> files = new ArrayList<>(found.keySet());
        for (int i = files.size() - 1; i >= 0; i--) {
            String f = files.get(i);
            try {
                put(f, found.get(f));
            } catch (IOException e) {
                failed.add(f + ": " + TracefsWrites.reason(e));
            }
        }
        found.clear();
        if (record != null) {
            try {
                Files.deleteIfExists(record);
            } catch (IOException e) {
                failed.add(record + ": " + TracefsWrites.reason(e));
            }
        }
        return failed;
    }

    private void put(String file, String was) throws IOException {
        Path p = dir.resolve(file);
        if (LISTS.contains(file)) {
            write(p, "", StandardOpenOption.TRUNCATE_EXISTING);
            for (String line : was.lines().toList()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    write(p, line.trim(), StandardOpenOption.APPEND);
                }
            }
            return;
        }
        write(p, valueToWrite(file, was.trim()), StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** What to write back so the file reads as it did. */
    static String valueToWrite(String file, String read) {
        if (file.equals("trace_clock")) {
            return TraceMetadata.currentClock(read);
        }
        if (file.equals("buffer_size_kb")) {
            int e = read.indexOf("expanded: ");
            return e < 0 ? read : read.substring(e + 10, read.indexOf(')', e));
        }
        if (file.endsWith("/filter") && read.equals("none")) {
            return "0";
        }
        return read;
    }

    private static void write(Path p, String value, StandardOpenOption mode) throws IOException {
        Files.write(p, value.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE, mode);
    }

    /**
     * A record an agent left (killed during a loan): puts its buffer back; returns what it did,
     * or null when the agent that wrote it still runs (its loan is not over).
     */
    static String restoreLeftover(Path record) throws IOException {
        String text = Files.readString(record);
        int nl = text.indexOf('\n');
        int nl2 = text.indexOf('\n', nl + 1);
        long pid = Long.parseLong(text.substring(0, nl).trim());
        if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isPresent()) {
            return null;
        }
        Restorer r = new Restorer(Path.of(text.substring(nl + 1, nl2)), record);
        String[] parts = text.substring(nl2 + 1).split("\0", -1);
        for (int i = 0; i + 1 < parts.length; i += 2) {
            r.found.put(parts[i], parts[i + 1]);
        }
        int n = r.found.size();
        List<String> failed = r.restore();
        return n + " setting" + (n == 1 ? "" : "s") + " of " + r.dir + " put back"
                + (failed.isEmpty() ? "" : "; not: " + String.join(", ", failed));
    }
}
