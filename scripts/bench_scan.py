#!/usr/bin/env python3
"""Scan benchmark: wall time and peak memory of the whole process tree of `crumbs demo`.

Runs `crumbs demo` N times (default 5), samples every 50 ms the memory of the crumbs
process and all its descendants (Chromium's browser, renderer, GPU, network and utility
processes) from /proc/<pid>/smaps_rollup, and prints per-run figures and the medians.

PSS (proportional set size) is the honest figure for a process tree: pages shared
between Chromium's processes are divided among them instead of counted once per process
(the summed RSS is printed too, for comparison with tools that report RSS).

With --consent-compare it measures instead `crumbs demo --consent all` (the three consent
passes side by side in one browser) against three separate runs with `--consent initial`,
`--consent reject` and `--consent accept` (what a tool with one pass per process does),
and prints both medians and the speed-up.

Usage: scripts/bench_scan.py [--runs N] [--binary PATH] [--consent-compare] [-- extra crumbs demo args]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(root):
    kids = children_map()
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(kids.get(pid, []))
    return out


def mem_kib(pid):
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def one_run(binary, extra):
    with tempfile.TemporaryDirectory() as d:
        cmd = [binary, "-q", "demo", "-o", os.path.join(d, "report.json"), *extra]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak_pss = peak_rss = peak_procs = 0
        while proc.poll() is None:
            pids = tree(proc.pid)
            pss = rss = 0
            for p in pids:
                a, b = mem_kib(p)
                pss += a
                rss += b
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            peak_procs = max(peak_procs, len(pids))
            time.sleep(0.05)
        wall = time.monotonic() - start
        err = proc.stderr.read().decode(errors="replace")
        if proc.returncode != 0:
            sys.exit(f"crumbs demo failed (exit {proc.returncode}):\n{err}")
    return wall, peak_pss / 1024, peak_rss / 1024, peak_procs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--binary", default="target/release/crumbs")
    ap.add_argument("--consent-compare", action="store_true",
                    help="--consent all against three single-pass runs")
    ap.add_argument("extra", nargs="*", help="extra arguments for `crumbs demo`")
    a = ap.parse_args()
    if not os.path.exists(a.binary):
        sys.exit(f"{a.binary} not found: build it first with `cargo build --release`")
    if a.consent_compare:
        return consent_compare(a)
    rows = []
    print(f"{'run':>3}  {'wall s':>7}  {'peak PSS MiB':>12}  {'peak RSS MiB':>12}  {'processes':>9}")
    for i in range(a.runs):
        wall, pss, rss, procs = one_run(a.binary, a.extra)
        rows.append((wall, pss, rss, procs))
        print(f"{i + 1:>3}  {wall:>7.2f}  {pss:>12.0f}  {rss:>12.0f}  {procs:>9}")
    med = [statistics.median(c) for c in zip(*rows)]
    print(f"median wall {med[0]:.2f} s · peak PSS {med[1]:.0f} MiB · summed RSS {med[2]:.0f} MiB · "
          f"{med[3]:.0f} processes · {a.runs} runs")


def consent_compare(a):
    print(f"{'run':>3}  {'all: wall s':>11}  {'peak PSS MiB':>12}  {'3 single: wall s':>16}  "
          f"{'initial':>7}  {'reject':>6}  {'accept':>6}")
    rows = []
    for i in range(a.runs):
        wall_all, pss_all, _, _ = one_run(a.binary, [*a.extra, "--consent", "all"])
        singles = [one_run(a.binary, [*a.extra, "--consent", p])[0] for p in ("initial", "reject", "accept")]
        rows.append((wall_all, pss_all, sum(singles), *singles))
        print(f"{i + 1:>3}  {wall_all:>11.2f}  {pss_all:>12.0f}  {sum(singles):>16.2f}  "
              f"{singles[0]:>7.2f}  {singles[1]:>6.2f}  {singles[2]:>6.2f}")
    med = [statistics.median(c) for c in zip(*rows)]
    print(f"median: --consent all {med[0]:.2f} s (peak PSS {med[1]:.0f} MiB) · three single-pass runs "
          f"{med[2]:.2f} s (initial {med[3]:.2f}, reject {med[4]:.2f}, accept {med[5]:.2f}) · "
          f"speed-up {med[2] / med[0]:.2f}x · {a.runs} runs")


if __name__ == "__main__":
    main()
