package org.virtiotrace.core.config;

/**
 * One {@code -e} as the host gave it, with the {@code -f} that followed it.
 *
 * @param spec   trace-cmd's forms: {@code SYSTEM}, {@code EVENT}, {@code SYSTEM:EVENT} (or
 *               {@code SYSTEM/EVENT}), each part a glob; {@code all} for every event
 * @param filter the event filter for what {@code spec} names, or null
 */
public record EventChoice(String spec, String filter) {
    public EventChoice {
        if (spec == null || spec.isBlank() || spec.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("an event needs a name");
        }
        if (filter != null && (filter.isBlank() || filter.indexOf('\n') >= 0)) {
            throw new IllegalArgumentException("a filter is one line of text: " + filter);
        }
    }

    public EventChoice withFilter(String f) {
        return new EventChoice(spec, f);
    }
}
