/**
 * The host command ({@code virtio-trace}): its exit statuses ({@link org.virtiotrace.host.Exit})
 * and the one exception a command ends with. It depends on the core module, never on the agent,
 * which it runs only as a process of its own (demo).
 */
package org.virtiotrace.host;
