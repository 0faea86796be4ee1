/**
 * CPU lists in the kernel's format ("0-3,8"), as sysfs writes them and users type them; sparse
 * and large numbers work.
 */
package org.virtiotrace.core.cpu;
