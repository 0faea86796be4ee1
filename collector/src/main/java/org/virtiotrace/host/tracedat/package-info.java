/**
 * trace.dat as trace-cmd 3.1.6 reads it (docs/trace-dat.md): version 6, or version 7 with its
 * sections, compressed with zstd or not; the header, the options (including the timeline's
 * TRACEID, GUEST, TIME_SHIFT, OFFSET) and each CPU's pages, wherever they lie, or already in
 * chunks. Written by record, replay and the host trace; the file appears whole or not at all.
 */
package org.virtiotrace.host.tracedat;
