package org.virtiotrace.agent.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.virtiotrace.agent.Agent;
import org.virtiotrace.agent.AgentConfig;
import org.virtiotrace.agent.ExitCodes;
import org.virtiotrace.agent.StartupException;
import org.virtiotrace.agent.heartbeat.HeartbeatConfig;
import org.virtiotrace.agent.session.HostConfigPolicy;
import org.virtiotrace.agent.session.Sessions;
import org.virtiotrace.agent.notify.ServiceNotifier;
import org.virtiotrace.core.cli.IntegerLiteral;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ports.PortNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(name = "trace-agent",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        subcommands = {StatusCommand.class, RingbufReadCommand.class, RingbufDumpCommand.class,
            ExportMetaCommand.class},
        header = "Stream this guest's kernel trace (ftrace ring buffers) to the host over virtio-serial.",
        description = {
            "Opens tracefs per_cpu/cpuN/trace_pipe_raw for every CPU and the port trace-path-cpuN "
                + "for each, plus the control port agent-ctl-path, then waits for the host's orders:",
            "",
            "  1  start (or resume) moving ring-buffer pages to the ports, zero-copy with splice(2)",
            "  0  stop: deliver what was taken plus each CPU's partial page, then pause",
            "",
            "Orders may end with LF, CRLF or nothing. The host may also ask ?hello, ?meta or ?update (the guest's "
                + "tracefs formats, kallsyms, comm names, CPU stats), ?clock (a clock-sync probe), ?heartbeat or "
                + "?set-heartbeat/ID:N: the agent answers on the same port in framed replies, and never writes there "
                + "unasked (docs/control-protocol.md; virtio-trace record asks). Anything else is logged and ignored.",
            "",
            "The host may choose what is traced (?configure: trace-cmd record's -e, -f, -b, -p, -l, -n, -g, -C, -O, -T; "
                + "?list shows what there is): the agent makes a private trace instance (" + Sessions.PREFIX
                + "PID-N) for that recording, traces it from the start order to the end of the stop's tail, then "
                + "removes it; the top-level buffer and other instances stay as they were. --host-config limits what "
                + "a host may ask. Instances a killed agent left are removed at start (docs/trace-config.md).",
            "",
            "Heartbeat: a counter goes up by one every second; while tracing, each CPU's stream carries it once a "
                + "second as a raw_data record (--heartbeat-id; docs/heartbeat.md).",
            "",
            "Each CPU also has a ring in memory (QEMU ringbuf semantics: it overwrites its oldest pages): a CPU whose "
                + "port is missing, or accepts nothing for --stall-timeout, keeps its pages there, and the port gets "
                + "them, oldest first, once it appears or drains; --sink memory keeps every CPU there. "
                + "Read them with the status, ringbuf-read and ringbuf-dump commands.",
            "",
            "SIGTERM or SIGINT delivers what it can within a second and exits 0. SIGUSR1 dumps the rings into --dump-dir.",
            "",
            "Logs go to stderr, with <N> priority prefixes when stderr is the journal. Under systemd (Type=notify) "
                + "the agent sends READY=1 once everything is open, STATUS= as orders come, STOPPING=1 on SIGTERM.",
            "",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:stopped by SIGTERM/SIGINT (or --help/--version)",
            "1:internal error, or no CPU left to serve (e.g. stdout closed in -o mode)",
            "2:invalid command line",
            "3:tracefs missing or unusable, or a CPU without trace_pipe_raw",
            "4:the control port is missing, or a port exists but cannot be opened (a missing trace port goes to memory)",
            "5:another reader holds a CPU's trace_pipe_raw (EBUSY)",
            "6:the native shim could not be loaded",
            "7:the local socket cannot be created, or another agent serves it",
        },
        footerHeading = "%nHost side:%n",
        footer = {
            "  QEMU: -device virtio-serial-pci,id=vser0",
            "        -chardev pipe,id=ctl,path=DIR/agent-ctl-path "
                + "-device virtserialport,bus=vser0.0,nr=1,chardev=ctl,name=agent-ctl-path",
            "        -chardev pipe,id=t0,path=DIR/trace-path-cpu0 "
                + "-device virtserialport,bus=vser0.0,nr=2,chardev=t0,name=trace-path-cpu0  (one per vCPU)",
            "  then: echo 1 > DIR/agent-ctl-path.in; cat DIR/trace-path-cpu0.out > cpu0.raw",
            "  or, with the host command: virtio-trace setup --cpus N DIR (prints these options), then",
            "        virtio-trace record DIR -o trace.dat",
        })
