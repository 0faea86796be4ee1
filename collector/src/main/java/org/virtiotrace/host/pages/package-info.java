/**
 * Whole, checked pages from a stream of bytes: the page check (the walk, times that never go
 * back, the kernel's loss marks, finding where pages start again after a tear) and the spool that
 * keeps only accepted pages, or notes them as ranges of the session log. Record and replay feed
 * it the same way, so a replay keeps exactly the pages the recording kept.
 */
package org.virtiotrace.host.pages;
