package org.virtiotrace.core.ring;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a ring's unread pages to a file that is either absent, the previous dump, or
 * this whole dump: written to a temporary file in the same directory, synced, then
 * renamed over the old one. Nothing is consumed.
 */
public final class RingDump {
    private RingDump() {
    }

    /** Writes {@code ring} to {@code file}; returns the bytes written. */
    public static long write(PageRing ring, Path file) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            long n;
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                n = ring.copyPagesTo(out::write);
                out.force(false);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            return n;
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
