/**
 * The agent's answer to ?clock, the host's clock-sync probe (docs/clock-sync.md): exact
 * clock_gettime for the clocks user space can read, trace-cmd's marker method for the rest.
 */
package org.virtiotrace.agent.clock;
