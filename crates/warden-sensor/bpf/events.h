/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire format between the kernel programs and userspace. Every struct here is
 * mirrored, field for field, in src/raw.rs, with a size assertion on each side; change
 * both together.
 *
 * An event is a fixed part followed by a blob of packed strings: `lens[i]` bytes for
 * string i, one after the other (each includes its terminating NUL when it was read as
 * a string). Only the used part of the blob is sent, so a short exec costs a few
 * hundred bytes of ring buffer, not the 4 KiB its argv slot could hold.
 */
#ifndef WARDEN_EVENTS_H
#define WARDEN_EVENTS_H

/* Event kinds; also the index of the per-kind loss counters. */
#define KIND_EXEC 1
#define KIND_FORK 2
#define KIND_EXIT 3
#define KIND_OPEN 4
#define KIND_PATH 5   /* unlink, rename, chmod, chown, link, symlink, mkdir, ... */
#define KIND_SOCKET 6 /* connect, accept, listen, bind, send*, recv*, dup, socket */
#define KIND_OTHER 7  /* ptrace, memfd_create, modules, mount, clocks, set*id, ns, bpf */
#define KIND_MAX 8

/* Blob geometry: string offsets are masked with BLOB_SIZE - 1, and one string is at
 * most ARGS_MAX bytes, so the blob is BLOB_SIZE + ARGS_MAX long. */
#define BLOB_SIZE 8192
#define ARGS_MAX 4096
#define PATH_MAX_READ 512
#define ADDR_MAX 128
#define CGROUP_MAX 256

/* exec_event.flags */
#define EXE_MEMFD (1 << 0)
#define EXE_DELETED (1 << 1)
#define EXE_UPPER_LAYER (1 << 2)
#define EXEC_ARGS_TRUNCATED (1 << 3)
#define EXEC_CGROUP_V1 (1 << 4) /* the cgroup string is the v1 memory hierarchy's path */
#define EXEC_PATH_TRUNCATED (1 << 5)

/* syscall_event.flags */
#define SYS_PATH_TRUNCATED (1 << 0)
#define SYS_FD_IS_SOCKET (1 << 1)

struct event_header {
	__u16 kind;
	__u16 nstr;
	__u32 syscall; /* x86_64 syscall number; for scheduler events, the syscall that caused it */
	__u64 boot_ns;
	__u64 exec_id;
	__u64 cgroup_id;
	__s64 res;
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;
	char comm[16];
};

struct exec_event {
	struct event_header h;
	__u64 start_boot_ns;
	__u64 parent_exec_id;
	__u64 mntns;
	__u64 pidns;
	__u64 exe_dev; /* the kernel's encoding: major << 20 | minor */
	__u64 exe_ino;
	__u64 exe_ctime_ns;
	__u64 exe_mtime_ns;
	__u32 exe_uid;
	__u32 exe_gid;
	__u32 exe_mode;
	__u32 tty; /* new_encode_dev(major, minor), as userspace's st_rdev */
	__u32 vpid;
	__u32 sid;
	__u32 flags;
	__u32 exec_flags; /* execveat's flags argument */
	/* filename as passed, resolved exe path, cwd, cgroup path, argv (NUL-separated) */
	__u16 lens[5];
	__u16 pad[3];
};

struct fork_event {
	struct event_header h;
	__u64 clone_flags;
	__u64 child_exec_id;
	__u64 child_start_boot_ns;
	__u32 child_pid;
	__u32 child_tid;
};

struct exit_event {
	struct event_header h;
	__u32 exit_code; /* the wait status: code << 8 | core << 7 | signal */
	__u32 pad;
};

/* What a socket fd is: enough for Falco's fd.* fields. */
struct sock_info {
	__u16 family;
	__u16 type;
	__u16 protocol;
	__u16 local_port;  /* host order */
	__u16 remote_port; /* host order */
	__u16 state;
	__u32 pad;
	__u8 local_addr[16];  /* IPv4 in the first 4 bytes */
	__u8 remote_addr[16];
};

struct syscall_event {
	struct event_header h;
	__u64 args[6]; /* the raw syscall arguments */
	/* values read in the kernel: OPEN the effective flags and mode; OTHER tv_sec or
	 * timex.modes read from user memory */
	__u64 aux[2];
	__u32 flags;
	__u32 fd_mode; /* i_mode of the fd the event is about, for its fd type */
	struct sock_info sock;
	/* per kind: OPEN raw, base, resolved; PATH raw1, base1, raw2, base2;
	 * SOCKET sockaddr bytes; OTHER up to four strings */
	__u16 lens[4];
};

/* The sizes src/raw.rs asserts too: a layout change must change both. */
_Static_assert(sizeof(struct event_header) == 112, "event_header");
_Static_assert(sizeof(struct exec_event) == 224, "exec_event");
_Static_assert(sizeof(struct fork_event) == 144, "fork_event");
_Static_assert(sizeof(struct exit_event) == 120, "exit_event");
_Static_assert(sizeof(struct sock_info) == 48, "sock_info");
_Static_assert(sizeof(struct syscall_event) == 240, "syscall_event");

#endif
