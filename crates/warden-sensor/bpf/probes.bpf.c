// SPDX-License-Identifier: GPL-2.0
/*
 * Capability probes: one tiny program per kernel feature the sensor could use. The
 * loader tries to load each (never attaching it); a load that succeeds is the only
 * trustworthy answer (/sys/kernel/security/lsm and `bpftool feature probe` both
 * mislead on the project's kernel).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} probe_ring SEC(".maps");

SEC("lsm/bprm_check_security")
int BPF_PROG(probe_lsm, struct linux_binprm *bprm)
{
	return 0;
}

SEC("fentry/security_bprm_check")
int BPF_PROG(probe_fentry, struct linux_binprm *bprm)
{
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(probe_tp_btf, struct task_struct *task)
{
	return 0;
}

SEC("iter/task")
int probe_iter_task(struct bpf_iter__task *ctx)
{
	return 0;
}

SEC("cgroup/connect4")
int probe_cgroup_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(probe_ring_buffer, struct task_struct *task)
{
	__u32 value = 0;
	bpf_ringbuf_output(&probe_ring, &value, sizeof(value), BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(probe_send_signal, struct task_struct *task)
{
	/* Never true at run time; the verifier still checks the helper is allowed. */
	if (bpf_get_current_pid_tgid() == 0)
		bpf_send_signal(9);
	return 0;
}
