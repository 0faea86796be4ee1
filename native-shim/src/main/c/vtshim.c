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
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

/* Bumped when a signature changes; the Java side refuses a mismatching library. */
int vt_abi_version(void) { return 1; }

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
 * poll(2) on up to two descriptors (a negative fd is ignored, as poll does).
 * Returns revents of a in bits 0..15 and of b in bits 16..31, 0 on timeout,
 * or -errno. Two descriptors is all the agent ever waits on: the one it works
 * with and its wake-up eventfd.
 */
int vt_poll2(int fd_a, int events_a, int fd_b, int events_b, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = fd_a, .events = (short)events_a },
		{ .fd = fd_b, .events = (short)events_b },
	};
	int n = poll(p, 2, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return (p[0].revents & 0xffff) | ((p[1].revents & 0xffff) << 16);
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
