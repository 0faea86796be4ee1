package org.virtiotrace.host.link;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;

/**
 * One collector per guest: two readers of one port would split its pages between them (each
 * trace with holes), and a second reader of the control port would take the first's replies.
 * An flock on DIR/.virtio-trace.lock, released by the kernel if we die; the file names the
 * holder's pid for the refusal message.
 */
public final class PortLock implements AutoCloseable {
    static final String NAME = ".virtio-trace.lock";
    private final FileChannel ch;
    private final FileLock lock;

    private PortLock(FileChannel ch, FileLock lock) {
        this.ch = ch;
        this.lock = lock;
    }

    /**
     * The lock on {@code dir}'s ports, or exit 5: "another virtio-trace (pid N) " and {@code refusal}
     * (what it does that forbids sharing).
     */
    public static PortLock take(Path dir, String refusal) throws ExitException, IOException {
        Path f = dir.resolve(NAME);
        FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            String holder = Files.readString(f).trim();
            ch.close();
            throw new ExitException(Exit.BUSY, f + ": another virtio-trace (" + holder + ") " + refusal);
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
        return new PortLock(ch, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        ch.close();
    }
}
