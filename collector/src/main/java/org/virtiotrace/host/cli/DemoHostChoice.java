package org.virtiotrace.host.cli;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.config.ConfigText;
import org.virtiotrace.core.config.EventChoice;
import org.virtiotrace.core.config.TraceConfig;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.control.OneQuestion;
import org.virtiotrace.host.link.PortLayout;

/**
 * The demo's last step: the host chooses what the guest traces ({@code ?configure}, as
 * {@code record -e} sends it), then withdraws it. It also trains the packaged agent's AppCDS
 * archive (postinst records the demo) on the configuration path, which a TCG guest otherwise
 * pays for in class loading at a recording's start.
 */
final class DemoHostChoice {
    private static final int TIMEOUT_MS = 20_000;

    private DemoHostChoice() {
    }

    /** One line saying what happened. */
    static String run(PortLayout ports) {
        TraceConfig asked = new TraceConfig(List.of(new EventChoice("sched_switch", "prev_pid != 0")), 0, null,
                List.of(), List.of(), List.of(), 0, null, List.of(), false);
        try {
            long t0 = System.nanoTime();
            String said = configure(ports, asked);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            configure(ports, TraceConfig.NONE);
            return "demo: 'record -e sched_switch -f \"prev_pid != 0\"' would trace the agent's "
                    + TraceMetadata.parseInfo(said).getProperty("session", "?") + " (configured in " + ms
                    + " ms); withdrawn";
        } catch (ExitException e) {
            return "demo: the agent did not take a configuration: " + e.getMessage();
        }
    }

    private static String configure(PortLayout ports, TraceConfig c) throws ExitException {
        return OneQuestion.ask(ports, Native.get(), TIMEOUT_MS, "no answer to ?configure", Exit.USAGE,
                ctl -> ctl.askText("configure", ConfigText.encode(c), TIMEOUT_MS)).text();
    }
}
