package org.virtiotrace.agent.cli;

import picocli.CommandLine;

/** Entry point: parse, run, exit with the documented status. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TraceAgentCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }
}
