package org.virtiotrace.testkit;

import org.virtiotrace.core.nativeio.Native;

/** Runs work on a thread pinned to one CPU, and waits for it: what it traces lands in that CPU's ring buffer. */
public final class OnCpu {
    /** The work; it may throw. */
    public interface Work {
        void run() throws Exception;
    }

    private OnCpu() {
    }

    public static void run(int cpu, Work work) throws Exception {
        Exception[] failure = new Exception[1];
        Thread t = new Thread(() -> {
            try {
                Native.get().pinToCpu(cpu);
                work.run();
            } catch (Exception e) {
                failure[0] = e;
            }
        }, "on-cpu" + cpu);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw failure[0];
        }
    }
}
