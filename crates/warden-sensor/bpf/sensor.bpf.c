// SPDX-License-Identifier: GPL-2.0
/*
 * Warden's kernel sensor. Attach points (all verified on the project's kernel; LSM,
 * fentry and kprobes are not available there):
 *
 *   tp_btf/sched_process_exec   exec events (BTF-typed bprm: filename, file, new mm)
 *   tp_btf/sched_process_fork   new processes (threads are not reported)
 *   tp_btf/sched_process_exit   process exits (when the last thread goes)
 *   tp_btf/sys_exit             one dispatcher for every other syscall: a tail call
 *                               through `syscall_programs`, indexed by syscall number,
 *                               into one of four handlers. Syscalls userspace did not
 *                               put in the array cost one failed tail call.
 *
 * The handlers read the syscall's arguments from pt_regs at exit (they are intact for
 * every syscall handled here), so there is no enter program and no per-thread map
 * carrying arguments from enter to exit.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before the programs are verified. */
const volatile __u32 sensor_tgid = 0;          /* the sensor's own events are dropped */
const volatile __u64 wakeup_bytes = 256 << 10; /* wake the reader only past this much data */
const volatile __u32 path_filter_enabled = 0;
const volatile __u32 path_default_verdict = 1; /* PATH_INCLUDE or PATH_EXCLUDE */

#define PATH_INCLUDE 1
#define PATH_EXCLUDE 2

#define AT_FDCWD -100
#define PF_KTHREAD 0x00200000
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define SOCK_STREAM 1

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* Ring-buffer reserve failures per event kind. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KIND_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

/* The exec id of a process's current image, kept on its thread-group leader. Task
 * storage rather than a hash keyed by tgid: no lock, no capacity, and the kernel frees
 * it with the task (an LRU hash's update and delete cost about 1 µs per exec here).
 * Processes that have not exec'd since the sensor started have none; their id is
 * derived from their start time. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} exec_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u32);
} syscall_programs SEC(".maps");

struct path_key {
	__u32 prefixlen;
	__u8 data[256];
};

/* Path prefixes -> PATH_INCLUDE / PATH_EXCLUDE; the longest matching prefix decides. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct path_key);
	__type(value, __u32);
} path_filters SEC(".maps");

struct send_key {
	__u32 tgid;
	__u32 fd;
};

/* The last destination each (process, fd) sent an unconnected datagram to: sendto and
 * sendmsg are reported only when it changes (Falco's fd.name_changed). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct send_key);
	__type(value, __u64);
} send_destinations SEC(".maps");

/* Per-CPU scratch: the event being built, a buffer for dentry walks (written
 * backwards), and the key for the path filter. */
struct event_buffer {
	union {
		struct event_header h;
		struct exec_event exec;
		struct syscall_event sys;
		struct fork_event fork;
		struct exit_event exit;
	};
	/* Each kind's blob starts right after its own struct, as userspace reads it. */
	char blob_space[BLOB_SIZE + ARGS_MAX];
};

#define WALK_HALF 512
struct cgroup_path {
	__u32 len; /* including the NUL */
	char path[CGROUP_MAX];
};

struct walk_buffer {
	char buf[WALK_HALF * 2];
	struct path_key key;
	__u8 key_tail[512];
	struct cgroup_path cgroup;
};

/* kernfs node id -> the cgroup's path. Walking a cgroup's path costs about 1 µs an
 * exec; a cgroup's path never changes in practice (cgroupfs allows renames, which no
 * runtime uses), and ids are never reused (64-bit: inode and generation), so each
 * cgroup is walked once. A full map only means walking again. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct cgroup_path);
} cgroup_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event_buffer);
} event_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_buffer);
} walk_scratch SEC(".maps");

/* Kernels before 6.14 call kernfs_node's parent `parent`. */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/* Kernels before 6.6 keep inode times as timespec64. */
struct inode___old {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

/* `v & mask`, with the mask kept even where the compiler can prove it redundant:
 * the verifier cannot, and needs it to bound the index. */
static __always_inline __u32 masked(__u32 v, __u32 mask)
{
	barrier_var(v);
	return v & mask;
}

static __always_inline struct event_buffer *event_buffer(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&event_scratch, &zero);
}

static __always_inline struct walk_buffer *walk_buffer(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&walk_scratch, &zero);
}

static __always_inline __u64 derived_exec_id(struct task_struct *task)
{
	/* Low byte 0xff: never produced by an exec, whose low byte is its CPU (< 255). */
	return (task->group_leader->start_boottime << 8) | 0xff;
}

static __always_inline __u64 exec_id_of(struct task_struct *task)
{
	__u64 *id = bpf_task_storage_get(&exec_ids, task->group_leader, 0, 0);
	return id ? *id : derived_exec_id(task);
}

static __always_inline void count_loss(__u32 kind)
{
	__u64 *count = bpf_map_lookup_elem(&lost_events, &kind);
	if (count)
		*count += 1;
}

static __always_inline void submit(struct event_buffer *buf, __u64 fixed, __u32 blob_used)
{
	__u64 size = fixed + masked(blob_used, BLOB_SIZE - 1);
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wakeup_bytes ? BPF_RB_FORCE_WAKEUP
										   : BPF_RB_NO_WAKEUP;
	if (size > sizeof(*buf))
		return;
	if (bpf_ringbuf_output(&events, buf, size, flags))
		count_loss(buf->h.kind);
}

