#!/usr/bin/env python3
"""The baseline: cache.spack.io pages into SQLite the way an analyst would do it in Python.

    python3 bench/peer_ingest.py --db OUT.sqlite DIR [--parser json|yaml|auto]

Walks DIR for `specs.md` pages, parses each page's front matter, and loads everything into a
normalized schema in one transaction with `executemany`. A binary listed by several releases
is stored once (INSERT OR IGNORE on its hash); what is per release -- membership, stacks,
tarball URL -- goes in the release_* tables. OUT.sqlite is replaced if it exists.

Prints one JSON line to stdout: {"spec_rows": <specs read over all pages>, "seconds": <wall>}.

This is meant to be a fair comparison point: plain, sensible code (one transaction, cached
ids for the small tables, the fastest parse Python offers for these pages), not tuned beyond
that. The default parse reads the one-line JSON of `meta` and `spec_details` with the json
module, about 5x faster than libyaml's C loader on the whole front matter (`--parser yaml`,
or `auto`: libyaml when installed, the default before).
"""

import argparse
import json
import os
import sqlite3
import sys
import time

try:
    import yaml
    HAVE_CYAML = hasattr(yaml, "CSafeLoader")
except ImportError:
    HAVE_CYAML = False

SCHEMA = """
CREATE TABLE releases (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE packages (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE compilers (
  id      INTEGER PRIMARY KEY,
  name    TEXT NOT NULL,              -- 'gcc', or 'none'
  version TEXT NOT NULL DEFAULT '',   -- 'gcc@=11.4.0' and 'gcc@11.4.0' are the same compiler
  UNIQUE (name, version)
);
CREATE TABLE stacks (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE specs (
  id          INTEGER PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE,
  package_id  INTEGER NOT NULL REFERENCES packages(id),
  compiler_id INTEGER NOT NULL REFERENCES compilers(id),
  os          TEXT NOT NULL,
  platform    TEXT NOT NULL,
  target      TEXT NOT NULL,
  size        INTEGER                 -- NULL when the page says '-'
);
CREATE INDEX specs_by_package ON specs(package_id);
CREATE TABLE spec_versions (
  spec_id INTEGER NOT NULL REFERENCES specs(id),
  version TEXT NOT NULL,
  PRIMARY KEY (spec_id, version)
);
CREATE TABLE variants (
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL,
  value     TEXT NOT NULL,            -- 'true'/'false' for +x/~x; 'shared,static' for lists
  propagate INTEGER NOT NULL,         -- ++x, ~~x, k==v
  exact     INTEGER NOT NULL,         -- k:=v
  UNIQUE (name, value, propagate, exact)
);
CREATE TABLE spec_variants (
  spec_id    INTEGER NOT NULL REFERENCES specs(id),
  variant_id INTEGER NOT NULL REFERENCES variants(id),
  PRIMARY KEY (spec_id, variant_id)
);
CREATE INDEX spec_variants_by_variant ON spec_variants(variant_id);
CREATE TABLE release_specs (
  release_id INTEGER NOT NULL REFERENCES releases(id),
  spec_id    INTEGER NOT NULL REFERENCES specs(id),
  tarball    TEXT,                    -- the URL embeds the release, so it lives here
  PRIMARY KEY (release_id, spec_id)
);
CREATE INDEX release_specs_by_spec ON release_specs(spec_id);
CREATE TABLE release_spec_stacks (
  release_id INTEGER NOT NULL,
  spec_id    INTEGER NOT NULL,
  stack_id   INTEGER NOT NULL REFERENCES stacks(id),
  PRIMARY KEY (release_id, spec_id, stack_id),
  FOREIGN KEY (release_id, spec_id) REFERENCES release_specs(release_id, spec_id)
);
CREATE INDEX release_spec_stacks_by_stack ON release_spec_stacks(stack_id);
"""


def front_matter(text, path):
    if not text.startswith("---\n"):
        raise ValueError(f"{path}: no front matter")
    end = text.find("\n---", 3)
    if end < 0:
        raise ValueError(f"{path}: unterminated front matter")
    return text[4:end + 1]


def parse_yaml(fm):
    return yaml.load(fm, Loader=yaml.CSafeLoader)


def parse_json_lines(fm):
    """Without libyaml: the site writes meta and spec_details as one-line JSON."""
    page = {}
    for line in fm.splitlines():
        key, _, value = line.partition(": ")
        if key in ("meta", "spec_details"):
            page[key] = json.loads(value)
        elif key == "title":
            page[key] = value.strip('"')
        elif key == "categories":
            page[key] = [item.strip() for item in value.strip("[]").split(",")]
    return page


def parse_compiler(text):
    if text == "none":
        return "none", ""
    name, _, version = text.partition("@")
    return name, version.lstrip("=")


def parse_variant(text):
    """Spack variant syntax -> (name, value, propagate, exact)."""
    if text[:2] in ("++", "~~"):
        return text[2:], "true" if text[0] == "+" else "false", 1, 0
    if text[0] in "+~":
        return text[1:], "true" if text[0] == "+" else "false", 0, 0
    i = text.index("=")
    name, value = text[:i], text[i + 1:]
    propagate = exact = 0
    if value.startswith("="):
        value, propagate = value[1:], 1
    elif name.endswith(":"):
        name, exact = name[:-1], 1
    if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
        value = value[1:-1]
    return name, value, propagate, exact


