/**
 * The one door to the kernel: {@link org.virtiotrace.core.nativeio.Native} for the data path
 * (non-blocking descriptors, splice, poll with a wake-up eventfd, pinning, clocks),
 * {@link org.virtiotrace.core.nativeio.SystemCalls} for set-up (mkfifo, mount, isatty) and
 * {@link org.virtiotrace.core.nativeio.NativePageWalk} for the shim's page walk. Built on jnr-ffi
 * bindings of libc and of native-shim's libvtshim.so (five arguments or fewer a call, -errno
 * returns). Callers see {@link org.virtiotrace.core.nativeio.Fd} handles and
 * {@link org.virtiotrace.core.nativeio.NativeException}s, which say what kind of failure they are
 * through predicates; no errno number or native pointer leaves this package. Anyone may call it;
 * only this package binds native code.
 */
package org.virtiotrace.core.nativeio;
