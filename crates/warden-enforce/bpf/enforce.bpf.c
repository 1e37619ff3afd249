// SPDX-License-Identifier: GPL-2.0
/*
 * Warden's in-kernel enforcement. Self-contained (the sensor's object hooks exec too;
 * the two never share maps). Programs:
 *
 *   cgroup/connect4|6, cgroup/sendmsg4|6, cgroup/bind4|6
 *       attached to the cgroup v2 root: deny by address prefix, port range, protocol
 *       and cgroup set; the caller gets EPERM. Verified on the project's kernel.
 *   tp_btf/sched_process_exec
 *       the exec backstop: SIGKILL (bpf_send_signal) for a deny-listed file, or a
 *       memfd / deleted executable. The signal is delivered on the return from
 *       execve, before the new image runs an instruction. The only hook that also
 *       catches fileless exec.
 *   lsm/bprm_check_security, lsm/file_open, lsm/socket_connect
 *       the preferred paths where the kernel lets BPF LSM programs load (the project's
 *       kernel refuses them with EPERM): -EPERM before the operation.
 *
 * Every denial and kill is reported through `enforce_events`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "enforce.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define SIGKILL 9
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define FMODE_WRITE 0x2
#define O_TRUNC 01000
#define OVERLAYFS_SUPER_MAGIC 0x794c7630

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} enforce_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enforce_config);
} enforce_config SEC(".maps");

/* Two tables of MAX_NET_RULES: userspace fills the idle one, then flips
 * config.net_active. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * MAX_NET_RULES);
	__type(key, __u32);
	__type(value, struct net_rule);
} net_rules SEC(".maps");

/* (cgroup id, set) pairs: a process belongs to a set when its cgroup or one of that
 * cgroup's ancestors is paired with it. Set EXEMPT_SET is never enforced on. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cgroup_set_key);
	__type(value, __u8);
} cgroup_sets SEC(".maps");

/* Thread-group ids never enforced on: the agent and the helpers it marks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} exempt_tgids SEC(".maps");

/* Files whose exec is killed (backstop) or denied (BPF LSM) -> the agent's rule id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct file_key);
	__type(value, __u32);
} exec_deny SEC(".maps");

/* Files protected from opens (BPF LSM file_open) -> PROTECT_*. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct file_key);
	__type(value, __u32);
} protected_files SEC(".maps");

static __always_inline void count(__u32 index)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &index);
	if (value)
		*value += 1;
}

static __always_inline bool in_cgroup_set(__u32 set)
{
	struct cgroup_set_key key = { .set = set };
	__u64 self = bpf_get_current_cgroup_id();

	key.cgroup_id = self;
	if (bpf_map_lookup_elem(&cgroup_sets, &key))
		return true;
	for (int level = 1; level < MAX_CGROUP_DEPTH; level++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);
		if (id == 0 || id == self)
			break;
		key.cgroup_id = id;
		if (bpf_map_lookup_elem(&cgroup_sets, &key))
			return true;
	}
	return false;
}

static __always_inline bool exempt(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (bpf_map_lookup_elem(&exempt_tgids, &tgid))
		return true;
	return in_cgroup_set(EXEMPT_SET);
}

static __always_inline struct enforce_config *current_config(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&enforce_config, &zero);
}

static __always_inline void fill_task(struct enforce_event *e, __u32 kind, __u32 reason, __u32 rule_id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	e->kind = kind;
	e->reason = reason;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->rule_id = rule_id;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->ktime_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* ---- network ------------------------------------------------------------------ */

struct net_call {
	__u32 addr[4];
	__u16 port;
	__u8 family;
	__u8 protocol;
	__u8 protocol_bit;
	__u8 operation;
};

