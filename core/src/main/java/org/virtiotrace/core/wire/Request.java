package org.virtiotrace.core.wire;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A question the host asks on agent-ctl-path: {@code ?NAME} or {@code ?NAME/ID}, ended like
 * an order. The leading '?' is what keeps a request from ever being taken for an order, by
 * this agent or by an old one (which logs it as an unknown order and writes nothing).
 * The spec is docs/control-protocol.md.
 *
 * @param name     what is asked, lower case
 * @param id       echoed in the reply so the host can match it (0 when none was given)
 * @param argument what follows {@code :} after the id ({@code ?set-heartbeat/7:1000}), or null
 */
public record Request(String name, long id, String argument) {
    public static final char PREFIX = '?';
    private static final Pattern FORM = Pattern.compile(
            "\\?([a-z][a-z0-9-]{0,31})(?:/([0-9]{1,10})(?::([0-9A-Za-z._-]{1,24}))?)?");
    public static final long MAX_ID = 0xffff_ffffL;

    /** The request a token spells, or empty when it is not a well-formed one. */
    public static Optional<Request> parse(String token) {
        Matcher m = FORM.matcher(token);
        if (!m.matches()) {
            return Optional.empty();
        }
        long id = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
        return id > MAX_ID ? Optional.empty() : Optional.of(new Request(m.group(1), id, m.group(3)));
    }

    public Request(String name, long id) {
        this(name, id, null);
    }

    /** What the host writes: {@code ?name/id\n}. */
    public String wire() {
        return this + "\n";
    }

    @Override
    public String toString() {
        return PREFIX + name + "/" + id + (argument == null ? "" : ":" + argument);
    }
}
