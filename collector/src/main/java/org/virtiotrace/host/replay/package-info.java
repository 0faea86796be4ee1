/**
 * {@code virtio-trace replay}: what a session log says happened, and the three ways to play it:
 * the same trace.dat again, the guest's side into FIFOs, the recorded orders against a live agent.
 */
package org.virtiotrace.host.replay;
