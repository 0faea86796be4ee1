package org.virtiotrace.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.PageStream;
import org.virtiotrace.core.page.PageWalker;

/**
 * The installed package under a real systemd (PID 1): trace-agent.service as shipped,
 * with FIFO stand-ins for the ports and the one change a container needs: no virtio
 * device to bind to, so the copy in /etc drops BindsTo=/After= on it (the device binding
 * and the udev rule are exercised in the QEMU guest, which has real ports).
 */
class ServiceUnderSystemdTest {
    private static final String PORTS = "/run/vta-ports";
    private static final int PAGE = 4096;
    private static SystemdContainer sys;
    private static String instance;

    @BeforeAll
    static void installThePackage() throws Exception {
        sys = SystemdContainer.boot();
        assertNotEquals(0, sys.exec("command -v java").getExitCode(), "the image must have no JDK");
        sys.sh("apt-get install -y $(readlink -f /root/trace-agent.deb)");
        instance = "vta-systemd-" + ProcessHandle.current().pid();
        sys.sh("mkdir /sys/kernel/tracing/instances/" + instance);
        sys.sh("sed -e '/^BindsTo=dev-/d' -e '/^After=dev-/d' /lib/systemd/system/trace-agent.service"
                + " > /etc/systemd/system/trace-agent.service && systemctl daemon-reload");
        // cpu1's port is missing on purpose: its warning is the journal's priority-4 line
        sys.sh("mkdir -p " + PORTS + " && mkfifo " + PORTS + "/trace-path-cpu0 " + PORTS + "/agent-ctl-path");
        sys.sh("echo 'TRACE_AGENT_OPTS=\"--port-dir " + PORTS + " --instance " + instance + " --cpus 0,1\"'"
                + " > /etc/default/trace-agent");
    }

    @AfterAll
    static void removeIt() throws Exception {
        if (sys != null) {
            try {
                sys.exec("systemctl stop trace-agent; rmdir /sys/kernel/tracing/instances/" + instance);
            } finally {
                sys.close();
            }
        }
    }

    @BeforeEach
    void freshStart() throws Exception {
        sys.sh("systemctl stop trace-agent; systemctl reset-failed trace-agent; journalctl --rotate --vacuum-time=1s"
                + " >/dev/null 2>&1; true");
        sys.sh("systemctl start trace-agent");
    }

    @Test
    void systemctl_start_returns_once_the_agent_says_ready() throws Exception {
        Map<String, String> u = sys.unit("ActiveState", "SubState", "StatusText", "Type", "ExecMainStartTimestampMonotonic",
                "ActiveEnterTimestampMonotonic");
        assertEquals("active", u.get("ActiveState"));
        assertEquals("running", u.get("SubState"));
        assertEquals("notify", u.get("Type"));
        assertTrue(u.get("StatusText").startsWith("waiting for the host's start order: 1 CPU to its port, "
                + "1 CPU to memory, port missing"), u.toString());
        long startToReadyMs = (Long.parseLong(u.get("ActiveEnterTimestampMonotonic"))
                - Long.parseLong(u.get("ExecMainStartTimestampMonotonic"))) / 1000;
        System.out.println("systemd: start to READY=1 in " + startToReadyMs + " ms");
        assertTrue(startToReadyMs < 5000, "READY took " + startToReadyMs + " ms");
    }

    /** The agent's heartbeat records (docs/heartbeat.md) among the events of a stream. */
    private static long heartbeats(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        long[] n = {0};
        for (int off = 0; off + PAGE <= data.length; off += PAGE) {
            PageWalker.walk(b, off, PageFormat.local(PAGE), (time, typeLen, at, length) -> {
                if (length >= 12 && b.getInt(at + 8) == HeartbeatRecord.DEFAULT_ID) {
                    n[0]++;
                }
            });
        }
        return n[0];
    }

    @Test
    void orders_on_the_control_port_move_pages_to_the_port() throws Exception {
        sys.sh("echo 1 > " + PORTS + "/agent-ctl-path");
        sys.sh("for i in $(seq 1000); do echo \"m$i\"; done | taskset -c 0 sh -c "
                + "'while read l; do echo $l; done > /sys/kernel/tracing/instances/" + instance + "/trace_marker'");
        assertTrue(sys.unit("StatusText").get("StatusText").startsWith("tracing"), sys.unit("StatusText").toString());
        sys.sh("echo 0 > " + PORTS + "/agent-ctl-path");
        sys.sh("timeout 3 cat " + PORTS + "/trace-path-cpu0 > /mnt/out/cpu0.raw; true");
        byte[] data = Files.readAllBytes(sys.out.resolve("cpu0.raw"));
        PageStream pages = PageStream.of(data, PAGE);
        assertEquals(List.of(), pages.defects());
        long beats = heartbeats(data);
        assertTrue(beats >= 1, "the shipped service writes heartbeats into the streams");
        assertEquals(1000, pages.events() - beats, data.length + " bytes, " + beats + " heartbeats");
        String status = sys.sh("trace-agent status");
        assertTrue(status.contains("memory, port missing"), status);
    }

