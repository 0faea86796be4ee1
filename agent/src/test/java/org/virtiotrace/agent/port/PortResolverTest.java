package org.virtiotrace.agent.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a port name becomes a device. The sysfs layout here is the kernel's
 * (/sys/class/virtio-ports/vportNpM/name, /dev/vportNpM); the real thing is exercised in
 * the QEMU guest tests, this pins down the rule.
 */
class PortResolverTest {
    @TempDir
    Path root;

    private PortResolver resolver() throws Exception {
        Path sys = Files.createDirectories(root.resolve("sys/class/virtio-ports"));
        Path dev = Files.createDirectories(root.resolve("dev"));
        for (String[] p : new String[][] {{"vport1p1", "agent-ctl-path"}, {"vport1p2", "trace-path-cpu0"}}) {
            Files.createDirectories(sys.resolve(p[0]));
            Files.writeString(sys.resolve(p[0]).resolve("name"), p[1] + "\n");
            Files.createFile(dev.resolve(p[0]));
        }
        return new PortResolver(root.resolve("dev/virtio-ports"), sys, dev);
    }

    @Test
    void a_udev_link_is_used_when_it_exists() throws Exception {
        PortResolver r = resolver();
        Path link = Files.createDirectories(root.resolve("dev/virtio-ports")).resolve("trace-path-cpu0");
        Files.createFile(link);
        assertEquals(Optional.of(link), r.resolve("trace-path-cpu0"));
    }

    @Test
    void without_udev_the_name_is_found_through_sysfs() throws Exception {
        PortResolver r = resolver();
        assertEquals(Optional.of(root.resolve("dev/vport1p2")), r.resolve("trace-path-cpu0"));
        assertEquals(Optional.of(root.resolve("dev/vport1p1")), r.resolve("agent-ctl-path"));
    }

    @Test
    void an_unknown_name_is_missing_and_the_message_says_where_it_looked() throws Exception {
        PortResolver r = resolver();
        assertEquals(Optional.empty(), r.resolve("trace-path-cpu7"));
        String m = r.missingMessage("trace-path-cpu7");
        assertTrue(m.contains(root.resolve("dev/virtio-ports/trace-path-cpu7").toString()), m);
        assertTrue(m.contains("ENOENT"), m);
        assertTrue(m.contains("name=trace-path-cpu7"), m);
    }

    @Test
    void a_path_is_taken_as_it_is() throws Exception {
        Path fifo = Files.createFile(root.resolve("ctl"));
        assertEquals(Optional.of(fifo), resolver().resolve(fifo.toString()));
    }
}
