package org.virtiotrace.core.tracefs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.SystemCalls;

/**
 * Finds tracefs the way the kernel documents it: a tracefs entry in /proc/mounts, then
 * /sys/kernel/tracing, then the deprecated /sys/kernel/debug/tracing; mounts it on
 * /sys/kernel/tracing when it is nowhere (a minimal guest often boots without it).
 */
public final class TracefsLocator {
    public static final Path DEFAULT_MOUNT = Path.of("/sys/kernel/tracing");
    private static final Path DEBUGFS_TRACING = Path.of("/sys/kernel/debug/tracing");

    private TracefsLocator() {
    }

    /** The buffer to trace: {@code explicit} (or the one found) and, when named, its instance. */
    public static Tracefs locate(Path explicit, String instance) throws TracefsException {
        Path mount = explicit != null ? checkExplicit(explicit) : find();
        Path dir = mount;
        if (instance != null) {
            dir = mount.resolve("instances").resolve(instance);
            if (!Files.isDirectory(dir.resolve("per_cpu"))) {
                throw new TracefsException(dir + ": no such trace instance (create it with: mkdir " + dir + ")");
            }
        }
        return new Tracefs(mount, dir);
    }

    private static Path checkExplicit(Path dir) throws TracefsException {
        if (!isTracefs(dir)) {
            throw new TracefsException(dir + ": not a tracefs directory (no per_cpu/ in it); "
                    + "mount it with: mount -t tracefs nodev " + dir);
        }
        return dir;
    }

    /** The tracefs mount, found or mounted. */
    public static Path find() throws TracefsException {
        for (Path p : candidates()) {
            if (isTracefs(p)) {
                return p;
            }
        }
        try {
            SystemCalls.get().mount("tracefs", DEFAULT_MOUNT.toString());
        } catch (NativeException e) {
            throw new TracefsException("tracefs is not mounted and mounting it failed: " + e.getMessage()
                    + "; is CONFIG_TRACING set in this kernel, and is the agent root?");
        }
        Log.notice("mounted tracefs on %s", DEFAULT_MOUNT);
        return DEFAULT_MOUNT;
    }

    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[2].equals("tracefs")) {
                    out.add(Path.of(f[1].replace("\\040", " ")));
                }
            }
        } catch (IOException e) {
            // without /proc the fixed places below still work
        }
        out.add(DEFAULT_MOUNT);
        out.add(DEBUGFS_TRACING);
        return out;
    }

    private static boolean isTracefs(Path p) {
        return Files.isDirectory(p.resolve("per_cpu"));
    }
}
