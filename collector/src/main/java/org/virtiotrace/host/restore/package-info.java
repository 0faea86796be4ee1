/**
 * A trace.dat from what a recording left in a directory ({@code record --raw DIR}, or the
 * {@code FILE.raw} kept when the trace.dat could not be written): the metadata files and each
 * CPU's pages, raw or compressed, with a --max-size pair's two halves in order.
 */
package org.virtiotrace.host.restore;
