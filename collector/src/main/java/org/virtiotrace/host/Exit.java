package org.virtiotrace.host;

/** virtio-trace's exit statuses; documented in --help, the man page and docs/host.md. */
public final class Exit {
    /** The trace.dat (and --raw files) written with everything the guest sent. */
    public static final int OK = 0;
    /** An unexpected internal error. */
    public static final int SOFTWARE = 1;
    /** Invalid command line. */
    public static final int USAGE = 2;
    /** No guest: the ports are missing, or nothing reads the control port. */
    public static final int NO_GUEST = 3;
    /** No agent answered and no --meta was given: raw streams kept, no trace.dat. */
    public static final int NO_METADATA = 4;
    /** Another virtio-trace records from the same ports. */
    public static final int BUSY = 5;
    /** The native layer could not be loaded. */
    public static final int NATIVE = 6;
    /** The output could not be written (full disk, permissions); nothing half-written is left. */
    public static final int OUTPUT = 7;
    /** The file is written, but the recording is incomplete: a CPU ended early, or torn pages were refused. */
    public static final int INCOMPLETE = 8;
    /** dump/replay: the file is not a session log, or one written by a newer version. */
    public static final int BAD_LOG = 9;
    /** replay --against-agent: the live agent did something else than the recorded one. */
    public static final int DIVERGED = 10;
    /** --host cannot record the host: no tracefs, not root, an unknown --host-events name. */
    public static final int HOST_TRACE = 11;
    /** record: SIGINT or SIGTERM came before tracing started; the start order was not sent, nothing was recorded. */
    public static final int STOPPED_BEFORE_START = 12;
    /** attach/detach: QEMU's monitor or libvirt cannot be reached, or it refused the change (the guest is left as it was). */
    public static final int HYPERVISOR = 13;

    private Exit() {
    }
}
