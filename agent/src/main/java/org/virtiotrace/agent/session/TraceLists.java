package org.virtiotrace.agent.session;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Lists tracefs keeps as words or as directories. */
final class TraceLists {
    private TraceLists() {
    }

    /** "function nop" -> [function, nop]; "[local] global" -> [local, global]. */
    static List<String> words(String text) {
        return Arrays.stream(text.trim().split("\\s+")).filter(w -> !w.isEmpty())
                .map(w -> w.replace("[", "").replace("]", "")).toList();
    }

    /** The trace options a buffer offers: the files in its options/ directory. */
    static List<String> options(Path dir) {
        String[] names = dir.resolve("options").toFile().list();
        return names == null ? List.of() : Arrays.stream(names).sorted().toList();
    }
}
