package org.virtiotrace.core.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The native layer against the real kernel. */
class NativeCallsTest {
    private final Native nat = Native.get();

    /**
     * jnr-ffi #181: a function bound with six integer arguments gets garbage on x86-64,
     * so splice's flags arrive wrong and the kernel says EINVAL. Through the shim the
     * non-blocking flag must arrive: an empty pipe answers "would block", not EINVAL.
     */
    @Test
    void splice_flags_reach_the_kernel_jnr_ffi_six_argument_regression() throws Exception {
        try (Pipe a = nat.pipe(65536); Pipe b = nat.pipe(65536)) {
            assertEquals(Native.WOULD_BLOCK, nat.splice(a.readEnd(), b.writeEnd(), 4096));
            ByteBuffer data = ByteBuffer.allocateDirect(4096);
            data.put(0, (byte) 42);
            assertEquals(4096, nat.write(a.writeEnd(), data));
            assertEquals(4096, nat.splice(a.readEnd(), b.writeEnd(), 65536));
            ByteBuffer got = ByteBuffer.allocateDirect(8192);
            assertEquals(4096, nat.read(b.readEnd(), got));
            assertEquals(42, got.get(0));
        }
    }

    @Test
    void the_shim_loaded() {
        assertTrue(Native.isAvailable(), () -> "unavailable: " + Native.unavailabilityCause());
    }

    @Test
    void pinning_restricts_the_thread_to_that_cpu() throws Exception {
        int cpu = Runtime.getRuntime().availableProcessors() - 1;
        String[] allowed = new String[1];
        Thread t = new Thread(() -> {
            try {
                nat.pinToCpu(cpu);
                allowed[0] = Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                        .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow();
            } catch (Exception e) {
                allowed[0] = e.toString();
            }
        });
        t.start();
        t.join();
        assertEquals("Cpus_allowed_list:\t" + cpu, allowed[0]);
    }

    @Test
    void a_missing_file_names_the_path_and_errno() {
        NativeException e = assertThrows(NativeException.class,
                () -> nat.open("/nonexistent/trace-path-cpu0", Native.Access.WRITE));
        assertTrue(e.isMissing());
        assertEquals("/nonexistent/trace-path-cpu0: No such file or directory [ENOENT] (open)", e.getMessage());
    }

    @Test
    void an_eventfd_wakes_a_poll_and_clears() throws Exception {
        try (Fd ev = nat.eventFd()) {
            assertEquals(0, nat.poll(null, 0, ev, PollEvents.IN, 0));
            nat.signal(ev);
            int r = nat.poll(null, 0, ev, PollEvents.IN, 1000);
            assertTrue(PollEvents.has(PollEvents.second(r), PollEvents.IN));
            nat.clearSignal(ev);
            assertEquals(0, nat.poll(null, 0, ev, PollEvents.IN, 0));
        }
    }

    @Test
    void a_pipe_gets_the_capacity_asked_for() throws Exception {
        try (Pipe p = nat.pipe(1 << 20)) {
            assertEquals(1 << 20, p.capacity());
        }
    }

    @Test
    void poll_reports_each_of_three_descriptors_in_its_own_place() throws Exception {
        try (Pipe readable = nat.pipe(65536); Pipe idle = nat.pipe(65536); Fd ev = nat.eventFd()) {
            ByteBuffer data = ByteBuffer.allocateDirect(16);
            nat.write(readable.writeEnd(), data);
            nat.signal(ev);
            int r = nat.poll(idle.readEnd(), PollEvents.IN, readable.readEnd(), PollEvents.IN, ev, PollEvents.IN, 1000);
            assertEquals(0, PollEvents.first(r), "the empty pipe is not readable");
            assertTrue(PollEvents.has(PollEvents.second(r), PollEvents.IN), "the pipe with data is");
            assertTrue(PollEvents.has(PollEvents.third(r), PollEvents.IN), "the signalled eventfd is");
            int w = nat.poll(null, 0, null, 0, idle.writeEnd(), PollEvents.OUT, 1000);
            assertEquals(PollEvents.OUT, PollEvents.third(w), "a pipe with room is writable");
        }
    }
}
