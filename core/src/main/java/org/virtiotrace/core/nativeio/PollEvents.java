package org.virtiotrace.core.nativeio;

/** poll(2) event bits and the decoding of {@link Native#poll}'s result (10 bits of revents per descriptor). */
public final class PollEvents {
    public static final int IN = 0x001;
    public static final int OUT = 0x004;
    public static final int ERR = 0x008;
    public static final int HUP = 0x010;

    private PollEvents() {
    }

    public static int first(int result) {
        return result & 0x3ff;
    }

    public static int second(int result) {
        return (result >>> 10) & 0x3ff;
    }

    public static int third(int result) {
        return (result >>> 20) & 0x3ff;
    }

    public static boolean has(int revents, int bits) {
        return (revents & bits) != 0;
    }
}
