/**
 * Recordings the host configures: {@code ?configure} makes a private trace instance with
 * trace-cmd record's settings (or refuses in one line), the pumps read it from the start order
 * to the end of the stop's tail, then it is removed; {@code ?list} shows what the guest offers;
 * {@code --host-config} is the guest administrator's say in it. The wire text is
 * docs/trace-config.md.
 */
package org.virtiotrace.agent.session;