class Loader:
    def __init__(self, conn):
        self.cur = conn.cursor()
        # Dimension tables are small: keep text -> id in memory instead of querying.
        self.ids = {"releases": {}, "packages": {}, "stacks": {}}
        self.compiler_ids = {}   # page text ('gcc@=11.4.0') -> id
        self.variant_ids = {}    # page text ('libs=shared,static') -> id
        self.variant_keys = {}   # parsed (name, value, propagate, exact) -> id

    def name_id(self, table, name):
        ids = self.ids[table]
        if name not in ids:
            self.cur.execute(f"INSERT INTO {table}(name) VALUES (?)", (name,))
            ids[name] = self.cur.lastrowid
        return ids[name]

    def compiler_id(self, text):
        cid = self.compiler_ids.get(text)
        if cid is None:
            key = parse_compiler(text)
            self.cur.execute("INSERT OR IGNORE INTO compilers(name, version) VALUES (?, ?)", key)
            cid = self.cur.execute("SELECT id FROM compilers WHERE name = ? AND version = ?",
                                   key).fetchone()[0]
            self.compiler_ids[text] = cid
        return cid

    def variant_id(self, text):
        vid = self.variant_ids.get(text)
        if vid is None:
            key = parse_variant(text)
            vid = self.variant_keys.get(key)
            if vid is None:
                self.cur.execute("INSERT INTO variants(name, value, propagate, exact) "
                                 "VALUES (?, ?, ?, ?)", key)
                vid = self.variant_keys[key] = self.cur.lastrowid
            self.variant_ids[text] = vid
        return vid

    def load_page(self, release, package, details):
        cur = self.cur
        release_id = self.name_id("releases", release)
        package_id = self.name_id("packages", package)

        cur.executemany(
            "INSERT OR IGNORE INTO specs(hash, package_id, compiler_id, os, platform, target,"
            " size) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(s["hash"], package_id, self.compiler_id(s["compiler"]), s["os"], s["platform"],
              s["target"], s["size"] if isinstance(s["size"], int) else None)
             for s in details])
        # A hash belongs to one package, so this finds the ids of every spec on the page.
        spec_ids = dict(cur.execute("SELECT hash, id FROM specs WHERE package_id = ?",
                                    (package_id,)))

        versions, variants, members, stacks = [], [], [], []
        for s in details:
            sid = spec_ids[s["hash"]]
            versions.extend((sid, v) for v in s["versions"])
            variants.extend((sid, self.variant_id(v)) for v in s["variants"])
            members.append((release_id, sid, s.get("tarball")))
            stacks.extend((release_id, sid, self.name_id("stacks", st)) for st in s["stacks"])
        # Versions and variants belong to the hash: the first release listing it wins.
        cur.executemany("INSERT OR IGNORE INTO spec_versions VALUES (?, ?)", versions)
        cur.executemany("INSERT OR IGNORE INTO spec_variants VALUES (?, ?)", variants)
        cur.executemany("INSERT INTO release_specs VALUES (?, ?, ?)", members)
        cur.executemany("INSERT INTO release_spec_stacks VALUES (?, ?, ?)", stacks)


def find_pages(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()   # stable ids from run to run
        if "specs.md" in filenames:
            yield os.path.join(dirpath, "specs.md")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="SQLite file to create (replaced)")
    ap.add_argument("--parser", choices=["auto", "yaml", "json"], default="json",
                    help="json (default): the JSON-lines parse, the fastest; yaml: libyaml; "
                         "auto: libyaml if available, else json")
    ap.add_argument("dir")
    args = ap.parse_args()
    if args.parser == "yaml" and not HAVE_CYAML:
        ap.error("--parser yaml needs python3-yaml built with libyaml")
    use_yaml = args.parser == "yaml" or (args.parser == "auto" and HAVE_CYAML)
    parse = parse_yaml if use_yaml else parse_json_lines

    t0 = time.perf_counter()
    if os.path.exists(args.db):
        os.remove(args.db)
    conn = sqlite3.connect(args.db, isolation_level=None)
    conn.executescript(SCHEMA)
    loader = Loader(conn)
    pages = rows = 0
    conn.execute("BEGIN")
    for path in find_pages(args.dir):
        with open(path, encoding="utf-8") as f:
            page = parse(front_matter(f.read(), path))
        # categories: [package, <release>]; the title is the package name.
        release = page["categories"][1]
        loader.load_page(release, page["title"], page["spec_details"])
        pages += 1
        rows += len(page["spec_details"])
    conn.execute("COMMIT")
    conn.close()
    seconds = time.perf_counter() - t0

    print(f"peer_ingest: {pages} pages, parser {'yaml' if use_yaml else 'json'}",
          file=sys.stderr)
    print(json.dumps({"spec_rows": rows, "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