static __always_inline bool rule_matches(const struct net_rule *r, const struct net_call *c)
{
	const __u32 *want = (const __u32 *)r->addr;
	const __u32 *mask = (const __u32 *)r->mask;

	if (r->family != c->family || !(r->operations & c->operation) || !(r->protocols & c->protocol_bit))
		return false;
	if (c->port < r->port_lo || c->port > r->port_hi)
		return false;
	if ((c->addr[0] & mask[0]) != want[0] || (c->addr[1] & mask[1]) != want[1] ||
	    (c->addr[2] & mask[2]) != want[2] || (c->addr[3] & mask[3]) != want[3])
		return false;
	return !r->cgroup_set || in_cgroup_set(r->cgroup_set);
}

struct rule_scan {
	struct net_call *call;
	__u32 table;
	__u32 count;
	long rule_id; /* -1 until a rule matches */
};

/* One rule per bpf_loop step: the verifier checks this body once, not once per rule
 * (a plain loop over 128 rules made the six network programs take seconds to load). */
static long scan_rule(__u32 i, struct rule_scan *scan)
{
	if (i >= scan->count)
		return 1;
	__u32 index = scan->table * MAX_NET_RULES + i;
	struct net_rule *r = bpf_map_lookup_elem(&net_rules, &index);
	if (r && rule_matches(r, scan->call)) {
		scan->rule_id = r->id;
		return 1;
	}
	return 0;
}

/* The id of the first rule denying the call, or -1. */
static __always_inline long net_denied(struct net_call *c)
{
	struct enforce_config *cfg = current_config();
	if (!cfg)
		return -1;
	__u64 active = cfg->net_active;
	struct rule_scan scan = {
		.call = c,
		.table = (active >> 32) & 1,
		.count = (__u32)active,
		.rule_id = -1,
	};

	if (scan.count == 0)
		return -1;
	/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d on a dual-stack socket) is an IPv4
	 * destination: IPv4 rules apply. */
	if (c->family == 6 && c->addr[0] == 0 && c->addr[1] == 0 && c->addr[2] == bpf_htonl(0xffff)) {
		c->family = 4;
		c->addr[0] = c->addr[3];
		c->addr[1] = 0;
		c->addr[2] = 0;
		c->addr[3] = 0;
	}
	bpf_loop(MAX_NET_RULES, scan_rule, &scan, 0);
	return scan.rule_id;
}

