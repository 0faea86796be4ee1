package org.virtiotrace.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.virtiotrace.testkit.TraceCmd;
import org.virtiotrace.testkit.guest.QemuGuest;

/**
 * A guest that was started without any virtio-trace port, nor a virtio-serial controller, and
 * runs the installed package under systemd: the host's attach gives it its ports through QMP,
 * udev starts the agent, a recording works, and detach takes the ports away, which stops the
 * agent. One boot; the methods run in order, each on the state the previous one left.
 */
@Tag("guest")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AttachInGuestTest {
    private static QemuGuest guest;
    private static TraceAgentUnit unit;
    private static Path ports;

    @BeforeAll
    static void bootWithoutPorts() throws Exception {
        HostCommand.launcher();
        guest = QemuGuest.systemdWithoutPorts(QemuGuest.repoRoot().resolve("deb/target/systemd-guest/attach"), 2);
        unit = new TraceAgentUnit(guest, false);
        ports = guest.work().resolve("vm");
    }

    @AfterAll
    static void powerOff() throws Exception {
        if (guest != null) {
            guest.close();
        }
    }


    private static HostCommand.Run virtioTrace(String... args) throws Exception {
        return HostCommand.run(guest.work(), args);
    }

    private static String context() throws Exception {
        return unit.context();
    }

    @Test
    @Order(1)
    void a_guest_without_ports_has_no_agent_running() throws Exception {
        assertEquals("inactive", unit.await("inactive", "dead", Duration.ofSeconds(5)).get("ActiveState"));
        assertFalse(guest.exec("test -e /dev/virtio-ports/agent-ctl-path").rc() == 0, "a control port at boot");
    }

    @Test
    @Order(2)
    void attach_adds_a_controller_and_the_ports_and_udev_starts_the_agent() throws Exception {
        HostCommand.Run r = virtioTrace("attach", "--qmp", guest.qmpSocket().toString(), ports.toString(), "--wait", "240");
        assertEquals(0, r.exit(), r.err() + context());
        assertTrue(r.err().contains("2 vCPU ports and agent-ctl-path"), "the vCPUs are QEMU's count: " + r.err());
        assertTrue(r.err().contains("a controller added"), r.err());
        assertTrue(r.err().contains("the guest's agent opened agent-ctl-path"), r.err() + context());
        assertTrue(Files.exists(ports.resolve("trace-path-cpu1.out")), "attach makes the FIFOs, as setup does");
        Map<String, String> u = unit.await("active", "running", Duration.ofSeconds(60));
        assertEquals("running", u.get("SubState"), u + context());
        assertTrue(unit.journal().contains("ready: 2 CPUs"), context());
    }

    @Test
    @Order(3)
    void a_second_attach_is_refused_and_leaves_the_guest_as_it_was() throws Exception {
        String before = guest.qmp("{\"execute\":\"qom-list\",\"arguments\":{\"path\":\"/machine/peripheral\"}}");
        HostCommand.Run r = virtioTrace("attach", "--qmp", guest.qmpSocket().toString(), ports.toString(), "--wait", "0");
        assertEquals(13, r.exit(), r.err());
        assertTrue(r.err().contains("the ports are attached already"), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertEquals(before, guest.qmp("{\"execute\":\"qom-list\",\"arguments\":{\"path\":\"/machine/peripheral\"}}"));
        assertEquals("running", unit.await("active", "running", Duration.ofSeconds(5)).get("SubState"));
    }

    @Test
    @Order(4)
    void a_recording_through_the_attached_ports_decodes_in_trace_cmd() throws Exception {
        Path out = guest.work().resolve("attached.dat");
        HostCommand.Run r = virtioTrace("record", ports.toString(), "-o", out.toString(), "--no-progress", "-e", "sched",
                "--duration", "3");
        assertEquals(0, r.exit(), r.err() + context());
        TraceCmd.Run report = TraceCmd.report(out);
        assertEquals(0, report.exit(), report.text());
        assertTrue(report.events().stream().anyMatch(l -> l.contains("sched_switch:")), report.text());
    }

    @Test
    @Order(5)
    void detach_removes_the_ports_and_the_controller_and_the_agent_stops() throws Exception {
        HostCommand.Run r = virtioTrace("detach", "--qmp", guest.qmpSocket().toString());
        assertEquals(0, r.exit(), r.err() + context());
        assertTrue(r.err().contains("removed 3 ports and the controller"), r.err());
        Map<String, String> u = unit.await("inactive", "dead", Duration.ofSeconds(60));
        assertEquals("inactive", u.get("ActiveState"), "BindsTo= stops the agent with its port: " + u + context());
        String peripherals = guest.qmp("{\"execute\":\"qom-list\",\"arguments\":{\"path\":\"/machine/peripheral\"}}");
        assertFalse(peripherals.contains("vtrace-"), peripherals);
        String chardevs = guest.qmp("{\"execute\":\"query-chardev\"}");
        assertFalse(chardevs.contains("vtrace-"), chardevs);
        HostCommand.Run again = virtioTrace("detach", "--qmp", guest.qmpSocket().toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("nothing attached"), again.err());
    }

    @Test
    @Order(6)
    void attach_again_after_detach_starts_the_agent_again() throws Exception {
        HostCommand.Run r = virtioTrace("attach", "--qmp", guest.qmpSocket().toString(), ports.toString(), "--wait", "240");
        assertEquals(0, r.exit(), r.err() + context());
        assertTrue(r.err().contains("the guest's agent opened agent-ctl-path"), r.err() + context());
        assertEquals("running", unit.await("active", "running", Duration.ofSeconds(60)).get("SubState"), context());
    }
}
