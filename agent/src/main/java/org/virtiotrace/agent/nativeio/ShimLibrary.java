package org.virtiotrace.agent.nativeio;

/** libvtshim.so, see native-shim/src/main/c/vtshim.c. Every call returns -errno on failure. */
public interface ShimLibrary {
    int ABI_VERSION = 1;

    int vt_abi_version();

    long vt_splice(int fdIn, int fdOut, long len, int flags);

    int vt_poll2(int fdA, int eventsA, int fdB, int eventsB, int timeoutMs);

    int vt_pin_cpu(int cpu);
}
