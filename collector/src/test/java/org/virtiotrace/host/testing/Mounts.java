package org.virtiotrace.host.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A small tmpfs for a test's output, to fill or make read-only while a command writes to it. */
public final class Mounts {
    /** The file {@link #fill} writes. */
    public static final String FILLER = "filler";

    private Mounts() {
    }

    /** A tmpfs of {@code mib} MiB on {@code dir} (made if missing). */
    public static void tmpfs(Path dir, int mib) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        run("mount", "-t", "tmpfs", "-o", "size=" + mib + "m", "tmpfs", dir.toString());
    }

    public static void unmount(Path dir) throws IOException, InterruptedException {
        run("umount", "-l", dir.toString());
    }

    /**
     * Fills the file system of {@code dir} but {@code headroom} bytes (0: to the last byte), in
     * the file {@link #FILLER}.
     */
    public static void fill(Path dir, long headroom) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream o = Files.newOutputStream(dir.resolve(FILLER))) {
            while (Files.getFileStore(dir).getUsableSpace() > headroom + (1 << 20)) {
                o.write(new byte[1 << 20]);
            }
            while (Files.getFileStore(dir).getUsableSpace() > headroom) {
                o.write(block);
                o.flush();
            }
        } catch (IOException e) {
            // ENOSPC: full
        }
    }

    /**
     * {@code dir} takes no new file and loses none (chattr +i; even root is refused, EPERM),
     * while files already open in it can still be written: an output that turned unwritable.
     */
    public static void refuseNewFiles(Path dir) throws IOException, InterruptedException {
        run("chattr", "+i", dir.toString());
    }

    /** Undoes {@link #refuseNewFiles}. */
    public static void writable(Path dir) throws IOException, InterruptedException {
        run("chattr", "-i", dir.toString());
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
