/**
 * Finding the guest's named ports: udev's /dev/virtio-ports links, or sysfs names without udev,
 * and opening them without blocking.
 */
package org.virtiotrace.agent.port;
