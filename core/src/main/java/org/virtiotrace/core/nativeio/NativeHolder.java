package org.virtiotrace.core.nativeio;

/** Loads the native layer once, on first use, and remembers why it failed if it did. */
final class NativeHolder {
    private static final JnrNative INSTANCE;
    private static final Throwable CAUSE;

    static {
        JnrNative n = null;
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

    private static JnrNative loaded() {
        if (INSTANCE == null) {
            throw new IllegalStateException("native calls unavailable: " + CAUSE, CAUSE);
        }
        return INSTANCE;
    }

    static Native instance() {
        return loaded();
    }

    static SystemCalls systemCalls() {
        return loaded();
    }

    static NativePageWalk pageWalk() {
        return INSTANCE;
    }

    static Throwable cause() {
        return CAUSE;
    }
}
