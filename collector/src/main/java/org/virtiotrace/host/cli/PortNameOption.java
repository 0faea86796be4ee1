package org.virtiotrace.host.cli;

import org.virtiotrace.core.ports.PortNames;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** --port-name, shared by setup and record: both must name the ports alike. */
final class PortNameOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private String format = PortNames.DATA_FORMAT;

    @Option(names = "--port-name", paramLabel = "FORMAT", defaultValue = PortNames.DATA_FORMAT,
            description = "CPU N's port name (default: ${DEFAULT-VALUE}; trace-cmd's guests use trace-pipe-cpu%%d).")
    void set(String value) {
        String problem = PortNames.problem(value);
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), "--port-name " + problem);
        }
        format = value;
    }

    String format() {
        return format;
    }
}
