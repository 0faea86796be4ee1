/**
 * What the host asks the guest to trace ({@code -e}, {@code -f}, {@code -p} ... as trace-cmd
 * record has them) and what it asks to list, with the text forms both programs exchange over
 * the control port (docs/trace-config.md).
 */
package org.virtiotrace.core.config;
