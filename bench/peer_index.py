#!/usr/bin/env python3
"""The baseline for indexes: Spack build-cache indexes into SQLite, the way the site does it.

    python3 bench/peer_index.py --db OUT.sqlite --listing cache_spack_io_index.json \\
                                --mirror-root DIR [--skip-root] [--parser auto|orjson|json]

What the site's own data step does with the same listing: every index it names loaded
whole (`json.load` of each file), every record turned into a spec entry in dicts (package,
version, compiler, os, platform, target, variants, dependencies), kept once per hash, with
the (release, stack) memberships beside; then, as a database-minded analyst would finish it,
everything written with `executemany` into a normalized schema in one transaction. The
compiler follows cachedb's rule (v6/v7 `compiler`, else `annotations.compiler`, else the
direct build dependency providing c/cxx/fortran, else `none`); membership needs
`in_buildcache` true (absent counts as true). The `root` index is read like the others (the
site skips it: `--skip-root`), so the peer reads the same bytes as cachedb.

Uses the fastest JSON parser importable (orjson, else the standard library's json); stderr
says which. Python's cyclic garbage collector is off while loading (the records hold no
cycles; with it on, building the big trees of objects takes ~1.5x the CPU at 100M):
`--gc` keeps it on, as the site's script runs. Prints one JSON line to stdout: counts,
bytes read, parser and seconds.
"""

import argparse
import gc
import gzip
import json
import os
import sqlite3
import sys
import time

try:
    import orjson
except ImportError:
    orjson = None

S3_PREFIX = "s3://spack-binaries/"
FLAGS = {"cflags", "cppflags", "cxxflags", "fflags", "ldflags", "ldlibs"}
LANGUAGES = {"c", "cxx", "fortran"}

SCHEMA = """
CREATE TABLE releases (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE stacks (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE packages (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE compilers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);  -- 'gcc@11.4.0'
CREATE TABLE specs (
  id          INTEGER PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE,
  package_id  INTEGER NOT NULL REFERENCES packages(id),
  version     TEXT NOT NULL,
  compiler_id INTEGER NOT NULL REFERENCES compilers(id),
  os          TEXT NOT NULL,
  platform    TEXT NOT NULL,
  target      TEXT NOT NULL,
  variants    TEXT NOT NULL           -- Spack syntax, space-separated: '+mpi ~shared libs=a,b'
);
CREATE INDEX specs_by_package ON specs(package_id);
CREATE TABLE memberships (            -- a binary of stack S in release R
  release_id INTEGER NOT NULL REFERENCES releases(id),
  stack_id   INTEGER NOT NULL REFERENCES stacks(id),
  spec_id    INTEGER NOT NULL REFERENCES specs(id),
  PRIMARY KEY (release_id, stack_id, spec_id)
) WITHOUT ROWID;
CREATE INDEX memberships_by_spec ON memberships(spec_id);
CREATE TABLE dependencies (           -- fixed by the spec's hash: stored once per spec
  spec_id  INTEGER NOT NULL REFERENCES specs(id),
  dep_id   INTEGER NOT NULL REFERENCES specs(id),
  deptypes TEXT NOT NULL,             -- 'build,link'
  virtuals TEXT NOT NULL,             -- 'c,cxx'
  PRIMARY KEY (spec_id, dep_id)
) WITHOUT ROWID;
CREATE INDEX dependencies_by_dep ON dependencies(dep_id);
"""


def variants_text(parameters):
    out = []
    for key, value in parameters.items():
        if key in FLAGS:
            continue
        if value is True:
            out.append("+" + key)
        elif value is False:
            out.append("~" + key)
        elif isinstance(value, list):
            out.append(f"{key}={','.join(str(v) for v in value)}")
        else:
            out.append(f"{key}={value}")
    return " ".join(sorted(out))


def compiler_of(spec, installs):
    comp = spec.get("compiler")
    if isinstance(comp, dict):                       # database v6, v7
        return f"{comp['name']}@{comp['version']}"
    ann = spec.get("annotations")
    if ann and "compiler" in ann:                    # converted from an older spec file
        return ann["compiler"].replace("@=", "@")
    for dep in spec.get("dependencies", ()):         # v8+: the build dependency for c/cxx/f
        params = dep.get("parameters") or {}
        if "build" in params.get("deptypes", ()) and LANGUAGES.intersection(
                params.get("virtuals", ())):
            node = installs.get(dep["hash"])
            if node is not None:
                return f"{dep['name']}@{node['spec']['version']}"
            return dep["name"]
    return "none"


