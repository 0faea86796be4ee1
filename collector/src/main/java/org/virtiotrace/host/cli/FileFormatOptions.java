package org.virtiotrace.host.cli;

import org.virtiotrace.host.tracedat.TraceDatFormat;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** --compress and --file-version, shared by every command that writes a trace.dat (record, replay, demo). */
final class FileFormatOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--compress", paramLabel = "ALGO",
            description = "Compress the trace.dat: zstd (trace.dat version 7, as trace-cmd 3.x writes it; "
                    + "trace-cmd 3.0 and later and KernelShark 2.x read it; about a thirtieth to a sixth of the size) "
                    + "or none (default: none).")
    String compress;

    @Option(names = "--file-version", paramLabel = "N",
            description = "The trace.dat version: 6 (the default: every trace-cmd reads it, Ubuntu 22.04's 2.9 "
                    + "too) or 7 (trace-cmd 3.x's sections; implied by --compress).")
    Integer version;

    TraceDatFormat format() {
        try {
            return TraceDatFormat.of(version, compress);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
