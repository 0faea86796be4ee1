package org.virtiotrace.agent.control;

import org.virtiotrace.core.wire.Order;

/** What the control thread hands on: the host's orders, and what it could not make sense of. */
public interface Orders {
    void order(Order order);

    /** A token that is neither an order nor a request, already escaped and cut to a printable length. */
    void unknown(String escapedToken);
}
