package org.virtiotrace.host.cli;

import org.virtiotrace.host.VersionText;
import picocli.CommandLine;

/** --version: the Maven project version baked into the jar. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            VersionText.collector().replace("virtio-trace ", "virtio-trace (virtio-trace-agent) "),
            "JVM: ${java.version} (${java.vendor} ${java.vm.name})",
        };
    }
}
