package org.virtiotrace.host.attach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.host.cli.Main;
import picocli.CommandLine;

/**
 * attach and detach against a real QEMU (paused before its firmware ran: no guest is needed for
 * QEMU's side of hot-plugging ports, and it boots nothing). What the guest does with the ports
 * is AttachInGuestTest's, in the package's module.
 */
class AttachTest {
    @TempDir
    Path tmp;

    private Process qemu;

    @AfterEach
    void stopQemu() throws Exception {
        if (qemu != null) {
            qemu.destroy();
            if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
                qemu.destroyForcibly();
            }
        }
    }

    /** A paused QEMU with {@code cpus} vCPUs, {@code machine}, and {@code devices}; returns its QMP socket. */
    private Path qemu(String machine, int cpus, String... devices) throws Exception {
        Path socket = tmp.resolve("qmp.sock");
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-machine", machine, "-accel", "tcg", "-S",
                "-smp", Integer.toString(cpus), "-nodefaults", "-no-user-config", "-display", "none",
                "-qmp", "unix:" + socket + ",server=on,wait=off"));
        for (String d : devices) {
            cmd.addAll(List.of("-device", d));
        }
        qemu = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("qemu.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket)) {
            assertTrue(qemu.isAlive(), "QEMU ended: " + Files.readString(tmp.resolve("qemu.log")));
            assertTrue(System.nanoTime() < end, "no QMP socket within 30 s");
            Thread.sleep(20);
        }
        return socket;
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run virtioTrace(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** The ids under /machine/peripheral and the chardevs' labels, as QEMU lists them now. */
    private static List<String> ids(Path socket) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Qmp q = Qmp.connect(socket, Duration.ofSeconds(10))) {
            q.list("qom-list", java.util.Map.of("path", "/machine/peripheral")).forEach(o -> ids.add((String) o.get("name")));
            q.list("query-chardev", null).forEach(o -> ids.add((String) o.get("label")));
        }
        return ids;
    }

    @Test
    void attach_gives_each_vcpu_a_port_and_the_control_port_on_the_guests_own_controller() throws Exception {
        Path socket = qemu("pc", 3, "virtio-serial-pci,id=vser0");
        Path dir = tmp.resolve("vm");
        Run r = virtioTrace("attach", "--qmp", socket.toString(), dir.toString(), "--wait", "0");
        assertEquals(0, r.exit(), r.err());
        assertEquals("virtio-trace attach: 3 vCPU ports and agent-ctl-path on the guest's virtio-serial bus\n", r.err());
        assertEquals("virtio-trace record " + dir + " -o trace.dat\n", r.out());
        List<String> ids = ids(socket);
        for (String port : List.of("trace-path-cpu0", "trace-path-cpu1", "trace-path-cpu2", "agent-ctl-path")) {
            assertTrue(ids.contains("vtrace-" + port), port + " in " + ids);
            assertTrue(Files.exists(dir.resolve(port + ".in")) && Files.exists(dir.resolve(port + ".out")),
                    "attach makes " + port + "'s FIFOs, as setup does");
        }
        assertFalse(ids.contains(PortHotplug.CONTROLLER), "the guest's own controller had room: " + ids);
    }

    @Test
    void a_guest_without_a_controller_gets_one_with_the_ports_on_it() throws Exception {
        Path socket = qemu("pc", 2);
        Run r = virtioTrace("attach", "--qmp", socket.toString(), tmp.resolve("vm").toString(), "--wait", "0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("on vtrace-serial.0 (a controller added for them, id vtrace-serial)"), r.err());
        assertTrue(ids(socket).containsAll(List.of("vtrace-serial", "vtrace-agent-ctl-path", "vtrace-trace-path-cpu1")));
    }

    @Test
    void detach_takes_away_the_ports_and_chardevs_attach_added_and_leaves_the_guests_own() throws Exception {
        Path socket = qemu("pc", 2, "virtio-serial-pci,id=vser0");
        assertEquals(0, virtioTrace("attach", "--qmp", socket.toString(), tmp.resolve("vm").toString(), "--wait", "0")
                .exit());
        Run r = virtioTrace("detach", "--qmp", socket.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("virtio-trace detach: removed 3 ports\n", r.err());
        List<String> ids = ids(socket);
        assertTrue(ids.stream().noneMatch(i -> i.startsWith("vtrace-")), ids.toString());
        assertTrue(ids.contains("vser0"), ids.toString());
    }

    @Test
    void unix_targets_get_socket_chardevs_that_qemu_listens_on() throws Exception {
        Path socket = qemu("pc", 1, "virtio-serial-pci,id=vser0");
        Path dir = tmp.resolve("s");
        Run r = virtioTrace("attach", "--qmp", socket.toString(), "unix:" + dir, "--wait", "0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.exists(dir.resolve("trace-path-cpu0")) && Files.exists(dir.resolve("agent-ctl-path")),
                "QEMU made the sockets");
        assertEquals("virtio-trace record unix:" + dir + " -o trace.dat\n", r.out());
    }

    @Test
    void a_second_attach_is_refused_in_one_line_and_adds_nothing() throws Exception {
        Path socket = qemu("pc", 2, "virtio-serial-pci,id=vser0");
        String dir = tmp.resolve("vm").toString();
        assertEquals(0, virtioTrace("attach", "--qmp", socket.toString(), dir, "--wait", "0").exit());
        List<String> before = ids(socket);
        Run r = virtioTrace("attach", "--qmp", socket.toString(), dir, "--wait", "0");
        assertEquals(13, r.exit(), r.err());
        assertTrue(r.err().startsWith("virtio-trace attach: error: the ports are attached already"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals(before, ids(socket));
    }

    @Test
    void a_machine_that_cannot_take_a_controller_is_refused_and_left_as_it_was() throws Exception {
        Path socket = qemu("none", 1);
        Run r = virtioTrace("attach", "--qmp", socket.toString(), tmp.resolve("vm").toString(), "--wait", "0");
        assertEquals(13, r.exit(), r.err());
        assertTrue(r.err().contains("could not hot-plug one"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(ids(socket).stream().noneMatch(i -> i.startsWith("vtrace-")), ids(socket).toString());
    }

    @Test
    void a_monitor_that_is_not_there_is_named_in_one_line() throws Exception {
        Path missing = tmp.resolve("no-such.qmp");
        Run r = virtioTrace("attach", "--qmp", missing.toString(), tmp.resolve("vm").toString());
        assertEquals(13, r.exit(), r.err());
        assertTrue(r.err().startsWith("virtio-trace attach: error: " + missing + ": "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        Run d = virtioTrace("detach", "--qmp", missing.toString());
        assertEquals(13, d.exit(), d.err());
        assertTrue(d.err().startsWith("virtio-trace detach: error: " + missing + ": "), d.err());
    }

    @Test
    void a_libvirt_domain_takes_socket_channels_only_and_says_so() {
        Run r = virtioTrace("attach", "--domain", "vm5", tmp.resolve("vm5").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--domain: libvirt hot-plugs socket channels only") && r.err().contains("unix:"),
                r.err());
    }

    @Test
    void qmp_and_domain_are_one_or_the_other() {
        Run r = virtioTrace("attach", "--qmp", "/run/x.qmp", "--domain", "vm5", "unix:" + tmp.resolve("vm5"));
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("mutually exclusive"), r.err());
        assertEquals(2, virtioTrace("detach").exit(), "one of them is needed");
    }
}
