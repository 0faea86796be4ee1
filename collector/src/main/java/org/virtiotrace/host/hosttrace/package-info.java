/**
 * record --host: the host's own trace on a private instance (the core's splice pumps into spool
 * files), naming the guest and its vCPU threads, written as a host trace.dat linked to the guest's.
 */
package org.virtiotrace.host.hosttrace;