static __always_inline void report_net(const struct net_call *c, __u32 rule_id)
{
	count(COUNT_NET_DENIED);
	struct enforce_event *e = bpf_ringbuf_reserve(&enforce_events, sizeof(*e), 0);
	if (!e) {
		count(COUNT_RING_LOST);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_task(e, EVENT_NET_DENIED, c->operation, rule_id);
	__builtin_memcpy(e->addr, c->addr, sizeof(e->addr));
	e->port = c->port;
	e->family = c->family;
	e->protocol = c->protocol;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline __u8 protocol_bit(__u32 protocol)
{
	if (protocol == IPPROTO_TCP)
		return PROTO_TCP;
	if (protocol == IPPROTO_UDP)
		return PROTO_UDP;
	return PROTO_OTHER;
}

/* 1 lets the call through, 0 fails it with EPERM. */
static __always_inline int check_call(struct bpf_sock_addr *ctx, struct net_call *c)
{
	c->port = bpf_ntohs((__u16)ctx->user_port);
	c->protocol = ctx->protocol;
	c->protocol_bit = protocol_bit(c->protocol);
	long rule = net_denied(c);
	if (rule < 0)
		return 1;
	report_net(c, (__u32)rule);
	return 0;
}

static __always_inline int check_v4(struct bpf_sock_addr *ctx, __u8 operation)
{
	if (exempt())
		return 1;
	struct net_call c = {
		.family = 4,
		.operation = operation,
	};
	c.addr[0] = ctx->user_ip4;
	return check_call(ctx, &c);
}

static __always_inline int check_v6(struct bpf_sock_addr *ctx, __u8 operation)
{
	if (exempt())
		return 1;
	struct net_call c = {
		.family = 6,
		.operation = operation,
	};
	/* Fixed offsets: the verifier refuses a variable index into the context. */
	c.addr[0] = ctx->user_ip6[0];
	c.addr[1] = ctx->user_ip6[1];
	c.addr[2] = ctx->user_ip6[2];
	c.addr[3] = ctx->user_ip6[3];
	return check_call(ctx, &c);
}

SEC("cgroup/connect4")
int enforce_connect4(struct bpf_sock_addr *ctx)
{
	return check_v4(ctx, OP_CONNECT);
}

SEC("cgroup/connect6")
int enforce_connect6(struct bpf_sock_addr *ctx)
{
	return check_v6(ctx, OP_CONNECT);
}

SEC("cgroup/sendmsg4")
int enforce_sendmsg4(struct bpf_sock_addr *ctx)
{
	return check_v4(ctx, OP_SENDMSG);
}

SEC("cgroup/sendmsg6")
int enforce_sendmsg6(struct bpf_sock_addr *ctx)
{
	return check_v6(ctx, OP_SENDMSG);
}

SEC("cgroup/bind4")
int enforce_bind4(struct bpf_sock_addr *ctx)
{
	return check_v4(ctx, OP_BIND);
}

SEC("cgroup/bind6")
int enforce_bind6(struct bpf_sock_addr *ctx)
{
	return check_v6(ctx, OP_BIND);
}

/* ---- exec and open ----------------------------------------------------------- */

struct file_hit {
	struct file_key key;
	__u32 reason;
	__u32 rule_id;
};

/* Looks a file up in `map` by its own identity and, for an overlay file, by the real
 * file underneath (the upper one when copied up, else the top lower one): fanotify and
 * a host-side stat name the real file, the exec'ing task sees the overlay one. */
static __always_inline bool file_listed(void *map, struct file *file, struct file_hit *hit)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	__u32 *value;

	hit->key.dev = BPF_CORE_READ(sb, s_dev);
	hit->key.ino = BPF_CORE_READ(inode, i_ino);
	value = bpf_map_lookup_elem(map, &hit->key);
	if (value) {
		hit->reason = REASON_DENY_LIST;
		hit->rule_id = *value;
		return true;
	}
	if (BPF_CORE_READ(sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return false;

	struct ovl_inode *ovl = container_of(inode, struct ovl_inode, vfs_inode);
	struct dentry *real = BPF_CORE_READ(ovl, __upperdentry);
	if (!real) {
		struct ovl_entry *oe = BPF_CORE_READ(ovl, oe);
		if (!oe || BPF_CORE_READ(oe, __numlower) == 0)
			return false;
		/* The flexible array's first element, by offset: CO-RE cannot index a
		 * zero-length array. */
		struct ovl_path *top = (void *)oe + bpf_core_field_offset(struct ovl_entry, __lowerstack);
		real = BPF_CORE_READ(top, dentry);
	}
	struct inode *real_inode = BPF_CORE_READ(real, d_inode);
	if (!real_inode)
		return false;
	hit->key.dev = BPF_CORE_READ(real_inode, i_sb, s_dev);
	hit->key.ino = BPF_CORE_READ(real_inode, i_ino);
	value = bpf_map_lookup_elem(map, &hit->key);
	if (!value)
		return false;
	hit->reason = REASON_DENY_LIST_REAL;
	hit->rule_id = *value;
	return true;
}

/* REASON_MEMFD / REASON_DELETED when the fileless policy covers this file and this
 * process, else 0. */
static __always_inline __u32 fileless_reason(struct file *file)
{
	struct enforce_config *cfg = current_config();
	if (!cfg || !cfg->fileless)
		return 0;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (BPF_CORE_READ(inode, __i_nlink) != 0)
		return 0;
	char prefix[6] = {};
	bpf_probe_read_kernel(prefix, sizeof(prefix), BPF_CORE_READ(file, f_path.dentry, d_name.name));
	bool memfd = prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' &&
		     prefix[4] == 'd' && prefix[5] == ':';
	__u32 wanted = memfd ? FILELESS_MEMFD : FILELESS_DELETED;
	if (!(cfg->fileless & wanted))
		return 0;
	if (cfg->fileless_set && !in_cgroup_set(cfg->fileless_set))
		return 0;
	return memfd ? REASON_MEMFD : REASON_DELETED;
}

/* Whether this exec's file is listed or fileless; fills `hit`. */
static __always_inline bool exec_denied(struct file *file, struct file_hit *hit)
{
	if (!file)
		return false;
	if (file_listed(&exec_deny, file, hit))
		return true;
	__u32 reason = fileless_reason(file);
	if (!reason)
		return false;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	hit->key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	hit->key.ino = BPF_CORE_READ(inode, i_ino);
	hit->reason = reason;
	hit->rule_id = 0;
	return true;
}

static __always_inline void report_file(__u32 kind, const struct file_hit *hit, const char *filename)
{
	struct enforce_event *e = bpf_ringbuf_reserve(&enforce_events, sizeof(*e), 0);
	if (!e) {
		count(COUNT_RING_LOST);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_task(e, kind, hit->reason, hit->rule_id);
	e->dev = hit->key.dev;
	e->ino = hit->key.ino;
	if (filename)
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_backstop, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct file_hit hit = {};

	if (exempt())
		return 0;
	/* `file` is what runs: for a script, its interpreter (the script's own file is
	 * closed by now; scripts are stopped by fanotify, which sees their exec).
	 * `executable` is the original file when a binfmt_misc handler keeps it open. */
	struct file *executable = bpf_core_field_exists(bprm->executable) ? bprm->executable : 0;
	if (!exec_denied(bprm->file, &hit) && !exec_denied(executable, &hit))
		return 0;
	bpf_send_signal(SIGKILL);
	count(COUNT_EXEC_KILLED);
	report_file(EVENT_EXEC_KILLED, &hit, bprm->filename);
	return 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(lsm_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct file_hit hit = {};

	/* Called once per interpreter hop, with `file` the hop's file. */
	if (ret || exempt() || !exec_denied(bprm->file, &hit))
		return ret;
	count(COUNT_EXEC_DENIED);
	report_file(EVENT_EXEC_DENIED, &hit, bprm->filename);
	return -EPERM;
}

SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, struct file *file, int ret)
{
	struct file_hit hit = {};

	if (ret || exempt() || !file_listed(&protected_files, file, &hit))
		return ret;
	/* rule_id holds the PROTECT_* flags here. */
	bool writes = (file->f_mode & FMODE_WRITE) || (file->f_flags & O_TRUNC);
	if (!(hit.rule_id & PROTECT_READ) && !(writes && (hit.rule_id & PROTECT_WRITE)))
		return 0;
	count(COUNT_OPEN_DENIED);
	report_file(EVENT_OPEN_DENIED, &hit, 0);
	return -EPERM;
}

SEC("lsm/socket_connect")
int BPF_PROG(lsm_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	struct net_call c = { .operation = OP_CONNECT };
	__u16 family;

	if (ret || exempt())
		return ret;
	bpf_probe_read_kernel(&family, sizeof(family), &address->sa_family);
	if (family == AF_INET && addrlen >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in *in = (void *)address;
		c.family = 4;
		c.addr[0] = BPF_CORE_READ(in, sin_addr.s_addr);
		c.port = bpf_ntohs(BPF_CORE_READ(in, sin_port));
	} else if (family == AF_INET6 && addrlen >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *in6 = (void *)address;
		c.family = 6;
		bpf_probe_read_kernel(c.addr, sizeof(c.addr), &in6->sin6_addr);
		c.port = bpf_ntohs(BPF_CORE_READ(in6, sin6_port));
	} else {
		return 0;
	}
	c.protocol = BPF_CORE_READ(sock, sk, sk_protocol);
	c.protocol_bit = protocol_bit(c.protocol);
	long rule = net_denied(&c);
	if (rule < 0)
		return 0;
	report_net(&c, (__u32)rule);
	return -EPERM;
}
