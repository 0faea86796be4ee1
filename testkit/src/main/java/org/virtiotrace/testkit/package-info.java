/**
 * What the tests of every module share, and no program ships: the host's side of the ports
 * played with FIFOs, pages recorded from this machine's tracefs, writers pinned to a CPU, the
 * real trace-cmd. A test-scope dependency of agent, collector and deb.
 */
package org.virtiotrace.testkit;
