#!/usr/bin/env python3
"""How soon `cachedb sql` writes its first row, how long the whole result takes,
and its peak memory, for each output format.

    python3 bench/sql_stream.py --cachedb build/cachedb --db /tmp/big.sqlite \
        [--query 'SELECT * FROM specs'] [--formats csv,json,table] [--runs 3]

The output goes to a pipe this script reads and throws away, as `| head` or
`| gzip` would read it: the first-row time is when the first byte arrives,
the peak memory is the child's (wait4's ru_maxrss). Medians of --runs runs.
A corpus to query: bench/gen_corpus.py, then `cachedb ingest`.
"""

import argparse
import os
import statistics
import subprocess
import time


def run_once(cachedb, db, query, fmt):
    start = time.monotonic()
    proc = subprocess.Popen([cachedb, "--db", db, "sql", query, "--format", fmt],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = None
    total_bytes = 0
    while True:
        chunk = proc.stdout.read1(1 << 16)
        if not chunk:
            break
        if first is None:
            first = time.monotonic() - start
        total_bytes += len(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{fmt}: cachedb exited {proc.returncode}")
    return first, time.monotonic() - start, usage.ru_maxrss / 1024, total_bytes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cachedb", default="build/cachedb")
    ap.add_argument("--db", required=True)
    ap.add_argument("--query", default="SELECT * FROM specs")
    ap.add_argument("--formats", default="csv,tsv,json,ndjson,markdown,html,table")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(f"query: {args.query}")
    print(f"{'format':<9} {'first row s':>11} {'total s':>8} {'peak RSS MiB':>12} {'output MB':>10}")
    for fmt in args.formats.split(","):
        runs = [run_once(args.cachedb, args.db, args.query, fmt) for _ in range(args.runs)]
        first = statistics.median(r[0] for r in runs)
        total = statistics.median(r[1] for r in runs)
        rss = statistics.median(r[2] for r in runs)
        print(f"{fmt:<9} {first:>11.3f} {total:>8.2f} {rss:>12.1f} {runs[0][3] / 1e6:>10.1f}")


if __name__ == "__main__":
    main()
