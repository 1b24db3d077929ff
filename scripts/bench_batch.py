#!/usr/bin/env python3
"""Batch benchmark: throughput and peak memory of `crumbs batch` against one process per URL.

Serves the demo web with `crumbs demo --serve`, writes a seed file of N pages of it
(`https://www.brightbasket.example/?n=1` …), then measures:

  * `crumbs batch` at each concurrency (default 1, 2, 4, 8): wall time, sites per minute,
    peak PSS of the whole process tree (crumbs and every Chromium process), failures;
  * `crumbs scan URL` run once per URL, one after the other (what a one-process-per-URL
    tool does): the same figures.

Every run uses the same scan flags (default `--consent all`, policy pages on; pass
extra flags after `--`). Usage:

  scripts/bench_batch.py [--sites N] [--concurrency 1,2,4,8] [--binary PATH] [-- extra flags]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_scan import tree, mem_kib  # noqa: E402


def measure(cmd, env=None):
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(mem_kib(p)[0] for p in tree(proc.pid)))
        time.sleep(0.05)
    err = proc.stderr.read().decode(errors="replace")
    return time.monotonic() - start, peak / 1024, proc.returncode, err


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=50)
    ap.add_argument("--concurrency", default="1,2,4,8")
    ap.add_argument("--binary", default="target/release/crumbs")
    ap.add_argument("--skip-per-url", action="store_true", help="do not measure one process per URL")
    ap.add_argument("extra", nargs="*", help="extra scan flags")
    a = ap.parse_args()
    if not os.path.exists(a.binary):
        sys.exit(f"{a.binary} not found: build it first with `cargo build --release`")
    serve = subprocess.Popen([a.binary, "-q", "demo", "--serve"], stdout=subprocess.PIPE, text=True)
    try:
        start_url = serve.stdout.readline().strip()
        flags = [serve.stdout.readline().strip(), serve.stdout.readline().strip()]
        urls = [f"{start_url}?n={i}" for i in range(1, a.sites + 1)]
        print(f"{a.sites} pages of the demo web ({start_url}); flags: {' '.join(a.extra) or '(defaults)'}")
        print(f"{'mode':<22} {'wall s':>8} {'sites/min':>10} {'peak PSS MiB':>13} {'failed':>7}")
        rows = {}
        with tempfile.TemporaryDirectory() as d:
            seeds = os.path.join(d, "seeds.txt")
            with open(seeds, "w") as f:
                f.write("\n".join(urls) + "\n")
            for c in [int(x) for x in a.concurrency.split(",")]:
                out = os.path.join(d, f"out-{c}")
                wall, pss, code, err = measure(
                    [a.binary, "-q", "batch", seeds, "-o", out, "--concurrency", str(c), *flags, *a.extra])
                with open(os.path.join(out, "summary.json")) as f:
                    s = json.load(f)
                failed = s["failed"]
                if code not in (0, 1) or failed:
                    print(f"  (exit {code}; {failed} failed) {err.strip()[-300:]}")
                rows[f"batch c={c}"] = wall
                print(f"{'batch --concurrency ' + str(c):<22} {wall:>8.1f} {60 * a.sites / wall:>10.1f} {pss:>13.0f} {failed:>7}")
            if not a.skip_per_url:
                t0 = time.monotonic()
                peak = 0
                failed = 0
                for u in urls:
                    _, pss, code, _ = measure([a.binary, "-q", "scan", u, "-o", os.devnull, *flags, *a.extra])
                    peak = max(peak, pss)
                    failed += code not in (0, 1)
                wall = time.monotonic() - t0
                rows["per-url"] = wall
                print(f"{'scan once per URL':<22} {wall:>8.1f} {60 * a.sites / wall:>10.1f} {peak:>13.0f} {failed:>7}")
                best = min(v for k, v in rows.items() if k.startswith("batch"))
                print(f"best batch is {wall / best:.2f}x the throughput of one process per URL")
    finally:
        serve.terminate()
        serve.wait()


if __name__ == "__main__":
    main()
