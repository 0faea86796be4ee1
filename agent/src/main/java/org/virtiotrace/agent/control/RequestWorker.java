package org.virtiotrace.agent.control;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/**
 * Answers requests on a thread of its own, so that reading kallsyms or compressing it never
 * delays an order: the control thread hands a request over and goes back to reading. One
 * thread, started at the first request and gone after a minute of none; at most
 * {@value #BACKLOG} requests wait, more are answered "busy" at once.
 */
final class RequestWorker implements AutoCloseable {
    static final int BACKLOG = 8;

    private final Questions questions;
    private final ControlChannel channel;
    private final ThreadPoolExecutor pool;

    RequestWorker(Questions questions, ControlChannel channel) {
        this.questions = questions;
        this.channel = channel;
        this.pool = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(BACKLOG), r -> {
            Thread t = new Thread(r, "requests");
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /** Called by the control thread; returns at once. */
    void submit(Request request) {
        if (!channel.canReply()) {
            Log.warn("%s: cannot answer %s: this control port is read-only (a lone FIFO); "
                    + "use a virtio port, or the NAME.in/NAME.out FIFO pair", channel.path(), request);
            return;
        }
        try {
            pool.execute(() -> {
                long t0 = System.nanoTime();
                ReplyFrame reply = questions.answer(request);
                long t1 = System.nanoTime();
                byte[] frame = reply.encode();
                Log.debug("%s: %s answered in %d ms (%d to gather, %d to encode; %d bytes, %d on the wire)",
                        channel.path(), request, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                        TimeUnit.NANOSECONDS.toMillis(t1 - t0), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1),
                        reply.payload().length, frame.length);
                channel.post(frame, request);
            });
        } catch (RejectedExecutionException e) {
            channel.post(ReplyFrame.error(request.id(), "busy: " + BACKLOG + " requests are waiting").encode(),
                    request);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
