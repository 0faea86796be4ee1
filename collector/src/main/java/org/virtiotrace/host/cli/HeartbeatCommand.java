package org.virtiotrace.host.cli;

import java.util.Properties;
import java.util.concurrent.Callable;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.control.HeartbeatAccess;
import org.virtiotrace.host.link.PortLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "heartbeat",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "Read or set the agent's heartbeat counter over the control port.",
        description = {
            "The agent's counter goes up by one every second; each CPU's stream carries it once a second while "
                + "tracing (docs/heartbeat.md). This reads it (?heartbeat) or sets it (--set N, ?set-heartbeat): "
                + "the agent logs each read and write, and so does this command, on stderr.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:done", "2:invalid command line", "3:no agent answered (or no control port)",
            "5:a recording holds the ports", "6:native layer unavailable"})
final class HeartbeatCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TARGET", description = "DIR or unix:DIR: where the guest's ports are.")
    String target;

    @Option(names = "--set", paramLabel = "N", description = "Set the counter to N (0 or more).")
    Long set;

    @Option(names = "--answer-timeout", paramLabel = "MS", defaultValue = "5000",
            description = "How long the agent has to answer (default: ${DEFAULT-VALUE}).")
    int timeoutMs;

    @Mixin
    PortNameOption portName;

    @Override
    public Integer call() {
        if (set != null && set < 0) {
            System.err.println("virtio-trace: error: --set " + set + ": the counter is 0 or more");
            return Exit.USAGE;
        }
        if (!Native.isAvailable()) {
            System.err.println("virtio-trace: error: the native layer cannot load: " + Native.unavailabilityCause());
            return Exit.NATIVE;
        }
        try {
            Properties p = HeartbeatAccess.run(PortLayout.parse(target, portName.format()), Native.get(), set,
                    timeoutMs);
            if (set == null) {
                System.err.println("virtio-trace: heartbeat: read " + p.getProperty("heartbeat") + " from " + target);
            } else {
                System.err.println("virtio-trace: heartbeat: set to " + p.getProperty("heartbeat") + " in " + target
                        + " (it was " + p.getProperty("was") + ")");
            }
            System.out.println(p.getProperty("heartbeat"));
            return Exit.OK;
        } catch (ExitException e) {
            System.err.println("virtio-trace: error: " + e.getMessage());
            return e.exit();
        }
    }
}
