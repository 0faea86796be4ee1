package org.virtiotrace.agent.heartbeat;

import java.util.function.Supplier;
import org.virtiotrace.core.heartbeat.HeartbeatCounter;
import org.virtiotrace.core.log.Log;

/**
 * --heartbeat-log: the counter and each CPU's progress in the log (the journal under systemd)
 * every N seconds, the vdev trace's emit-logger. A daemon thread of its own that only sleeps
 * and logs; it shares nothing but the counter and a progress text built from counters.
 */
public final class HeartbeatLog implements AutoCloseable {
    private final Thread thread;

    public HeartbeatLog(HeartbeatCounter counter, int seconds, Supplier<String> progress) {
        thread = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(seconds * 1000L);
                    Log.info("heartbeat %d: %s", counter.value(), progress.get());
                }
            } catch (InterruptedException e) {
                // closing
            }
        }, "heartbeat-log");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
