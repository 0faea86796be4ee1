package org.virtiotrace.agent;

/** The agent's exit statuses; documented in --help, the man page and docs/agent.md. */
public final class ExitCodes {
    /** Stopped by SIGTERM/SIGINT after delivering what it could. */
    public static final int OK = 0;
    /** An unexpected internal error, or every CPU's pump failed (stdout closed in -o mode). */
    public static final int SOFTWARE = 1;
    /** Invalid command line. */
    public static final int USAGE = 2;
    /** tracefs missing, not mountable, or a CPU without trace_pipe_raw. */
    public static final int TRACEFS = 3;
    /** The control port is missing, or a port exists but cannot be opened (a missing trace port goes to memory). */
    public static final int PORT = 4;
    /** Another reader holds a CPU's trace_pipe_raw (EBUSY). */
    public static final int BUSY = 5;
    /** The native shim or libc bindings could not be loaded. */
    public static final int NATIVE = 6;

    /** The local socket cannot be created or another agent serves it; for the clients: no agent answers on it. */
    public static final int SOCKET = 7;

    private ExitCodes() {
    }
}
