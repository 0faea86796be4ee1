package org.virtiotrace.host.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which hypervisor attach and detach talk to: QEMU's monitor, or libvirt for one of its domains. */
final class HypervisorOption {
    @Option(names = "--qmp", required = true, paramLabel = "SOCKET",
            description = "The guest's QMP monitor socket (QEMU started with -qmp unix:SOCKET,server=on,wait=off).")
    Path qmp;

    @Option(names = "--domain", required = true, paramLabel = "NAME",
            description = "A libvirt domain instead: its channels go through virsh (libvirt owns its monitor).")
    String domain;
}
