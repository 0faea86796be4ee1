package org.virtiotrace.agent.nativeio;

/** Loads the native layer once, on first use, and remembers why it failed if it did. */
final class NativeHolder {
    private static final Native INSTANCE;
    private static final Throwable CAUSE;

    static {
        Native n = null;
        Throwable cause = null;
        try {
            n = new JnrNative();
        } catch (Throwable t) {
            cause = t;
        }
        INSTANCE = n;
        CAUSE = cause;
    }

    private NativeHolder() {
    }

    static Native instance() {
        if (INSTANCE == null) {
            throw new IllegalStateException("native calls unavailable: " + CAUSE, CAUSE);
        }
        return INSTANCE;
    }

    static Throwable cause() {
        return CAUSE;
    }
}
