package org.virtiotrace.core.ports;

/**
 * The names both sides agree on, without talking: the virtio-serial ports' names (what QEMU's
 * {@code virtserialport,name=} gives them, what the guest finds in /dev/virtio-ports), and the
 * host ends of a QEMU pipe chardev.
 */
public final class PortNames {
    /** The control port, as the kernel's C trace-agent names it. */
    public static final String CONTROL = "agent-ctl-path";
    /** CPU N's data port (String.format with the CPU number), as the C trace-agent names it. */
    public static final String DATA_FORMAT = "trace-path-cpu%d";
    /** CPU N's data port as trace-cmd's {@code setup-guest} names it. */
    public static final String TRACE_CMD_DATA_FORMAT = "trace-pipe-cpu%d";
    /** A pipe chardev's FIFO the host writes (the guest reads): {@code NAME.in}. */
    public static final String HOST_WRITES = ".in";
    /** A pipe chardev's FIFO the host reads (the guest writes): {@code NAME.out}. */
    public static final String HOST_READS = ".out";

    private PortNames() {
    }

    /**
     * What is wrong with a data port name format, or null: it must name each CPU's port apart
     * (contain %d once) and be a name, not a path.
     */
    public static String problem(String format) {
        try {
            String a = data(format, 0);
            String b = data(format, 1);
            if (!a.equals(b) && !a.contains("/")) {
                return null;
            }
        } catch (IllegalArgumentException e) {
            // not a format at all
        }
        return "'" + format + "' must contain %d once (the CPU number) and no '/', like " + DATA_FORMAT;
    }

    /** CPU {@code cpu}'s data port name under {@code format}. */
    public static String data(String format, int cpu) {
        return String.format(format, cpu);
    }
}