/*
 * The header from the task's own fields. Programs here get BTF-typed task pointers
 * (tp_btf arguments, bpf_get_current_task_btf), so fields are read with direct,
 * CO-RE-relocated loads rather than bpf_probe_read_kernel calls. `now` is passed in:
 * a clock read costs about 0.6 µs on the project's (PVM guest) kernel, so each event
 * reads the clock at most once, and a fork not at all (the child's start time is it).
 */
static __always_inline void fill_header(struct event_header *h, struct task_struct *task, __u16 kind,
					__u32 syscall, __s64 res, __u64 now, __u64 exec_id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	const struct cred *cred = task->cred;

	h->kind = kind;
	h->nstr = 0;
	h->syscall = syscall;
	h->boot_ns = now;
	h->exec_id = exec_id;
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->res = res;
	if (bpf_core_field_exists(cred->cap_effective.val)) {
		h->cap_effective = cred->cap_effective.val;
		h->cap_permitted = cred->cap_permitted.val;
		h->cap_inheritable = cred->cap_inheritable.val;
	} else {
		/* Before 6.3 kernel_cap_t is two u32s, low first: 8 bytes read both. */
		bpf_probe_read_kernel(&h->cap_effective, 8, __builtin_preserve_access_index(&cred->cap_effective));
		bpf_probe_read_kernel(&h->cap_permitted, 8, __builtin_preserve_access_index(&cred->cap_permitted));
		bpf_probe_read_kernel(&h->cap_inheritable, 8, __builtin_preserve_access_index(&cred->cap_inheritable));
	}
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = task->real_parent->tgid;
	h->uid = cred->uid.val;
	h->gid = cred->gid.val;
	h->euid = cred->euid.val;
	h->egid = cred->egid.val;
	h->loginuid = bpf_core_field_exists(task->loginuid) ? task->loginuid.val : (__u32)-1;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Appends a user string at `*off`; returns its length including the NUL (0 on error). */
static __always_inline __u16 append_user_str(char *blob, __u32 *off, const void *src, __u32 max)
{
	long n;
	if (!src)
		return 0;
	n = bpf_probe_read_user_str(&blob[masked(*off, BLOB_SIZE - 1)], max & (ARGS_MAX - 1), src);
	if (n <= 0)
		return 0;
	*off += n;
	return n;
}

static __always_inline __u16 append_kernel_str(char *blob, __u32 *off, const void *src, __u32 max)
{
	long n = bpf_probe_read_kernel_str(&blob[masked(*off, BLOB_SIZE - 1)], max & (ARGS_MAX - 1), src);
	if (n <= 0)
		return 0;
	*off += n;
	return n;
}

static __always_inline __u16 append_user_bytes(char *blob, __u32 *off, const void *src, __u32 len,
					       __u32 max)
{
	if (!src || len == 0)
		return 0;
	if (len > max)
		len = max;
	if (bpf_probe_read_user(&blob[masked(*off, BLOB_SIZE - 1)], masked(len, ARGS_MAX - 1), src))
		return 0;
	*off += len & (ARGS_MAX - 1);
	return len & (ARGS_MAX - 1);
}

#define WALK_TRUNCATED 0x10000
#define WALK_MAX_COMPONENTS 40

/* The state of a dentry walk, shared with its bpf_loop callback. */
struct walk_state {
	struct walk_buffer *w;
	struct dentry *dentry;
	struct dentry *mnt_root; /* the current mount's root, read once per mount */
	struct mount *mnt;
	__u32 off;
	__u32 truncated;
	__u32 finished;
};

/* A dentry's parent and name, which the kernel keeps side by side. */
struct dentry_link {
	struct dentry *parent;
	struct qstr name;
};

/* One read for both where the layout allows (every kernel so far), two otherwise:
 * helper calls are most of a walk's cost. */
static __always_inline void read_link(struct dentry *dentry, struct dentry_link *link)
{
	__u32 parent_at = bpf_core_field_offset(struct dentry, d_parent);
	if (bpf_core_field_offset(struct dentry, d_name) == parent_at + 8) {
		bpf_probe_read_kernel(link, sizeof(*link), (void *)dentry + parent_at);
	} else {
		link->parent = BPF_CORE_READ(dentry, d_parent);
		link->name = BPF_CORE_READ(dentry, d_name);
	}
}

/* One step up the tree: a component, or a jump from a mount's root to its mountpoint.
 * A bpf_loop callback, so the verifier checks one step rather than every unrolled
 * path through 40 of them. */
static long walk_step(__u32 index, struct walk_state *st)
{
	/* Fields go through locals: a CO-RE read through `st` would be relocated
	 * against struct walk_state, which the kernel does not have. */
	struct walk_buffer *w = st->w;
	struct dentry *dentry = st->dentry;
	struct mount *mnt = st->mnt;
	struct dentry_link link;
	__u32 len, off = st->off;

	if (!w)
		return 1;
	if (dentry == st->mnt_root) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
		if (mnt == mnt_parent) {
			st->finished = 1;
			return 1;
		}
		st->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		st->mnt = mnt_parent;
		st->mnt_root = BPF_CORE_READ(mnt_parent, mnt.mnt_root);
		return 0;
	}
	read_link(dentry, &link);
	len = link.name.len;
	if (dentry == link.parent) {
		/* Not reachable from any mount root: an anonymous or detached file,
		 * named by its dentry alone ("memfd:x"). */
		if (off == WALK_HALF - 1 && len < WALK_HALF - 1) {
			off -= len;
			bpf_probe_read_kernel(&w->buf[masked(off, WALK_HALF - 1)], masked(len, 255), link.name.name);
			st->off = off;
		}
		st->finished = 1;
		return 1;
	}
	if (len > 255 || len + 1 > off) {
		st->truncated = 1;
		return 1;
	}
	off -= len + 1;
	bpf_probe_read_kernel(&w->buf[masked(off + 1, WALK_HALF - 1)], masked(len, 255), link.name.name);
	w->buf[masked(off, WALK_HALF - 1)] = '/';
	st->off = off;
	st->dentry = link.parent;
	return 0;
}

