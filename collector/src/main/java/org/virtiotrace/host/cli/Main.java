package org.virtiotrace.host.cli;

import picocli.CommandLine;

/** Entry point of the host command: parse, run, exit with the documented status. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, ready to run in this process (the tests run commands so). */
    public static CommandLine commandLine() {
        return new CommandLine(new VirtioTraceCommand());
    }
}
