/**
 * The host's end of a guest's ports: a QEMU pipe chardev's FIFO pair or a socket chardev's unix
 * socket (one thread owns a link), where a guest's ports are, and the lock that keeps a second
 * collector off them.
 */
package org.virtiotrace.host.link;
