package org.virtiotrace.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.virtiotrace.core.page.PageStream;
import org.virtiotrace.testkit.FifoPorts;
import org.virtiotrace.testkit.guest.QemuGuest;

/**
 * The package in a real QEMU guest that boots systemd as PID 1 with udev, with real
 * virtio-serial ports from the host: what the container test cannot show. Nobody runs
 * `systemctl start` or `enable` here: the udev rule must start the service when the host's
 * control port appears, and the unit's BindsTo= must stop it when the port is unplugged.
 * One boot for the class (TCG: ~20 s to systemd, ~10 s for the JVM); the methods run in
 * order, each on the state the previous one left.
 */
@Tag("guest")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceInGuestTest {
    private static final String WAITING = "waiting for the host's start order";
    private static final String CTL_LINK = "/dev/virtio-ports/agent-ctl-path";
    private static QemuGuest guest;
    private static TraceAgentUnit unit;
    private static FifoPorts host;
    private static String firstMainPid;

    @BeforeAll
    static void bootTheGuest() throws Exception {
        guest = QemuGuest.systemd(QemuGuest.repoRoot().resolve("deb/target/systemd-guest/service"), 2);
        unit = new TraceAgentUnit(guest);
        host = guest.hostPorts();
    }

    @AfterAll
    static void powerOff() throws Exception {
        if (guest != null) {
            guest.close();
        }
    }

    private static String context() throws Exception {
        return "\njournal of trace-agent.service:\n" + guest.exec("journalctl -u trace-agent.service --no-pager"
                + " -o short-monotonic; systemctl status trace-agent.service --no-pager").out()
                + "\nconsole (tail):\n" + guest.tail("console.log", 15);
    }

    @Test
    @Order(1)
    void udev_starts_the_service_when_the_control_port_appears_and_it_reports_ready() throws Exception {
        Map<String, String> u = unit.await("active", "running", Duration.ofSeconds(180));
        assertEquals("active", u.get("ActiveState"), "trace-agent.service did not come up: " + u + context());
        assertEquals("running", u.get("SubState"), u + context());
        assertTrue(u.get("StatusText").startsWith(WAITING), "Type=notify STATUS= after READY=1: " + u);
        firstMainPid = u.get("MainPID");
        // not enabled (dpkg ran without a running systemd) and nobody started it: only the
        // udev rule's SYSTEMD_WANTS on the port's device can have pulled it in
        assertEquals("disabled", guest.exec("systemctl is-enabled trace-agent.service").out().trim());
        String dev = guest.sh("udevadm info --query=property " + CTL_LINK);
        assertTrue(dev.contains("SYSTEMD_WANTS=trace-agent.service"), "the rule did not match the port:\n" + dev);
        String device = guest.sh("systemd-escape -p --suffix=device \"/sys$(udevadm info -q path " + CTL_LINK
                + ")\"").trim();
        assertTrue(unit.showUnit(device, "Wants").get("Wants").contains("trace-agent.service"),
                device + " does not want the service");
        String journal = unit.journal();
        assertTrue(journal.contains("ready: 2 CPUs"), "the agent's ready line is not in the journal" + context());
    }

    @Test
    @Order(2)
    void the_hardened_unit_opens_the_real_vport_nodes() throws Exception {
        Map<String, String> u = unit.show("DevicePolicy", "DeviceAllow", "MainPID");
        assertEquals("closed", u.get("DevicePolicy"));
        assertTrue(u.get("DeviceAllow").contains("char-virtio-portsdev rw"), u.toString());
        // the links point at /dev/vportNpM character devices of the virtio-portsdev major
        String major = guest.sh("awk '$2 == \"virtio-portsdev\" {print $1}' /proc/devices").trim();
        assertFalse(major.isEmpty(), "no virtio-portsdev in /proc/devices");
        String ctl = guest.sh("readlink -f " + CTL_LINK).trim();
        assertTrue(Pattern.matches("/dev/vport\\d+p\\d+", ctl), ctl);
        String type = guest.sh("stat -c '%F %t' " + ctl).trim(); // "character special file F6"
        assertTrue(type.startsWith("character special file "), ctl + ": " + type);
        assertEquals(Integer.parseInt(major), Integer.parseInt(type.substring(type.lastIndexOf(' ') + 1), 16),
                "major of " + ctl);
        // the running agent holds the control port and both trace ports open, through the unit's
        // device cgroup (DevicePolicy=closed would refuse any other device)
        String fds = guest.sh("ls -l /proc/" + u.get("MainPID") + "/fd");
        List<String> ports = guest.sh("readlink -f " + CTL_LINK + " /dev/virtio-ports/trace-path-cpu0"
                + " /dev/virtio-ports/trace-path-cpu1").lines().map(String::trim).toList();
        for (String port : ports) {
            assertTrue(fds.contains("-> " + port), "the agent has no fd on " + port + ":\n" + fds + context());
        }
    }

    @Test
    @Order(3)
    void orders_from_the_host_move_whole_pages_through_the_real_ports() throws Exception {
        guest.sh("echo 1 > /sys/kernel/tracing/events/sched/enable");
        assertEquals(0, host.drain(1500), "bytes before the start order" + context());
        host.send("1\n");
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((host.received(0).length == 0 || host.received(1).length == 0)
                && System.nanoTime() < end) {
            host.drain(200);
        }
        assertTrue(host.received(0).length > 0 && host.received(1).length > 0,
                "no data on a vCPU's port after the start order" + context());
        assertTrue(unit.show("StatusText").get("StatusText").startsWith("tracing"),
                "STATUS= after the start order" + context());
        host.drain(2000);
        host.send("0\n");
        host.drainUntilQuiet(1500, 30_000);
        assertEquals(0, host.drain(2000), "bytes after the stop order went quiet" + context());
        for (int cpu = 0; cpu < 2; cpu++) {
            byte[] got = host.received(cpu);
            assertEquals(0, got.length % QemuGuest.PAGE, "cpu" + cpu + ": not whole pages: " + got.length);
            PageStream s = PageStream.of(got, QemuGuest.PAGE);
            assertEquals(List.of(), s.defects(), "cpu" + cpu);
            assertTrue(s.events() > 0, "cpu" + cpu + " sent no events");
        }
        Map<String, String> u = unit.show("ActiveState", "SubState", "StatusText");
        assertEquals("running", u.get("SubState"), u + context());
        assertTrue(u.get("StatusText").startsWith(WAITING), "STATUS= after the stop order: " + u);
    }

    @Test
    @Order(4)
    void the_journal_shows_the_agents_lines() throws Exception {
        String j = guest.sh("journalctl -u trace-agent.service --no-pager -o cat");
        assertTrue(j.contains("ready: 2 CPUs from /sys/kernel/tracing to /dev/virtio-ports/trace-path-cpu0"), j);
        assertTrue(j.contains("start order: tracing"), j);
        assertTrue(j.contains("stop order: delivering the partial pages"), j);
        // the agent's own lines, under its identifier and PID
        assertTrue(unit.journal().contains("trace-agent[" + firstMainPid + "]: start order"), unit.journal());
    }

    @Test
    @Order(5)
    void unplugging_the_control_port_stops_the_service() throws Exception {
        assertFalse(unit.journal().contains("Stopping trace-agent.service"), "stopped before the unplug");
        String reply = guest.qmp("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"ctlport\"}}");
        assertTrue(reply.contains("\"return\""), "device_del: " + reply);
        Map<String, String> u = unit.await("inactive", "dead", Duration.ofSeconds(60));
        host.drainUntilQuiet(1000, 10_000); // the partial pages it delivers on SIGTERM
        assertEquals("inactive", u.get("ActiveState"), "still running without its control port: " + u
                + context());
        assertEquals("success", u.get("Result"), "a clean stop, not a failure: " + u + context());
        assertNotEquals(0, guest.exec("test -e " + CTL_LINK).rc(), CTL_LINK + " is still there");
        // systemd stopped it (BindsTo=), the agent did not just exit on its own
        assertTrue(unit.journal().contains("Stopping trace-agent.service"), context());
    }

    @Test
    @Order(6)
    void plugging_the_control_port_back_starts_it_again_and_orders_still_work() throws Exception {
        String reply = guest.qmp("{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtserialport\","
                + "\"bus\":\"vser0.0\",\"nr\":1,\"chardev\":\"ctl\",\"name\":\"agent-ctl-path\",\"id\":\"ctlport\"}}");
        assertTrue(reply.contains("\"return\""), "device_add: " + reply);
        Map<String, String> u = unit.await("active", "running", Duration.ofSeconds(120));
        assertEquals("active", u.get("ActiveState"), "udev did not start it again: " + u + context());
        assertEquals("running", u.get("SubState"), u + context());
        assertNotEquals(firstMainPid, u.get("MainPID"), "the same process as before the unplug");
        assertTrue(u.get("StatusText").startsWith(WAITING), u.toString());
        long before = host.received(0).length + host.received(1).length;
        host.send("1\n");
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (host.received(0).length + host.received(1).length == before && System.nanoTime() < end) {
            host.drain(200);
        }
        host.send("0\n");
        host.drainUntilQuiet(1500, 30_000);
        long after = host.received(0).length + host.received(1).length;
        assertTrue(after > before, "no pages after the re-plugged port's start order" + context());
        for (int cpu = 0; cpu < 2; cpu++) {
            assertEquals(List.of(), PageStream.of(host.received(cpu), QemuGuest.PAGE).defects(),
                    "cpu" + cpu);
        }
    }
}
