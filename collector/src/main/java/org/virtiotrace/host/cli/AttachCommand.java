package org.virtiotrace.host.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.attach.LibvirtChannels;
import org.virtiotrace.host.attach.PortHotplug;
import org.virtiotrace.host.attach.Qmp;
import org.virtiotrace.host.attach.Virsh;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.setup.PortFiles;
import picocli.CommandLine.ArgGroup;
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
        header = "Give a running guest its ports without a restart: through QEMU's monitor (QMP), or libvirt.",
        description = {
            "Makes DIR's FIFOs as setup does (or, for unix:DIR, frees the socket paths), then hot-adds to the guest "
                + "what setup's options give at boot: a port per vCPU, then the control port agent-ctl-path, last, "
                + "since the guest's udev rule starts trace-agent when it appears. If anything is refused, what was "
                + "added is taken back. Then it waits (--wait) for the guest's agent to open the control port, and "
                + "says so.",
            "",
            "--qmp SOCKET: a chardev and a virtserialport each, through QEMU's monitor (-qmp unix:SOCKET,server=on,"
                + "wait=off); a guest without a virtio-serial controller (or without room on its own) gets one, id "
                + PortHotplug.CONTROLLER + ". QEMU serves one client per monitor.",
            "--domain NAME: a libvirt domain; a <channel> each through virsh attach-device --live. libvirt hot-plugs "
                + "only socket channels, so the target is unix:DIR, and never a controller: the domain needs one.",
            "",
            "  virtio-trace attach --qmp /run/vm4.qmp /var/lib/virtio-trace/vm4",
            "  virtio-trace attach --domain vm5 --group libvirt-qemu unix:/var/lib/virtio-trace/vm5",
            "  virtio-trace record unix:/var/lib/virtio-trace/vm5 -o vm5.dat",
            "  virtio-trace detach --domain vm5",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the ports are in the guest (a line says whether its agent opened the control port)",
            "2:invalid command line",
            "7:the FIFOs or DIR could not be made",
            "13:QEMU's monitor or libvirt cannot be reached, or it refused a port (the guest is left as it was)",
        })
final class AttachCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The guest's port directory (as for setup and record); "
            + "unix:DIR for socket chardevs.")
    String target;

    @ArgGroup(exclusive = true, multiplicity = "1")
    HypervisorOption via;

    @Option(names = "--connect", paramLabel = "URI", description = "libvirt's connection URI, with --domain (default: "
            + "virsh's own: LIBVIRT_DEFAULT_URI, or qemu:///system for root).")
    String connect;

    @Option(names = "--cpus", paramLabel = "N", description = "Ports for N vCPUs (default: as many as the guest has "
            + "now, as QEMU or libvirt counts them).")
    Integer cpus;

    @Mixin
    PortNameOption portName;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Give the FIFOs and DIR to this group, read/write for it (the group QEMU runs as: "
                    + "libvirt-qemu for libvirt).")
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
        if (via.domain != null && !ports.unix()) {
            throw new ParameterException(spec.commandLine(), "--domain: libvirt hot-plugs socket channels only "
                    + "(pipes: 'Hotplug unsupported for char device type pipe'): give unix:" + ports.dir());
        }
        if (via.domain == null && connect != null) {
            throw new ParameterException(spec.commandLine(), "--connect goes with --domain");
        }
        try {
            return via.domain != null ? throughLibvirt(ports) : throughQmp(ports);
        } catch (IOException e) {
            err().println("virtio-trace attach: error: " + e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                err().println("virtio-trace attach: error: " + s.getMessage());
            }
            return Exit.HYPERVISOR;
        }
    }

    private int throughQmp(PortLayout ports) throws IOException {
        try (Qmp monitor = Qmp.connect(via.qmp, Duration.ofSeconds(10))) {
            PortHotplug hotplug = new PortHotplug(monitor);
            hotplug.checkNotAttached(); // before the files: a second attach must not touch the first's sockets
            int n = cpus != null ? cpus : hotplug.cpus();
            if (!madeFiles(ports, n)) {
                return Exit.OUTPUT;
            }
            PortHotplug.Attached a = hotplug.attach(ports, n);
            err().printf("virtio-trace attach: %d vCPU ports and %s on %s%s%n", a.cpus(), ports.ctlName(), a.bus(),
                    a.addedController() ? " (a controller added for them, id " + PortHotplug.CONTROLLER + ")" : "");
            if (waitSeconds > 0) {
                saidWhetherOpened(ports, hotplug.awaitAgent(ports, Duration.ofSeconds(waitSeconds)));
            }
        }
        out().println("virtio-trace record " + ports.target() + " -o trace.dat");
        return Exit.OK;
    }

    private int throughLibvirt(PortLayout ports) throws IOException {
        LibvirtChannels channels = new LibvirtChannels(new Virsh(connect), via.domain);
        channels.checkNotAttached(); // before the files: a second attach must not touch the first's sockets
        int n = cpus != null ? cpus : channels.cpus();
        if (!madeFiles(ports, n)) {
            return Exit.OUTPUT;
        }
        channels.attach(ports, n);
        err().printf("virtio-trace attach: %d vCPU channels and %s in domain %s%n", n, ports.ctlName(), via.domain);
        if (waitSeconds > 0) {
            saidWhetherOpened(ports, channels.awaitAgent(ports, Duration.ofSeconds(waitSeconds)));
        }
        out().println("virtio-trace record " + ports.target() + " -o trace.dat");
        return Exit.OK;
    }

    private boolean madeFiles(PortLayout ports, int n) {
        try {
            PortFiles.make(ports, n, group);
            if (ports.unix()) {
                freeSocketPaths(ports, n);
            }
            return true;
        } catch (IOException e) {
            err().println("virtio-trace attach: error: " + e.getMessage());
            return false;
        }
    }

    private void saidWhetherOpened(PortLayout ports, Duration took) {
        if (took == null) {
            err().printf("virtio-trace attach: warning: the guest did not open %s within %d s: is trace-agent "
                    + "installed in it (its udev rule starts the service)?%n", ports.ctlName(), waitSeconds);
        } else {
            err().printf("virtio-trace attach: the guest's agent opened %s after %.1f s%n", ports.ctlName(),
                    took.toMillis() / 1000.0);
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

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
