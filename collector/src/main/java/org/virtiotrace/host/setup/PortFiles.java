package org.virtiotrace.host.setup;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import org.virtiotrace.core.nativeio.SystemCalls;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.link.PortLayout;

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
        GroupPrincipal g = group == null ? null : group(group);
        own(d, g, g == null ? "rwx------" : "rwxrwx---");
        if (ports.unix()) {
            return 0; // QEMU makes the sockets
        }
        int made = 0;
        for (int i = -1; i < cpus; i++) {
            String name = i < 0 ? PortNames.CONTROL : ports.dataName(i);
            for (String end : new String[] {PortNames.HOST_WRITES, PortNames.HOST_READS}) {
                Path f = d.resolve(name + end);
                if (!Files.exists(f)) {
                    SystemCalls.get().mkfifo(f.toString(), 0600);
                    made++;
                }
                own(f, g, g == null ? "rw-------" : "rw-rw----");
            }
        }
        return made;
    }

    /** A group by name or number (the JDK takes "1234" for gid 1234 when no group has that name). */
    private static GroupPrincipal group(String name) throws IOException {
        try {
            return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
        } catch (UserPrincipalNotFoundException e) {
            throw new IOException("no group named '" + name + "' (see getent group)");
        }
    }

    /** The mode as given (the umask may have taken bits away at creation) and, with a group, that group. */
    private static void own(Path p, GroupPrincipal group, String mode) throws IOException {
        if (group != null) {
            Files.getFileAttributeView(p, PosixFileAttributeView.class).setGroup(group);
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }
}
