package org.virtiotrace.host.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.virtiotrace.core.config.TraceConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * What each of several guests traces, by trace-cmd's rule for its guests: the guest options
 * ({@code -e}, {@code -f}, {@code -b}, {@code -p}, ...) before the first TARGET are every guest's;
 * those after a TARGET are that guest's too, added to the shared ones (a single-valued option,
 * such as {@code -b}, replaces the shared value). picocli parses options wherever they stand, so
 * which TARGET an option follows is read from the command line as given.
 */
final class PerGuestOptions {
    private PerGuestOptions() {
    }

    /** A command of the guest options alone, to parse one guest's share of the command line. */
    @Command(name = "record")
    static final class OneGuest {
        @Mixin
        GuestTraceOptions options;
    }

    /**
     * Each target's configuration, in the order of {@code targets}. {@code record} is the parsed
     * record command, {@code args} its command line as given.
     */
    static List<TraceConfig> configs(CommandSpec record, List<String> args, List<String> targets) {
        CommandSpec oneGuest = CommandSpec.forAnnotatedObject(new OneGuest());
        Set<OptionSpec> guest = new HashSet<>();
        for (OptionSpec o : record.options()) {
            if (oneGuest.findOption(o.longestName()) != null) {
                guest.add(o);
            }
        }
        List<String> shared = new ArrayList<>();
        List<List<String>> own = new ArrayList<>();
        boolean onlyPositionals = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!onlyPositionals && a.equals("--")) {
                onlyPositionals = true;
                continue;
            }
            if (onlyPositionals || !a.startsWith("-") || a.length() == 1) {
                own.add(new ArrayList<>()); // the next TARGET: what follows is its own
                continue;
            }
            boolean longForm = a.startsWith("--");
            int eq = a.indexOf('=');
            String name = longForm ? (eq > 0 ? a.substring(0, eq) : a) : a.substring(0, 2);
            boolean attached = longForm ? eq > 0 : a.length() > 2;
            OptionSpec o = record.findOption(name);
            List<String> tokens = new ArrayList<>(List.of(a));
            if (o != null && o.arity().max() > 0 && !attached && i + 1 < args.size()) {
                tokens.add(args.get(++i));
            }
            if (o != null && guest.contains(o)) {
                (own.isEmpty() ? shared : own.get(own.size() - 1)).addAll(tokens);
            }
        }
        if (own.size() != targets.size()) {
            throw new ParameterException(record.commandLine(), "cannot tell which guest options follow which TARGET ("
                    + own.size() + " found, " + targets.size() + " given)");
        }
        List<TraceConfig> configs = new ArrayList<>();
        for (int t = 0; t < targets.size(); t++) {
            List<String> mine = new ArrayList<>(shared);
            mine.addAll(own.get(t));
            OneGuest parsed = new OneGuest();
            CommandLine cl = new CommandLine(parsed).setOverwrittenOptionsAllowed(true);
            try {
                cl.parseArgs(mine.toArray(String[]::new));
                configs.add(parsed.options.config());
            } catch (ParameterException e) {
                throw new ParameterException(record.commandLine(), targets.get(t) + ": " + e.getMessage());
            }
        }
        return configs;
    }
}
