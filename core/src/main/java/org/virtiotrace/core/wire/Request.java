package org.virtiotrace.core.wire;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
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
 * @param argument what follows {@code :} after the id ({@code ?set-heartbeat/7:1000}), or null; text
 *                 that is more than a word travels as base64url ({@link #withText}, {@link #text})
 */
public record Request(String name, long id, String argument) {
    public static final char PREFIX = '?';
    private static final Pattern FORM = Pattern.compile(
            "\\?([a-z][a-z0-9-]{0,31})(?:/([0-9]{1,10})(?::([0-9A-Za-z._-]{1," + Request.MAX_ARGUMENT + "}))?)?");
    public static final long MAX_ID = 0xffff_ffffL;
    /** Longest argument: text arguments (a trace configuration) travel as base64url, up to 48 KiB of text. */
    public static final int MAX_ARGUMENT = 65536;

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

    /** A request whose argument is any UTF-8 text, carried as unpadded base64url (RFC 4648 section 5). */
    public static Request withText(String name, long id, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        String arg = Base64.getUrlEncoder().withoutPadding().encodeToString(utf8);
        if (arg.isEmpty() || arg.length() > MAX_ARGUMENT) {
            throw new IllegalArgumentException("?" + name + ": " + utf8.length + " bytes of text; at most "
                    + MAX_ARGUMENT / 4 * 3 + " fit in a request");
        }
        return new Request(name, id, arg);
    }

    /** The text {@link #withText} carried; {@link IllegalArgumentException} when the argument is not base64url. */
    public String text() {
        if (argument == null) {
            return "";
        }
        return new String(Base64.getUrlDecoder().decode(argument), StandardCharsets.UTF_8);
    }

    /** What the host writes: {@code ?name/id\n}. */
    public String wire() {
        return PREFIX + name + "/" + id + (argument == null ? "" : ":" + argument) + "\n";
    }

    /** As logs quote it: a long argument is shortened to its length. */
    @Override
    public String toString() {
        String arg = argument == null ? "" : argument.length() <= 24 ? ":" + argument
                : ":(" + argument.length() + " characters)";
        return PREFIX + name + "/" + id + arg;
    }
}
