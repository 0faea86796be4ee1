package org.virtiotrace.host.sync;

/**
 * The best of a burst of probes: the one whose messages travelled fastest (trace-cmd's ptp
 * rule), so its bound is the tightest the burst could give.
 *
 * @param best    that probe
 * @param probes  probes answered in the burst
 * @param asked   probes sent
 * @param method  how the guest read its trace clock ("exact" or "marker")
 */
public record SyncSample(Probe best, int probes, int asked, String method) {
    public long guestTime() {
        return best.guestTime();
    }

    public long hostTime() {
        return best.hostTime();
    }

    public long offset() {
        return best.offset();
    }

    public long bound() {
        return best.bound();
    }
}
