package org.virtiotrace.host.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.virtiotrace.core.cli.IntegerLiteral;
import org.virtiotrace.core.config.TraceConfig;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.SystemCalls;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.record.Fleet;
import org.virtiotrace.host.record.RecordOptions;
import org.virtiotrace.host.record.Recorder;
import org.virtiotrace.host.record.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(name = "record",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        header = "Record the guest's trace through its ports into a trace.dat.",
        description = {
            "Asks the guest's trace-agent for its metadata (tracefs formats, kallsyms, comm names) over the control "
                + "port, sends 1, reads every CPU's port at full speed until Ctrl-C, SIGTERM or --duration, sends 0, "
                + "takes the tail and what changed (comm names, CPU stats), and writes the trace.dat.",
            "",
            "TARGET is DIR (FIFO pairs NAME.in/NAME.out of QEMU's pipe chardevs, as 'setup' makes them) or unix:DIR "
                + "(unix sockets NAME of QEMU's socket chardevs).",
            "",
            "A second Ctrl-C skips the waits that remain (the tail, the final update): the file is written at once, "
                + "valid up to the last whole page. On a terminal one line shows progress: per CPU the MB received "
                + "and the rate, the events the guest's kernel lost so far, the disk the pages take, and with "
                + "--max-size the time the kept pages cover.",
            "",
            "Long recordings: --compress zstd writes trace.dat version 7 (trace-cmd 3.x, KernelShark 2.x), "
                + "compressing each CPU's pages as they arrive, so the disk holds a few percent of them; --max-size "
                + "keeps the newest pages per CPU (as trace-cmd record -m) with the disk bounded while recording; "
                + "--until-marker stops on a trace marker the guest writes:",
            "",
            "  virtio-trace record vm1 -o vm1.dat --max-size 64M --compress zstd --until-marker BUG --after 2",
            "",
            "Clock sync (docs/clock-sync.md): a burst of --sync-probes ?clock probes on the control port at the start, "
                + "every --sync-interval while tracing and at the end; the fastest round trip of each burst bounds "
                + "the offset between the guest's trace clock and the host's CLOCK_MONOTONIC. The trace.dat gets "
                + "TIME_SHIFT samples for every guest CPU, so trace-cmd shows host times; FILE.sync keeps the probes "
                + "(virtio-trace sync-report FILE). An agent that does not answer (the C agent) is recorded without "
                + "alignment, said once.",
            "",
            "--host HOSTFILE also records this host's own ftrace (the agent's splice pumps on a private instance of "
                + "the host's tracefs, clock mono, the --host-events) and links the files as trace-cmd does: "
                + "trace-cmd report -i HOSTFILE -i FILE merges them. Every write to the control port is marked in "
                + "the host trace (virtio-trace: agent-ctl-path <- 1).",
            "",
            "What the guest traces: by default what it has enabled itself (record says so when that is nothing). "
                + "With trace-cmd record's options (-e, -f, -b, -p, -l, -n, -g, --max-graph-depth, -C, -O, -T) the "
                + "guest's agent traces a private instance made for this recording and removes it after the stop; "
                + "the guest's own trace is left as it was. A setting the guest refuses (an unknown event, a bad "
                + "filter, a tracer it lacks, its --host-config) stops the recording before anything is traced, "
                + "exit 2. 'virtio-trace list TARGET -e' shows the guest's events (docs/trace-config.md).",
            "",
            "  virtio-trace record vm1 -o vm1.dat -e sched_switch -f 'prev_pid != 0' -e 'irq:*' -b 4096",
            "  virtio-trace record vm1 -o fn.dat -p function -l 'vfs_*'",
            "",
            "Several guests: give several TARGETs. One process records them all at once, each into -o DIR/NAME.dat "
                + "(--session DIR/NAME.log, --raw DIR/NAME), with the same options; --host records the host once "
                + "and names every guest in it, so trace-cmd report -i HOSTFILE -i DIR/vm1.dat -i DIR/vm2.dat shows "
                + "one timeline. A guest that fails or goes away ends its own file while the others go on; one "
                + "Ctrl-C stops them all. The progress line shows per guest the MB received and the rate.",
            "",
            "  virtio-trace record /var/lib/virtio-trace/vm1 unix:/run/vm2 -o out/ --host out/host.dat",
            "",
            "Heartbeats: the agent writes one into every CPU's stream once a second (raw_data, id --heartbeat-id). "
                + "A CPU whose stream is --heartbeat-misses beats behind the others is named in the progress line, "
                + "the summary and the session log.",
        })
