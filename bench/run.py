#!/usr/bin/env python3
"""Run the cachedb benchmark suite and print one table (issue 5).

    python3 bench/run.py --sizes 10k,100k,1M [--binary build/cachedb] [--work DIR]
                         [--peer | --no-peer] [--no-peer-at 1M] [--repeat N]
                         [--json-out FILE] [--markdown-out FILE]
    python3 bench/run.py --indexes --sizes 100M,1G [--index-layout v2|v3|both] [--ceiling]
    python3 bench/run.py --smoke          # 10k pages, no peer; 5M of indexes: what CI runs

For each size: generate (or reuse) a corpus with gen_corpus.py, then measure fresh ingest,
re-ingest of the unchanged tree, of a fresh checkout of it (every page's time changed), and
after a night's change (mutate_corpus.py on a copy), every canned matrix report and a filtered one, database bytes per spec row, the
Python peer (peer_ingest.py) on the same corpus, and the machine's floor (reading the bytes,
parsing them, SQLite's raw insert rate for as many fact rows, SQLite alone storing every row
the ingest stored, and the best fresh ingest those allow). See bench/README.md for what each
row means.

With --indexes, sizes are bytes of Spack build-cache index JSON: for each, generate (or
reuse) a tree with gen_index.py, run the Python peer (peer_index.py) and cachedb on its
listing and mirror root, and report wall time, MB/s, peak RSS, the unchanged re-ingest and
the ratio to the peer (index_run.py). A cachedb that cannot ingest indexes yet is reported
as such in the table, not as an error.

Python 3 standard library only. Exit status: 0 when every measurement ran (missed targets
included: they are reported, not fatal); 1 on an error (a command failed, timed out, or
stored the wrong number of rows); 64 on a bad command line.
"""

import argparse
import datetime
import fcntl
import hashlib
import json
import os
import platform
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import index_run

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# The canned matrices the reports are meant to offer (issue 5 / the reports work). Names the
# binary does not know yet are listed as "not available" rather than failing the run.
CANNED = ["stacks-by-target", "stacks-by-os", "os-by-target", "targets-by-os",
          "compilers-by-os", "compilers-by-target", "packages-by-stack", "packages-by-os",
          "packages-by-target", "releases-by-stack"]

# Targets from issue 5 (they are stated for 1M spec rows on the 2-core machine).
TARGET_FRESH_ROWS_S = 250_000
TARGET_UNCHANGED_RATIO = 0.15
TARGET_STACKS_BY_TARGET_MS = 100
TARGET_CANNED_MS = 300
TARGET_PEAK_RSS_MB = 100
TARGET_PEER_RATIO = 10
# Noise allowances for the two comparisons between measurements (documented in README).
FILTERED_SLACK = 1.05      # filtered may be up to 5% slower than unfiltered and still pass
RSS_FLAT_SLACK = 1.10      # peak RSS at a bigger size may be up to 10% higher


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------------------
# Running things


class Run:
    """One finished child process: exit code, wall seconds, CPU seconds, peak RSS, output."""

    def __init__(self, argv, code, wall, rusage, maxrss_kb, out, err):
        self.argv, self.code, self.wall, self.out, self.err = argv, code, wall, out, err
        self.cpu = rusage.ru_utime + rusage.ru_stime   # includes the child's own children
        self.maxrss_mb = None if maxrss_kb is None else maxrss_kb / 1024.0

    def describe(self):
        tail = (self.err.strip() or self.out.strip())[-2000:]
        return f"`{' '.join(self.argv)}` exited {self.code}" + (f":\n{tail}" if tail else "")


# Peak RSS. wait4's ru_maxrss is NOT the child's own peak: Linux records the old address
# space's high-water mark at exec, and a child forked (or vforked) from this Python process
# starts with run.py's RSS in it. (Measured: /bin/true "peaks" at 21 MB, or at 221 MB once
# run.py has touched 200 MB.) So a small C program has to do the fork: GNU time, whose
# children start from its ~1 MB. Without GNU time, the child's own VmHWM is sampled from
# /proc every 5 ms instead (exact except for growth in its last few milliseconds).
GNU_TIME = None


def rss_method():
    global GNU_TIME
    if GNU_TIME is None:
        GNU_TIME = ""
        path = shutil.which("time", path="/usr/bin:/bin:/usr/local/bin")
        if path:
            try:
                v = subprocess.run([path, "--version"], capture_output=True, text=True,
                                   timeout=10)
                if "GNU" in v.stdout + v.stderr:
                    GNU_TIME = path
            except (OSError, subprocess.SubprocessError):
                pass
    return "GNU time %M" if GNU_TIME else "VmHWM sampled every 5 ms"


def vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run(argv, timeout, cwd=None, env=None, rss=True):
    """Runs argv, waits with os.wait4 (CPU time of the child and what it waited for) and
    measures its peak RSS (see rss_method). Output goes to files, not pipes, so a big
    report cannot block the child. rss=False runs argv itself, not through GNU time, and
    measures no RSS (maxrss_mb None): the wall time is then the child's alone, without
    GNU time's own fork, exec and exit (~3 ms on the 2-core VM, a third of an unchanged
    index re-ingest)."""
    import tempfile
    if rss:
        rss_method()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(prefix="cachedb-bench-rss-") as rss_file:
        wrapped = rss and GNU_TIME
        full = [GNU_TIME, "-f", "%M", "-o", rss_file.name] + argv if wrapped else argv
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(full, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                 cwd=cwd, env=env, start_new_session=True)
        except OSError as e:
            raise BenchError(f"cannot run {argv[0]}: {e}") from None
        timed_out = threading.Event()
        finished = threading.Event()
        hwm = [0]

        def kill():
            timed_out.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        def sample():
            while not finished.wait(0.005):
                hwm[0] = max(hwm[0], vm_hwm_kb(p.pid))
        timer = threading.Timer(timeout, kill)
        timer.start()
        sampler = None
        if rss and not GNU_TIME:
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        try:
            while True:
                try:
                    _, status, rusage = os.wait4(p.pid, 0)
                    break
                except InterruptedError:
                    continue
        finally:
            timer.cancel()
            finished.set()
        wall = time.perf_counter() - t0
        if sampler:
            sampler.join()
        p.returncode = os.waitstatus_to_exitcode(status)   # keep Popen from waiting again
        maxrss = hwm[0] if rss else None
        if wrapped:
            try:
                with open(rss_file.name) as f:
                    maxrss = int(f.read().split()[-1])
            except (OSError, ValueError, IndexError):
                maxrss = 0
        out.seek(0)
        err.seek(0)
        r = Run(argv, p.returncode, wall, rusage, maxrss, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"))
    if timed_out.is_set():
        raise BenchError(f"timed out after {timeout:g} s: {' '.join(argv)}")
    return r


def must(r):
    if r.code != 0:
        raise BenchError(r.describe())
    return r


def remove_db(path):
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def checkpoint_size(db):
    """The database file's size once the WAL is folded into it."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()
    return os.path.getsize(db)


def read_only_uri(db):
    """`db` as a read-only SQLite URI: a path with '?', '#' or '%' in it stays a path."""
    return f"file:{quote(db)}?mode=ro"


def query(db, sql, args=()):
    conn = sqlite3.connect(read_only_uri(db), uri=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


# --------------------------------------------------------------------------------------
# Corpora


def parse_size(text):
    t = text.strip().lower()
    mult = 1
    if t.endswith("k"):
        mult, t = 1000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    try:
        n = int(float(t) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 10k, 100k, 1M)") from None
    if n < 100:
        raise argparse.ArgumentTypeError(f"size {text!r} is too small (at least 100)")
    return n


def size_label(n):
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def file_sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pick_work_dir(requested, sizes, index_bytes=()):
    if requested:
        os.makedirs(requested, exist_ok=True)
        return requested
    # Roughly: a page per ~4 rows costs a 4 KiB tmpfs block plus its bytes, plus databases;
    # an index tree its bytes, plus the databases.
    need = sum(sizes) * 3000 + sum(index_bytes) * 2 + (256 << 20)
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        st = os.statvfs(shm)
        if st.f_bavail * st.f_frsize > need:
            path = os.path.join(shm, "cachedb-bench")
            os.makedirs(path, exist_ok=True)
            return path
    path = os.path.join("/tmp", "cachedb-bench")
    os.makedirs(path, exist_ok=True)
    return path


def corpus(work, n, seed, releases, timeout, log):
    """Returns (dir, manifest) of a generated corpus, reusing a cached one that matches."""
    gen = os.path.join(HERE, "gen_corpus.py")
    gen_sha = file_sha(gen)
    # The generator's hash is in the name, so worktrees with different generators sharing
    # one work dir never replace each other's corpora.
    d = os.path.join(work, f"corpus-{size_label(n)}-seed{seed}-r{releases}-{gen_sha[:8]}")
    want = {"generator_sha256": gen_sha, "specs": n, "seed": seed, "releases": releases}
    argv = [sys.executable, gen, "--specs", str(n), "--out", d, "--seed", str(seed),
            "--releases", str(releases), "--force"]
    manifest = cached_tree(d, want, "corpus.json", argv, timeout, log, size_label(n),
                           lambda m: m.get("spec_rows") == n and "mutations" not in m)
    return d, manifest


def cached_tree(d, want, manifest_name, argv, timeout, log, label, valid):
    """The manifest of the tree `argv` generates in `d`, generating it only when `d` holds
    no tree stamped with the same `want` (generator hash and arguments) and a `valid`
    manifest. Two runs at once (CI and someone's benchmark) must not generate the same tree
    together: the second waits on the lock, then reuses it."""
    with open(d + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp_path = os.path.join(d, "bench-stamp.json")
        manifest_path = os.path.join(d, manifest_name)
        try:
            with open(stamp_path) as f:
                stamp = json.load(f)
            with open(manifest_path) as f:
                manifest = json.load(f)
            if (stamp.get("want") == want
                    and stamp.get("manifest_sha256") == file_sha(manifest_path)
                    and valid(manifest)):
                log(f"{label}: reusing {d}")
                return manifest
        except (OSError, ValueError):
            pass
        log(f"{label}: generating {d} ...")
        os.makedirs(d, exist_ok=True)
        try:
            os.remove(stamp_path)
        except FileNotFoundError:
            pass
        r = must(run(argv, timeout))
        log(f"  {r.err.strip()}")
        with open(manifest_path) as f:
            manifest = json.load(f)
        if not valid(manifest):
            raise BenchError(f"{manifest_path} does not describe what was asked: {want}")
        with open(stamp_path, "w") as f:
            json.dump({"want": want, "manifest_sha256": file_sha(manifest_path)}, f)
        return manifest


def clone_tree(src, dst, writable_release):
    """A copy of the corpus at dst that shares the cached corpus's files by hard links,
    except `writable_release`, which is copied for real: mutate_corpus.py rewrites its
    pages in place, and must not reach the cached corpus through a link."""
    if os.path.exists(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    cache_src, cache_dst = os.path.join(src, "_cache"), os.path.join(dst, "_cache")
    try:
        if shutil.which("cp"):
            subprocess.run(["cp", "-al", cache_src, cache_dst], check=True,
                           stderr=subprocess.PIPE)
        else:
            shutil.copytree(cache_src, cache_dst, copy_function=os.link)
    except (OSError, subprocess.CalledProcessError):
        # No hard links across file systems: a real copy always works.
        shutil.rmtree(cache_dst, ignore_errors=True)
        shutil.copytree(cache_src, cache_dst)
    rel_dst = os.path.join(cache_dst, writable_release)
    shutil.rmtree(rel_dst)
    shutil.copytree(os.path.join(cache_src, writable_release), rel_dst)
    shutil.copy(os.path.join(src, "corpus.json"), os.path.join(dst, "corpus.json"))


# --------------------------------------------------------------------------------------
# Measurements


class Results:
    def __init__(self):
        self.rows = []     # dicts: size, metric, value, unit, target, status, note
        self.notes = []

    def add(self, size, metric, value, unit, target=None, ok=None, note=""):
        status = "" if ok is None else ("PASS" if ok else "FAIL")
        self.rows.append({"size": size, "metric": metric, "value": value, "unit": unit,
                          "target": target or "", "status": status, "note": note})

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)


def fmt_value(v, unit):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if unit in ("rows/s",):
        return f"{v:,.0f}"
    if unit in ("s",):
        return f"{v:.3f}"
    if unit in ("ms",):
        return f"{v:.1f}"
    if unit in ("B/row", "pages", "rows", "B"):
        return f"{v:,.0f}"
    if unit == "x":
        return f"{v:.1f}"
    if unit == "%":
        return f"{v:.1f}"
    return f"{v:.2f}"


def ingest(binary, db, tree, timeout):
    r = run([binary, "--db", db, "-q", "ingest", "--json", os.path.join(tree, "_cache")],
            timeout)
    if r.code != 0:
        raise BenchError(r.describe())
    try:
        summary = json.loads(r.out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError(f"ingest --json printed no JSON summary:\n{r.out[-1000:]}") from None
    return r, summary


def count_rows(db):
    return query(db, "SELECT count(*) FROM release_spec")[0][0]


_unlimited_cells = {}


def unlimited_cells(binary):
    """`--max-cells 0` for a binary that limits a matrix's cells (the bench times
    whole matrices, whatever their size); nothing for one that never did."""
    if binary not in _unlimited_cells:
        r = subprocess.run([binary, "report", "--help"], capture_output=True, text=True)
        _unlimited_cells[binary] = ["--max-cells", "0"] if "--max-cells" in r.stdout + r.stderr else []
    return _unlimited_cells[binary]


def report_once(binary, db, matrix, extra, timeout):
    return run([binary, "--db", db, "report", "--matrix", matrix] + unlimited_cells(binary) + extra, timeout)


def unsupported(r):
    text = (r.err + r.out).lower()
    return r.code == 64 or "unknown matrix" in text or "not expected" in text


def median_report(binary, db, matrix, extra, repeat, timeout):
    times = []
    for _ in range(repeat):
        r = report_once(binary, db, matrix, extra, timeout)
        must(r)
        times.append(r.wall)
    return statistics.median(times) * 1000.0


def read_floor(tree, timeout):
    """Seconds to read every page: `find | xargs cat` (C, close to the kernel's cost) when
    the tools exist, and a Python walk for comparison."""
    root = os.path.join(tree, "_cache")
    t0 = time.perf_counter()
    total = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as f:
                total += len(f.read())
    py = time.perf_counter() - t0
    cat = walk = None
    if shutil.which("find"):
        # Walk + stat every page and print nothing: what an ingest that skips unchanged
        # files by their size and time cannot go below.
        t0 = time.perf_counter()
        p = subprocess.run(["find", root, "-name", "specs.md", "-newer", root],
                           stdout=subprocess.DEVNULL, timeout=timeout)
        if p.returncode == 0:
            walk = time.perf_counter() - t0
    if shutil.which("find") and shutil.which("xargs") and shutil.which("cat"):
        t0 = time.perf_counter()
        p = subprocess.run(f"find {shlex_quote(root)} -type f -print0 | xargs -0 cat "
                           f"> /dev/null", shell=True, timeout=timeout)
        if p.returncode == 0:
            cat = time.perf_counter() - t0
    return py, cat, walk, total


def touch_pages(tree):
    """Gives every page of `tree` a new modification time (now, to the nanosecond; later
    than any it had), as a checkout that rewrites each file would."""
    now = time.time_ns()
    for dirpath, _, filenames in os.walk(os.path.join(tree, "_cache")):
        for name in filenames:
            os.utime(os.path.join(dirpath, name), ns=(now, now))


def shlex_quote(s):
    import shlex
    return shlex.quote(s)


FALLBACK_RELEASE_SPEC = ["""CREATE TABLE release_spec (
  release_id INTEGER NOT NULL, spec_id INTEGER NOT NULL, page_id INTEGER NOT NULL,
  stack_set_id INTEGER NOT NULL, package_id INTEGER NOT NULL, compiler_id INTEGER NOT NULL,
  os_id INTEGER NOT NULL, platform_id INTEGER NOT NULL, target_id INTEGER NOT NULL,
  PRIMARY KEY (page_id, spec_id)) WITHOUT ROWID"""]


def release_spec_ddl():
    """The CREATE TABLE release_spec statement of schema/schema.sql, and its CREATE INDEX
    statements, so the floor follows the schema as it changes."""
    try:
        with open(os.path.join(REPO, "schema", "schema.sql")) as f:
            text = "\n".join(line.split("--", 1)[0] for line in f)
    except OSError:
        return FALLBACK_RELEASE_SPEC, []
    table, indexes = None, []
    for stmt in text.split(";"):
        words = stmt.split()
        if words[:3] == ["CREATE", "TABLE", "release_spec"]:
            table = stmt.strip()
        elif (len(words) >= 5 and words[:2] == ["CREATE", "INDEX"] and words[3] == "ON"
              and words[4].startswith("release_spec(")) or \
                (len(words) >= 6 and words[:3] == ["CREATE", "UNIQUE", "INDEX"]
                 and words[5].startswith("release_spec(")):
            indexes.append(stmt.strip())
    return ([table] if table else FALLBACK_RELEASE_SPEC), indexes


# Values for a column of the fact table, as SQL over x (the row number, in page order):
# releases share most specs, as in the corpus, so spec_id repeats from one release to the
# next; a page holds ~4 specs and page (source) ids grow as the ingest appends pages.
def column_expr(name, per_release):
    return {"release_id": f"x / {per_release} + 1",
            "spec_id": f"x % {per_release} + 1",
            "page_id": "x / 4 + 1",  # FALLBACK_RELEASE_SPEC's name for source_id
            "source_id": "x / 4 + 1",
            "stack_set_id": "x % 61 + 1",
            "package_id": f"(x % {per_release}) / 4 % 3000 + 1",
            "compiler_id": "x % 13 + 1",
            "os_id": "x % 7 + 1",
            "platform_id": "x % 2 + 1",
            "target_id": "x % 11 + 1"}.get(name, "x % 5 + 1")


# The page size of the databases cachedb makes (storage/database.cc).
CACHEDB_PAGE_SIZE = 16384


def sqlite_raw_insert(db, n_rows, releases, with_indexes):
    """SQLite's raw rate for n_rows fact rows: one INSERT ... SELECT from a recursive CTE
    into release_spec as schema/schema.sql declares it (its secondary indexes too when
    with_indexes), with cachedb's pragmas. Returns seconds."""
    remove_db(db)
    tables, indexes = release_spec_ddl()
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        # As cachedb loads an empty database: its pages of the size cachedb makes
        # databases with, written directly, with a rollback journal.
        conn.execute(f"PRAGMA page_size = {CACHEDB_PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode = DELETE").fetchall()
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -8192")
        for stmt in tables + (indexes if with_indexes else []):
            conn.execute(stmt)
        columns = [row[1] for row in conn.execute("PRAGMA table_info(release_spec)")]
        per_release = max(1, -(-n_rows // releases))
        select = ", ".join(column_expr(c, per_release) for c in columns)
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute(f"""
WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x + 1 < {n_rows})
INSERT INTO release_spec ({", ".join(columns)}) SELECT {select} FROM i""")
        conn.execute("COMMIT")
        seconds = time.perf_counter() - t0
    finally:
        conn.close()
        remove_db(db)
    return seconds, len(indexes)


def cpu_seconds():
    """User + system CPU of this process, every thread (SQLite's sorter helper included)."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


# The secondary indexes each writer keeps while it loads an empty database (the others are
# built at the end): storage/bulk_load.h, and DeferredIndexes in src/ingest/*_writer.cc.
PAGE_WRITER_LIVE_INDEXES = ("spec_by_package",)
INDEX_WRITER_LIVE_INDEXES = ("release_spec_by_release", "release_spec_by_spec")
# How each writer builds its deferred indexes (storage/bulk_load.h, IndexBuildSort): the
# page cache in KiB that sizes the sort runs, and SQLite's sorter helper threads.
PAGE_WRITER_INDEX_SORT = (1024, 1)
INDEX_WRITER_INDEX_SORT = (2048, 0)


def sqlite_copy_floor(src, dst, live_indexes=PAGE_WRITER_LIVE_INDEXES, index_sort=PAGE_WRITER_INDEX_SORT):
    """SQLite alone doing the database work of a fresh ingest, with nothing to look up: every
    row that `src` (a freshly ingested database) holds, copied in its stored order into an
    empty database of the same schema (INSERT ... SELECT, kept row by row: a WHERE clause
    rules out SQLite's whole-table transfer), with cachedb's pragmas and its bulk-load plan
    (a rollback journal instead of the write-ahead log; the secondary indexes but
    `live_indexes` built at the end, with the writer's sort runs and sorter threads
    (`index_sort`: KiB, threads) and temporary files), then the commit. Returns a dict of
    wall seconds and CPU seconds for each phase."""
    remove_db(dst)
    src_uri = read_only_uri(src)
    conn = sqlite3.connect(src_uri, uri=True)
    try:
        objects = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                               "WHERE sql IS NOT NULL ORDER BY rowid").fetchall()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    # The run log (ingest_*) is not part of the pages' data.
    tables = [(name, sql) for kind, name, _, sql in objects
              if kind == "table" and not name.startswith(("sqlite_", "ingest_"))]
    indexes = [(name, sql) for kind, name, table, sql in objects
               if kind == "index" and not table.startswith("ingest_")]
    live = [sql for name, sql in indexes if name in live_indexes]
    deferred = [sql for name, sql in indexes if name not in live_indexes]
    # Opened as a URI so that the ATTACH below reads `src` read-only whatever SQLite's
    # build options.
    conn = sqlite3.connect(f"file:{quote(dst)}", uri=True, isolation_level=None)
    try:
        # As cachedb loads an empty database: its pages of the size cachedb gave the
        # source, written directly, with a rollback journal.
        conn.execute(f"PRAGMA page_size = {int(page_size)}")
        conn.execute("PRAGMA journal_mode = DELETE").fetchall()
        for pragma in ("synchronous = NORMAL", "temp_store = MEMORY", "cache_size = -8192",
                       "foreign_keys = OFF"):
            conn.execute(f"PRAGMA {pragma}")
        for _, sql in tables:
            conn.execute(sql)
        for sql in live:
            conn.execute(sql)
        conn.execute("ATTACH DATABASE ? AS src", (src_uri,))
        # Reading the rows back is part of the copy, not of an ingest's work: measured
        # alone (every column of every row decoded), once the source is in the OS cache.
        scans = []
        for name, _ in tables:
            columns = [row[1] for row in conn.execute(f'PRAGMA src.table_info("{name}")')]
            scans.append(f'SELECT {", ".join(f"max({c})" for c in columns)} FROM src."{name}"')
        for sql in scans:
            conn.execute(sql).fetchall()
        r0 = time.perf_counter()
        for sql in scans:
            conn.execute(sql).fetchall()
        read = time.perf_counter() - r0
        w0, c0 = time.perf_counter(), cpu_seconds()
        conn.execute("BEGIN")
        for name, _ in tables:
            conn.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}" WHERE 1')
        w1, c1 = time.perf_counter(), cpu_seconds()
        sort_kib, sort_threads = index_sort
        for pragma in (f"cache_size = -{sort_kib}", f"threads = {sort_threads}", "temp_store = FILE"):
            conn.execute(f"PRAGMA {pragma}")
        for sql in deferred:
            conn.execute(sql)
        w2, c2 = time.perf_counter(), cpu_seconds()
        conn.execute("COMMIT")
        w3, c3 = time.perf_counter(), cpu_seconds()
        return {"read": read, "insert": (w1 - w0, c1 - c0), "index": (w2 - w1, c2 - c1),
                "commit": (w3 - w2, c3 - c2), "indexes": len(deferred)}
    finally:
        conn.close()
        remove_db(dst)


def add_unchanged_rows(res, label, prefix, runs, f_wall, target_ratio, rss_runs=None):
    """The rows of an unchanged re-ingest: median wall, its share of the fresh ingest's
    wall against `target_ratio`, and its peak RSS (of `rss_runs` when the timed runs
    measured none)."""
    u_wall = statistics.median(r.wall for r in runs)
    res.add(label, f"{prefix}: wall", u_wall, "s")
    res.add(label, f"{prefix}: % of fresh", 100 * u_wall / f_wall, "%",
            f"<= {target_ratio * 100:.0f}", u_wall / f_wall <= target_ratio)
    res.add(label, f"{prefix}: peak RSS", max(r.maxrss_mb for r in (rss_runs or runs)), "MB")


def reingest_unchanged(args, log, label, what, db, tree, pages, before_each=None):
    """`args.repeat` ingests of `tree` into `db`, each after `before_each()`; every one must
    find all `pages` unchanged and add nothing. Returns their runs."""
    runs = []
    for i in range(args.repeat):
        if before_each:
            before_each()
        log(f"{label}: re-ingest {what} {i + 1}/{args.repeat} ...")
        r, summary = ingest(args.binary, db, tree, args.timeout)
        p = summary.get("pages", {})
        if p.get("unchanged") != pages or summary.get("specs", {}).get("added"):
            raise BenchError(f"re-ingest ({what}) did not find every page unchanged: "
                             f"{json.dumps(summary)[:500]}")
        runs.append(r)
    return runs


def bench_size(n, args, res, log):
    label = size_label(n)
    timeout = args.timeout
    d, manifest = corpus(args.work, n, args.seed, args.releases, timeout, log)
    rows, page_bytes, pages = manifest["spec_rows"], manifest["bytes"], manifest["pages"]
    release_names = [r["release"] for r in manifest["releases"]]
    newest = release_names[-1]
    run_dir = os.path.join(args.work, f"run-{label}-{os.getpid()}")
    os.makedirs(run_dir, exist_ok=True)
    tree = os.path.join(run_dir, "tree")
    db = os.path.join(args.db_dir or run_dir, f"cachedb-{label}-{os.getpid()}.sqlite")
    snapshot = db + ".after-fresh"
    night_db = db + ".night"
    peer_db = os.path.join(args.db_dir or run_dir, f"peer-{label}-{os.getpid()}.sqlite")
    raw_db = os.path.join(args.db_dir or run_dir, f"raw-{label}-{os.getpid()}.sqlite")
    try:
        clone_tree(d, tree, newest)
        res.add(label, "corpus: pages", pages, "pages")
        res.add(label, "corpus: spec rows", rows, "rows")
        res.add(label, "corpus: page bytes", page_bytes / 1e6, "MB")

        # 1. Fresh ingest into an empty database.
        fresh = []
        for i in range(args.repeat):
            remove_db(db)
            log(f"{label}: fresh ingest {i + 1}/{args.repeat} ...")
            r, summary = ingest(args.binary, db, tree, timeout)
            if summary.get("specs", {}).get("added") != rows:
                raise BenchError(f"fresh ingest added {summary.get('specs')} spec rows, "
                                 f"the corpus has {rows}")
            fresh.append(r)
        stored = count_rows(db)
        if stored != rows:
            raise BenchError(f"release_spec holds {stored} rows after a fresh ingest, the "
                             f"corpus has {rows}")
        f_wall = statistics.median(r.wall for r in fresh)
        f_rss = max(r.maxrss_mb for r in fresh)
        f_cpu = statistics.median(r.cpu for r in fresh)
        rate = rows / f_wall
        res.add(label, "fresh ingest: wall", f_wall, "s")
        res.add(label, "fresh ingest: spec rows/s", rate, "rows/s",
                f">= {TARGET_FRESH_ROWS_S:,}", rate >= TARGET_FRESH_ROWS_S)
        res.add(label, "fresh ingest: MB/s", page_bytes / 1e6 / f_wall, "MB/s")
        res.add(label, "fresh ingest: CPU user+sys", f_cpu, "s",
                note=f"{f_cpu / f_wall:.2f} cores busy on average")
        # Less sensitive than wall time to other load on a shared machine.
        res.add(label, "fresh ingest: spec rows per CPU second", rows / f_cpu, "rows/s")
        res.add(label, "fresh ingest: peak RSS", f_rss, "MB",
                f"<= {TARGET_PEAK_RSS_MB}", f_rss <= TARGET_PEAK_RSS_MB)

        # 5. Database bytes per spec row (after folding the WAL in).
        size = checkpoint_size(db)
        res.add(label, "database bytes per spec row", size / rows, "B/row",
                note=f"{size / 1e6:.1f} MB file")

        # 2. Re-ingest of the unchanged tree.
        unchanged = reingest_unchanged(args, log, label, "unchanged", db, tree, pages)
        add_unchanged_rows(res, label, "re-ingest unchanged", unchanged, f_wall,
                           TARGET_UNCHANGED_RATIO)

        # 2b. Re-ingest of a fresh checkout of the same tree: every file rewritten with the
        # same bytes (what a nightly clone of an unchanged site gives), i.e. every page's
        # time changed. Each is read and hashed, found by its content, and restamped.
        checkout = reingest_unchanged(args, log, label, "fresh checkout", db, tree, pages,
                                      before_each=lambda: touch_pages(tree))
        c_wall = statistics.median(r.wall for r in checkout)
        res.add(label, "re-ingest fresh checkout: wall", c_wall, "s",
                note="every page's modification time changed, not its bytes")
        res.add(label, "re-ingest fresh checkout: % of fresh", 100 * c_wall / f_wall, "%")
        res.add(label, "re-ingest fresh checkout: peak RSS",
                max(r.maxrss_mb for r in checkout), "MB")

        # 4. Reports (on the freshly ingested database; no ingest runs meanwhile).
        bench_reports(label, args, db, newest, res, log)

        # 3. Re-ingest after a typical night's change, on a copy of the database each time.
        checkpoint_size(db)
        shutil.copyfile(db, snapshot)
        log(f"{label}: mutating a copy of {newest} ...")
        must(run([sys.executable, os.path.join(HERE, "mutate_corpus.py"), "--dir", tree,
                      "--seed", str(args.seed), "--fraction", str(args.night_fraction),
                      "--release", newest], timeout))
        with open(os.path.join(tree, "corpus.json")) as f:
            mutated = json.load(f)
        mutation = mutated["mutations"][-1]
        changed = mutation["pages_rewritten"]
        night = []
        for i in range(args.repeat):
            remove_db(night_db)
            shutil.copyfile(snapshot, night_db)
            log(f"{label}: re-ingest after a night's change {i + 1}/{args.repeat} ...")
            r, summary = ingest(args.binary, night_db, tree, timeout)
            if summary.get("pages", {}).get("updated") != changed:
                raise BenchError(f"after rewriting {changed} pages the ingest updated "
                                 f"{summary.get('pages', {}).get('updated')}: "
                                 f"{json.dumps(summary)[:500]}")
            night.append(r)
        if count_rows(night_db) != mutated["spec_rows"]:
            raise BenchError(f"release_spec holds {count_rows(night_db)} rows after the "
                             f"night's change, the corpus has {mutated['spec_rows']}")
        n_wall = statistics.median(r.wall for r in night)
        res.add(label, "re-ingest night's change: wall", n_wall, "s",
                note=f"{changed} of {mutated['releases'][-1]['pages']} {newest} pages rewritten, "
                     f"+{mutation['specs_added']} -{mutation['specs_removed']} spec rows")
        res.add(label, "re-ingest night's change: % of fresh", 100 * n_wall / f_wall, "%")
        res.add(label, "re-ingest night's change: peak RSS",
                max(r.maxrss_mb for r in night), "MB")
        remove_db(night_db)
        remove_db(snapshot)

        # 6. The Python peer on the same corpus (the unmutated one).
        peer_wanted = args.peer and n not in args.no_peer_at
        if peer_wanted:
            log(f"{label}: Python peer ...")
            remove_db(peer_db)
            r = must(run([sys.executable, os.path.join(HERE, "peer_ingest.py"), "--db",
                          peer_db, "--parser", args.peer_parser, d], timeout))
            try:
                peer = json.loads(r.out.strip().splitlines()[-1])
            except (ValueError, IndexError):
                raise BenchError(f"peer_ingest.py printed no JSON:\n{r.out[-500:]}") from None
            if peer.get("spec_rows") != rows:
                raise BenchError(f"peer read {peer.get('spec_rows')} spec rows, not {rows}")
            parser = "yaml" if "parser yaml" in r.err else ("json" if "parser json" in r.err
                                                            else "?")
            peer_rate = rows / r.wall
            res.add(label, "peer: wall", r.wall, "s",
                    note=f"parser {parser}; its own timer: {peer.get('seconds')} s")
            res.add(label, "peer: spec rows/s", peer_rate, "rows/s")
            res.add(label, "peer: peak RSS", r.maxrss_mb, "MB")
            res.add(label, "peer: database bytes per spec row",
                    checkpoint_size(peer_db) / rows, "B/row")
            res.add(label, "cachedb / peer (rows/s)", rate / peer_rate, "x",
                    f">= {TARGET_PEER_RATIO}", rate / peer_rate >= TARGET_PEER_RATIO)
            remove_db(peer_db)
        else:
            res.add(label, "peer", "skipped", "",
                    note="--no-peer" if not args.peer else "--no-peer-at")

        # 7. Where the floor is.
        log(f"{label}: floor measurements ...")
        py, cat, walk, total = read_floor(tree, timeout)
        if walk is not None:
            res.add(label, "floor: walk + stat all pages (find)", walk, "s")
        if cat is not None:
            res.add(label, "floor: read all pages (find|xargs cat)", cat, "s",
                    note=f"{total / 1e6 / cat:.0f} MB/s")
        res.add(label, "floor: read all pages (Python walk+read)", py, "s",
                note=f"{total / 1e6 / py:.0f} MB/s")
        # cachedb's own walk, read and parse on every core, writing nothing: what the
        # loader threads cost, and the best an ingest could do with free writes.
        r = must(run([args.binary, "-q", "check", os.path.join(tree, "_cache")], timeout))
        check_cpu = r.cpu
        res.add(label, "floor: read + parse all pages (cachedb check)", r.wall, "s",
                note=f"{rows / r.wall:,.0f} spec rows/s; CPU {r.cpu:.2f} s")
        # The database's share, with every id known: what the writer cannot go below.
        copy = sqlite_copy_floor(db, raw_db)
        (iw, ic), (xw, xc), (cw, _) = copy["insert"], copy["index"], copy["commit"]
        res.add(label, "floor: SQLite alone, insert every stored row", iw, "s",
                note=f"CPU {ic:.2f} s, of which {copy['read']:.2f} s reading them from the "
                     f"ingested database, in its order")
        res.add(label, f"floor: SQLite alone, build the {copy['indexes']} deferred indexes",
                xw, "s", note=f"CPU {xc:.2f} s (with the sorter thread)")
        res.add(label, "floor: SQLite alone, commit (WAL checkpoint)", cw, "s")
        # A model, not a measurement: loading (read + parse on the loader threads, inserts
        # on the writer) spread perfectly over every core, then the index build and the
        # commit, which need every row first.
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
        best = (check_cpu + max(0.0, ic - copy["read"])) / cores + xw + cw
        res.add(label, f"floor: best fresh ingest on {cores} cores (model)", rows / best,
                "rows/s", note=f"{best:.2f} s = (check CPU + insert CPU - reading) / {cores} "
                               f"+ index build + commit")
        for idx in (False, True):
            s, n_idx = sqlite_raw_insert(raw_db, rows, len(release_names), idx)
            if idx and not n_idx:
                break
            res.add(label, "floor: SQLite raw insert, release_spec"
                    + (f" + its {n_idx} index(es)" if idx else " (table only)"), rows / s,
                    "rows/s", note=f"{s:.3f} s, Python's SQLite {sqlite3.sqlite_version}")
        return f_rss
    finally:
        if not args.keep:
            for p in (db, snapshot, night_db, peer_db, raw_db):
                remove_db(p)
            shutil.rmtree(run_dir, ignore_errors=True)


def bench_reports(label, args, db, newest, res, log):
    repeat, timeout = args.report_repeat, args.timeout
    log(f"{label}: reports ...")
    available, missing = [], []
    canned = list(CANNED)
    r = run([args.binary, "report", "--list"], timeout)
    if r.code == 0:
        listed = []
        for line in r.out.splitlines():
            if not line.strip():
                break   # the list ends at the first blank line; prose follows
            listed.append(line.split()[0])
        if listed:
            canned = listed + [m for m in CANNED if m not in listed]
    else:
        res.note("This binary has no `report --list`: measured the intended canned set.")
    for m in canned:
        r = report_once(args.binary, db, m, [], timeout)   # also the warm-up run
        if r.code == 0:
            available.append(m)
        elif unsupported(r):
            missing.append(m)
        else:
            raise BenchError(r.describe())
    if missing:
        res.note("Matrices this binary does not know (not merged yet?), not measured: "
                 + ", ".join(missing) + ".")
    unfiltered = {}
    for m in available:
        ms = median_report(args.binary, db, m, [], repeat, timeout)
        unfiltered[m] = ms
        target = TARGET_STACKS_BY_TARGET_MS if m == "stacks-by-target" else TARGET_CANNED_MS
        res.add(label, f"report {m}: wall (median of {repeat})", ms, "ms",
                f"<= {target}", ms <= target)

    # A filtered report: the newest release and the most common os.
    os_name = query(db, "SELECT o.name FROM release_spec rs JOIN os o ON o.id = rs.os_id "
                        "GROUP BY o.name ORDER BY count(*) DESC, o.name LIMIT 1")[0][0]
    base = "stacks-by-target" if "stacks-by-target" in available else (available or [None])[0]
    if base is None:
        return
    tries = [["--release", newest, "--filter", f"os={os_name}"],
             ["--release", newest], ["--filter", f"os={os_name}"]]
    for extra in tries:
        r = report_once(args.binary, db, base, extra, timeout)
        if r.code == 0:
            ms = median_report(args.binary, db, base, extra, repeat, timeout)
            ref = unfiltered[base]
            res.add(label, f"report {base} filtered: wall (median of {repeat})", ms,
                    "ms", f"<= unfiltered ({ref:.1f})", ms <= ref * FILTERED_SLACK,
                    note=" ".join(extra))
            if extra is not tries[0]:
                res.note(f"Only `{' '.join(extra)}` of the filter flags is supported; "
                         "the combined filter was not measured.")
            return
        if not unsupported(r):
            raise BenchError(r.describe())
    res.note("This binary's report has no --release / --filter yet: the filtered report "
             "was not measured.")


# --------------------------------------------------------------------------------------
# Machine and output


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = sh("free -h | awk '/^Mem:/ {print $2}'")
    return {"nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(), "cpu": cpu, "memory": mem, "kernel": platform.release(),
            "python": platform.python_version(), "python_sqlite": sqlite3.sqlite_version,
            "peak_rss": rss_method(),
            "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def table(rows, md=False):
    head = ["size", "metric", "value", "unit", "target", "status", "note"]
    body = [[r["size"], r["metric"], fmt_value(r["value"], r["unit"]), r["unit"],
             r["target"], r["status"], r["note"]] for r in rows]
    if md:
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join("---:" if h == "value" else "---" for h in head) + "|"]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in body]
        return "\n".join(out)
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h)
              for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.rjust(w) if i == 2 else c.ljust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(head), line(["-" * w for w in widths])]
    prev = None
    for r, row in zip(rows, body):
        if prev is not None and r["size"] != prev:
            out.append("")
        prev = r["size"]
        out.append(line(row))
    return "\n".join(out)


class Parser(argparse.ArgumentParser):
    def error(self, message):   # a bad command line exits 64, as cachedb's does
        self.print_usage(sys.stderr)
        self.exit(64, f"{self.prog}: error: {message}\n")


def main():
    ap = Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", help="comma-separated spec-row counts, e.g. 10k,100k,1M "
                    "(default 10k,100k); with --indexes bytes of index JSON, e.g. 100M,1G "
                    "(default 100M)")
    ap.add_argument("--indexes", action="store_true",
                    help="benchmark the ingest of Spack build-cache indexes, not pages")
    ap.add_argument("--index-layout", choices=["v2", "v3", "both"], default="v2",
                    help="mirror layout the index trees are written in (default v2)")
    ap.add_argument("--ceiling", action="store_true",
                    help="with --indexes: also measure the machine's ceiling")
    ap.add_argument("--peer-gc", action="store_true",
                    help="with --indexes: the peer keeps Python's cyclic GC on while loading")
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "cachedb"))
    ap.add_argument("--work", help="where corpora are cached and runs happen (default "
                    "/dev/shm/cachedb-bench if it has room, else /tmp/cachedb-bench)")
    ap.add_argument("--db-dir", help="where the databases go (default: the work dir; "
                    "give a disk directory to include fsync costs)")
    ap.add_argument("--peer", action=argparse.BooleanOptionalAction, default=True,
                    help="run the Python peer (default: yes)")
    ap.add_argument("--no-peer-at", default="", help="sizes at which to skip the peer, "
                    "e.g. 1M")
    ap.add_argument("--peer-parser", choices=["auto", "yaml", "json"], default="json",
                    help="page peer's parser (default json, its fastest; yaml or auto: "
                         "libyaml, the old default)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each ingest measurement (median reported)")
    ap.add_argument("--report-repeat", type=int, default=5,
                    help="runs of each report (median reported)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--releases", type=int, default=5)
    ap.add_argument("--night-fraction", type=float, default=0.02)
    ap.add_argument("--timeout", type=float, default=3600,
                    help="seconds any one command may take")
    ap.add_argument("--json-out")
    ap.add_argument("--markdown-out")
    ap.add_argument("--keep", action="store_true", help="keep databases and run trees")
    ap.add_argument("--smoke", action="store_true",
                    help="CI: 10k pages without the peer, then 5M of indexes; one "
                         "repetition, short timeouts")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args()
    size_of = index_run.parse_bytes if args.indexes else parse_size
    try:
        args.sizes = [size_of(s) for s in (args.sizes or ("100M" if args.indexes else
                                                          "10k,100k")).split(",") if s.strip()]
        args.no_peer_at = {size_of(s) for s in args.no_peer_at.split(",") if s.strip()}
    except (argparse.ArgumentTypeError, ValueError) as e:
        ap.error(str(e))
    args.index_sizes = args.sizes if args.indexes else []
    if args.indexes:
        args.sizes = []
    if args.smoke:
        # Pages without the peer; indexes with it (it is what runs there until cachedb
        # ingests indexes).
        args.sizes, args.index_sizes, args.repeat, args.report_repeat = [10_000], [5 * 10**6], 1, 1
        args.timeout = min(args.timeout, 60)
    if not (args.sizes or args.index_sizes) or args.repeat < 1 or args.report_repeat < 1:
        ap.error("need at least one size, --repeat >= 1 and --report-repeat >= 1")
    args.binary = os.path.abspath(args.binary)
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        print(f"run.py: no cachedb binary at {args.binary} (build it: meson setup build && "
              "meson compile -C build, or pass --binary)", file=sys.stderr)
        return 1
    args.work = pick_work_dir(args.work, args.sizes, args.index_sizes)
    if args.db_dir:
        os.makedirs(args.db_dir, exist_ok=True)

    def log(msg):
        if not args.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    info = machine()
    info["work"] = args.work
    info["db_dir"] = args.db_dir or args.work
    info["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    info["commit"] = sh(f"git -C {shlex_quote(REPO)} rev-parse --short HEAD")
    command = "python3 bench/run.py " + " ".join(sys.argv[1:])
    res = Results()
    rss = {}
    index_rss = {}
    t0 = time.perf_counter()
    try:
        page_peer = args.peer
        for n in args.sizes:
            args.peer = page_peer and not args.smoke
            rss[n] = bench_size(n, args, res, log)
        args.peer = page_peer
        for n in args.index_sizes:
            index_rss[n] = index_run.bench_index_size(sys.modules[__name__], n, args, res, log)
    except BenchError as e:
        print(f"run.py: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("run.py: interrupted", file=sys.stderr)
        return 130
    sizes = sorted(rss)
    for small, big in zip(sizes, sizes[1:]):
        ratio = rss[big] / rss[small]
        res.add(size_label(big), f"peak RSS vs {size_label(small)} (flat)", ratio, "x",
                f"<= {RSS_FLAT_SLACK:.2f}", ratio <= RSS_FLAT_SLACK)
    sizes = sorted(index_rss)
    for small, big in zip(sizes, sizes[1:]):
        for who in ("cachedb", "peer"):
            a, b = index_rss[small][who], index_rss[big][who]
            if a and b:
                flat = who == "cachedb"
                res.add(index_run.bytes_label(big), f"{who} peak RSS vs "
                        f"{index_run.bytes_label(small)}" + (" (flat)" if flat else ""),
                        b / a, "x", f"<= {RSS_FLAT_SLACK:.2f}" if flat else None,
                        b / a <= RSS_FLAT_SLACK if flat else None)
    info["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["seconds"] = round(time.perf_counter() - t0, 1)

    header = (f"command: {command}\n"
              f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, "
              f"Linux {info['kernel']}, Python {info['python']} (SQLite "
              f"{info['python_sqlite']})\n"
              f"load average (1/5/15 min) before: {info['load_before']}, after: "
              f"{info['load_after']}\n"
              f"peak RSS by: {info['peak_rss']}; work dir: {info['work']}, databases in: "
              f"{info['db_dir']}; commit "
              f"{info['commit']}, {info['date']}, {info['seconds']} s")
    print(header)
    print()
    print(table(res.rows))
    for n in res.notes:
        print(f"note: {n}")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"command": command, "machine": info, "results": res.rows,
                       "notes": res.notes}, f, indent=1)
            f.write("\n")
    if args.markdown_out:
        with open(args.markdown_out, "w") as f:
            f.write("```\n" + header + "\n```\n\n" + table(res.rows, md=True) + "\n")
            for n in res.notes:
                f.write(f"\n- {n}")
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
