package org.virtiotrace.agent.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.virtiotrace.core.log.Log;

/**
 * Instances an earlier agent made and could not remove (it was killed mid-recording): named
 * {@link Sessions#PREFIX}PID-N (a recording's) or virtio-trace-sync-PID (clock sync's), removed
 * at start when PID is no longer running.
 */
public final class Leftovers {
    /** The clock-sync instance's prefix (clock.MarkerReader): a killed agent leaves that one too. */
    private static final String SYNC_PREFIX = "virtio-trace-sync-";

    private Leftovers() {
    }

    /**
     * Puts back a top-level buffer a killed agent had borrowed ({@code loanRecord}: the values it
     * found), one log line saying so.
     */
    public static void restoreLoan(Path loanRecord) {
        if (!Files.exists(loanRecord)) {
            return;
        }
        try {
            String done = Restorer.restoreLeftover(loanRecord);
            if (done != null) {
                Log.notice("an earlier agent was stopped while it had borrowed the top-level buffer: %s", done);
            }
        } catch (IOException | RuntimeException e) {
            Log.warn("%s: cannot put back what an earlier agent borrowed: %s", loanRecord, e.getMessage());
        }
    }

    /** Removes them; returns the names removed (one log line says which, and which could not be). */
    public static List<String> remove(Path mount) {
        List<String> removed = new ArrayList<>();
        List<String> stuck = new ArrayList<>();
        Path dir = mount.resolve("instances");
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        try (Stream<Path> all = Files.list(dir)) {
            for (Path p : (Iterable<Path>) all.sorted()::iterator) {
                String name = p.getFileName().toString();
                String prefix = name.startsWith(Sessions.PREFIX) ? Sessions.PREFIX
                        : name.startsWith(SYNC_PREFIX) ? SYNC_PREFIX : null;
                if (prefix == null || ownerAlive(name, prefix)) {
                    continue;
                }
                try {
                    Files.delete(p);
                    removed.add(name);
                } catch (IOException e) {
                    stuck.add(name + " (" + TracefsWrites.reason(e) + ")");
                }
            }
        } catch (IOException e) {
            Log.warn("%s: cannot look for instances a killed agent left: %s", dir, TracefsWrites.reason(e));
        }
        if (!removed.isEmpty()) {
            Log.notice("removed %d trace instance%s an earlier agent left behind: %s", removed.size(),
                    removed.size() == 1 ? "" : "s", String.join(", ", removed));
        }
        if (!stuck.isEmpty()) {
            Log.warn("cannot remove trace instances an earlier agent left behind: %s", String.join(", ", stuck));
        }
        return removed;
    }

    private static boolean ownerAlive(String name, String prefix) {
        String rest = name.substring(prefix.length());
        int dash = rest.indexOf('-');
        try {
            long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
            return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isPresent();
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
