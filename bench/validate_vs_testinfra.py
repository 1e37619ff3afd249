#!/usr/bin/env python3
"""Side-by-side benchmark: `warden validate` against pytest-testinfra on the same checks.

Generates a gossfile and an equivalent testinfra test module with N local checks
(files, users, groups, ports, processes, kernel params, mounts) whose expectations are
read from this machine, so both tools pass. Runs both in the same session and prints
median wall time, checks per second, and the ratio.

    bench/validate_vs_testinfra.py                 # 1,000 and 10,000 checks
    bench/validate_vs_testinfra.py --checks 1000 --runs 21

Needs: a release build (made here), Python 3, and pytest-testinfra from PyPI
(installed into bench/.venv on first use).
"""

import argparse
import grp
import os
import pwd
import socket
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / ".venv"
WARDEN = ROOT / "target" / "release" / "warden"


def ensure_tools():
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "warden"], cwd=ROOT, check=True)
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(python), "-c", "import testinfra"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "pytest-testinfra==10.2.2", "pytest"], check=True)
    return python


# --- what this machine has -------------------------------------------------------------

def machine_files(limit):
    files = []
    for top in ["/usr/bin", "/usr/lib", "/etc", "/usr/share"]:
        for dirpath, _dirs, names in os.walk(top):
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                # Regular files only: for symlinks testinfra reports the target's mode.
                if not stat.S_ISREG(st.st_mode) or any(c in path for c in " '\"\\:#{}[]"):
                    continue
                try:
                    owner = pwd.getpwuid(st.st_uid).pw_name
                except KeyError:
                    continue
                files.append((path, "%04o" % (st.st_mode & 0o7777), owner))
                if len(files) >= limit:
                    return files
    return files


def kernel_params(limit):
    params = []
    for dirpath, _dirs, names in os.walk("/proc/sys"):
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            try:
                with open(path) as f:
                    value = f.read().strip()
            except OSError:
                continue
            if not value or "\n" in value or "\t" in value or len(value) > 60 or "stat" in name or "random" in path:
                continue
            if any(volatile in path for volatile in ("/fs/", "inode", "dentry", "file-nr", "/sched_", "ns_last_pid", "/net/")):
                continue
            params.append((path[len("/proc/sys/"):].replace("/", "."), value))
            if len(params) >= limit:
                return params
    return params


def mounts():
    seen = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            point = fields[4]
            fstype = fields[fields.index("-") + 1]
            if point not in [p for p, _ in seen] and "\\" not in point:
                seen.append((point, fstype))
    return seen


def processes():
    comms = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    text = f.read()
                comm = text[text.index("(") + 1 : text.rindex(")")]
            except (OSError, ValueError):
                continue
            if comm.isidentifier():
                comms.add(comm)
    return sorted(comms)


# --- generation --------------------------------------------------------------------------

