/*
 * libvtshim: the few system calls the agent makes on its hot path or that
 * jnr-ffi cannot bind safely.
 *
 * Why a shim rather than binding libc directly:
 *  - jnr-ffi passes garbage in some six-argument calls on x86-64 (jnr-ffi #181);
 *    splice(2) has six. Every function here takes five arguments or fewer.
 *  - Each call returns -errno itself, so Java never reads a thread-local errno
 *    that the JVM could have clobbered between the call and the read.
 *  - EINTR is retried here, once, in one place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Bumped when a signature changes; the Java side refuses a mismatching library. */
int vt_abi_version(void) { return 6; }

/* splice(2) between two descriptors without offsets. Returns bytes moved, 0, or -errno. */
long vt_splice(int fd_in, int fd_out, long len, int flags)
{
	ssize_t n;
	do {
		n = splice(fd_in, NULL, fd_out, NULL, (size_t)len, (unsigned int)flags);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (long)n;
}

/*
 * poll(2) on up to three descriptors. Each is given as (fd << 16) | events in
 * one 64-bit argument (four arguments in all, clear of jnr-ffi #181); a negative
 * fd is ignored, as poll does. Returns the revents of the first in bits 0..9,
 * the second in 10..19, the third in 20..29; 0 on timeout or EINTR; or -errno.
 * Three is all the agent ever waits on: the trace pipe, the port, and its
 * wake-up eventfd.
 */
static struct pollfd unpack(long fd_events)
{
	struct pollfd p = { .fd = (int)(fd_events >> 16), .events = (short)(fd_events & 0xffff) };
	return p;
}

int vt_poll3(long a, long b, long c, int timeout_ms)
{
	struct pollfd p[3] = { unpack(a), unpack(b), unpack(c) };
	int n = poll(p, 3, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return (p[0].revents & 0x3ff) | ((p[1].revents & 0x3ff) << 10) | ((p[2].revents & 0x3ff) << 20);
}

/*
 * sd_notify(3) without libsystemd: one datagram to the AF_UNIX socket named by
 * NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). The JDK has no
 * AF_UNIX datagram socket. Returns 0 or -errno.
 */
int vt_notify(const char *socket_path, const char *message)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(socket_path);
	if (len == 0 || len >= sizeof(addr.sun_path))
		return -EINVAL;
	memcpy(addr.sun_path, socket_path, len);
	if (addr.sun_path[0] == '@')
		addr.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do {
		n = sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&addr,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	} while (n < 0 && errno == EINTR);
	int err = errno;
	close(fd);
	return n < 0 ? -err : 0;
}

/*
 * Anonymous memory that costs nothing until it is written: the agent's rings are
 * allocated at start but only become resident as pages go into them. Never unmapped
 * (the rings live as long as the process). Returns the address, or -errno.
 */
long vt_map_anonymous(long size)
{
	void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? -errno : (long)p;
}

/* Pins the calling thread to one CPU. Sized dynamically: CPU numbers may exceed CPU_SETSIZE. */
int vt_pin_cpu(int cpu)
{
	if (cpu < 0)
		return -EINVAL;
	size_t size = CPU_ALLOC_SIZE(cpu + 1);
	cpu_set_t *set = CPU_ALLOC(cpu + 1);
	if (!set)
		return -ENOMEM;
	CPU_ZERO_S(size, set);
	CPU_SET_S(cpu, size, set);
	int rc = sched_setaffinity(0, size, set);
	int err = errno;
	CPU_FREE(set);
	return rc < 0 ? -err : 0;
}

/*
 * Walks one ring-buffer page in the host's byte order, a 64-bit kernel's layout
 * (events/header_page: u64 timestamp, u64 commit, data; events/header_event: u32 type_len:5
 * time_delta:27, then the event), and returns the time of its last event, or LONG_MIN when the
 * events do not end exactly at the page's commit. It is the Java PageWalker's walk, step for step
 * (BeatWalkTest feeds both the same pages and requires the same answers): the host collector
 * checks every page it receives this way, and in Java the walk was a fifth of its CPU at the
 * heaviest load measured; here it is a few nanoseconds an event. BASE is a buffer's start and
 * OFFSET the page's, so Java passes one cached pointer per buffer.
 *
 * On the way it looks for the agent's heartbeats (docs/heartbeat.md, HeartbeatRecord.java): a
 * small data event (type_len 1..28) of 40 bytes or more of payload whose trace_entry type is
 * BEAT_KEY's high 32 bits and whose raw_data id is its low 32 bits (BEAT_KEY -1: none). BEAT[0]
 * gets the largest heartbeat counter in the page, or -1 when there is none; BEAT[1] that
 * heartbeat's time in the page's trace clock and BEAT[2] the guest CLOCK_MONOTONIC it carries.
 */
#define COMMIT_MASK ((1u << 27) - 1)
#define HB_TYPE 0
#define HB_ID 8
#define HB_COUNTER 16
#define HB_MONOTONIC 24
#define HB_MIN_PAYLOAD 40

long vt_page_walk(const unsigned char *base, int offset, int page_size, int64_t beat_key, int64_t *beat)
{
    const unsigned char *page = base + offset;
    uint64_t ts, commit;
    uint32_t beat_type = (uint32_t)((uint64_t)beat_key >> 32), beat_id = (uint32_t)beat_key;
    beat[0] = -1;
    memcpy(&ts, page, 8);
    memcpy(&commit, page + 8, 8);
    uint32_t data = (uint32_t)commit & COMMIT_MASK;
    if (page_size < 16 || data > (uint32_t)page_size - 16)
        return LONG_MIN;
    const unsigned char *p = page + 16, *end = p + data;
    uint64_t time = ts;
    while (p < end) {
        uint32_t h, word;
        if (end - p < 4)
            return LONG_MIN;
        memcpy(&h, p, 4);
        uint32_t type = h & 0x1f;
        uint64_t delta = h >> 5;
        long len;
        const unsigned char *payload = p + 4;
        if (type >= 1 && type <= 28) {
            len = 4 + (long)type * 4;
            time += delta;
        } else if (type == 29 && delta == 0) {
            return (long)time; /* null padding: the rest of the page is unused */
        } else {
            if (end - p < 8)
                return LONG_MIN;
            memcpy(&word, p + 4, 4);
            if (type == 0) {
                len = 4 + (long)(int32_t)word;
                payload = p + 8;
                time += delta;
            } else if (type == 29) {
                len = 4 + (long)(int32_t)word;
            } else { /* 30: time extend, 31: absolute time stamp */
                uint64_t high = (uint64_t)word << 27;
                time = type == 30 ? time + delta + high : (high | delta);
                len = 8;
            }
        }
        if (len < 4 || len > end - p)
            return LONG_MIN;
        long payload_len = (long)(p + len - payload);
        if (type >= 1 && type <= 28 && beat_key != -1 && payload_len >= HB_MIN_PAYLOAD) {
            uint16_t etype;
            uint32_t id;
            memcpy(&etype, payload + HB_TYPE, 2);
            memcpy(&id, payload + HB_ID, 4);
            if (etype == beat_type && id == beat_id) {
                int64_t counter;
                memcpy(&counter, payload + HB_COUNTER, 8);
                if (counter > beat[0]) {
                    beat[0] = counter;
                    beat[1] = (int64_t)time;
                    memcpy(&beat[2], payload + HB_MONOTONIC, 8);
                }
            }
        }
        p += len;
    }
    return (long)time;
}
