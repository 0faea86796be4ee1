package org.virtiotrace.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.agent.testing.AgentProcess;
import org.virtiotrace.agent.testing.Rig;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;

/** Bad set-ups get one clear line naming the path and errno, and a documented exit status. */
class ErrorsTest {
    private Rig rig;

    @AfterEach
    void cleanup() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    private static List<String> errors(AgentProcess a) throws InterruptedException {
        return a.stderr().stream().filter(l -> l.contains("error")).toList();
    }

    @Test
    void a_missing_trace_port_is_named_with_its_errno_and_the_other_cpus_keep_their_ports() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        AgentProcess agent = rig.startAgent("--cpus", "0,1");
        List<String> warnings = agent.stderr().stream().filter(l -> l.contains("warning")).toList();
        assertEquals(1, warnings.size(), agent.stderr().toString());
        String line = warnings.get(0);
        assertTrue(line.contains(rig.host.dir().resolve("trace-path-cpu1").toString()), line);
        assertTrue(line.contains("ENOENT") && line.contains("in memory"), line);
        assertEquals(List.of(), errors(agent));
        rig.host.send("1\n");
        rig.mark(0, 10, 50);
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        assertEquals(10, rig.received(0).events(), "cpu0 still goes to its port");
    }

    @Test
    void a_ring_size_that_is_not_a_power_of_two_is_refused_with_the_valid_range() throws Exception {
        AgentProcess agent = AgentProcess.start(List.of("--ring-size", "3M"));
        assertEquals(ExitCodes.USAGE, agent.waitFor(Duration.ofSeconds(10)));
        assertTrue(agent.stderr().get(0).contains("power of two from 64K to 1G"), agent.stderr().toString());
    }

    @Test
    void a_missing_control_port_is_named_and_exits_4() throws Exception {
        rig = Rig.create();
        AgentProcess agent = rig.startAgentWithoutWaiting(Map.of(), "--ctl-port", "no-such-ctl");
        assertEquals(ExitCodes.PORT, agent.waitFor(Duration.ofSeconds(10)));
        String line = errors(agent).get(0);
        assertTrue(line.contains(rig.host.dir().resolve("no-such-ctl").toString()), line);
    }

    @Test
    void a_second_agent_on_the_same_trace_buffer_is_refused_with_ebusy_and_exits_5() throws Exception {
        rig = Rig.create();
        rig.startAgent();
        AgentProcess second = AgentProcess.start(rig.agentArgs("-o"));
        assertEquals(ExitCodes.BUSY, second.waitFor(Duration.ofSeconds(10)));
        String line = errors(second).get(0);
        assertTrue(line.contains(rig.instance.dir().resolve("per_cpu/cpu").toString()), line);
        assertTrue(line.contains("EBUSY"), line);
        assertTrue(rig.agentIsAlive(), "the first agent goes on");
    }

    @Test
    void a_trace_pipe_locked_by_another_reader_is_named_with_ebusy_and_exits_5() throws Exception {
        rig = Rig.create();
        String pipe = rig.instance.dir().resolve("per_cpu/cpu0/trace_pipe_raw").toString();
        try (Fd other = Native.get().open(pipe, Native.Access.READ)) {
            Native.get().lockExclusive(other);
            AgentProcess agent = rig.startAgentWithoutWaiting(Map.of());
            assertEquals(ExitCodes.BUSY, agent.waitFor(Duration.ofSeconds(10)));
            String line = errors(agent).get(0);
            assertTrue(line.contains(pipe), line);
            assertTrue(line.contains("EBUSY"), line);
        }
    }

    @Test
    void a_cpu_without_a_trace_pipe_is_named_and_exits_3() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        AgentProcess agent = rig.startAgentWithoutWaiting(Map.of(), "--cpus", "0,63");
        assertEquals(ExitCodes.TRACEFS, agent.waitFor(Duration.ofSeconds(10)));
        String line = errors(agent).get(0);
        assertTrue(line.contains(rig.instance.dir().resolve("per_cpu/cpu63/trace_pipe_raw").toString()), line);
        assertTrue(line.contains("ENOENT") && line.contains("--cpus"), line);
    }

    @Test
    void a_missing_instance_says_how_to_create_it_and_exits_3() throws Exception {
        rig = Rig.create();
        AgentProcess agent = AgentProcess.start(List.of("--instance", "no-such-instance",
                "--port-dir", rig.host.dir().toString()));
        assertEquals(ExitCodes.TRACEFS, agent.waitFor(Duration.ofSeconds(10)));
        assertTrue(errors(agent).get(0).contains("mkdir"), agent.stderr().toString());
    }

    @Test
    void a_directory_that_is_not_tracefs_is_refused_and_exits_3() throws Exception {
        AgentProcess agent = AgentProcess.start(List.of("--tracefs", "/tmp"));
        assertEquals(ExitCodes.TRACEFS, agent.waitFor(Duration.ofSeconds(10)));
        assertTrue(errors(agent).get(0).contains("/tmp: not a tracefs directory"), agent.stderr().toString());
    }

    @Test
    void a_pipe_size_out_of_range_is_a_usage_error() throws Exception {
        AgentProcess agent = AgentProcess.start(List.of("-s", "16K"));
        assertEquals(ExitCodes.USAGE, agent.waitFor(Duration.ofSeconds(10)));
        assertTrue(agent.stderr().stream().anyMatch(l -> l.contains("64K and 1M")), agent.stderr().toString());
    }

    @Test
    void a_bad_cpu_list_is_a_usage_error() throws Exception {
        AgentProcess agent = AgentProcess.start(List.of("--cpus", "0-x"));
        assertEquals(ExitCodes.USAGE, agent.waitFor(Duration.ofSeconds(10)));
    }

    @Test
    void a_port_name_without_the_cpu_number_is_a_usage_error() throws Exception {
        AgentProcess agent = AgentProcess.start(List.of("--port-name", "trace-path"));
        assertEquals(ExitCodes.USAGE, agent.waitFor(Duration.ofSeconds(10)));
        assertTrue(agent.stderr().stream().anyMatch(l -> l.contains("%d")), agent.stderr().toString());
    }

    @Test
    void under_journald_every_line_carries_its_priority() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        AgentProcess agent = rig.startAgentWithoutWaiting(Map.of("JOURNAL_STREAM", "8:1234"), "--ctl-port", "none");
        assertEquals(ExitCodes.PORT, agent.waitFor(Duration.ofSeconds(10)));
        List<String> lines = agent.stderr();
        assertTrue(lines.get(lines.size() - 1).startsWith("<3>"), lines.toString());
        assertTrue(lines.stream().allMatch(l -> l.matches("^<[0-7]>.*")), lines.toString());
    }

    @Test
    void help_and_version_exit_0() throws Exception {
        AgentProcess help = AgentProcess.start(List.of("--help"));
        assertEquals(0, help.waitFor(Duration.ofSeconds(10)));
        assertTrue(new String(help.stdout()).contains("Exit status:"));
        AgentProcess version = AgentProcess.start(List.of("--version"));
        assertEquals(0, version.waitFor(Duration.ofSeconds(10)));
        assertTrue(new String(version.stdout()).startsWith("trace-agent (virtio-trace-agent) "));
    }
}
