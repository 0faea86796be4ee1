package org.virtiotrace.agent.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh {@link Rig} (trace instance, FIFO ports, all online CPUs) for every test, removed after it. */
public abstract class RigPerTest {
    protected Rig rig;

    @BeforeEach
    void createRig() throws Exception {
        rig = Rig.create();
    }

    @AfterEach
    void closeRig() throws Exception {
        rig.close();
    }
}
