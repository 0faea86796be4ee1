package org.virtiotrace.core.wire;

/** Receives what the host said on the control port, one call per order, request or bad token. */
public interface OrderHandler {
    void order(Order order);

    /** A well-formed request ({@code ?name/id}); whether its name is known is the handler's business. */
    void request(Request request);

    /** A token that is not an order, already escaped and cut to a printable length. */
    void unknown(String escapedToken);
}
