package org.virtiotrace.agent.control;

/** Receives what the host said on the control port, one call per order or bad token. */
public interface OrderHandler {
    void order(Order order);

    /** A token that is not an order, already escaped and cut to a printable length. */
    void unknown(String escapedToken);
}
