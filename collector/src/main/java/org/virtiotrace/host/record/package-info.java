/**
 * {@code virtio-trace record}, top down: {@link org.virtiotrace.host.record.Recorder} locks the
 * ports, runs the {@link org.virtiotrace.host.record.Recording} (metadata, one reader thread per
 * CPU, start, clock sync and liveness, stop, tail) and hands what it
 * {@link org.virtiotrace.host.record.Recorded} to the {@link org.virtiotrace.host.record.OutputFiles}
 * (trace.dat, FILE.sync, --raw, --host), then words it as a
 * {@link org.virtiotrace.host.record.Summary}.
 */
package org.virtiotrace.host.record;
