package org.virtiotrace.host.link;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ports.PortNames;

/**
 * Where a guest's ports are on the host. {@code DIR}: QEMU's pipe chardevs, a FIFO pair
 * {@code NAME.in}/{@code NAME.out} per port (what {@code virtio-trace setup} makes).
 * {@code unix:DIR}: QEMU's socket chardevs, one unix socket {@code NAME} per port (libvirt's
 * {@code <channel type='unix'>}).
 */
public record PortLayout(Path dir, boolean unix, String portFormat, String ctlName) {
    public static PortLayout parse(String target, String portFormat) {
        boolean unix = target.startsWith("unix:");
        return new PortLayout(Path.of(unix ? target.substring(5) : target), unix, portFormat, PortNames.CONTROL);
    }

    public String target() {
        return (unix ? "unix:" : "") + dir;
    }

    public Path base(String name) {
        return dir.resolve(name);
    }

    public String dataName(int cpu) {
        return PortNames.data(portFormat, cpu);
    }

    /** The file that must exist for a port to be there. */
    public Path probe(String name) {
        return unix ? base(name) : dir.resolve(name + PortNames.HOST_READS);
    }

    public boolean has(String name) {
        return unix ? Files.exists(base(name)) : Files.exists(dir.resolve(name + PortNames.HOST_WRITES))
                && Files.exists(dir.resolve(name + PortNames.HOST_READS));
    }

    public PortLink open(Native nat, String name) throws IOException {
        return unix ? SocketLink.connect(base(name)) : FifoLink.open(nat, base(name), name.equals(ctlName));
    }

    /** The CPUs whose data ports exist in DIR, in order (for an agent that does not say). */
    public List<Integer> cpusPresent() throws IOException {
        Pattern p = Pattern.compile(Pattern.quote(portFormat).replace("%d", "\\E(\\d+)\\Q")
                + (unix ? "" : Pattern.quote(PortNames.HOST_READS)));
        List<Integer> cpus = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return cpus;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path f : s) {
                Matcher m = p.matcher(f.getFileName().toString());
                if (m.matches()) {
                    cpus.add(Integer.parseInt(m.group(1)));
                }
            }
        }
        cpus.sort(null);
        return cpus;
    }

    /** The one line for a port that is not there, with the command that makes it. */
    public String missing(String name, int cpus) {
        return probe(name) + ": No such file or directory [ENOENT]; "
                + (unix ? "is the guest running with a socket chardev at " + base(name) + "? (see virtio-trace setup --socket)"
                : "make the ports with: virtio-trace setup --cpus " + Math.max(cpus, 1) + " " + dir
                        + ", then start the guest with the options it prints");
    }
}
