package org.virtiotrace.host.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtiotrace.host.record.RecordOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** record's options for long recordings: --max-size, --until-marker, --after. */
final class BoundsOptions {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--max-size", paramLabel = "SIZE",
            description = "Per CPU, keep only the newest SIZE of pages (whole pages; K, M, G are KiB, MiB, GiB; "
                    + "a bare number is bytes), like trace-cmd record -m: the oldest are dropped while recording, so "
                    + "the disk holds about twice SIZE per CPU at most. Not with --session (its log keeps every "
                    + "byte).")
    String maxSize;

    @Option(names = "--until-marker", paramLabel = "TEXT",
            description = "Stop --after seconds after a trace marker holding TEXT (a write to the guest's "
                    + "trace_marker: echo TEXT > /sys/kernel/tracing/trace_marker) arrives from any CPU.")
    String untilMarker;

    @Option(names = "--after", paramLabel = "SECONDS",
            description = "With --until-marker: how long to go on recording after the marker (default: 1).")
    Double after;

    RecordOptions.Bounds bounds() {
        if (after != null && untilMarker == null) {
            throw new ParameterException(spec.commandLine(), "--after goes with --until-marker");
        }
        if (after != null && !(after >= 0 && after <= 86_400)) {
            throw new ParameterException(spec.commandLine(), "--after is 0 to 86400 seconds");
        }
        if (untilMarker != null && untilMarker.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--until-marker needs a text to look for");
        }
        long size = maxSize == null ? 0 : parseSize(maxSize);
        return new RecordOptions.Bounds(size, untilMarker, Math.round((after == null ? 1.0 : after) * 1e9));
    }

    private long parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new ParameterException(spec.commandLine(), "--max-size " + text + ": a size is a number with K, M "
                    + "or G (256M)");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            n = Long.MAX_VALUE;
        }
        if (n == 0 || n > (Long.MAX_VALUE >> shift)) {
            throw new ParameterException(spec.commandLine(), "--max-size " + text + ": more than 0 and less than 8 EiB");
        }
        return n << shift;
    }
}