public final class TraceAgentCommand implements Callable<Integer> {
    public enum SinkChoice { port, memory }

    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--stdout"},
            description = "Debug mode: write every CPU's pages to stdout (whole pages, never interleaved mid-page) "
                    + "instead of the ports.")
    boolean toStdout;

    @Option(names = {"-s", "--pipe-size"}, paramLabel = "SIZE", defaultValue = "1M", converter = SizeConverter.class,
            description = "Pipe between trace_pipe_raw and each port: 64K..1M, bytes or with K/M (default: ${DEFAULT-VALUE}).")
    int pipeSize;

    @Option(names = "--tracefs", paramLabel = "DIR",
            description = "tracefs mount (default: from /proc/mounts, /sys/kernel/tracing, /sys/kernel/debug/tracing; "
                    + "mounted on /sys/kernel/tracing if nowhere).")
    Path tracefs;

    @Option(names = "--instance", paramLabel = "NAME",
            description = "Trace the instance tracefs/instances/NAME instead of the top-level buffer.")
    String instance;

    @Option(names = "--cpus", paramLabel = "LIST", converter = CpuListConverter.class,
            description = "CPUs to trace, e.g. 0-3,8 (default: /sys/devices/system/cpu/online).")
    CpuList cpus;

    @Option(names = "--port-dir", paramLabel = "DIR", defaultValue = "/dev/virtio-ports",
            description = "Directory of the named ports (default: ${DEFAULT-VALUE}); names missing there are looked up "
                    + "in /sys/class/virtio-ports/*/name.")
    Path portDir;

    @Option(names = "--port-name", paramLabel = "FORMAT", defaultValue = PortNames.DATA_FORMAT,
            description = "Name of CPU N's port, %%d is N (default: ${DEFAULT-VALUE}; trace-cmd hosts use trace-pipe-cpu%%d).")
    String portName;

    @Option(names = "--ctl-port", paramLabel = "NAME|PATH", defaultValue = PortNames.CONTROL,
            description = "Control port name, or a path (default: ${DEFAULT-VALUE}).")
    String ctlPort;

    @Option(names = "--page-latency", paramLabel = "MS", defaultValue = "100",
            description = "Longest time a completed page waits in the kernel before it is sent, 10..10000 ms "
                    + "(default: ${DEFAULT-VALUE}). Larger values wake the agent less often: less CPU when idle.")
    int pageLatencyMs;

    @Option(names = "--sink", paramLabel = "port|memory", defaultValue = "port",
            description = "port: each CPU's port, through its ring when the port is missing or stalled (default); "
                    + "memory: every CPU's ring only, a flight recorder read with ringbuf-read/ringbuf-dump.")
    SinkChoice sink;

    @Option(names = "--ring-size", paramLabel = "SIZE", defaultValue = "1M", converter = RingSizeConverter.class,
            description = "Memory ring per CPU, allocated at start: a power of two from 64K to 1G holding at least "
                    + "two sub-buffers (default: ${DEFAULT-VALUE}; total = CPUs x SIZE).")
    long ringSize;

    @Option(names = "--stall-timeout", paramLabel = "MS", defaultValue = "500",
            description = "A port that accepts nothing this long gets its pages through memory, so the kernel does "
                    + "not overwrite them: 0..3600000 ms (default: ${DEFAULT-VALUE}).")
    int stallTimeoutMs;

    @Mixin
    SocketOption socket;

    @Option(names = "--no-socket", description = "Do not create the local socket (status and ringbuf-* will not reach "
            + "this agent).")
    boolean noSocket;

    @Option(names = "--dump-dir", paramLabel = "DIR", defaultValue = "/var/lib/trace-agent",
            description = "Where SIGUSR1 writes cpuN.raw (default: ${DEFAULT-VALUE}).")
    Path dumpDir;

    @Option(names = "--heartbeat-id", paramLabel = "N", defaultValue = HeartbeatRecord.DEFAULT_ID_TEXT, converter = IntegerLiteral.class,
            description = "raw_data id of the heartbeat each CPU's stream carries once a second while tracing: "
                    + "decimal or 0x hex (default: ${DEFAULT-VALUE}, \"VTHB\"; docs/heartbeat.md).")
    int heartbeatId;

    @Option(names = "--heartbeat-log", paramLabel = "SECONDS", defaultValue = "0",
            description = "Log the heartbeat counter and each CPU's progress every SECONDS (default: 0, never).")
    int heartbeatLog;

    @Option(names = "--no-heartbeat", description = "No heartbeat records in the streams (the counter still runs "
            + "and the host may still read it).")
    boolean noHeartbeat;

    /** The words --host-config takes. */
    enum HostConfigChoice {
        all(HostConfigPolicy.ALL), events(HostConfigPolicy.EVENTS), none(HostConfigPolicy.NONE);

        private final HostConfigPolicy policy;

        HostConfigChoice(HostConfigPolicy policy) {
            this.policy = policy;
        }

        HostConfigPolicy policy() {
            return policy;
        }
    }

    @Option(names = "--host-config", paramLabel = "all|events|none", defaultValue = "all",
            description = "What the host may choose to trace (virtio-trace record -e/-f/-b/-p/-l/-g/-C/-O/-T): all "
                    + "(as trace-cmd's agent), events (events, filters, buffer, clock and options; no function "
                    + "tracer), none (only what this guest enabled itself). Default: ${DEFAULT-VALUE}.")
    HostConfigChoice hostConfig;

    @Option(names = {"-v", "--verbose"}, description = "Log debug details.")
    boolean verbose;

    @Override
    public Integer call() throws InterruptedException {
        Log.setVerbose(verbose);
        validatePortName();
        if (!Native.isAvailable()) {
            Log.error("cannot load the native shim: %s", Native.unavailabilityCause());
            return ExitCodes.NATIVE;
        }
        if (pageLatencyMs < 10 || pageLatencyMs > 10_000) {
            throw new ParameterException(spec.commandLine(), "--page-latency " + pageLatencyMs
                    + " is out of range: 10..10000 ms");
        }
        if (stallTimeoutMs < 0 || stallTimeoutMs > 3_600_000) {
            throw new ParameterException(spec.commandLine(), "--stall-timeout " + stallTimeoutMs
                    + " is out of range: 0..3600000 ms");
        }
        if (heartbeatLog < 0 || heartbeatLog > 86_400) {
            throw new ParameterException(spec.commandLine(), "--heartbeat-log " + heartbeatLog
                    + " is out of range: 0..86400 seconds");
        }
        if (toStdout && sink == SinkChoice.memory) {
            throw new ParameterException(spec.commandLine(), "-o and --sink memory exclude each other");
        }
        AgentConfig cfg = new AgentConfig(toStdout, pipeSize, tracefs, instance, cpus, portDir, portName, ctlPort,
                pageLatencyMs, sink == SinkChoice.memory, ringSize, stallTimeoutMs,
                noSocket ? null : socket.path(), dumpDir, new HeartbeatConfig(!noHeartbeat, heartbeatId, heartbeatLog),
                hostConfig.policy());
        Agent agent;
        try {
            agent = Agent.open(cfg, Native.get(), ServiceNotifier.fromEnvironment(Native.get()));
        } catch (StartupException e) {
            Log.error("%s", e.getMessage());
            return e.exitCode();
        }
        Signal.handle(new Signal("TERM"), s -> agent.requestShutdown());
        Signal.handle(new Signal("INT"), s -> agent.requestShutdown());
        Signal.handle(new Signal("USR1"), s -> agent.dumpOnSignal());
        agent.start();
        return agent.awaitAndStop();
    }

    private void validatePortName() {
        String problem = PortNames.problem(portName);
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), "--port-name " + problem);
        }
    }

}