/*
 * Writes the absolute path of `dentry` on `vfsmnt` into w->buf, ending at
 * w->buf[WALK_HALF - 1] (the NUL), and returns where it starts, with WALK_TRUNCATED
 * set when the path had more components or bytes than fit. Crosses mounts up to the
 * mount namespace's root.
 */
static __always_inline __u32 walk_dentry(struct walk_buffer *w, struct dentry *dentry, struct vfsmount *vfsmnt)
{
	struct walk_state st = {
		.w = w,
		.dentry = dentry,
		.mnt_root = BPF_CORE_READ(vfsmnt, mnt_root),
		.mnt = container_of(vfsmnt, struct mount, mnt),
		.off = WALK_HALF - 1,
	};
	__u32 off;

	w->buf[WALK_HALF - 1] = 0;
	bpf_loop(WALK_MAX_COMPONENTS, walk_step, &st, 0);
	off = st.off;
	if (off == WALK_HALF - 1) {
		off -= 1;
		w->buf[off] = '/';
	}
	return off | (st.truncated || !st.finished ? WALK_TRUNCATED : 0);
}

static __always_inline __u16 append_dentry(char *blob, struct walk_buffer *w, __u32 *off,
					   struct dentry *dentry, struct vfsmount *mnt, __u32 *truncated)
{
	__u32 start = walk_dentry(w, dentry, mnt);
	if (start & WALK_TRUNCATED)
		*truncated = 1;
	return append_kernel_str(blob, off, &w->buf[masked(start, WALK_HALF - 1)], PATH_MAX_READ);
}

static __always_inline __u16 append_path(char *blob, struct walk_buffer *w, __u32 *off,
					 const struct path *path, __u32 *truncated)
{
	return append_dentry(blob, w, off, BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt), truncated);
}

static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd & 0xfffff]);
	return file;
}

/* The directory a relative path argument starts from: the cwd or `dirfd`. */
static __always_inline __u16 append_base(char *blob, struct walk_buffer *w, __u32 *off,
					 struct task_struct *task, long dirfd, __u32 *truncated)
{
	if ((int)dirfd == AT_FDCWD) {
		struct path pwd = BPF_CORE_READ(task, fs, pwd);
		return append_path(blob, w, off, &pwd, truncated);
	}
	struct file *file = fd_file(task, (int)dirfd);
	if (!file)
		return 0;
	struct path p = BPF_CORE_READ(file, f_path);
	return append_path(blob, w, off, &p, truncated);
}

/* Whether a path read into the blob is absolute. */
static __always_inline int blob_is_absolute(char *blob, __u32 at, __u16 len)
{
	return len > 1 && blob[masked(at, BLOB_SIZE - 1)] == '/';
}

struct dotdot_state {
	char *blob;
	__u32 at;
	__u32 len;
	char prev;
	__u32 found;
};

static long dotdot_step(__u32 i, struct dotdot_state *st)
{
	char *blob = st->blob;
	char c;

	if (!blob || i + 1 >= st->len)
		return 1;
	c = blob[masked(st->at + i, BLOB_SIZE - 1)];
	if (c == '.' && st->prev == '.') {
		st->found = 1;
		return 1;
	}
	st->prev = c;
	return 0;
}

/* Whether the string contains "..": such paths skip the prefix filter, so a rule on
 * /etc cannot be evaded with /tmp/../etc. */
static __always_inline int blob_has_dotdot(char *blob, __u32 at, __u16 len)
{
	struct dotdot_state st = {.blob = blob, .at = at, .len = len};
	bpf_loop(PATH_MAX_READ, dotdot_step, &st, 0);
	return st.found;
}

/* The filter verdict for `base`/`rel` (either may be empty), both strings in the blob. */
static __always_inline __u32 path_verdict(char *blob, struct walk_buffer *w, __u32 base_at,
					  __u16 base_len, __u32 rel_at, __u16 rel_len)
{
	__u32 n = 0, *verdict;

	/* Lengths include the NUL. */
	if (base_len > 1) {
		n = (base_len - 1) & 255;
		bpf_probe_read_kernel(w->key.data, masked(n, 255), &blob[masked(base_at, BLOB_SIZE - 1)]);
	}
	if (rel_len > 1) {
		if (n > 0 && n < 255 && w->key.data[masked(n - 1, 255)] != '/') {
			w->key.data[masked(n, 255)] = '/';
			n++;
		}
		__u32 rel = (rel_len - 1) & 255;
		bpf_probe_read_kernel(&w->key.data[masked(n, 255)], masked(rel, 255), &blob[masked(rel_at, BLOB_SIZE - 1)]);
		n += rel;
	}
	if (n > 256)
		n = 256;
	w->key.prefixlen = n * 8;
	verdict = bpf_map_lookup_elem(&path_filters, &w->key);
	return verdict ? *verdict : path_default_verdict;
}

static __always_inline int skip_current(struct task_struct *task)
{
	if (sensor_tgid && (bpf_get_current_pid_tgid() >> 32) == sensor_tgid)
		return 1;
	return task->flags & PF_KTHREAD;
}

static __always_inline __u64 regs_arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	case 5: return regs->r9;
	}
	return 0;
}

