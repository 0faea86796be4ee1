package org.virtiotrace.core.sink;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * Standard output shared by every CPU (-o). The lock is held for a whole chunk of
 * pages, so the stream is a sequence of whole pages even though CPUs take turns.
 * stdout itself is left blocking (it may be the user's terminal); splice's
 * SPLICE_F_NONBLOCK keeps a full stdout pipe from blocking us anyway.
 */
public final class StdoutSink implements Sink {
    private final Native nat;
    private final Fd out = Fd.stdout();
    private final ReentrantLock lock = new ReentrantLock();

    public StdoutSink(Native nat) {
        this.nat = nat;
    }

    @Override
    public String name() {
        return "stdout";
    }

    @Override
    public long drainFrom(Fd pipe, long len) throws NativeException {
        return nat.splice(pipe, out, len);
    }

    @Override
    public int write(ByteBuffer src) throws NativeException {
        return Math.max(0, nat.write(out, src));
    }

    @Override
    public boolean readerCanReturn() {
        return false;
    }

    @Override
    public Fd pollable() {
        return out;
    }

    @Override
    public boolean acquire(long timeoutMs) throws InterruptedException {
        return lock.tryLock(timeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void release() {
        lock.unlock();
    }

    @Override
    public void close() {
        // fd 1 belongs to the process, not to us
    }
}
