package org.virtiotrace.host.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.attach.PortHotplug;
import org.virtiotrace.host.attach.Qmp;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.setup.PortFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "attach",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "Give a running QEMU guest its ports through QEMU's monitor (QMP), without a restart.",
        description = {
            "Makes DIR's FIFOs as setup does (or, for unix:DIR, frees the socket paths), then hot-adds to the guest "
                + "behind SOCKET what setup's options give at boot: a chardev and a virtserialport per vCPU, then the "
                + "control port agent-ctl-path, last, since the guest's udev rule starts trace-agent when it appears. A "
                + "guest without a virtio-serial controller (or without room on its own) gets one, id "
                + PortHotplug.CONTROLLER + ". If anything is refused, what was added is taken back. Then it waits "
                + "(--wait) for the guest's agent to open the control port, and says so.",
            "",
            "  virtio-trace attach --qmp /run/vm4.qmp /var/lib/virtio-trace/vm4",
            "  virtio-trace record /var/lib/virtio-trace/vm4 -o vm4.dat",
            "  virtio-trace detach --qmp /run/vm4.qmp",
            "",
            "SOCKET is a QMP monitor the guest was started with (-qmp unix:PATH,server=on,wait=off). QEMU serves one "
                + "client per monitor; a libvirt domain's monitor is libvirt's own: use virsh attach-device with the "
                + "XML 'setup' prints instead.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the ports are in the guest (a line says whether its agent opened the control port)",
            "2:invalid command line",
            "7:the FIFOs could not be made in DIR",
            "13:QEMU's monitor cannot be reached, or it refused a port (the guest is left as it was)",
        })
final class AttachCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The guest's port directory (as for setup and record); "
            + "unix:DIR for socket chardevs.")
    String target;

    @Option(names = "--qmp", required = true, paramLabel = "SOCKET", description = "The guest's QMP monitor socket.")
    Path qmp;

    @Option(names = "--cpus", paramLabel = "N", description = "Ports for N vCPUs (default: as many as QEMU says the "
            + "guest has).")
    Integer cpus;

    @Mixin
    PortNameOption portName;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Give the FIFOs and DIR to this group, read/write for it (e.g. the group QEMU runs as).")
    String group;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the guest's agent to open the control port (default: ${DEFAULT-VALUE}; "
                    + "0: do not wait).")
    int waitSeconds;

    @Override
    public Integer call() {
        if (cpus != null && (cpus < 1 || cpus > 509)) {
            throw new ParameterException(spec.commandLine(), "--cpus must be 1..509 (a virtio-serial controller's ports)");
        }
        if (waitSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "--wait must be 0 or more");
        }
        PortLayout p = PortLayout.parse(target, portName.format());
        PortLayout ports = new PortLayout(p.dir().toAbsolutePath(), p.unix(), p.portFormat(), PortNames.CONTROL);
        try (Qmp monitor = Qmp.connect(qmp, Duration.ofSeconds(10))) {
            PortHotplug hotplug = new PortHotplug(monitor);
            int n = cpus != null ? cpus : hotplug.cpus();
            try {
                PortFiles.make(ports, n, group);
                if (ports.unix()) {
                    freeSocketPaths(ports, n);
                }
            } catch (IOException e) {
                err().println("virtio-trace attach: error: " + e.getMessage());
                return Exit.OUTPUT;
            }
            PortHotplug.Attached a = hotplug.attach(ports, n);
            err().printf("virtio-trace attach: %d vCPU ports and %s on %s%s%n", a.cpus(), ports.ctlName(), a.bus(),
                    a.addedController() ? " (a controller added for them, id " + PortHotplug.CONTROLLER + ")" : "");
            if (waitSeconds > 0) {
                Duration took = hotplug.awaitAgent(ports, Duration.ofSeconds(waitSeconds));
                if (took == null) {
                    err().printf("virtio-trace attach: warning: the guest did not open %s within %d s: is "
                            + "trace-agent installed in it (its udev rule starts the service)?%n", ports.ctlName(),
                            waitSeconds);
                } else {
                    err().printf("virtio-trace attach: the guest's agent opened %s after %.1f s%n",
                            ports.ctlName(), took.toMillis() / 1000.0);
                }
            }
            out().println("virtio-trace record " + ports.target() + " -o trace.dat");
            return Exit.OK;
        } catch (IOException e) {
            err().println("virtio-trace attach: error: " + e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                err().println("virtio-trace attach: error: " + s.getMessage());
            }
            return Exit.HYPERVISOR;
        }
    }

    /**
     * QEMU binds the sockets itself and fails on an existing file: one left by a QEMU that has
     * gone is removed, one that something still listens on is refused.
     */
    private static void freeSocketPaths(PortLayout ports, int cpus) throws IOException {
        for (int i = -1; i < cpus; i++) {
            Path s = ports.base(i < 0 ? ports.ctlName() : ports.dataName(i));
            if (!Files.exists(s)) {
                continue;
            }
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(s));
                throw new IOException(s + ": something listens on it already (another guest's port?)");
            } catch (java.net.ConnectException stale) {
                Files.delete(s);
            }
        }
    }

    private java.io.PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
