"""The index benchmark of run.py (`run.py --indexes --sizes 100M,1G`): one size.

For one size of index JSON: generate (or reuse) a tree with gen_index.py, run the Python
peer (peer_index.py) and cachedb on the same listing and mirror root in the same run, and
add rows to run.py's table. `b` is run.py's module (its runner, results and helpers).
"""

import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Targets for index ingest on the 2-core machine (stated for real-sized inputs, 100 MB-1 GB).
TARGET_PEER_RATIO = 10        # cachedb's wall time at most a tenth of the peer's
TARGET_MB_S = 300             # of index JSON, end to end
TARGET_PEAK_RSS_MB = 100
TARGET_UNCHANGED_RATIO = 0.02
# A target this machine cannot reach is met by reaching this share (%) of the ceiling.
TARGET_CEILING_SHARE = 85
# Runs of `cachedb --version` whose median is the process start beside the unchanged re-ingest.
START_RUNS = 9
# cachedb's exit status for a bad command line (as CLI11's and run.py's).
EXIT_USAGE = 64


def bytes_label(n):
    for unit, mult in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if n % mult == 0:
            return f"{n // mult}{unit}"
    return str(n)


def parse_bytes(text):
    t = text.strip().upper().removesuffix("B")
    mult = {"K": 10**3, "M": 10**6, "G": 10**9}.get(t[-1:], 1)
    try:
        n = int(float(t[:-1] if t[-1:] in "KMG" else t) * mult)
    except ValueError:
        raise ValueError(f"bad size {text!r} (e.g. 5M, 100M, 1G)") from None
    if n < 10**6:
        raise ValueError(f"size {text!r} is too small for indexes (at least 1M)")
    return n


def index_tree(b, args, size, log):
    """(dir, manifest) of the generated tree for `size` bytes of index JSON, cached in the
    work dir like the page corpora (the generator's hash in the name and the stamp)."""
    gen = os.path.join(HERE, "gen_index.py")
    gen_sha = b.file_sha(gen)
    label = bytes_label(size)
    d = os.path.join(args.work, f"indexes-{label}-seed{args.seed}-r{args.releases}-"
                                f"{args.index_layout}-{gen_sha[:8]}")
    want = {"generator_sha256": gen_sha, "size": size, "seed": args.seed,
            "releases": args.releases, "layout": args.index_layout}
    argv = [sys.executable, gen, "--size", str(size), "--out", d, "--seed", str(args.seed),
            "--releases", str(args.releases), "--layout", args.index_layout, "--force"]
    manifest = b.cached_tree(d, want, "index-corpus.json", argv, args.timeout, log, label,
                             lambda m: m.get("bytes", 0) > 0 and m.get("seed") == args.seed)
    return d, manifest


def cachedb_ingest(b, args, db, listing, mirror, rss=True):
    """One ingest of the listing. rss=False: timed alone, no peak RSS (b.run)."""
    return b.run([args.binary, "--db", db, "-q", "ingest", "--listing", listing,
                  "--mirror-root", mirror], args.timeout, rss=rss)


def usage_error(r, option):
    """True when cachedb rejected its command line for lack of `option` (one it does not
    know yet): exit 64 naming it."""
    return r.code == EXIT_USAGE and option in (r.err + r.out)


def bench_index_size(b, size, args, res, log):
    """Returns {"cachedb": peak RSS MB or None, "peer": peak RSS MB or None}."""
    label = bytes_label(size)
    d, m = index_tree(b, args, size, log)
    listing = os.path.join(d, "cache_spack_io_index.json")
    mirror = os.path.join(d, "mirror")
    mb = m["bytes"] / 1e6
    n_indexes = sum(len(r["indexes"]) for r in m["releases"])
    res.add(label, "indexes: index JSON", mb, "MB",
            note=f"{n_indexes} indexes in {len(m['releases'])} releases, layout "
                 f"{m['layout']}, db v" + "/".join(sorted({str(r["db_version"])
                                                          for r in m["releases"]})))
    res.add(label, "indexes: records", m["records"], "rows",
            note=f"{m['specs']:,} distinct specs, {m['memberships']:,} (release, stack, "
                 f"binary) memberships, {m['edges']:,} dependency edges")
    out = {"cachedb": None, "peer": None}
    db = os.path.join(args.db_dir or args.work, f"cachedb-idx-{label}-{os.getpid()}.sqlite")
    peer_db = os.path.join(args.db_dir or args.work, f"peer-idx-{label}-{os.getpid()}.sqlite")
    raw_db = os.path.join(args.db_dir or args.work, f"raw-idx-{label}-{os.getpid()}.sqlite")
    try:
        peer_wall = None
        if args.peer and size not in args.no_peer_at:
            peer_wall, out["peer"] = bench_peer(b, args, label, m, listing, mirror, peer_db,
                                                res, log)
        else:
            res.add(label, "peer", "skipped", "",
                    note="--no-peer" if not args.peer else "--no-peer-at")
        out["cachedb"] = bench_cachedb(b, args, label, m, listing, mirror, db, raw_db,
                                       peer_wall, res, log)
    finally:
        if not args.keep:
            for p in (db, peer_db, raw_db):
                b.remove_db(p)
    return out