def read_index(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="SQLite file to create (replaced)")
    ap.add_argument("--listing", required=True, help="cache_spack_io_index.json")
    ap.add_argument("--mirror-root", required=True, help="local copy of s3://spack-binaries/")
    ap.add_argument("--skip-root", action="store_true", help="skip `root` as the site does")
    ap.add_argument("--parser", choices=["auto", "orjson", "json"], default="auto")
    ap.add_argument("--gc", action="store_true", help="keep the cyclic GC on while loading")
    args = ap.parse_args()
    if not args.gc:
        gc.disable()
    if args.parser == "orjson" and orjson is None:
        ap.error("--parser orjson: orjson is not installed")
    use_orjson = orjson is not None and args.parser != "json"
    loads = orjson.loads if use_orjson else json.loads

    t0 = time.perf_counter()
    with open(args.listing, "rb") as f:
        listing = loads(f.read())

    releases, stacks, packages, compilers = {}, {}, {}, {}
    specs = {}          # hash -> row without id (the spec set, as the site builds it)
    deps = {}           # hash -> [(dep hash, deptypes, virtuals)]
    members = set()     # (release id, stack id, hash)
    n_indexes = n_records = n_bytes = 0

    def intern(table, name):
        i = table.get(name)
        if i is None:
            i = table[name] = len(table) + 1
        return i

    for release, entries in listing.items():
        rid = intern(releases, release)
        for entry in entries:
            label = entry["label"]
            if args.skip_root and label == "root":
                continue
            url = entry["url"]
            if not url.startswith(S3_PREFIX):
                raise SystemExit(f"peer_index: {args.listing}: {release}/{label}: url {url!r} "
                                 f"is not under {S3_PREFIX}")
            path = os.path.join(args.mirror_root, url[len(S3_PREFIX):])
            data = read_index(path)
            n_bytes += len(data)
            installs = loads(data)["database"]["installs"]
            del data
            sid = intern(stacks, label)
            n_indexes += 1
            n_records += len(installs)
            for key, record in installs.items():
                if record.get("in_buildcache", True):
                    members.add((rid, sid, key))
                if key in specs:
                    continue
                spec = record["spec"]
                arch = spec["arch"]
                target = arch["target"]
                if isinstance(target, dict):
                    target = target["name"]
                specs[key] = (key, intern(packages, spec["name"]), spec["version"],
                              intern(compilers, compiler_of(spec, installs)),
                              arch["platform_os"], arch["platform"], target,
                              variants_text(spec.get("parameters", {})))
                edges = []
                for dep in spec.get("dependencies", ()):
                    params = dep.get("parameters") or {}
                    edges.append((dep["hash"], ",".join(params.get("deptypes", dep.get(
                        "type", ()))), ",".join(params.get("virtuals", ()))))
                deps[key] = edges
            del installs

    if os.path.exists(args.db):
        os.remove(args.db)
    conn = sqlite3.connect(args.db, isolation_level=None)
    conn.executescript(SCHEMA)
    conn.execute("BEGIN")
    for table, ids in (("releases", releases), ("stacks", stacks), ("packages", packages),
                       ("compilers", compilers)):
        conn.executemany(f"INSERT INTO {table}(id, name) VALUES (?, ?)",
                         ((i, name) for name, i in ids.items()))
    spec_ids = {h: i for i, h in enumerate(specs, 1)}
    conn.executemany("INSERT INTO specs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     ((spec_ids[h],) + row for h, row in specs.items()))
    conn.executemany("INSERT INTO memberships VALUES (?, ?, ?)",
                     ((r, s, spec_ids[h]) for r, s, h in sorted(members)))
    edges = [(spec_ids[h], spec_ids[d], t, v) for h, lst in deps.items() for d, t, v in lst
             if d in spec_ids]
    dangling = sum(len(lst) for lst in deps.values()) - len(edges)
    conn.executemany("INSERT OR IGNORE INTO dependencies VALUES (?, ?, ?, ?)", edges)
    conn.execute("COMMIT")
    conn.close()
    seconds = time.perf_counter() - t0

    parser = "orjson" if use_orjson else "json"
    print(f"peer_index: {n_indexes} indexes, {n_bytes / 1e6:.1f} MB, parser {parser}",
          file=sys.stderr)
    print(json.dumps({"indexes": n_indexes, "records": n_records, "bytes": n_bytes,
                      "specs": len(specs), "memberships": len(members), "edges": len(edges),
                      "dangling_edges": dangling, "parser": parser, "gc": args.gc,
                      "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
