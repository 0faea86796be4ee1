package org.virtiotrace.core.pump;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.Pipe;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.RingBufferPage;

/**
 * A pump's last words on a stop order and at exit: what it took, what the kernel still holds,
 * then the page still being written. Runs on the pump's thread, with the pump's descriptors.
 */
final class StopTail {
    private final int cpu;
    private final Native nat;
    private final SourceSwitch sources;
    private final Pipe pipe;
    private final PumpControl control;
    private final Delivery delivery;
    private final PumpCounters counters;
    private final int subBufferSize;
    private final ByteBuffer page;

    StopTail(int cpu, Native nat, SourceSwitch sources, Pipe pipe, PumpControl control, Delivery delivery,
             PumpCounters counters, int subBufferSize) {
        this.cpu = cpu;
        this.nat = nat;
        this.sources = sources;
        this.pipe = pipe;
        this.control = control;
        this.delivery = delivery;
        this.counters = counters;
        this.subBufferSize = subBufferSize;
        this.page = ByteBuffer.allocateDirect(subBufferSize).order(ByteOrder.nativeOrder());
    }

    /**
     * On stop and at exit: deliver what was taken, then what the kernel still holds
     * (bounded by one buffer's worth, so a live trace cannot keep us here), then the
     * partial page, so the host has every event that was in the buffer.
     */
    void finish() throws NativeException, InterruptedException {
        if (!delivery.deliver()) {
            return;
        }
        long budget = sources.drainBudget();
        // splice refuses (EINVAL) a length below one sub-buffer: stop at the last whole one
        while (budget >= subBufferSize && !control.shutdownExpired()) {
            long n = nat.splice(sources.trace(), pipe.writeEnd(), Math.min(pipe.capacity(), budget));
            if (n <= 0) {
                break;
            }
            delivery.addedToPipe(n);
            budget -= n;
            if (!delivery.deliver()) {
                return;
            }
        }
        if (!control.shutdownExpired()) {
            flushPartialPage();
        }
    }

    /** read() hands out the page still being written, zero padded to a whole sub-buffer. */
    private void flushPartialPage() throws NativeException, InterruptedException {
        page.clear();
        int n = nat.read(sources.trace(), page);
        if (n <= 0) {
            return; // nothing buffered
        }
        if (n != subBufferSize) {
            Log.warn("cpu%d: %s returned %d bytes, not a %d-byte page; dropped it", cpu, sources.trace().path(), n,
                    subBufferSize);
            return;
        }
        if (RingBufferPage.dataBytes(RingBufferPage.commitWord(page, 0, PageFormat.local(subBufferSize))) == 0) {
            return;
        }
        page.flip();
        while (page.hasRemaining()) {
            if (nat.write(pipe.writeEnd(), page) == Native.WOULD_BLOCK) {
                // cannot happen with an empty pipe of >= one page; refuse to tear rather than spin
                Log.warn("cpu%d: no room for the partial page in the pipe; it stays undelivered", cpu);
                return;
            }
        }
        delivery.addedToPipe(subBufferSize);
        counters.addFlushedPage();
        delivery.deliver();
    }
}
