package org.virtiotrace.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * The same, for a libvirt domain (a transient TCG domain of libvirtd's, with a virtio-serial
 * controller and no port): attach --domain hot-plugs socket channels with virsh, udev starts the
 * agent, a recording through them works, detach --domain takes them away and the agent stops.
 * libvirtd and virtlogd run by hand here (no systemd on this machine); the guest's QEMU runs as root.
 */
@Tag("guest")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AttachByLibvirtInGuestTest {
    private static QemuGuest guest;
    private static TraceAgentUnit unit;
    private static Path ports;
    private static final String DOMAIN = "vta-attach-test";

    @BeforeAll
    static void bootWithoutPorts() throws Exception {
        HostCommand.launcher();
        guest = QemuGuest.systemdUnderLibvirt(QemuGuest.repoRoot().resolve("deb/target/systemd-guest/libvirt"), 2,
                DOMAIN);
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
    void attach_domain_adds_socket_channels_and_udev_starts_the_agent() throws Exception {
        HostCommand.Run r = virtioTrace("attach", "--domain", DOMAIN, "unix:" + ports, "--wait", "240");
        assertEquals(0, r.exit(), r.err() + context());
        assertTrue(r.err().contains("2 vCPU channels and agent-ctl-path in domain " + DOMAIN),
                "the vCPUs are libvirt's count: " + r.err());
        assertTrue(r.err().contains("the guest's agent opened agent-ctl-path"), r.err() + context());
        assertEquals("virtio-trace record unix:" + ports + " -o trace.dat\n", r.out());
        Map<String, String> u = unit.await("active", "running", Duration.ofSeconds(60));
        assertEquals("running", u.get("SubState"), u + context());
    }

    @Test
    @Order(3)
    void a_second_attach_is_refused_and_leaves_the_domain_as_it_was() throws Exception {
        String before = virsh("dumpxml", DOMAIN);
        HostCommand.Run r = virtioTrace("attach", "--domain", DOMAIN, "unix:" + ports, "--wait", "0");
        assertEquals(13, r.exit(), r.err());
        assertTrue(r.err().contains("the ports are attached already"), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertEquals(before, virsh("dumpxml", DOMAIN));
    }

    @Test
    @Order(4)
    void a_recording_through_the_attached_channels_decodes_in_trace_cmd() throws Exception {
        Path out = guest.work().resolve("attached.dat");
        HostCommand.Run r = virtioTrace("record", "unix:" + ports, "-o", out.toString(), "--no-progress", "-e", "sched",
                "--duration", "3");
        assertEquals(0, r.exit(), r.err() + context());
        TraceCmd.Run report = TraceCmd.report(out);
        assertEquals(0, report.exit(), report.text());
        assertTrue(report.events().stream().anyMatch(l -> l.contains("sched_switch:")), report.text());
    }

    @Test
    @Order(5)
    void detach_domain_removes_the_channels_and_the_agent_stops() throws Exception {
        HostCommand.Run r = virtioTrace("detach", "--domain", DOMAIN);
        assertEquals(0, r.exit(), r.err() + context());
        assertTrue(r.err().contains("removed 3 ports"), r.err());
        Map<String, String> u = unit.await("inactive", "dead", Duration.ofSeconds(60));
        assertEquals("inactive", u.get("ActiveState"), "BindsTo= stops the agent with its port: " + u + context());
        assertFalse(virsh("dumpxml", DOMAIN).contains("ua-vtrace-"), "no channel of attach's is left");
    }

    private static String virsh(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-q", "-c", "qemu:///system"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "virsh " + args[0] + ": " + out);
        return out;
    }
}
