package org.virtiotrace.core.nativeio;

/**
 * An open file descriptor with one owner. The number stays inside this package;
 * closing twice is harmless, using a closed Fd fails loudly instead of touching
 * whatever the kernel reused the number for.
 */
public final class Fd implements AutoCloseable {
    private final String path;
    private final boolean owned;
    private volatile int number;

    Fd(int number, String path, boolean owned) {
        this.number = number;
        this.path = path;
        this.owned = owned;
    }

    /** The process's standard output; never closed by the agent. */
    public static Fd stdout() {
        return new Fd(1, "stdout", false);
    }

    /** What this descriptor refers to, for messages. */
    public String path() {
        return path;
    }

    public boolean isOpen() {
        return number >= 0;
    }

    int number() {
        int n = number;
        if (n < 0) {
            throw new IllegalStateException(path + " is closed");
        }
        return n;
    }

    /** Takes the number away from this handle; the caller closes it. */
    int release() {
        int n = number;
        number = -1;
        return owned ? n : -1;
    }

    @Override
    public void close() {
        try {
            Native.get().close(this);
        } catch (NativeException e) {
            // close(2) errors on these descriptors carry no data we could still save
        }
    }

    @Override
    public String toString() {
        return path;
    }
}
