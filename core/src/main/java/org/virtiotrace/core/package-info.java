/**
 * The shared core of the agent ({@code trace-agent}, in the guest) and the collector
 * ({@code virtio-trace}, on the host): everything both programs need, and nothing only one of
 * them runs. Each program depends on this module and never on the other. {@link
 * org.virtiotrace.core.Version} is the one version number both report.
 */
package org.virtiotrace.core;
