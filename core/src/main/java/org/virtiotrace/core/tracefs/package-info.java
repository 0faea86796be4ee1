/**
 * Finding and using tracefs: the mount (mounted when missing), a trace buffer (the top
 * level or an instance) and its files, per-CPU counters, private instances for demos, tests and
 * the host's own trace.
 */
package org.virtiotrace.core.tracefs;
