/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared layout between enforce.bpf.c and src/kernel.rs: map keys, map values and
 * the ring-buffer record. Every struct is mirrored field for field in Rust with a size
 * assertion on each side; change both together.
 */
#ifndef WARDEN_ENFORCE_H
#define WARDEN_ENFORCE_H

#define MAX_NET_RULES 128      /* per table; net_rules holds two tables */
#define MAX_CGROUP_DEPTH 16    /* ancestor levels searched for cgroup-set membership */
#define EXEMPT_SET 0xffffffffu /* the cgroup set whose members are never enforced on */

/* net_rule.operations and enforce_event.reason for network denials */
#define OP_CONNECT (1 << 0)
#define OP_SENDMSG (1 << 1)
#define OP_BIND (1 << 2)

/* net_rule.protocols */
#define PROTO_TCP (1 << 0)
#define PROTO_UDP (1 << 1)
#define PROTO_OTHER (1 << 2)

/* enforce_config.fileless */
#define FILELESS_MEMFD (1 << 0)
#define FILELESS_DELETED (1 << 1)

/* protected_files values (BPF LSM file_open) */
#define PROTECT_WRITE (1 << 0)
#define PROTECT_READ (1 << 1)

/* enforce_event.kind */
#define EVENT_NET_DENIED 1
#define EVENT_EXEC_KILLED 2
#define EVENT_EXEC_DENIED 3 /* BPF LSM bprm_check_security */
#define EVENT_OPEN_DENIED 4 /* BPF LSM file_open */

/* enforce_event.reason for exec and open events */
#define REASON_DENY_LIST 1      /* the file's own (dev, ino) is listed */
#define REASON_DENY_LIST_REAL 2 /* an overlay file whose real (upper or lower) file is listed */
#define REASON_MEMFD 3
#define REASON_DELETED 4

/* counters (per-CPU array index) */
#define COUNT_NET_DENIED 0
#define COUNT_EXEC_KILLED 1
#define COUNT_EXEC_DENIED 2
#define COUNT_OPEN_DENIED 3
#define COUNT_RING_LOST 4
#define COUNT_MAX 5

/* A file as the kernel names it: the superblock's s_dev (MAJOR << 20 | MINOR, not
 * glibc's st_dev encoding) and the inode number. */
struct file_key {
	__u64 dev;
	__u64 ino;
};

/* Deny `operations` on `protocols` to addresses with (addr & mask) == addr and a port
 * in [port_lo, port_hi], for processes in cgroup set `cgroup_set` (0 = every process).
 * IPv4 rules use the first four bytes of addr and mask. */
struct net_rule {
	__u8 addr[16];
	__u8 mask[16];
	__u16 port_lo;
	__u16 port_hi;
	__u8 family; /* 4 or 6 */
	__u8 protocols;
	__u8 operations;
	__u8 pad;
	__u32 cgroup_set;
	__u32 id; /* the agent's rule number, echoed in events */
};

struct cgroup_set_key {
	__u64 cgroup_id;
	__u32 set;
	__u32 pad;
};

struct enforce_config {
	/* (live table << 32) | rule count: one 8-byte word, so a program never sees the
	 * count of one table with the other table's rules. */
	__u64 net_active;
	__u32 fileless;     /* FILELESS_* */
	__u32 fileless_set; /* cgroup set the fileless policy covers; 0 = every process */
};

struct enforce_event {
	__u32 kind;
	__u32 reason; /* OP_* for network events, REASON_* for exec and open events */
	__u32 pid;    /* thread-group id */
	__u32 tid;
	__u32 uid;
	__u32 rule_id;
	__u64 cgroup_id;
	__u64 ktime_ns; /* CLOCK_MONOTONIC */
	__u64 dev;      /* exec/open: the listed file */
	__u64 ino;
	__u8 addr[16]; /* network: the address of the denied call (v4 in the first 4 bytes) */
	__u16 port;
	__u8 family; /* 4 or 6 */
	__u8 protocol; /* IPPROTO_* */
	__u32 pad;
	char comm[16];
	char filename[256]; /* exec: the path the caller passed */
};

#endif
