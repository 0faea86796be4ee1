package org.virtiotrace.core.nativeio;

/** The POSIX clocks the agent reads; each is also a trace clock (mono, mono_raw, boot) or a date. */
public enum Clock {
    REALTIME(0),
    MONOTONIC(1),
    MONOTONIC_RAW(4),
    BOOTTIME(7);

    private final int id;

    Clock(int id) {
        this.id = id;
    }

    /** The clockid_t Linux gives it. */
    int id() {
        return id;
    }
}
