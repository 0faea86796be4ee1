package org.virtiotrace.agent.port;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Turns a port name into a device path. udev makes /dev/virtio-ports/NAME links; a guest
 * without udev only has /dev/vportNpM, whose name the kernel publishes in
 * /sys/class/virtio-ports/vportNpM/name.
 */
public final class PortResolver {
    public static final Path DEFAULT_PORT_DIR = Path.of("/dev/virtio-ports");
    public static final Path SYSFS_PORTS = Path.of("/sys/class/virtio-ports");
    private static final Path DEV = Path.of("/dev");

    private final Path portDir;
    private final Path sysfsPorts;
    private final Path devDir;

    public PortResolver(Path portDir) {
        this(portDir, SYSFS_PORTS, DEV);
    }

    PortResolver(Path portDir, Path sysfsPorts, Path devDir) {
        this.portDir = portDir;
        this.sysfsPorts = sysfsPorts;
        this.devDir = devDir;
    }

    public Path portDir() {
        return portDir;
    }

    /** The path the port has, or what it would have under the port directory. */
    public Path expectedPath(String nameOrPath) {
        return nameOrPath.contains("/") ? Path.of(nameOrPath) : portDir.resolve(nameOrPath);
    }

    /** A name is looked up in the port directory, then in sysfs; a path is taken as it is. */
    public Optional<Path> resolve(String nameOrPath) {
        Path direct = expectedPath(nameOrPath);
        if (Files.exists(direct)) {
            return Optional.of(direct);
        }
        if (nameOrPath.contains("/")) {
            return Optional.empty();
        }
        return bySysfsName(nameOrPath);
    }

    /**
     * {@code NAME.in} or {@code NAME.out} in the port directory: the host's FIFO pair for a
     * port (QEMU's pipe chardev layout). An agent given such a directory as {@code --port-dir}
     * plays the guest on the host's own FIFOs: it writes a trace port's {@code .out} and reads
     * the control port's {@code .in}.
     */
    public Path hostEnd(String name, String end) {
        return expectedPath(name + "." + end);
    }

    /** A trace port by name, or the {@code .out} end of the host's FIFO pair for it. */
    public Optional<Path> resolveWritable(String nameOrPath) {
        Optional<Path> p = resolve(nameOrPath);
        if (p.isPresent() || nameOrPath.contains("/")) {
            return p;
        }
        Path out = hostEnd(nameOrPath, "out");
        return Files.exists(out) ? Optional.of(out) : Optional.empty();
    }

    private Optional<Path> bySysfsName(String name) {
        if (!Files.isDirectory(sysfsPorts)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> ports = Files.newDirectoryStream(sysfsPorts)) {
            for (Path port : ports) {
                Path nameFile = port.resolve("name");
                if (Files.isReadable(nameFile) && Files.readString(nameFile).trim().equals(name)) {
                    Path dev = devDir.resolve(port.getFileName().toString());
                    if (Files.exists(dev)) {
                        return Optional.of(dev);
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The one-line explanation for a port that is nowhere. */
    public String missingMessage(String nameOrPath) {
        Path p = expectedPath(nameOrPath);
        if (nameOrPath.contains("/")) {
            return p + ": No such file or directory [ENOENT]";
        }
        return p + ": No such file or directory [ENOENT], and no " + sysfsPorts + "/*/name says '" + nameOrPath
                + "'; add -device virtserialport,name=" + nameOrPath + " on the host (virtio-trace setup prints the options) or set --port-dir";
    }
}
