/**
 * The agent's local socket (status, ringbuf-read, ringbuf-dump): one server thread with peer
 * credentials checked, its client, the line protocol between them.
 */
package org.virtiotrace.agent.monitor;
