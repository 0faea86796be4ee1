/**
 * picocli converters both programs' command lines use.
 */
package org.virtiotrace.core.cli;
