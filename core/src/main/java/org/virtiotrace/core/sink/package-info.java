/**
 * Where a pump's pages go: a port (or any file that takes splice), or standard output shared
 * whole-page by whole-page.
 */
package org.virtiotrace.core.sink;
