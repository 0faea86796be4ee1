package org.virtiotrace.host.cli;

import org.virtiotrace.host.link.PortLayout;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** --port-name, shared by setup and record: both must name the ports alike. */
final class PortNameOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private String format = PortLayout.DEFAULT_PORT_FORMAT;

    @Option(names = "--port-name", paramLabel = "FORMAT", defaultValue = PortLayout.DEFAULT_PORT_FORMAT,
            description = "CPU N's port name (default: ${DEFAULT-VALUE}; trace-cmd's guests use trace-pipe-cpu%%d).")
    void set(String value) {
        if (!value.contains("%d")) {
            throw new ParameterException(spec.commandLine(), "--port-name must contain %d (the CPU number): " + value);
        }
        format = value;
    }

    String format() {
        return format;
    }
}
