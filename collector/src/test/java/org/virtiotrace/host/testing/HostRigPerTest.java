package org.virtiotrace.host.testing;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh {@link HostRig} for every test (private instance, port FIFOs as setup makes them),
 * removed after it, and the switch of the load the test may put on it, turned off at the end.
 */
public abstract class HostRigPerTest {
    protected HostRig rig;
    /** True while a test's load (markers) should go on. */
    protected final AtomicBoolean loading = new AtomicBoolean(true);

    @BeforeEach
    void createRig() throws Exception {
        rig = HostRig.create();
    }

    @AfterEach
    void closeRig() throws Exception {
        loading.set(false);
        rig.close();
    }
}