static __always_inline struct syscall_event *begin_syscall_event(struct event_buffer *buf, struct task_struct *task,
								 __u16 kind, struct pt_regs *regs, long ret)
{
	struct syscall_event *e = &buf->sys;
	__u32 nr = regs->orig_ax;

	fill_header(&e->h, task, kind, nr, ret, bpf_ktime_get_boot_ns(), exec_id_of(task));
	for (int i = 0; i < 6; i++)
		e->args[i] = regs_arg(regs, i);
	e->aux[0] = 0;
	e->aux[1] = 0;
	e->flags = 0;
	e->fd_mode = 0;
	__builtin_memset(&e->sock, 0, sizeof(e->sock));
	for (int i = 0; i < 4; i++)
		e->lens[i] = 0;
	return e;
}

/* ------------------------------------------------------------------ processes */

struct kernfs_state {
	struct walk_buffer *w;
	struct kernfs_node *kn;
	__u32 off;
};

static long kernfs_step(__u32 index, struct kernfs_state *st)
{
	struct walk_buffer *w = st->w;
	struct kernfs_node *kn = st->kn, *parent;
	long n;

	if (!w || !kn)
		return 1;
	if (bpf_core_field_exists(kn->__parent))
		parent = BPF_CORE_READ(kn, __parent);
	else
		parent = BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
	if (!parent)
		return 1; /* the hierarchy's root has no name of its own */
	/* Read the name into the upper half, then move it in front of what we have. */
	n = bpf_probe_read_kernel_str(&w->buf[WALK_HALF], 255, BPF_CORE_READ(kn, name));
	if (n <= 1 || (__u32)n > st->off)
		return 1;
	st->off -= n; /* n - 1 name bytes and a '/' */
	bpf_probe_read_kernel(&w->buf[masked(st->off + 1, WALK_HALF - 1)], masked(n - 1, 255), &w->buf[WALK_HALF]);
	w->buf[masked(st->off, WALK_HALF - 1)] = '/';
	st->kn = parent;
	return 0;
}

/* The path of a cgroup's kernfs node ("/a/b"), from the cache or walked (like
 * walk_dentry) and cached. */
static __always_inline struct cgroup_path *cgroup_path_of(struct walk_buffer *w, struct kernfs_node *kn)
{
	__u64 id = kn->id;
	struct cgroup_path *cached = bpf_map_lookup_elem(&cgroup_paths, &id);
	struct kernfs_state st = {.w = w, .kn = kn, .off = WALK_HALF - 1};
	long n;

	if (cached)
		return cached;
	w->buf[WALK_HALF - 1] = 0;
	bpf_loop(16, kernfs_step, &st, 0);
	if (st.off == WALK_HALF - 1) {
		st.off -= 1;
		w->buf[st.off] = '/';
	}
	n = bpf_probe_read_kernel_str(w->cgroup.path, CGROUP_MAX, &w->buf[masked(st.off, WALK_HALF - 1)]);
	w->cgroup.len = n > 0 ? n : 0;
	bpf_map_update_elem(&cgroup_paths, &id, &w->cgroup, BPF_NOEXIST);
	return &w->cgroup;
}

/* &pid->numbers[level]. `numbers` is a flexible array, which aya's CO-RE relocator
 * refuses to index; its offset and the element size are relocated instead. */
static __always_inline const void *pid_number(struct pid *pid, __u32 level)
{
	return (const void *)pid + bpf_core_field_offset(struct pid, numbers) +
	       (level & 31) * bpf_core_type_size(struct upid);
}

