package org.virtiotrace.host.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "virtio-trace",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        subcommands = {SetupCommand.class, AttachCommand.class, DetachCommand.class, RecordCommand.class, DumpCommand.class, ReplayCommand.class,
            SyncReportCommand.class, HeartbeatCommand.class, ListCommand.class, RestoreCommand.class,
            DemoCommand.class},
        header = "Record a guest's kernel trace over virtio-serial into a trace.dat (host side of trace-agent).",
        description = {
            "The host side of virtio-trace: 'setup' makes the ports' FIFOs and prints the QEMU options or libvirt "
                + "XML that give a guest its ports; 'record' talks to the trace-agent in the guest over those ports, "
                + "collects every CPU's ring-buffer pages and writes a trace.dat that trace-cmd and KernelShark open, "
                + "with the guest's own comm names and kernel symbols.",
            "",
            "  virtio-trace setup --cpus 2 /var/lib/virtio-trace/vm1",
            "  virtio-trace record /var/lib/virtio-trace/vm1 -o vm1.dat",
            "  trace-cmd report vm1.dat",
            "",
            "A guest that is already running gets the same ports without a restart: 'attach --qmp SOCKET DIR' "
                + "hot-adds them through QEMU's monitor (the guest's udev rule starts the agent), 'detach --qmp "
                + "SOCKET' takes them away; 'attach --domain NAME unix:DIR' and 'detach --domain NAME' do it "
                + "through libvirt.",
            "",
            "'record --session LOG' also keeps everything that crossed the ports in a session log (QEMU simpletrace "
                + "v4); 'dump' prints it, 'replay' makes the trace.dat again from it, plays the guest's side back into "
                + "FIFOs, or drives a live agent with its orders and compares.",
            "",
            "Host and guest on one timeline, without vsock: 'record' syncs the clocks over the control port (the "
                + "guest file's times become the host's CLOCK_MONOTONIC), 'record --host HOSTFILE' also records this "
                + "host's trace; 'trace-cmd report -i HOSTFILE -i FILE' merges them; 'sync-report FILE' says how well "
                + "they were aligned. 'heartbeat' reads or sets the agent's per-second counter.",
            "",
            "What the guest traces: 'record' takes trace-cmd record's -e, -f, -b, -p, -l, -n, -g, -C, -O and -T, and "
                + "the guest's agent traces them in a private instance for that recording; 'list' shows the guest's "
                + "events, tracers, options and functions.",
            "",
            "Long recordings: 'record --compress zstd' writes trace.dat version 7, compressing as the pages come; "
                + "--max-size keeps the newest pages per CPU; --until-marker stops on a marker the guest writes. "
                + "'restore DIR' makes a trace.dat from what a recording left in a directory (--raw, or the pages "
                + "kept when the file could not be written).",
            "",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:done: the trace.dat (and --raw files) hold everything the guest sent",
            "1:internal error",
            "2:invalid command line; record: the guest refused what -e/-f/-p/... asked (one line says why)",
            "3:no guest: the ports are missing, or nothing reads the control port",
            "4:no agent answered and no --meta was given: raw streams kept, no trace.dat; restore: no metadata or no "
                + "pages in DIR",
            "5:another virtio-trace records from the same ports",
            "6:the native layer could not be loaded",
            "7:the output could not be written (full disk, permissions); no partial file is left, and the line "
                + "says where what arrived is kept",
            "8:the file is written but incomplete: a CPU's port closed early, torn pages were refused, the stop's "
                + "tail was not awaited, or the agent did not answer after the stop; dump/replay: the log is cut "
                + "short, has no end record, or is damaged (what is whole was used)",
            "9:dump/replay: the file is not a session log, or one written by a newer version",
            "10:replay --against-agent: the live agent did something else than the recorded one",
            "11:record --host: the host's trace cannot be recorded (no tracefs, not root, an unknown --host-events name)",
            "12:record: SIGINT or SIGTERM before tracing started: the guest was not started, nothing was recorded",
            "13:attach/detach: QEMU's monitor or libvirt cannot be reached, or it refused the change (one line says why; "
                + "attach takes back what it added)",
        })
public final class VirtioTraceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is needed: setup, attach, record, list, dump or replay (see --help)");
    }
}
