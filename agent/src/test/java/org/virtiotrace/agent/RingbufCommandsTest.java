package org.virtiotrace.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.agent.testing.AgentProcess;
import org.virtiotrace.agent.testing.ClientRun;
import org.virtiotrace.agent.testing.Markers;
import org.virtiotrace.agent.testing.Rig;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.page.PageStream;

/** status, ringbuf-read and ringbuf-dump reach the running agent over its local socket. */
class RingbufCommandsTest {
    private Rig rig;

    @TempDir
    Path tmp;

    @AfterEach
    void cleanup() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    /** A flight recorder: --sink memory, 64 KiB ring, far more markers than it holds. */
    private AgentProcess recorder(int markers) throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        AgentProcess agent = rig.startAgent("--cpus", "0", "--sink", "memory", "--ring-size", "64K");
        rig.host.send("1\n");
        rig.mark(0, markers, 100, 0);
        rig.host.send("0\n"); // the partial page joins the ring too
        agent.awaitLog(l -> l.contains("stop order"), Duration.ofSeconds(5));
        Thread.sleep(300);
        return agent;
    }

    @Test
    void ringbuf_read_returns_the_newest_data_as_valid_pages_and_consumes_it() throws Exception {
        recorder(5000);
        ClientRun read = rig.client("ringbuf-read", "--cpu", "0");
        assertEquals(0, read.exit(), read.stderr().toString());
        PageStream pages = PageStream.of(read.stdout(), rig.subBufferSize());
        assertEquals(List.of(), pages.defects());
        assertEquals(65_536, read.stdout().length, "a full 64 KiB ring");
        List<Integer> seq = Markers.in(read.stdout());
        assertEquals(4999, seq.get(seq.size() - 1), "the newest marker is the last one read");
        assertTrue(seq.get(0) > 0, "the oldest markers were overwritten");
        ClientRun again = rig.client("ringbuf-read", "--cpu", "0");
        assertEquals(0, again.stdout().length, "the first read consumed everything");
    }

    @Test
    void ringbuf_read_with_a_size_reads_that_much_and_base64_prints_the_same_bytes() throws Exception {
        recorder(1000);
        ClientRun first = rig.client("ringbuf-read", "--cpu", "0", "--size", "100", "--format", "base64");
        assertEquals(0, first.exit(), first.stderr().toString());
        byte[] decoded = Base64.getMimeDecoder().decode(first.text().trim());
        assertEquals(100, decoded.length);
        ClientRun rest = rig.client("ringbuf-read", "--cpu", "0", "--size", "4000");
        assertEquals(4000, rest.stdout().length, "the next read goes on where the first stopped");
    }

    @Test
    void ringbuf_dump_writes_every_ring_as_a_valid_page_stream_without_consuming_it() throws Exception {
        recorder(3000);
        Path dir = tmp.resolve("dump");
        ClientRun dump = rig.client("ringbuf-dump", dir.toString());
        assertEquals(0, dump.exit(), dump.stderr().toString());
        byte[] file = Files.readAllBytes(dir.resolve("cpu0.raw"));
        assertEquals(List.of(), PageStream.of(file, rig.subBufferSize()).defects());
        assertTrue(file.length > 0 && file.length % rig.subBufferSize() == 0, "whole pages: " + file.length);
        try (var names = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("cpu0.raw")), names.toList(), "no temporary file is left behind");
        }
        ClientRun read = rig.client("ringbuf-read", "--cpu", "0");
        assertArrayEquals(file, read.stdout(), "the dump consumed nothing: a read returns the same bytes");
    }

    @Test
    void sigusr1_dumps_the_rings_into_the_dump_dir() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        Path dir = tmp.resolve("usr1");
        AgentProcess agent = rig.startAgent("--cpus", "0", "--sink", "memory", "--dump-dir", dir.toString());
        rig.host.send("1\n");
        rig.mark(0, 500, 100, 0);
        rig.host.send("0\n");
        agent.awaitLog("stop order");
        Thread.sleep(300);
        agent.signal("USR1");
        agent.awaitLog("SIGUSR1: dumped the rings");
        byte[] file = Files.readAllBytes(dir.resolve("cpu0.raw"));
        assertEquals(List.of(), PageStream.of(file, rig.subBufferSize()).defects());
        assertEquals(500, Markers.in(file).size());
        assertTrue(agent.isAlive(), "the agent goes on after a dump");
    }

    @Test
    void status_figures_match_what_the_host_received() throws Exception {
        rig = Rig.create(1024, CpuList.online());
        rig.startAgent();
        rig.host.send("1\n");
        rig.markAll(3000, 100);
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        Map<Integer, Map<String, String>> status = rig.status();
        for (int cpu : (Iterable<Integer>) rig.cpus.stream()::iterator) {
            Map<String, String> row = status.get(cpu);
            long received = rig.host.received(cpu).length;
            assertTrue(received > 0);
            assertEquals(received, Long.parseLong(row.get("SENT_BYTES")), "cpu" + cpu + ": " + row);
            assertEquals(received / rig.subBufferSize(), Long.parseLong(row.get("SENT_PAGES")), row.toString());
            assertEquals("0", row.get("TO_MEMORY"), row.toString());
            assertEquals(Long.toString(rig.instance.stats(cpu).overrun()), row.get("KERNEL_OVERRUN"), row.toString());
            assertTrue(row.get("ROUTE").startsWith("direct -> "), row.toString());
        }
    }

    @Test
    void a_cpu_without_a_ring_is_not_a_ringbuf_device() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        rig.startAgent("--cpus", "0");
        ClientRun read = rig.client("ringbuf-read", "--cpu", "77");
        assertEquals(ExitCodes.SOFTWARE, read.exit());
        assertEquals(List.of("trace-agent: cpu77 is not a ringbuf device"), read.stderr());
    }

    @Test
    void a_size_of_zero_is_refused_as_qemu_words_it() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        ClientRun read = rig.client("ringbuf-read", "--cpu", "0", "--size", "0");
        assertEquals(ExitCodes.USAGE, read.exit());
        assertTrue(read.stderr().get(0).contains("size must be greater than zero"), read.stderr().toString());
    }

    @Test
    void with_no_agent_running_the_commands_name_the_socket() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        ClientRun status = rig.client("status");
        assertEquals(ExitCodes.SOCKET, status.exit());
        assertEquals(1, status.stderr().size(), status.stderr().toString());
        assertTrue(status.stderr().get(0).contains(rig.socket() + ": No such file or directory; no trace-agent is "
                + "running"), status.stderr().toString());
    }

    @Test
    void a_second_agent_on_the_same_socket_is_refused() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        rig.startAgent("--cpus", "0");
        try (Rig other = Rig.create(1024, CpuList.parse("0"))) {
            List<String> args = other.agentArgs("--cpus", "0");
            args.set(args.indexOf("--socket") + 1, rig.socket().toString());
            try (AgentProcess second = AgentProcess.start(args)) {
                assertEquals(ExitCodes.SOCKET, second.waitFor(Duration.ofSeconds(20)));
                assertTrue(second.stderr().stream().anyMatch(l -> l.contains(rig.socket()
                        + ": another trace-agent is serving this socket")), second.stderr().toString());
            }
        }
        assertEquals(0, rig.client("status").exit(), "the first agent still answers");
    }

    @Test
    void a_stale_socket_left_by_a_killed_agent_is_replaced() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        AgentProcess first = rig.startAgent("--cpus", "0");
        Runtime.getRuntime().exec(new String[] {"kill", "-KILL", Long.toString(first.pid())}).waitFor();
        first.waitFor(Duration.ofSeconds(5));
        assertTrue(Files.exists(rig.socket()), "SIGKILL leaves the socket file");
        rig.startAgent("--cpus", "0");
        assertEquals(0, rig.client("status").exit());
    }

    @Test
    void the_socket_refuses_a_user_who_is_not_root() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        rig.startAgent("--cpus", "0");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(rig.socket())));
        Files.setPosixFilePermissions(rig.host.dir(),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")); // let uid 65534 reach the file
        ClientRun denied = ClientRun.asUser(65534, List.of("status", "--socket", rig.socket().toString()));
        assertEquals(ExitCodes.SOCKET, denied.exit(), denied.stderr().toString());
        assertTrue(denied.stderr().stream().anyMatch(l -> l.contains(rig.socket().toString())
                && l.toLowerCase().contains("permission denied")), denied.stderr().toString());
    }
}
