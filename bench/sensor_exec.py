#!/usr/bin/env python3
"""Side-by-side benchmark of the sensor's cost: an interleaved fork+exec loop with no
sensor, with the eBPF sensor (exec/fork/exit only, and all events) and with auditd
auditing execve, in the same run.

Each round runs every cell once, in a rotated order (so drift and neighbours' load hit
every cell alike); each cell forks and execs /bin/true --execs times from one process
(the machine's maximum exec rate for one core). Prints median wall times, the paired
median ratio of each cell to the no-sensor cell of the same round, the kernel's own
per-program cost (kernel.bpf_stats_enabled=1 while the benchmark runs) and the events
lost. A last phase runs one loop per core at once under the all-events sensor with the
default ring buffer, and reports its exec rate and losses.

    bench/sensor_exec.py                       # 5,000 execs per cell, 5 rounds
    bench/sensor_exec.py --execs 10000 --rounds 7

Needs root, cc, cargo, and auditd (apt-installed here on first use). The sensor under
test is the library with JSON encoding of every event (the `drain` example of
warden-sensor, what `warden trace --json` does minus the filter).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"all_ratio": 1.05, "exec_us": 6.0}
STATS_SYSCTL = Path("/proc/sys/kernel/bpf_stats_enabled")


def target_dir():
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def build(work):
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "-p", "warden-sensor", "--example", "drain"],
        cwd=ROOT,
        check=True,
    )
    loop = work / "sensor_forkexec"
    subprocess.run(["cc", "-O2", "-o", str(loop), str(ROOT / "bench" / "sensor_forkexec.c")], check=True)
    return target_dir() / "release" / "examples" / "drain", loop


def ensure_auditd():
    if shutil.which("auditctl") and shutil.which("auditd"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "auditd"], check=True, env=env)


class Auditd:
    """auditd running, with an execve rule only while a cell is measured."""

    def __init__(self):
        ensure_auditd()
        self.started = False
        if subprocess.run(["pgrep", "-x", "auditd"], capture_output=True).returncode != 0:
            subprocess.run(["auditd"], check=True)
            self.started = True
            time.sleep(1)
        self.enabled_before = self.status().get("enabled", "0")

    def status(self):
        out = subprocess.run(["auditctl", "-s"], capture_output=True, text=True).stdout
        return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)

    def on(self):
        subprocess.run(["auditctl", "-e", "1"], check=True, capture_output=True)
        subprocess.run(
            ["auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "execve", "-k", "warden-bench"],
            check=True,
            capture_output=True,
        )

    def off(self):
        subprocess.run(["auditctl", "-d", "always,exit", "-F", "arch=b64", "-S", "execve", "-k", "warden-bench"],
                       capture_output=True)
        subprocess.run(["auditctl", "-e", self.enabled_before], capture_output=True)

    def close(self):
        self.off()
        if self.started:
            pid = Path("/var/run/auditd.pid")
            if pid.exists():
                subprocess.run(["kill", pid.read_text().strip()])


class Sensor:
    """The drain example: ready once it says so; stopped by closing its stdin."""

    def __init__(self, drain, mode):
        self.process = subprocess.Popen(
            [str(drain), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stderr.readline()
        if "ready" not in line:
            raise SystemExit(f"the sensor did not start: {line}{self.process.stderr.read()}")

    def stop(self):
        self.process.stdin.close()
        report = self.process.stderr.read().strip().splitlines()
        self.process.wait()
        return json.loads(report[-1])


def run_loops(loop, execs, parallel=1):
    per = execs // parallel
    procs = [subprocess.Popen([str(loop), str(per), "/bin/true"], stdout=subprocess.PIPE, text=True)
             for _ in range(parallel)]
    start = time.monotonic_ns()
    outs = [p.communicate()[0] for p in procs]
    wall = time.monotonic_ns() - start
    if any(p.returncode != 0 for p in procs):
        raise SystemExit("the fork+exec loop failed")
    return int(outs[0]) if parallel == 1 else wall


def measure(cell, drain, loop, execs, auditd):
    if cell == "auditd execve":
        auditd.on()
        try:
            return run_loops(loop, execs), None
        finally:
            auditd.off()
    if cell == "no sensor":
        return run_loops(loop, execs), None
    sensor = Sensor(drain, "processes" if cell == "sensor: exec only" else "all")
    ns = run_loops(loop, execs)
    return ns, sensor.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--execs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the sensor loads eBPF programs and auditctl sets rules")

    work = Path(tempfile.mkdtemp())
    drain, loop = build(work)
    auditd = Auditd()
    stats_before = STATS_SYSCTL.read_text().strip()
    STATS_SYSCTL.write_text("1")
    cells = ["no sensor", "sensor: exec only", "sensor: all events", "auditd execve"]
    times = {cell: [] for cell in cells}
    reports = {cell: [] for cell in cells}
    try:
        for r in range(args.rounds):
            order = cells[r % len(cells):] + cells[: r % len(cells)]
            for cell in order:
                ns, report = measure(cell, drain, loop, args.execs, auditd)
                times[cell].append(ns)
                if report:
                    reports[cell].append(report)
            print(f"round {r + 1}/{args.rounds}: "
                  + ", ".join(f"{c} {times[c][-1] / 1e6:.0f} ms" for c in cells), file=sys.stderr)
        # The machine's maximum exec rate: one loop per core, all events, default buffer.
        cores = os.cpu_count() or 1
        sensor = Sensor(drain, "all")
        max_wall = run_loops(loop, args.execs * cores, parallel=cores)
        max_report = sensor.stop()
    finally:
        STATS_SYSCTL.write_text(stats_before)
        auditd.close()
        shutil.rmtree(work, ignore_errors=True)

    load = os.getloadavg()
    print(f"\nfork+exec of /bin/true, {args.execs} execs per cell, {args.rounds} rounds, "
          f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print(f"{'cell':<22}{'median ms':>11}{'µs/exec':>10}{'paired median ratio':>22}")
    ratios = {}
    for cell in cells:
        med = statistics.median(times[cell])
        paired = [t / base for t, base in zip(times[cell], times["no sensor"])]
        ratios[cell] = statistics.median(paired)
        print(f"{cell:<22}{med / 1e6:>11.0f}{med / args.execs / 1e3:>10.1f}{ratios[cell]:>21.3f}x")

    print(f"\n{'kernel program (bpf_stats)':<28}{'cell':<22}{'runs':>10}{'ns/run':>9}{'µs per exec':>13}")
    exec_us = {}
    for cell in ["sensor: exec only", "sensor: all events"]:
        totals = {}
        for report in reports[cell]:
            for name, p in report["programs"].items():
                runs, run_ns = totals.get(name, (0, 0))
                totals[name] = (runs + p["runs"], run_ns + p["run_ns"])
        execs_total = args.execs * len(reports[cell])
        for name, (runs, run_ns) in sorted(totals.items()):
            per_run = run_ns / runs if runs else 0
            print(f"{name:<28}{cell:<22}{runs:>10}{per_run:>9.0f}{run_ns / execs_total / 1e3:>13.2f}")
        runs, run_ns = totals.get("sched_process_exec", (0, 0))
        exec_us[cell] = run_ns / runs / 1e3 if runs else float("inf")

    lost = {cell: sum(sum(r["lost"].values()) for r in reports[cell]) for cell in reports}
    max_lost = sum(max_report["lost"].values())
    print(f"\nevents lost: exec only {lost['sensor: exec only']}, all events {lost['sensor: all events']}")
    print(f"maximum exec rate ({cores} loops at once, all events, default 8 MiB buffer): "
          f"{args.execs * cores / (max_wall / 1e9):.0f} execs/s, {max_report['written']} events written, "
          f"{max_lost} lost {max_report['lost'] or ''}")

    checks = [
        (f"all events ≤ {TARGETS['all_ratio']}x no sensor", ratios["sensor: all events"] <= TARGETS["all_ratio"],
         f"{ratios['sensor: all events']:.3f}x"),
        (f"exec program ≤ {TARGETS['exec_us']} µs per exec", max(exec_us.values()) <= TARGETS["exec_us"],
         ", ".join(f"{c}: {v:.2f} µs" for c, v in exec_us.items())),
        ("zero loss at the maximum exec rate, default buffer", max_lost == 0 and sum(lost.values()) == 0,
         f"{max_lost} lost"),
    ]
    print()
    for name, ok, value in checks:
        print(f"{'PASS' if ok else 'MISS'}  {name}: {value}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
