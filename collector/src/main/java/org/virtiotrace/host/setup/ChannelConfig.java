package org.virtiotrace.host.setup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.link.PortLayout;

/**
 * What to paste into QEMU's command line or libvirt's domain XML so a guest with N vCPUs
 * gets the ports {@code virtio-trace record} reads: the control port and one data port per
 * vCPU, on pipe chardevs (the FIFO pairs {@code setup} makes) or unix sockets.
 */
public final class ChannelConfig {
    private ChannelConfig() {
    }

    private static List<String> names(PortLayout ports, int cpus) {
        List<String> n = new ArrayList<>(List.of(PortNames.CONTROL));
        for (int i = 0; i < cpus; i++) {
            n.add(ports.dataName(i));
        }
        return n;
    }

    /**
     * The QEMU options; {@code -name debug-threads=on} makes QEMU name its vCPU threads, which
     * record --host needs to name them in the host file (libvirt passes it already).
     */
    public static String qemu(PortLayout ports, int cpus) {
        StringBuilder b = new StringBuilder("-name guest=" + ports.dir().toAbsolutePath().normalize().getFileName()
                + ",debug-threads=on \\\n  -device virtio-serial-pci,id=vtser0");
        int nr = 1;
        for (String name : names(ports, cpus)) {
            String id = "vt" + nr;
            Path base = ports.base(name);
            b.append(" \\\n  -chardev ").append(ports.unix()
                    ? "socket,id=" + id + ",path=" + base + ",server=on,wait=off"
                    : "pipe,id=" + id + ",path=" + base);
            b.append(" \\\n  -device virtserialport,bus=vtser0.0,nr=").append(nr).append(",chardev=").append(id)
                    .append(",name=").append(name);
            nr++;
        }
        return b.append('\n').toString();
    }

    public static String libvirt(PortLayout ports, int cpus) {
        StringBuilder b = new StringBuilder();
        for (String name : names(ports, cpus)) {
            Path base = ports.base(name);
            if (ports.unix()) {
                b.append("<channel type='unix'>\n  <source mode='bind' path='").append(base).append("'/>\n");
            } else {
                b.append("<channel type='pipe'>\n  <source path='").append(base).append("'/>\n");
            }
            b.append("  <target type='virtio' name='").append(name).append("'/>\n</channel>\n");
        }
        return b.toString();
    }
}
