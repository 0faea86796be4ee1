/**
 * The per-CPU memory ring (QEMU ringbuf semantics, by whole pages) a pump keeps pages in while
 * its port is missing or stalled, and dumps of it. Shared between a pump and whoever reads the
 * ring (the agent's local socket), under the ring's lock.
 */
package org.virtiotrace.core.ring;