static __always_inline __u32 tty_of(struct task_struct *task)
{
	struct tty_struct *tty = task->signal->tty;
	__u32 major, minor;
	if (!tty)
		return 0;
	major = tty->driver->major;
	minor = tty->driver->minor_start + tty->index;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct event_buffer *buf;
	struct walk_buffer *w;
	struct exec_event *e;
	__u32 off = 0, truncated = 0;
	__u64 id, now;

	/* The new image gets a new exec id, whether or not its event is sent. */
	now = bpf_ktime_get_boot_ns();
	id = (now << 8) | (bpf_get_smp_processor_id() < 255 ? bpf_get_smp_processor_id() : 254);
	__u64 *slot = bpf_task_storage_get(&exec_ids, task->group_leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (slot)
		*slot = id;

	if (skip_current(task))
		return 0;
	buf = event_buffer();
	w = walk_buffer();
	if (!buf || !w)
		return 0;
	e = &buf->exec;
	char *blob = (char *)buf + sizeof(struct exec_event);

	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u32 nr = regs ? regs->orig_ax : 59;
	fill_header(&e->h, task, KIND_EXEC, nr, 0, now, id);
	e->h.nstr = 5;
	e->exec_flags = nr == 322 && regs ? regs->r8 : 0;
	e->flags = 0;
	e->start_boot_ns = task->group_leader->start_boottime;
	e->parent_exec_id = exec_id_of(task->real_parent);
	e->mntns = task->nsproxy->mnt_ns->ns.inum;

	/* The pointer is read as a plain value (not a BTF-typed one): the verifier allows
	 * the variable-offset arithmetic of pid_number only on that. */
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	__u32 level = task->thread_pid->level;
	struct upid upid = {};
	bpf_probe_read_kernel(&upid, sizeof(upid), pid_number(pid, level));
	e->vpid = upid.nr;
	e->pidns = BPF_CORE_READ(upid.ns, ns.inum);
	struct pid *session = task->signal->pids[PIDTYPE_SID];
	bpf_probe_read_kernel(&upid, sizeof(upid), pid_number(session, 0));
	e->sid = upid.nr;
	e->tty = tty_of(task);

	struct file *file = bprm->file;
	struct inode *inode = file->f_inode;
	e->exe_dev = inode->i_sb->s_dev;
	e->exe_ino = inode->i_ino;
	e->exe_uid = inode->i_uid.val;
	e->exe_gid = inode->i_gid.val;
	e->exe_mode = inode->i_mode;
	if (bpf_core_field_exists(inode->i_ctime_sec)) {
		e->exe_ctime_ns = inode->i_ctime_sec * 1000000000ULL + inode->i_ctime_nsec;
		e->exe_mtime_ns = inode->i_mtime_sec * 1000000000ULL + inode->i_mtime_nsec;
	} else {
		struct inode___old *old = (void *)inode;
		e->exe_ctime_ns = BPF_CORE_READ(old, i_ctime.tv_sec) * 1000000000ULL + BPF_CORE_READ(old, i_ctime.tv_nsec);
		e->exe_mtime_ns = BPF_CORE_READ(old, i_mtime.tv_sec) * 1000000000ULL + BPF_CORE_READ(old, i_mtime.tv_nsec);
	}
	if (inode->__i_nlink == 0) {
		char prefix[6] = {};
		bpf_probe_read_kernel(prefix, sizeof(prefix), file->f_path.dentry->d_name.name);
		if (prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' && prefix[4] == 'd' &&
		    prefix[5] == ':')
			e->flags |= EXE_MEMFD;
		else
			e->flags |= EXE_DELETED;
	}
	if (inode->i_sb->s_magic == OVERLAYFS_SUPER_MAGIC) {
		/* struct ovl_inode embeds the VFS inode; a file copied up (or created) in
		 * the container has an upper dentry. */
		struct ovl_inode *ovl = container_of(inode, struct ovl_inode, vfs_inode);
		if (BPF_CORE_READ(ovl, __upperdentry))
			e->flags |= EXE_UPPER_LAYER;
	}

	/* filename, exepath, cwd, cgroup, argv */
	e->lens[0] = append_kernel_str(blob, &off, bprm->filename, PATH_MAX_READ);
	e->lens[1] = append_dentry(blob, w, &off, file->f_path.dentry, file->f_path.mnt, &truncated);
	struct fs_struct *fs = task->fs;
	e->lens[2] = append_dentry(blob, w, &off, fs->pwd.dentry, fs->pwd.mnt, &truncated);

	struct css_set *cgroups = task->cgroups;
	struct cgroup_path *cg = cgroup_path_of(w, cgroups->dfl_cgrp->kn);
	if (cg->len <= 2 && bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
		/* Hybrid or v1-only machines: the v2 path is the root; the memory
		 * controller's hierarchy carries the container's path. */
		int memory = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
		struct cgroup_subsys_state *css = cgroups->subsys[memory & 15];
		if (css) {
			cg = cgroup_path_of(w, css->cgroup->kn);
			e->flags |= EXEC_CGROUP_V1;
		}
	}
	e->lens[3] = append_kernel_str(blob, &off, cg->path, CGROUP_MAX);

	struct mm_struct *mm = task->mm;
	unsigned long arg_start = mm->arg_start, arg_end = mm->arg_end;
	unsigned long args_len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (args_len > ARGS_MAX - 1) {
		args_len = ARGS_MAX - 1;
		e->flags |= EXEC_ARGS_TRUNCATED;
	}
	e->lens[4] = append_user_bytes(blob, &off, (void *)arg_start, args_len, ARGS_MAX - 1);
	if (truncated)
		e->flags |= EXEC_PATH_TRUNCATED;
	submit(buf, sizeof(struct exec_event), off);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct event_buffer *buf;
	struct fork_event *e;
	__u32 child_pid = child->tgid, child_tid = child->pid;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();

	if (child_pid != child_tid || skip_current(task))
		return 0; /* a new thread, or a kernel thread */
	buf = event_buffer();
	if (!buf)
		return 0;
	e = &buf->fork;

	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u32 nr = regs ? regs->orig_ax : 56;
	/* The child's start time is the fork's: no second clock read. */
	fill_header(&e->h, task, KIND_FORK, nr, child_pid, child->start_boottime, exec_id_of(task));
	switch (nr) {
	case 57: /* fork */
		e->clone_flags = 17; /* SIGCHLD */
		break;
	case 58: /* vfork */
		e->clone_flags = 0x4000 | 0x100 | 17; /* CLONE_VFORK | CLONE_VM | SIGCHLD */
		break;
	case 435: { /* clone3: flags are the first field of struct clone_args */
		__u64 flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)regs->di);
		e->clone_flags = flags;
		break;
	}
	default:
		e->clone_flags = regs ? regs->di : 0;
	}
	e->child_pid = child_pid;
	e->child_tid = child_tid;
	e->child_start_boot_ns = child->start_boottime;
	e->child_exec_id = (e->child_start_boot_ns << 8) | 0xff;
	submit(buf, sizeof(struct fork_event), 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	struct event_buffer *buf;
	struct exit_event *e;

	/* Only the last thread's exit ends the process (signal->live counts them). */
	if (task->signal->live.counter != 0 || skip_current(task))
		return 0;
	buf = event_buffer();
	if (!buf)
		return 0;
	e = &buf->exit;
	fill_header(&e->h, task, KIND_EXIT, 60, 0, bpf_ktime_get_boot_ns(), exec_id_of(task));
	e->exit_code = task->exit_code;
	e->pad = 0;
	submit(buf, sizeof(struct exit_event), 0);
	return 0;
}

