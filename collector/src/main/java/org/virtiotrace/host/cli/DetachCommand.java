package org.virtiotrace.host.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.attach.PortHotplug;
import org.virtiotrace.host.attach.Qmp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "detach",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "Take away the ports 'attach' gave a running QEMU guest.",
        description = {
            "Removes through QEMU's monitor every port and chardev whose id attach gave (" + PortHotplug.ID_PREFIX
                + "*): the control port first, so the guest's trace-agent.service stops (BindsTo=), then the vCPUs' "
                + "ports, then the controller if attach added one (the guest ejects it: seconds under TCG). Ports the "
                + "guest was started with are left alone. The FIFOs attach made are kept, as setup's are.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:nothing attach added is left in the guest (or nothing was there)",
            "2:invalid command line",
            "13:QEMU's monitor cannot be reached, or it did not remove a port (one line says which)",
        })
final class DetachCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--qmp", required = true, paramLabel = "SOCKET", description = "The guest's QMP monitor socket.")
    Path qmp;

    @Override
    public Integer call() {
        try (Qmp monitor = Qmp.connect(qmp, Duration.ofSeconds(10))) {
            PortHotplug.Detached d = new PortHotplug(monitor).detach();
            if (d.portIds().isEmpty() && !d.controller()) {
                err().println("virtio-trace detach: nothing attached in this guest");
            } else {
                err().printf("virtio-trace detach: removed %d ports%s%n", d.portIds().size(),
                        d.controller() ? " and the controller " + PortHotplug.CONTROLLER : "");
            }
            return Exit.OK;
        } catch (IOException e) {
            err().println("virtio-trace detach: error: " + e.getMessage());
            return Exit.HYPERVISOR;
        }
    }

    private java.io.PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
