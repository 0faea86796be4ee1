package org.virtiotrace.agent.cli;

import org.virtiotrace.core.nativeio.Native;
import picocli.CommandLine;

/** Entry point: parse, run, exit with the documented status. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // Loading jnr-ffi and the shim is the larger half of start-up; do it on the second
        // core while picocli reads the command line.
        Thread warmUp = new Thread(Native::isAvailable, "native-init");
        warmUp.setDaemon(true);
        warmUp.start();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TraceAgentCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }
}