/* ------------------------------------------------------------------ syscalls */

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u32 nr = regs->orig_ax;
	if (nr < 512)
		bpf_tail_call(ctx, &syscall_programs, nr);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_open, struct pt_regs *regs, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct event_buffer *buf;
	struct walk_buffer *w;
	struct syscall_event *e;
	__u32 off = 0, truncated = 0;
	long dirfd = AT_FDCWD;
	const char *raw;
	__u64 flags, mode;

	if (skip_current(task))
		return 0;
	buf = event_buffer();
	w = walk_buffer();
	if (!buf || !w)
		return 0;
	e = begin_syscall_event(buf, task, KIND_OPEN, regs, ret);
	char *blob = (char *)buf + sizeof(struct syscall_event);
	switch (e->h.syscall) {
	case 2: /* open(path, flags, mode) */
		raw = (const char *)e->args[0];
		flags = e->args[1];
		mode = e->args[2];
		break;
	case 85: /* creat(path, mode) */
		raw = (const char *)e->args[0];
		flags = 01 | 0100 | 01000; /* O_WRONLY | O_CREAT | O_TRUNC */
		mode = e->args[1];
		break;
	case 437: { /* openat2(dirfd, path, how, size) */
		__u64 how[2] = {};
		bpf_probe_read_user(how, sizeof(how), (void *)e->args[2]);
		dirfd = (int)e->args[0];
		raw = (const char *)e->args[1];
		flags = how[0];
		mode = how[1];
		break;
	}
	default: /* openat(dirfd, path, flags, mode) */
		dirfd = (int)e->args[0];
		raw = (const char *)e->args[1];
		flags = e->args[2];
		mode = e->args[3];
	}
	e->aux[0] = flags;
	e->aux[1] = mode;
	e->h.nstr = 3;

	__u32 raw_at = off;
	e->lens[0] = append_user_str(blob, &off, raw, PATH_MAX_READ);
	__u32 base_at = off;
	if (!blob_is_absolute(blob, raw_at, e->lens[0]))
		e->lens[1] = append_base(blob, w, &off, task, dirfd, &truncated);
	__u32 resolved_at = off, keep = 1;
	if (path_filter_enabled && !blob_has_dotdot(blob, raw_at, e->lens[0]))
		keep = path_verdict(blob, w, base_at, e->lens[1], raw_at, e->lens[0]) == PATH_INCLUDE;
	/* The opened file's own path (symlinks resolved) only where it matters: an empty
	 * path as passed, or one the filter drops, which may be a symlink into a watched
	 * tree. Walking it on every open made an open cost twice as much. */
	if (ret >= 0 && (e->lens[0] <= 1 || !keep)) {
		struct file *file = fd_file(task, ret);
		if (file) {
			struct path p = BPF_CORE_READ(file, f_path);
			e->fd_mode = BPF_CORE_READ(file, f_inode, i_mode);
			e->lens[2] = append_path(blob, w, &off, &p, &truncated);
		}
		if (!keep && e->lens[2])
			keep = path_verdict(blob, w, resolved_at, e->lens[2], 0, 0) == PATH_INCLUDE;
	}
	if (!keep)
		return 0;
	if (truncated)
		e->flags |= SYS_PATH_TRUNCATED;
	submit(buf, sizeof(struct syscall_event), off);
	return 0;
}

/* Which arguments of a path syscall are (dirfd, path) pairs or a bare fd; -1: none,
 * and a dirfd of -1 with a path means the cwd. */
struct path_args {
	__s8 dirfd1, path1, dirfd2, path2, fd;
	__u8 no_base1; /* path1 is stored as given (a symlink's target) */
};

static __always_inline int path_args_of(__u32 nr, struct path_args *a)
{
	a->dirfd1 = -1; a->path1 = -1; a->dirfd2 = -1; a->path2 = -1; a->fd = -1; a->no_base1 = 0;
	switch (nr) {
	case 87: case 84: case 83: case 90: case 92: case 94: /* unlink rmdir mkdir chmod chown lchown */
		a->path1 = 0; return 1;
	case 263: case 258: case 268: case 452: case 260: /* unlinkat mkdirat fchmodat fchmodat2 fchownat */
		a->dirfd1 = 0; a->path1 = 1; return 1;
	case 91: case 93: /* fchmod fchown */
		a->fd = 0; return 1;
	case 82: case 86: /* rename link */
		a->path1 = 0; a->path2 = 1; return 1;
	case 264: case 316: case 265: /* renameat renameat2 linkat */
		a->dirfd1 = 0; a->path1 = 1; a->dirfd2 = 2; a->path2 = 3; return 1;
	case 88: /* symlink(target, linkpath) */
		a->path1 = 0; a->no_base1 = 1; a->path2 = 1; return 1;
	case 266: /* symlinkat(target, newdirfd, linkpath) */
		a->path1 = 0; a->no_base1 = 1; a->dirfd2 = 1; a->path2 = 2; return 1;
	}
	return 0;
}

static __always_inline long arg_or_cwd(struct syscall_event *e, __s8 i)
{
	if (i < 0 || i > 5)
		return AT_FDCWD;
	return (int)e->args[i & 7];
}

