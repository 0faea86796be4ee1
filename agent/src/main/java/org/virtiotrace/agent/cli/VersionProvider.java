package org.virtiotrace.agent.cli;

import org.virtiotrace.core.Version;
import picocli.CommandLine;

/** --version: the Maven project version baked into the jar. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "trace-agent (virtio-trace-agent) " + Version.number(),
            "JVM: ${java.version} (${java.vendor} ${java.vm.name})",
        };
    }
}
