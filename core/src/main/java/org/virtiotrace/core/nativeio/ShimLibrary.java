package org.virtiotrace.core.nativeio;

/** libvtshim.so, see native-shim/src/main/c/vtshim.c. Every call returns -errno on failure. */
public interface ShimLibrary {
    int ABI_VERSION = 6;

    int vt_abi_version();

    long vt_splice(int fdIn, int fdOut, long len, int flags);

    /** Each descriptor as (fd << 16) | events; see vtshim.c. */
    int vt_poll3(long a, long b, long c, int timeoutMs);

    int vt_notify(String socketPath, String message);

    long vt_map_anonymous(long size);

    int vt_pin_cpu(int cpu);

    long vt_page_walk(jnr.ffi.Pointer base, int offset, int pageSize, long beatKey, @jnr.ffi.annotations.Out long[] beat);
}
