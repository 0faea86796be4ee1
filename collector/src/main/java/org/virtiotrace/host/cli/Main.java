package org.virtiotrace.host.cli;

import picocli.CommandLine;

/** Entry point of the host command: parse, run, exit with the documented status. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        CommandLine cl = commandLine();
        int exit = cl.execute(args);
        // the commands print through picocli's writers, which buffer: System.exit would drop the rest
        cl.getOut().flush();
        cl.getErr().flush();
        System.exit(exit);
    }

    /** The command line, ready to run in this process (the tests run commands so). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new VirtioTraceCommand());
        // one pair of writers for every subcommand (setOut/setErr reach them all), so main can flush them
        cl.setOut(new java.io.PrintWriter(System.out));
        cl.setErr(new java.io.PrintWriter(System.err, true));
        return cl;
    }
}
