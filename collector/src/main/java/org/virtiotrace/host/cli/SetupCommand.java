package org.virtiotrace.host.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.setup.ChannelConfig;
import org.virtiotrace.host.setup.PortFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "setup",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "Make a guest's port FIFOs and print the QEMU options and libvirt XML for them.",
        description = {
            "Makes DIR (mode 0700) with a FIFO pair NAME.in/NAME.out (mode 0600, or 0660 with --group) for the "
                + "control port agent-ctl-path and for each vCPU's port, the layout of QEMU's pipe chardev; then prints "
                + "the -device/-chardev options and the libvirt <channel> elements to give the guest. With --socket "
                + "nothing is made (QEMU creates the sockets) and the options are for unix-socket chardevs, "
                + "read with 'record unix:DIR'. Existing FIFOs are kept.",
        })
final class SetupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Directory for the guest's ports, e.g. /var/lib/virtio-trace/vm1.")
    Path dir;

    @Option(names = "--cpus", required = true, paramLabel = "N", description = "The guest's vCPUs: one port each.")
    int cpus;

    @Mixin
    PortNameOption portName;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Give the FIFOs and DIR to this group, read/write for it (e.g. the group QEMU runs as).")
    String group;

    @Option(names = "--socket", description = "Print the options for unix-socket chardevs instead (no FIFOs).")
    boolean socket;

    @Override
    public Integer call() {
        if (cpus < 1 || cpus > 8192) {
            throw new ParameterException(spec.commandLine(), "--cpus must be 1..8192");
        }
        PortLayout ports = new PortLayout(dir.toAbsolutePath(), socket, portName.format(), PortNames.CONTROL);
        try {
            int made = PortFiles.make(ports, cpus, group);
            if (!socket) {
                System.err.printf("virtio-trace setup: %d FIFOs made in %s (%d already there)%n", made, ports.dir(),
                        2 * (cpus + 1) - made);
            }
        } catch (IOException e) {
            System.err.println("virtio-trace setup: error: " + e.getMessage());
            return Exit.OUTPUT;
        }
        System.out.print("# QEMU\n" + ChannelConfig.qemu(ports, cpus) + "\n# libvirt (<devices>)\n"
                + ChannelConfig.libvirt(ports, cpus) + "\n# then: virtio-trace record " + ports.target()
                + " -o trace.dat\n");
        return Exit.OK;
    }
}
