package org.virtiotrace.core.sink;

import java.nio.ByteBuffer;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/** A virtio-serial port (or a FIFO standing in for one) that only this CPU writes. */
public final class PortSink implements Sink {
    private final Native nat;
    private final Fd port;

    public PortSink(Native nat, Fd port) {
        this.nat = nat;
        this.port = port;
    }

    @Override
    public String name() {
        return port.path();
    }

    @Override
    public long drainFrom(Fd pipe, long len) throws NativeException {
        return nat.splice(pipe, port, len);
    }

    @Override
    public int write(ByteBuffer src) throws NativeException {
        return Math.max(0, nat.write(port, src));
    }

    @Override
    public boolean readerCanReturn() {
        return true;
    }

    @Override
    public Fd pollable() {
        return port;
    }

    @Override
    public boolean acquire(long timeoutMs) {
        return true; // one writer: nothing to share
    }

    @Override
    public void release() {
    }

    @Override
    public void close() {
        port.close();
    }
}
