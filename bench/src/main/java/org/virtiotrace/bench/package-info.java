/**
 * JMH benchmarks of the core's own code (the memory ring).
 */
package org.virtiotrace.bench;