static __always_inline const void *arg_ptr(struct syscall_event *e, __s8 i)
{
	if (i < 0 || i > 5)
		return NULL;
	return (const void *)e->args[i & 7];
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_path, struct pt_regs *regs, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct event_buffer *buf;
	struct walk_buffer *w;
	struct syscall_event *e;
	struct path_args a;
	__u32 off = 0, truncated = 0;

	if (skip_current(task))
		return 0;
	buf = event_buffer();
	w = walk_buffer();
	if (!buf || !w)
		return 0;
	e = begin_syscall_event(buf, task, KIND_PATH, regs, ret);
	char *blob = (char *)buf + sizeof(struct syscall_event);
	if (!path_args_of(e->h.syscall, &a))
		return 0;
	e->h.nstr = 4;

	__u32 raw1_at = off;
	e->lens[0] = append_user_str(blob, &off, arg_ptr(e, a.path1), PATH_MAX_READ);
	__u32 base1_at = off;
	if (a.fd >= 0) {
		struct file *file = fd_file(task, (int)e->args[a.fd & 7]);
		if (file) {
			struct path p = BPF_CORE_READ(file, f_path);
			e->fd_mode = BPF_CORE_READ(file, f_inode, i_mode);
			e->lens[1] = append_path(blob, w, &off, &p, &truncated);
		}
	} else if (!a.no_base1 && !blob_is_absolute(blob, raw1_at, e->lens[0])) {
		e->lens[1] = append_base(blob, w, &off, task, arg_or_cwd(e, a.dirfd1), &truncated);
	}
	__u32 raw2_at = off;
	e->lens[2] = append_user_str(blob, &off, arg_ptr(e, a.path2), PATH_MAX_READ);
	__u32 base2_at = off;
	if (e->lens[2] && !blob_is_absolute(blob, raw2_at, e->lens[2]))
		e->lens[3] = append_base(blob, w, &off, task, arg_or_cwd(e, a.dirfd2), &truncated);
	if (truncated)
		e->flags |= SYS_PATH_TRUNCATED;

	if (path_filter_enabled && !blob_has_dotdot(blob, raw1_at, e->lens[0]) &&
	    !blob_has_dotdot(blob, raw2_at, e->lens[2])) {
		__u32 keep = path_verdict(blob, w, base1_at, e->lens[1], raw1_at, e->lens[0]) == PATH_INCLUDE;
		if (!keep && e->lens[2])
			keep = path_verdict(blob, w, base2_at, e->lens[3], raw2_at, e->lens[2]) == PATH_INCLUDE;
		if (!keep)
			return 0;
	}
	submit(buf, sizeof(struct syscall_event), off);
	return 0;
}

static __always_inline void read_sock_info(struct syscall_event *e, struct task_struct *task, long fd)
{
	struct file *file = fd_file(task, fd);
	struct socket *sock;
	struct sock *sk;

	if (!file)
		return;
	e->fd_mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((e->fd_mode & S_IFMT) != S_IFSOCK)
		return;
	e->flags |= SYS_FD_IS_SOCKET;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	e->sock.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->sock.type = BPF_CORE_READ(sk, sk_type);
	e->sock.protocol = BPF_CORE_READ(sk, sk_protocol);
	e->sock.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->sock.local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->sock.remote_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->sock.family == 10) { /* AF_INET6 */
		bpf_probe_read_kernel(e->sock.local_addr, 16,
				      __builtin_preserve_access_index(&sk->__sk_common.skc_v6_rcv_saddr));
		bpf_probe_read_kernel(e->sock.remote_addr, 16,
				      __builtin_preserve_access_index(&sk->__sk_common.skc_v6_daddr));
	} else if (e->sock.family == 2) { /* AF_INET */
		bpf_probe_read_kernel(e->sock.local_addr, 4,
				      __builtin_preserve_access_index(&sk->__sk_common.skc_rcv_saddr));
		bpf_probe_read_kernel(e->sock.remote_addr, 4,
				      __builtin_preserve_access_index(&sk->__sk_common.skc_daddr));
	}
}

/* Reports a datagram peer (destination or source) only when it differs from the fd's
 * last one. */