final class RecordCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "TARGET", arity = "1..*", description = "DIR or unix:DIR: where the guest's ports are; "
            + "several for several guests in one recording. With several, the guest options (-e, -f, -b, -p, ...) "
            + "before the first TARGET are every guest's, and those after a TARGET are that guest's too.")
    List<String> targets;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "The trace.dat to write (default: trace.dat); with several TARGETs a directory (made if "
                    + "missing, default: the current one) that gets NAME.dat per guest, NAME being the last "
                    + "component of the guest's DIR.")
    Path output;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this many seconds.")
    Double duration;

    @Option(names = "--raw", paramLabel = "DIR",
            description = "Also keep each CPU's stream (cpuN.raw) and the metadata files here: what trace-cmd restore takes.")
    Path raw;

    @Option(names = "--meta", paramLabel = "DIR",
            description = "Metadata from 'trace-agent export-meta DIR' in the guest, for an agent that does not answer "
                    + "(the C trace-agent).")
    Path meta;

    @Option(names = "--session", paramLabel = "LOG",
            description = "Also record everything that crosses the ports (orders, requests, replies, every chunk of "
                    + "every CPU's data, opens, errors, progress) in a session log, a QEMU simpletrace v4 file: "
                    + "'virtio-trace dump LOG' shows it, 'virtio-trace replay LOG' plays it back.")
    Path session;

    @Mixin
    GuestTraceOptions guestTrace;

    @Mixin
    FileFormatOptions fileFormat;

    @Mixin
    BoundsOptions bounds;

    @Mixin
    PortNameOption portName;

    @Option(names = "--answer-timeout", paramLabel = "MS", defaultValue = "5000",
            description = "How long the agent has to answer the handshake (default: ${DEFAULT-VALUE}).")
    int answerTimeoutMs;

    @Option(names = "--no-progress", description = "No progress line, even on a terminal.")
    boolean noProgress;

    @Option(names = "--host", paramLabel = "HOSTFILE",
            description = "Also record this host's trace into HOSTFILE, linked to the guest's (needs root).")
    Path host;

    @Option(names = "--host-events", paramLabel = "LIST", split = ",", defaultValue = "sched",
            description = "Host events for --host: systems or system/event as in tracefs events/ "
                    + "(default: ${DEFAULT-VALUE}; e.g. sched,kvm,irq).")
    List<String> hostEvents;

    @Option(names = "--sync-interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "A clock-sync burst this often while tracing, 0 for the start and the end only "
                    + "(default: ${DEFAULT-VALUE}).")
    double syncInterval;

    @Option(names = "--sync-probes", paramLabel = "N", defaultValue = "10",
            description = "Probes per burst, the fastest kept; 0 turns clock sync off (default: ${DEFAULT-VALUE}).")
    int syncProbes;

    @Option(names = "--heartbeat-id", paramLabel = "N", defaultValue = HeartbeatRecord.DEFAULT_ID_TEXT, converter = IntegerLiteral.class,
            description = "The raw_data id of the agent's heartbeats, as given to trace-agent (default: "
                    + "${DEFAULT-VALUE}).")
    int heartbeatId;

    @Option(names = "--date", description = "Times in the trace.dat (and --host's) are the host's wall clock: "
            + "seconds since the epoch (an OFFSET option of CLOCK_REALTIME minus CLOCK_MONOTONIC at the start).")
    boolean date;

    @Option(names = "--heartbeat-misses", paramLabel = "N", defaultValue = "3",
            description = "Name a CPU whose stream is N heartbeats behind the newest (default: ${DEFAULT-VALUE}).")
    int heartbeatMisses;

    @Override
    public Integer call() {
        if (duration != null && !(duration > 0)) {
            throw new ParameterException(spec.commandLine(), "--duration must be more than 0 seconds");
        }
        if (meta != null && !Files.isRegularFile(meta.resolve("events/header_page"))) {
            throw new ParameterException(spec.commandLine(), "--meta " + meta + ": no events/header_page in it; make "
                    + "it with 'trace-agent export-meta DIR' in the guest");
        }
        if (!Native.isAvailable()) {
            err().println("virtio-trace: error: the native layer cannot load: " + Native.unavailabilityCause());
            return Exit.NATIVE;
        }
        if (syncInterval < 0 || syncInterval > 3600 || syncProbes < 0 || syncProbes > 1000) {
            throw new ParameterException(spec.commandLine(), "--sync-interval is 0..3600 s and --sync-probes 0..1000");
        }
        if (heartbeatMisses < 1) {
            throw new ParameterException(spec.commandLine(), "--heartbeat-misses must be 1 or more");
        }
        Path out = output != null ? output : Path.of("trace.dat");
        if (host != null && host.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new ParameterException(spec.commandLine(), "--host " + host + " is the guest's output file too");
        }
        RecordOptions.Bounds limits = bounds.bounds();
        if (limits.maxSize() > 0 && session != null) {
            throw new ParameterException(spec.commandLine(), "--max-size does not go with --session: the session log "
                    + "keeps every byte that crossed the ports (what replay plays back), so the recording's disk "
                    + "would not be bounded; record one or the other");
        }
        if (targets.size() > 1) {
            return recordSeveral();
        }
        RecordOptions opt = options(targets.get(0), out, raw, session,
                !noProgress && SystemCalls.get().isTerminal(SystemCalls.STDERR), guestTrace.config());
        Recorder recorder = new Recorder(opt, Native.get()).notices(l -> {
            err().println("virtio-trace: " + l);
            err().flush();
        });
        Signal.handle(new Signal("INT"), s -> recorder.interrupt());
        Signal.handle(new Signal("TERM"), s -> recorder.interrupt());
        return summarized(recorder::run);
    }

    /** Runs a recording and prints its summary; the exit status it says, or the one its failure says. */
    private int summarized(Callable<Summary> recording) {
        try {
            Summary s = recording.call();
            s.lines().forEach(l -> err().println("virtio-trace: " + l));
            return s.exit();
        } catch (ExitException e) {
            err().println("virtio-trace: error: " + e.getMessage());
            return e.exit();
        } catch (Exception e) {
            err().println("virtio-trace: error: " + e);
            return Exit.SOFTWARE;
        }
    }

    private RecordOptions options(String target, Path out, Path rawDir, Path sessionLog, boolean progress,
            TraceConfig traceConfig) {
        RecordOptions.Timeline timeline = new RecordOptions.Timeline((int) Math.round(syncInterval * 1000), syncProbes,
                host, hostEvents, heartbeatId, heartbeatMisses, date);
        return new RecordOptions(PortLayout.parse(target, portName.format()), out, rawDir, meta,
                duration == null ? null : Duration.ofMillis((long) (duration * 1000)), answerTimeoutMs, progress,
                sessionLog, timeline, traceConfig, fileFormat.format(), bounds.bounds());
    }

    /** Several TARGETs: -o, --session and --raw are directories with a file (or directory) per guest. */
    private int recordSeveral() {
        if (meta != null) {
            throw new ParameterException(spec.commandLine(), "--meta holds one guest's metadata: record that guest "
                    + "alone");
        }
        Path dir = output != null ? output : Path.of(".");
        Map<String, String> byName = new LinkedHashMap<>();
        for (String t : targets) {
            String name = Fleet.guestName(PortLayout.parse(t, portName.format()));
            String other = byName.putIfAbsent(name, t);
            if (other != null) {
                throw new ParameterException(spec.commandLine(), other + " and " + t + " would both be written as "
                        + name + ".dat: give the guests directories of different names");
            }
        }
        try {
            for (Path d : new Path[] {dir, session, raw}) {
                if (d != null) {
                    Files.createDirectories(d);
                }
            }
        } catch (IOException e) {
            err().println("virtio-trace: error: cannot make the output directory: " + e);
            return Exit.OUTPUT;
        }
        // the command line as given, from after "record": where each guest option stands
        List<String> given = spec.commandLine().getParseResult().originalArgs();
        List<TraceConfig> configs = PerGuestOptions.configs(spec, given.subList(given.indexOf(spec.name()) + 1,
                given.size()), targets);
        List<RecordOptions> guests = new ArrayList<>();
        int g = 0;
        for (Map.Entry<String, String> e : byName.entrySet()) {
            String name = e.getKey();
            guests.add(options(e.getValue(), dir.resolve(name + ".dat"), raw == null ? null : raw.resolve(name),
                    session == null ? null : session.resolve(name + ".log"), false, configs.get(g++)));
        }
        if (host != null && byName.keySet().stream().anyMatch(n -> dir.resolve(n + ".dat").toAbsolutePath().normalize()
                .equals(host.toAbsolutePath().normalize()))) {
            throw new ParameterException(spec.commandLine(), "--host " + host + " is a guest's output file too");
        }
        Fleet fleet = new Fleet(guests, Native.get(), !noProgress && SystemCalls.get().isTerminal(SystemCalls.STDERR))
                .notices(l -> {
                    err().println("virtio-trace: " + l);
                    err().flush();
                });
        Signal.handle(new Signal("INT"), s -> fleet.interrupt());
        Signal.handle(new Signal("TERM"), s -> fleet.interrupt());
        err().println("virtio-trace: recording " + byName.size() + " guests (" + String.join(", ", byName.keySet())
                + ") into " + dir + "; Ctrl-C stops them all");
        err().flush();
        return summarized(fleet::run);
    }

    /** Where messages go: picocli's writer, so a caller (a test running many at once) can take them. */
    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
