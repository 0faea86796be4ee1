package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.virtiotrace.host.session.SessionLog;

/**
 * When the trace.dat cannot be written (a full disk, a directory that refuses new files), the
 * pages that arrived are not thrown away with the spool: the session log holds them (every data
 * chunk, written as it came), and what only the spool holds (no log, or pages after the log
 * failed) is kept as {@code FILE.raw} with the metadata beside the streams, as {@code --raw}
 * would have left it. Says, as the end of the one line, where the recording is and the command
 * that makes the trace.dat from it.
 */
final class RecordingRescue {
    private RecordingRescue() {
    }

    static String keep(Path out, Recorded r, SessionLog log) {
        List<String> kept = new ArrayList<>();
        if (log.path() != null) {
            kept.add("the session log " + log.path() + " holds " + (log.failure() == null ? "every page"
                    : "the pages up to where it failed") + ": virtio-trace replay " + log.path() + " --to-dat " + out
                    + " once there is room");
        }
        if (r.keepSpool()) {
            kept.add("the raw streams are in " + r.spoolDir());
        } else if ((log.path() == null || log.failure() != null) && holdsPages(r.spoolDir())) {
            kept.add(keepSpool(out, r));
        }
        return kept.isEmpty() ? "nothing arrived that could be kept" : String.join("; ", kept);
    }

    private static boolean holdsPages(Path spool) {
        if (spool == null || !Files.isDirectory(spool)) {
            return false;
        }
        try (Stream<Path> s = Files.list(spool)) {
            return s.anyMatch(p -> p.toFile().length() > 0);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean compressed(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".zst"));
        } catch (IOException e) {
            return false;
        }
    }

    private static String keepSpool(Path out, Recorded r) {
        Path raw = out.resolveSibling(out.getFileName() + ".raw");
        try {
            if (Files.exists(raw)) {
                throw new IOException(raw + " is there already");
            }
            Files.move(r.spoolDir(), raw);
        } catch (IOException e) {
            return "the raw streams could not be kept (" + raw + ": " + OutputFiles.reason(e) + ")";
        }
        try {
            r.meta().files().writeTo(raw);
        } catch (IOException e) {
            return "the raw streams are kept in " + raw + ", but not the metadata (" + OutputFiles.reason(e)
                    + "): 'trace-agent export-meta DIR' in the guest writes it";
        }
        return "the " + (compressed(raw) ? "pages (compressed as they came)" : "raw streams") + " and metadata are kept "
                + "in " + raw + " (virtio-trace restore " + raw + " -o " + out + (compressed(raw) ? " --compress zstd"
                : "; or trace-cmd restore -c -t " + raw + " -k " + raw + "/kallsyms -o head.dat; trace-cmd restore -i "
                + "head.dat -o " + out + " " + raw + "/cpu*.raw") + ")";
    }
}