    @Test
    void the_journal_has_each_line_at_its_priority() throws Exception {
        String warnings = sys.sh("journalctl -u trace-agent -b -p warning..warning -o cat");
        assertTrue(warnings.contains("trace-path-cpu1: No such file or directory [ENOENT]"), warnings);
        String info = sys.sh("journalctl -u trace-agent -b -p info..info -o cat");
        assertTrue(info.contains("ready: 2 CPUs"), info);
        String all = sys.sh("journalctl -u trace-agent -b -o cat _PID=" + sys.unit("MainPID").get("MainPID"));
        assertTrue(all.lines().noneMatch(l -> l.startsWith("<") || l.startsWith("trace-agent:")),
                "the <N> prefix is journald's, not part of the message:\n" + all);
    }

    @Test
    void systemctl_stop_exits_cleanly_within_2_seconds() throws Exception {
        long t0 = System.nanoTime();
        sys.sh("systemctl stop trace-agent");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Map<String, String> u = sys.unit("ActiveState", "Result", "ExecMainStatus");
        assertEquals("inactive", u.get("ActiveState"), u.toString());
        assertEquals("success", u.get("Result"), u.toString());
        assertEquals("0", u.get("ExecMainStatus"), u.toString());
        assertTrue(ms <= 2000, "systemctl stop took " + ms + " ms");
        assertTrue(sys.sh("journalctl -u trace-agent -b -o cat").contains("stopped: delivered"));
    }

    @Test
    void a_killed_agent_is_restarted() throws Exception {
        String before = sys.unit("MainPID").get("MainPID");
        sys.sh("systemctl kill -s KILL trace-agent");
        String after = before;
        for (int i = 0; i < 100 && (after.equals(before) || after.equals("0")); i++) {
            Thread.sleep(100);
            after = sys.unit("MainPID").get("MainPID");
        }
        sys.sh("for i in $(seq 50); do systemctl is-active -q trace-agent && exit 0; sleep 0.1; done; exit 1");
        Map<String, String> u = sys.unit("NRestarts", "ActiveState", "MainPID");
        assertEquals("1", u.get("NRestarts"), u.toString());
        assertNotEquals(before, u.get("MainPID"));
        assertTrue(sys.sh("trace-agent status").contains("CPU"), "the restarted agent answers on its socket");
    }

    @Test
    void the_package_carries_its_own_runtime_man_page_unit_and_udev_rule_and_postinst_made_the_archive() throws Exception {
        String files = sys.sh("dpkg -L trace-agent");
        assertEquals(0, sys.exec("test -s /usr/lib/trace-agent/trace-agent.jsa").getExitCode(),
                "postinst made the AppCDS archive");
        for (String f : List.of("/usr/lib/trace-agent/runtime/bin/java",
                "/lib/systemd/system/trace-agent.service", "/lib/udev/rules.d/60-trace-agent.rules",
                "/usr/share/man/man1/trace-agent.1.gz", "/etc/default/trace-agent", "/usr/bin/trace-agent")) {
            assertTrue(files.contains(f), f + " not in the package:\n" + files);
        }
        assertTrue(sys.sh("/usr/lib/trace-agent/runtime/bin/java --list-modules").lines().count() <= 5);
        assertTrue(sys.sh("trace-agent --version").startsWith("trace-agent (virtio-trace-agent) "));
        assertTrue(sys.sh("systemctl is-enabled trace-agent").trim().matches("enabled|static|linked"));
        assertEquals(0, sys.exec("zcat /usr/share/man/man1/trace-agent.1.gz | grep -q 'ringbuf.*read'").getExitCode());
    }

    @Test
    void the_same_package_installs_the_host_command_and_it_runs_on_the_packaged_runtime() throws Exception {
        String files = sys.sh("dpkg -L trace-agent");
        for (String f : List.of("/usr/bin/virtio-trace", "/usr/lib/trace-agent/virtio-trace.jar",
                "/usr/share/man/man1/virtio-trace.1.gz", "/usr/share/man/man1/virtio-trace-record.1.gz",
                "/usr/share/man/man1/virtio-trace-replay.1.gz", "/usr/share/virtio-trace/trace-events")) {
            assertTrue(files.contains(f), f + " not in the package:\n" + files);
        }
        assertTrue(sys.sh("virtio-trace --version").startsWith("virtio-trace (virtio-trace-agent) "));
        String out = sys.sh("virtio-trace setup --cpus 2 /tmp/vm1 && stat -c '%F %a' /tmp/vm1/agent-ctl-path.in");
        assertTrue(out.contains("-chardev pipe,id=vt1,path=/tmp/vm1/agent-ctl-path") && out.contains("fifo 600"), out);
        assertEquals(3, sys.exec("virtio-trace record /tmp/nothing -o /tmp/x.dat").getExitCode(),
                "no ports: exit 3");
        assertEquals(0, sys.exec("virtio-trace dump --trace-events | cmp - /usr/share/virtio-trace/trace-events")
                .getExitCode(), "the installed trace-events file is the one dump prints");
    }
}
