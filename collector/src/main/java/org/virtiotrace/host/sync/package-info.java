/**
 * Clock sync without vsock (docs/clock-sync.md): probes over the control port, the samples and
 * their error bound, each CPU's clock from its heartbeats, TIME_SHIFT, FILE.sync and its report.
 */
package org.virtiotrace.host.sync;
