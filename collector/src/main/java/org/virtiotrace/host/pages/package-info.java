/**
 * Whole, checked pages from a stream of bytes: the page check (the walk, times that never go
 * back, the kernel's loss marks, finding where pages start again after a tear), the marker search
 * of --until-marker, and the spools that keep only accepted pages (as they are, or compressed into
 * trace.dat v7 chunks as they come; all of them, or the newest under --max-size), or note them as
 * ranges of the session log. Record and replay feed it the same way, so a replay keeps exactly the
 * pages the recording kept.
 */
package org.virtiotrace.host.pages;
