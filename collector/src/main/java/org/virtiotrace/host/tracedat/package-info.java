/**
 * trace.dat version 6 as trace-cmd 3.1.6 reads it (docs/trace-dat.md): header, options
 * (including the timeline's TRACEID, GUEST, TIME_SHIFT, OFFSET) and each CPU's pages, wherever
 * they lie. Written by record, replay and the host trace; the file appears whole or not at all.
 */
package org.virtiotrace.host.tracedat;
