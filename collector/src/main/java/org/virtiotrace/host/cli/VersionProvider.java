package org.virtiotrace.host.cli;

import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** --version: the Maven project version baked into the jar. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws Exception {
        Properties p = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/org/virtiotrace/host/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return new String[] {
            "virtio-trace (virtio-trace-agent) " + p.getProperty("version", "unknown"),
            "JVM: ${java.version} (${java.vendor} ${java.vm.name})",
        };
    }
}
