package org.virtiotrace.host.setup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.posix.HostPosix;

/**
 * Makes a guest's port directory: DIR (0700) with a FIFO pair NAME.in/NAME.out (0600) for the
 * control port and each vCPU's port, QEMU's pipe chardev layout. With a group, the directory
 * and FIFOs are the group's, read/write for it (0770/0660), for a QEMU that runs as that group.
 */
public final class PortFiles {
    private PortFiles() {
    }

    /** Makes what is missing; returns how many FIFOs were made. */
    public static int make(PortLayout ports, int cpus, String group) throws IOException {
        Path d = ports.dir();
        Files.createDirectories(d);
        int gid = group == null ? -1 : HostPosix.groupId(group);
        HostPosix.chmod(d.toString(), gid < 0 ? 0700 : 0770);
        if (gid >= 0) {
            HostPosix.chown(d.toString(), -1, gid);
        }
        if (ports.unix()) {
            return 0; // QEMU makes the sockets
        }
        int made = 0;
        for (int i = -1; i < cpus; i++) {
            String name = i < 0 ? PortLayout.CTL : ports.dataName(i);
            for (String end : new String[] {"in", "out"}) {
                Path f = d.resolve(name + "." + end);
                if (!Files.exists(f)) {
                    HostPosix.mkfifo(f.toString(), gid < 0 ? 0600 : 0660);
                    made++;
                }
                if (gid >= 0) {
                    HostPosix.chown(f.toString(), -1, gid);
                    HostPosix.chmod(f.toString(), 0660);
                }
            }
        }
        return made;
    }
}