static __always_inline int destination_changed(char *blob, struct syscall_event *e, __u32 at)
{
	struct send_key key = {.tgid = e->h.pid, .fd = (__u32)e->args[0]};
	__u64 words[4] = {};
	__u64 hash, *last;

	bpf_probe_read_kernel(words, sizeof(words), &blob[masked(at, BLOB_SIZE - 1)]);
	hash = words[0] ^ (words[1] * 31) ^ (words[2] * 961) ^ (words[3] * 29791);
	last = bpf_map_lookup_elem(&send_destinations, &key);
	if (last && *last == hash)
		return 0;
	bpf_map_update_elem(&send_destinations, &key, &hash, BPF_ANY);
	return 1;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_socket, struct pt_regs *regs, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct event_buffer *buf;
	struct syscall_event *e;
	__u32 off = 0;

	if (skip_current(task))
		return 0;
	buf = event_buffer();
	if (!buf)
		return 0;
	e = begin_syscall_event(buf, task, KIND_SOCKET, regs, ret);
	char *blob = (char *)buf + sizeof(struct syscall_event);
	e->h.nstr = 1;
	switch (e->h.syscall) {
	case 42: /* connect(fd, addr, len) */
	case 49: /* bind(fd, addr, len) */
		read_sock_info(e, task, (int)e->args[0]);
		e->lens[0] = append_user_bytes(blob, &off, (void *)e->args[1], (__u32)e->args[2], ADDR_MAX);
		break;
	case 43: /* accept(fd, addr, len) */
	case 288: /* accept4(fd, addr, len, flags) */
		read_sock_info(e, task, ret >= 0 ? ret : (int)e->args[0]);
		break;
	case 50: /* listen(fd, backlog) */
		read_sock_info(e, task, (int)e->args[0]);
		break;
	case 44: /* sendto(fd, buf, len, flags, addr, addrlen) */
	case 46: { /* sendmsg(fd, msg, flags) */
		void *addr = (void *)e->args[4];
		__u32 addr_len = (__u32)e->args[5];
		if (e->h.syscall == 46) {
			struct user_msghdr msg = {};
			bpf_probe_read_user(&msg, sizeof(msg), (void *)e->args[1]);
			addr = msg.msg_name;
			addr_len = msg.msg_namelen;
		}
		if (!addr)
			return 0; /* a connected socket's send: the connect was reported */
		read_sock_info(e, task, (int)e->args[0]);
		if (e->sock.type == SOCK_STREAM)
			return 0;
		e->lens[0] = append_user_bytes(blob, &off, addr, addr_len, ADDR_MAX);
		if (!destination_changed(blob, e, 0))
			return 0;
		break;
	}
	case 45: /* recvfrom(fd, buf, len, flags, addr, addrlen) */
	case 47: { /* recvmsg(fd, msg, flags) */
		/* Falco's inbound datagrams: reported when the source changes. */
		void *addr = (void *)e->args[4];
		__u32 addr_len = 0;
		if (ret < 0)
			return 0;
		if (e->h.syscall == 47) {
			struct user_msghdr msg = {};
			bpf_probe_read_user(&msg, sizeof(msg), (void *)e->args[1]);
			addr = msg.msg_name;
			addr_len = msg.msg_namelen;
		} else if (addr) {
			bpf_probe_read_user(&addr_len, sizeof(addr_len), (void *)e->args[5]);
		}
		if (!addr)
			return 0;
		read_sock_info(e, task, (int)e->args[0]);
		if (e->sock.type == SOCK_STREAM || (e->sock.family != 2 && e->sock.family != 10))
			return 0;
		e->lens[0] = append_user_bytes(blob, &off, addr, addr_len, ADDR_MAX);
		if (!destination_changed(blob, e, 0))
			return 0;
		break;
	}
	case 32: /* dup(fd) */
	case 33: /* dup2(fd, newfd) */
	case 292: /* dup3(fd, newfd, flags) */
		read_sock_info(e, task, (int)e->args[0]);
		if (!(e->flags & SYS_FD_IS_SOCKET))
			return 0; /* only sockets moved onto other fds matter */
		break;
	case 41: { /* socket(domain, type, protocol) */
		__u64 domain = e->args[0];
		/* unix, inet, inet6 and netlink sockets are everyday; their connects,
		 * binds and listens are reported instead. */
		if (domain == 1 || domain == 2 || domain == 10 || domain == 16)
			return 0;
		if (ret >= 0)
			read_sock_info(e, task, ret);
		break;
	}
	default:
		return 0;
	}
	submit(buf, sizeof(struct syscall_event), off);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_other, struct pt_regs *regs, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct event_buffer *buf;
	struct walk_buffer *w;
	struct syscall_event *e;
	__u32 off = 0, truncated = 0;

	if (skip_current(task))
		return 0;
	buf = event_buffer();
	w = walk_buffer();
	if (!buf || !w)
		return 0;
	e = begin_syscall_event(buf, task, KIND_OTHER, regs, ret);
	char *blob = (char *)buf + sizeof(struct syscall_event);
	e->h.nstr = 4;
	switch (e->h.syscall) {
	case 101: { /* ptrace(request, pid, addr, data): only what rules look for */
		__u64 request = e->args[0];
		if (!(request == 0 || request == 4 || request == 5 || request == 6 || request == 13 || request == 16 ||
		      request == 0x4206))
			return 0;
		break;
	}
	case 319: /* memfd_create(name, flags) */
		e->lens[0] = append_user_str(blob, &off, (void *)e->args[0], 256);
		break;
	case 175: /* init_module(image, len, params) */
		e->lens[0] = append_user_str(blob, &off, (void *)e->args[2], 256);
		break;
	case 313: { /* finit_module(fd, params, flags) */
		e->lens[0] = append_user_str(blob, &off, (void *)e->args[1], 256);
		struct file *file = fd_file(task, (int)e->args[0]);
		if (file) {
			struct path p = BPF_CORE_READ(file, f_path);
			e->lens[1] = append_path(blob, w, &off, &p, &truncated);
		}
		break;
	}
	case 165: /* mount(source, target, fstype, flags, data) */
		e->lens[0] = append_user_str(blob, &off, (void *)e->args[0], 256);
		e->lens[1] = append_user_str(blob, &off, (void *)e->args[1], PATH_MAX_READ);
		e->lens[2] = append_user_str(blob, &off, (void *)e->args[2], 64);
		break;
	case 166: /* umount2(target, flags) */
		e->lens[1] = append_user_str(blob, &off, (void *)e->args[0], PATH_MAX_READ);
		break;
	case 164: /* settimeofday(tv, tz): only setting the time counts */
		if (!e->args[0])
			return 0;
		bpf_probe_read_user(&e->aux[0], 8, (void *)e->args[0]);
		break;
	case 227: /* clock_settime(clock, tp) */
		bpf_probe_read_user(&e->aux[0], 8, (void *)e->args[1]);
		break;
	case 159: { /* adjtimex(buf): modes == 0 only reads the clock */
		__u32 modes = 0;
		bpf_probe_read_user(&modes, sizeof(modes), (void *)e->args[0]);
		if (modes == 0)
			return 0;
		e->aux[0] = modes;
		break;
	}
	case 105: case 106: case 113: case 114: case 117: case 119: /* set*id */
	case 272: case 308: case 321: case 323: /* unshare setns bpf userfaultfd */
		break;
	default:
		return 0;
	}
	if (truncated)
		e->flags |= SYS_PATH_TRUNCATED;
	submit(buf, sizeof(struct syscall_event), off);
	return 0;
}
