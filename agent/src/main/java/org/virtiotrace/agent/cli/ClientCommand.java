package org.virtiotrace.agent.cli;

import org.virtiotrace.agent.ExitCodes;
import org.virtiotrace.agent.monitor.MonitorClient;
import org.virtiotrace.agent.monitor.MonitorException;

/** What the commands that talk to a running agent share: one request, one line on failure. */
final class ClientCommand {
    private ClientCommand() {
    }

    /** Asks, prints a text answer on stdout; returns the exit status. */
    static int printText(SocketOption socket, String request) {
        int[] exit = {0};
        byte[] answer = ask(socket, request, exit);
        if (answer != null) {
            System.out.print(new String(answer, java.nio.charset.StandardCharsets.UTF_8));
            System.out.flush();
        }
        return exit[0];
    }

    /** The answer, or null after printing the one-line reason (exit code in {@code exit[0]}). */
    static byte[] ask(SocketOption socket, String request, int[] exit) {
        try {
            return new MonitorClient(socket.path()).ask(request);
        } catch (MonitorException e) {
            System.err.println("trace-agent: " + e.getMessage());
            exit[0] = e.kind() == MonitorException.Kind.UNREACHABLE ? ExitCodes.SOCKET : ExitCodes.SOFTWARE;
            return null;
        }
    }
}
