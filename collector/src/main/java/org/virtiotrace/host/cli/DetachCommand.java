package org.virtiotrace.host.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.attach.LibvirtChannels;
import org.virtiotrace.host.attach.PortHotplug;
import org.virtiotrace.host.attach.Qmp;
import org.virtiotrace.host.attach.Virsh;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "detach",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "Take away the ports 'attach' gave a running guest.",
        description = {
            "Removes every port attach added (ids " + PortHotplug.ID_PREFIX + "*, libvirt aliases "
                + LibvirtChannels.ALIAS_PREFIX + "*): the control port first, so the guest's trace-agent.service stops "
                + "(BindsTo=), then the vCPUs' ports and, through QMP, their chardevs and the controller if attach "
                + "added one (the guest ejects it: seconds under TCG). Ports the guest was started with are left "
                + "alone. The FIFOs attach made are kept, as setup's are.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:nothing attach added is left in the guest (or nothing was there)",
            "2:invalid command line",
            "13:QEMU's monitor or libvirt cannot be reached, or it did not remove a port (one line says which)",
        })
final class DetachCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    HypervisorOption via;

    @Option(names = "--connect", paramLabel = "URI", description = "libvirt's connection URI, with --domain.")
    String connect;

    @Override
    public Integer call() {
        if (via.domain == null && connect != null) {
            throw new ParameterException(spec.commandLine(), "--connect goes with --domain");
        }
        try {
            if (via.domain != null) {
                List<String> gone = new LibvirtChannels(new Virsh(connect), via.domain).detach();
                said(gone.size(), false);
            } else {
                try (Qmp monitor = Qmp.connect(via.qmp, Duration.ofSeconds(10))) {
                    PortHotplug.Detached d = new PortHotplug(monitor).detach();
                    said(d.portIds().size(), d.controller());
                }
            }
            return Exit.OK;
        } catch (IOException e) {
            err().println("virtio-trace detach: error: " + e.getMessage());
            return Exit.HYPERVISOR;
        }
    }

    private void said(int ports, boolean controller) {
        if (ports == 0 && !controller) {
            err().println("virtio-trace detach: nothing attached in this guest");
        } else {
            err().printf("virtio-trace detach: removed %d ports%s%n", ports,
                    controller ? " and the controller " + PortHotplug.CONTROLLER : "");
        }
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