def bench_peer(b, args, label, m, listing, mirror, peer_db, res, log):
    log(f"{label}: Python peer on the indexes ...")
    b.remove_db(peer_db)
    argv = [sys.executable, os.path.join(HERE, "peer_index.py"), "--db", peer_db,
            "--listing", listing, "--mirror-root", mirror]
    if args.peer_gc:
        argv.append("--gc")
    r = b.must(b.run(argv, args.timeout))
    try:
        peer = json.loads(r.out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise b.BenchError(f"peer_index.py printed no JSON:\n{r.out[-500:]}") from None
    for key in ("bytes", "specs", "memberships", "edges"):
        if peer.get(key) != m[key]:
            raise b.BenchError(f"peer_index.py found {peer.get(key)} {key}, the generator "
                               f"wrote {m[key]}")
    mb = m["bytes"] / 1e6
    res.add(label, "peer: wall", r.wall, "s",
            note=f"parser {peer.get('parser')}, cyclic GC {'on' if peer.get('gc') else 'off'}"
                 f"; its own timer: {peer.get('seconds')} s")
    res.add(label, "peer: MB/s", mb / r.wall, "MB/s")
    res.add(label, "peer: CPU user+sys", r.cpu, "s",
            note=f"{mb / r.cpu:.1f} MB per CPU second (steadier than wall on a busy machine)")
    res.add(label, "peer: peak RSS", r.maxrss_mb, "MB")
    res.add(label, "peer: database bytes per record", b.checkpoint_size(peer_db) / m["records"],
            "B/row")
    res.add(label, "peer: re-ingest unchanged", "n/a", "",
            note="the peer rebuilds everything every time: same as its fresh wall")
    b.remove_db(peer_db)
    return r.wall, r.maxrss_mb


def bench_cachedb(b, args, label, m, listing, mirror, db, raw_db, peer_wall, res, log):
    """cachedb's fresh and unchanged ingest of the listing; None when it cannot ingest
    indexes yet (reported in the table instead of failing the run)."""
    log(f"{label}: cachedb on the indexes ...")
    # Does this binary know indexes? An unknown option is a usage error (exit 64).
    b.remove_db(db)
    probe = b.run([args.binary, "--db", db, "-q", "ingest", "--index", "-", "--release",
                   "probe", "--stack", "probe"], args.timeout)
    b.remove_db(db)
    if usage_error(probe, "--index"):
        res.add(label, "cachedb", "cannot ingest indexes yet", "",
                note=f"`ingest --index` exited {probe.code}: "
                     + (probe.err.strip().splitlines() or [""])[0][:120])
        return None
    mb = m["bytes"] / 1e6
    fresh, checks, checks_one, copies = [], [], [], []
    for i in range(args.repeat):
        b.remove_db(db)
        log(f"{label}: cachedb fresh ingest of the listing {i + 1}/{args.repeat} ...")
        # Timed alone; the peak RSS is taken from one more run below, through GNU time.
        r = cachedb_ingest(b, args, db, listing, mirror, rss=False)
        if usage_error(r, "--listing"):
            res.add(label, "cachedb", "cannot ingest listings yet", "",
                    note=f"`ingest --listing` exited {r.code}: "
                         + (r.err.strip().splitlines() or [""])[0][:120])
            return None
        fresh.append(b.must(r))
        # The ceiling's reading and parsing, and SQLite alone storing the rows this ingest
        # stored, right after each ingest: this host's speed drifts by a third from minute
        # to minute, so each ingest is compared with the ceiling measured beside it.
        if args.ceiling:
            checks.append(check_run(b, args, listing, mirror))
            if i < 3:  # the same on one thread: does spreading it over the cores cost CPU time?
                checks_one.append(check_run(b, args, listing, mirror, threads=1))
            copies.append(b.sqlite_copy_floor(db, raw_db, b.INDEX_WRITER_LIVE_INDEXES,
                                              b.INDEX_WRITER_INDEX_SORT))
    f_wall = statistics.median(r.wall for r in fresh)
    f_cpu = statistics.median(r.cpu for r in fresh)
    log(f"{label}: cachedb fresh ingest of the listing, for its peak RSS ...")
    b.remove_db(db)
    f_rss = b.must(cachedb_ingest(b, args, db, listing, mirror)).maxrss_mb
    res.add(label, "cachedb fresh ingest: wall", f_wall, "s")
    res.add(label, "cachedb fresh ingest: MB/s", mb / f_wall, "MB/s", f">= {TARGET_MB_S}",
            mb / f_wall >= TARGET_MB_S)
    res.add(label, "cachedb fresh ingest: CPU user+sys", f_cpu, "s",
            note=f"{f_cpu / f_wall:.2f} cores busy on average; {mb / f_cpu:.1f} MB per CPU "
                 "second")
    res.add(label, "cachedb fresh ingest: peak RSS", f_rss, "MB", f"<= {TARGET_PEAK_RSS_MB}",
            f_rss <= TARGET_PEAK_RSS_MB)
    res.add(label, "cachedb database bytes per record", b.checkpoint_size(db) / m["records"],
            "B/row", note=stored_note(b, db, m))
    if peer_wall is not None:
        ratio = peer_wall / f_wall
        res.add(label, "peer wall / cachedb wall", ratio, "x", f">= {TARGET_PEER_RATIO}",
                ratio >= TARGET_PEER_RATIO)

    unchanged = []
    for i in range(args.repeat):
        log(f"{label}: cachedb unchanged re-ingest {i + 1}/{args.repeat} ...")
        unchanged.append(b.must(cachedb_ingest(b, args, db, listing, mirror, rss=False)))
    unchanged_rss = b.must(cachedb_ingest(b, args, db, listing, mirror))
    b.add_unchanged_rows(res, label, "cachedb re-ingest unchanged", unchanged, f_wall,
                         TARGET_UNCHANGED_RATIO, rss_runs=[unchanged_rss])
    add_start_row(b, args, label, unchanged, res, log)
    if args.ceiling:
        ceiling(b, args, label, m, checks, checks_one, copies, fresh, res, log)
    return f_rss


def check_run(b, args, listing, mirror, threads=None):
    """`cachedb check` of the listing: reading, checking and parsing every index alone,
    by default on every core (one index per thread), else on `threads` threads."""
    cmd = [args.binary, "-q", "check", "--listing", listing, "--mirror-root", mirror]
    if threads:
        cmd += ["--threads", str(threads)]
    return b.run(cmd, args.timeout, rss=False)  # timed as the ingests are


def add_start_row(b, args, label, unchanged, res, log):
    """The floor under the unchanged re-ingest: the process's start and exit alone
    (`cachedb --version`, the median of several, measured as every run here is), so that
    the table says how much of the unchanged run is the start."""
    log(f"{label}: cachedb process start ...")
    starts = [b.must(b.run([args.binary, "--version"], args.timeout, rss=False))
              for _ in range(max(START_RUNS, args.repeat))]
    s_wall = statistics.median(r.wall for r in starts)
    u_wall = statistics.median(r.wall for r in unchanged)
    res.add(label, "cachedb process start (--version)", s_wall, "s",
            note=f"median of {len(starts)}; {100 * s_wall / u_wall:.0f}% of the unchanged "
                 "re-ingest's wall")


def stored_note(b, db, m):
    """What the database holds against what the generator wrote, as far as the schema's
    names are known here (informational: the index schema is cachedb's to define)."""
    try:
        n = b.query(db, "SELECT count(*) FROM spec")[0][0]
        return f"{n:,} rows in spec; the indexes hold {m['specs']:,} distinct specs"
    except Exception as e:   # noqa: BLE001 -- any schema: a note, never a failure
        return f"spec rows not counted ({e})"


def ceiling(b, args, label, m, runs, runs_one, copies, fresh, res, log):
    """The ceiling of an index ingest on this machine, as the page benchmark measures it:
    (1) reading and parsing every index on every core, writing nothing (`cachedb check`,
    one index per thread), and (2) SQLite alone storing every row the fresh ingest stored
    (b.sqlite_copy_floor: the same copy, index build and commit as for pages, with the
    index writer's live indexes and its sort plan for the build), combined
    into the best fresh ingest the machine allows. Both are measured right after each
    fresh ingest (`runs`, `copies`, `fresh` in step): the model of each is set against
    the ingest beside it, and the share reached is the median of those. `runs_one` are
    the same checks on one thread: shown beside, with the model they would give, so that
    the table says whether two threads parsing at once cost more CPU time than one
    alone."""
    log(f"{label}: ceiling measurements ...")
    mb = m["bytes"] / 1e6
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    f_wall = statistics.median(r.wall for r in fresh)
    check_cpu = check_cpu_one = None
    if runs and all(x.code == 0 for x in runs):
        check_cpu = statistics.median(x.cpu for x in runs)
        check_wall = statistics.median(x.wall for x in runs)
        res.add(label, "ceiling: read + parse every index (cachedb check)", check_wall, "s",
                note=f"{mb / check_wall:.0f} MB/s; CPU {check_cpu:.2f} s; on every core"
                     + (f"; median of {len(runs)}, each run right after a fresh ingest"
                        if len(runs) > 1 else ""))
    else:
        res.note(f"{label}: `cachedb check --listing` exited {runs[-1].code if runs else '?'}: "
                 "reading and parsing alone not measured.")
    if runs_one and all(x.code == 0 for x in runs_one):
        check_cpu_one = statistics.median(x.cpu for x in runs_one)
        res.add(label, "ceiling: the same on one thread (check --threads 1)",
                statistics.median(x.wall for x in runs_one), "s",
                note=f"CPU {check_cpu_one:.2f} s; median of {len(runs_one)}")

    def med(phase, i=0):
        return statistics.median(c[phase][i] for c in copies)

    iw, ic, xw, cw, read = med("insert"), med("insert", 1), med("index"), med("commit"), \
        statistics.median(c["read"] for c in copies)
    n = f"; median of {len(copies)}, each right after a fresh ingest" if len(copies) > 1 else ""
    res.add(label, "ceiling: SQLite alone, insert every stored row", iw, "s",
            note=f"CPU {ic:.2f} s, of which {read:.2f} s reading them back{n}")
    res.add(label, f"ceiling: SQLite alone, build the {copies[0]['indexes']} deferred indexes",
            xw, "s")
    res.add(label, "ceiling: SQLite alone, commit", cw, "s")

    def model(parse_cpu, copy):
        (_, ic), (xw, _), (cw, _) = copy["insert"], copy["index"], copy["commit"]
        return (parse_cpu + max(0.0, ic - copy["read"])) / cores + xw + cw

    if check_cpu is not None:
        # Each ingest against the model measured beside it; and, as before, the median
        # ingest against the model of the medians.
        shares = sorted(100 * model(c.cpu, copy) / f.wall for c, copy, f in zip(runs, copies, fresh))
        best = statistics.median(model(c.cpu, copy) for c, copy in zip(runs, copies))
        note = (f"{best:.2f} s; cachedb reached {statistics.median(shares):.0f}% of it "
                f"(each ingest against the ceiling measured beside it: {shares[0]:.0f}-"
                f"{shares[-1]:.0f}%; the median ingest against the median model "
                f"{100 * best / f_wall:.0f}%)")
        if check_cpu_one is not None:
            one = statistics.median(model(check_cpu_one, copy) for copy in copies)
            note += (f" (with the one-thread check's CPU: {one:.2f} s, "
                     f"{100 * one / f_wall:.0f}%)")
        res.add(label, f"ceiling: best fresh ingest on {cores} cores (model)", mb / best,
                "MB/s", note=note)
        share = statistics.median(shares)
        res.add(label, "cachedb fresh ingest: share of the ceiling", share, "%",
                f">= {TARGET_CEILING_SHARE}", share >= TARGET_CEILING_SHARE,
                note="where a target proves beyond this machine, reaching this share of the "
                     "ceiling meets it")
