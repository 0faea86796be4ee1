/**
 * The ring-buffer page as trace_pipe_raw hands it out: its layout
 * ({@link org.virtiotrace.core.page.PageFormat}, the header fields in
 * {@link org.virtiotrace.core.page.RingBufferPage}) and the one walk over its events
 * ({@link org.virtiotrace.core.page.PageWalker}), the kernel's and libtraceevent's reading of them,
 * that every reader uses: the host's page check, the demo's decoder, the agent's clock-sync marker,
 * the heartbeat scan, the tests' stream checks. The shim's walk in C is held to it by a test.
 */
package org.virtiotrace.core.page;
