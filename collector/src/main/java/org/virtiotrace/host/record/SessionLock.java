package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One collector per guest: two readers of one port would split its pages between them (each
 * trace with holes). An flock on DIR/.virtio-trace.lock, released by the kernel if we die;
 * the file names the holder's pid for the refusal message.
 */
final class SessionLock implements AutoCloseable {
    static final String NAME = ".virtio-trace.lock";
    private final FileChannel ch;
    private final FileLock lock;

    private SessionLock(FileChannel ch, FileLock lock) {
        this.ch = ch;
        this.lock = lock;
    }

    /** The lock, or empty with {@code holder[0]} set to what the file says about its holder. */
    static Optional<SessionLock> tryTake(Path dir, String[] holder) throws IOException {
        Path f = dir.resolve(NAME);
        FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            holder[0] = Files.readString(f).trim();
            ch.close();
            return Optional.empty();
        }
        ch.truncate(0);
        ch.write(java.nio.ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
                .getBytes(StandardCharsets.US_ASCII)));
        return Optional.of(new SessionLock(ch, lock));
    }

    @Override
    public void close() throws IOException {
        lock.release();
        ch.close();
    }
}