def generate(n, ports):
    """Returns (gossfile text, testinfra module text, number of checks)."""
    goss = {"file": [], "user": [], "group": [], "port": [], "process": [], "kernel-param": [], "mount": []}
    tests = ["import pytest\n"]
    count = 0
    share = {"file": 0.5, "user": 0.1, "group": 0.05, "port": 0.05, "process": 0.05, "kernel-param": 0.15, "mount": 0.1}

    files = machine_files(int(n * share["file"] / 4) + 1)
    for i, (path, mode, owner) in enumerate(files):
        goss["file"].append(f"  {path}:\n    exists: true\n    mode: \"{mode}\"\n    owner: {owner}\n    filetype: file\n")
        tests.append(
            f"def test_file_{i}(host):\n    f = host.file({path!r})\n    assert f.exists\n"
            f"    assert f.mode == 0o{mode}\n    assert f.user == {owner!r}\n    assert f.is_file\n"
        )
        count += 4

    users = pwd.getpwall()
    for i in range(int(n * share["user"] / 5)):
        u = users[i % len(users)]
        goss["user"].append(
            f"  u{i}:\n    username: {u.pw_name}\n    exists: true\n    uid: {u.pw_uid}\n    gid: {u.pw_gid}\n"
            f"    home: {u.pw_dir}\n    shell: {u.pw_shell}\n"
        )
        tests.append(
            f"def test_user_{i}(host):\n    u = host.user({u.pw_name!r})\n    assert u.exists\n    assert u.uid == {u.pw_uid}\n"
            f"    assert u.gid == {u.pw_gid}\n    assert u.home == {u.pw_dir!r}\n    assert u.shell == {u.pw_shell!r}\n"
        )
        count += 5

    groups = grp.getgrall()
    for i in range(int(n * share["group"] / 2)):
        g = groups[i % len(groups)]
        goss["group"].append(f"  g{i}:\n    groupname: {g.gr_name}\n    exists: true\n    gid: {g.gr_gid}\n")
        tests.append(f"def test_group_{i}(host):\n    g = host.group({g.gr_name!r})\n    assert g.exists\n    assert g.gid == {g.gr_gid}\n")
        count += 2

    for i in range(int(n * share["port"])):
        port = ports[i % len(ports)]
        goss["port"].append(f"  p{i}:\n    port: tcp:{port}\n    listening: true\n")
        tests.append(f"def test_port_{i}(host):\n    assert host.socket('tcp://127.0.0.1:{port}').is_listening\n")
        count += 1

    comms = processes()
    for i in range(int(n * share["process"])):
        comm = comms[i % len(comms)]
        goss["process"].append(f"  pr{i}:\n    comm: {comm}\n    running: true\n")
        tests.append(f"def test_process_{i}(host):\n    assert host.process.filter(comm={comm!r})\n")
        count += 1

    params = kernel_params(int(n * share["kernel-param"]) + 1)
    for i in range(int(n * share["kernel-param"])):
        name, value = params[i % len(params)]
        goss["kernel-param"].append(f"  k{i}:\n    name: {name}\n    value: {value!r}\n")
        tests.append(f"def test_sysctl_{i}(host):\n    assert str(host.sysctl({name!r})) == {value!r}\n")
        count += 1

    points = mounts()
    for i in range(int(n * share["mount"] / 2)):
        point, fstype = points[i % len(points)]
        goss["mount"].append(f"  m{i}:\n    mountpoint: {point}\n    exists: true\n    filesystem: {fstype}\n")
        tests.append(
            f"def test_mount_{i}(host):\n    m = host.mount_point({point!r})\n    assert m.exists\n    assert m.filesystem == {fstype!r}\n"
        )
        count += 2

    gossfile = "".join(f"{kind}:\n" + "".join(entries) for kind, entries in goss.items() if entries)
    return gossfile, "\n".join(tests), count


# --- measurement -------------------------------------------------------------------------

def timed(command, cwd=None):
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    return elapsed, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, action="append", help="checks per run (repeatable; default 1000 and 10000)")
    parser.add_argument("--runs", type=int, default=11, help="warden runs per size (median reported)")
    parser.add_argument("--testinfra-runs", type=int, default=3, help="testinfra runs per size")
    args = parser.parse_args()
    sizes = args.checks or [1000, 10000]
    python = ensure_tools()

    listeners = []
    for _ in range(20):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen()
        listeners.append(s)
    ports = [s.getsockname()[1] for s in listeners]

    rows = []
    with tempfile.TemporaryDirectory() as work:
        for n in sizes:
            gossfile, testmodule, count = generate(n, ports)
            goss_path = Path(work) / f"goss-{n}.yaml"
            goss_path.write_text(gossfile)
            test_path = Path(work) / f"test_{n}.py"
            test_path.write_text(testmodule)

            warden_cmd = [str(WARDEN), "validate", "--no-color", "-f", "silent", "-g", str(goss_path)]
            warmup, result = timed(warden_cmd)
            if result.returncode != 0:
                detail = subprocess.run([str(WARDEN), "validate", "--no-color", "-g", str(goss_path)], capture_output=True, text=True)
                sys.exit(f"warden failed on its own gossfile ({n} checks):\n{detail.stdout[-3000:]}{detail.stderr[-2000:]}")
            warden_times = [timed(warden_cmd)[0] for _ in range(args.runs)]

            testinfra_cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", str(test_path)]
            testinfra_times = []
            for _ in range(args.testinfra_runs if n <= 1000 else 1):
                elapsed, result = timed(testinfra_cmd, cwd=work)
                if result.returncode != 0:
                    sys.exit(f"testinfra failed on its own checks ({n}):\n{result.stdout[-3000:]}")
                testinfra_times.append(elapsed)

            w = statistics.median(warden_times)
            t = statistics.median(testinfra_times)
            rows.append((count, "warden validate", w, len(warden_times)))
            rows.append((count, "pytest-testinfra", t, len(testinfra_times)))
            rows.append((count, "ratio", t / w, None))

    print()
    print(f"{'checks':>7}  {'tool':<18} {'median wall':>12} {'checks/s':>12} {'runs':>5}")
    for count, tool, value, runs in rows:
        if tool == "ratio":
            print(f"{count:>7}  {'testinfra/warden':<18} {value:>11.1f}x")
        else:
            print(f"{count:>7}  {tool:<18} {value * 1000:>10.1f}ms {count / value:>12.0f} {runs:>5}")
    for s in listeners:
        s.close()


if __name__ == "__main__":
    main()
