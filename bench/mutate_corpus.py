#!/usr/bin/env python3
"""Apply "a typical night's change" to a corpus made by gen_corpus.py, in place.

    python3 bench/mutate_corpus.py --dir /tmp/corpus-100k [--seed 1] [--fraction 0.02]
                                   [--release develop] [--new-pages 0] [--remove-pages 0]

About `fraction` of the pages of `release` (the moving `develop` by default) are rewritten:
some of their specs are dropped and some new binaries are added (rebuilds with a new hash,
sometimes of a bumped version, sometimes with a variant flipped). Optionally a few packages
appear or disappear entirely. Pages keep their own style (key order, tarball URLs), and the
meta object is recomputed, so the result is what the site would publish the next night.
Incremental ingesters are benchmarked on this: everything but these pages is unchanged.

The result depends only on the corpus and the arguments; run it again with another --seed
for the next night. A summary goes to stderr and the counts in DIR/corpus.json are updated.
"""

import argparse
import json
import os
import random
import shutil
import sys
import time

sys.dont_write_bytecode = True   # keep bench/ free of __pycache__ from this import
import gen_corpus as gc  # noqa: E402


def read_page(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    # gen_corpus pages: ---, title, layout, categories, meta, spec_details, ---
    meta = json.loads(lines[4][len("meta: "):])
    specs = json.loads(lines[5][len("spec_details: "):])
    return meta, specs


def page_hashes(path):
    try:
        return {s["hash"] for s in read_page(path)[1]}
    except FileNotFoundError:
        return set()


def flip_one_bool(rng, variants):
    """A rebuilt binary often differs in one boolean variant."""
    bools = [i for i, v in enumerate(variants) if v[:1] in "+~"]
    if not bools:
        return variants
    i = rng.choice(bools)
    v = variants[i]
    sigil_len = 2 if v[:2] in ("++", "~~") else 1
    flipped = ("~" if v[0] == "+" else "+") * sigil_len + v[sigil_len:]
    return variants[:i] + [flipped] + variants[i + 1:]


def mutate_page(rng, gen, release, package, specs, with_tarball):
    """Returns (new spec list, added, removed)."""
    n = len(specs)
    keep = [s for s in specs if rng.random() >= 0.15]
    if not keep:
        keep = [rng.choice(specs)]
    removed = n - len(keep)
    n_add = rng.randint(1, max(1, n // 5)) if rng.random() < 0.8 else 0
    if n_add == 0 and removed == 0:
        n_add = 1
    max_version = max((v for s in specs for v in s["versions"]), key=gc.version_key)
    bumped = gc.Generator.bump_version(max_version)
    added = []
    for _ in range(n_add):
        template = rng.choice(specs)
        s = {k: template[k] for k in gc.SPEC_KEYS_LEGACY if k in template}
        s["hash"] = gen.new_hash()
        if rng.random() < 0.3:
            s["versions"] = [bumped]
        if rng.random() < 0.3:
            s["variants"] = flip_one_bool(rng, list(s["variants"]))
        if with_tarball:
            s["tarball"] = gc.tarball_url(release, package, s)
        added.append(s)
    return keep + added, len(added), removed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True, help="corpus directory (contains _cache/)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fraction", type=float, default=0.02,
                    help="share of the release's pages to rewrite")
    ap.add_argument("--release", default="develop")
    ap.add_argument("--new-pages", type=int, default=0, help="packages that appear")
    ap.add_argument("--remove-pages", type=int, default=0, help="packages that disappear")
    args = ap.parse_args()

    t0 = time.perf_counter()
    cache = os.path.join(args.dir, "_cache")
    release_dir = os.path.join(cache, args.release)
    pages = sorted(os.listdir(release_dir))
    rng = random.Random(f"mutate/{args.seed}")
    # A separate generator for new hashes and packages, so it cannot perturb `rng`.
    gen = gc.Generator(f"mutate-gen/{args.seed}")
    gen.names.update(pages)
    other_releases = sorted(r for r in os.listdir(cache) if r != args.release)

    n_rewrite = min(len(pages), max(1, round(args.fraction * len(pages))))
    chosen = rng.sample(pages, n_rewrite)
    rest = sorted(set(pages) - set(chosen))
    doomed = rng.sample(rest, min(args.remove_pages, len(rest)))

    rows_delta = bytes_delta = added_total = removed_total = vanished_hashes = 0

    def vanished(package, hashes):
        # A hash belongs to one package, so only that package's other pages can list it.
        elsewhere = set()
        for r in other_releases:
            elsewhere |= page_hashes(os.path.join(cache, r, package, "specs.md"))
        return len(hashes - elsewhere)

    for package in chosen:
        path = os.path.join(release_dir, package, "specs.md")
        old_size = os.path.getsize(path)
        meta, specs = read_page(path)
        sorted_keys = list(meta) == sorted(meta)
        with_tarball = "tarball" in specs[0]
        new_specs, added, removed = mutate_page(rng, gen, args.release, package, specs,
                                                with_tarball)
        text = gc.render_page(package, args.release, new_specs, sorted_keys).encode()
        with open(path, "wb") as f:
            f.write(text)
        kept = {s["hash"] for s in new_specs}
        vanished_hashes += vanished(package, {s["hash"] for s in specs} - kept) - added
        rows_delta += added - removed
        bytes_delta += len(text) - old_size
        added_total += added
        removed_total += removed

    for package in doomed:
        path = os.path.join(release_dir, package, "specs.md")
        specs = read_page(path)[1]
        vanished_hashes += vanished(package, {s["hash"] for s in specs})
        rows_delta -= len(specs)
        removed_total += len(specs)
        bytes_delta -= os.path.getsize(path)
        shutil.rmtree(os.path.join(release_dir, package))

    # New packages take the style of the release's pages (sampled from an existing one).
    if args.new_pages:
        sample_meta, sample_specs = read_page(os.path.join(release_dir, rest[0], "specs.md"))
        sorted_keys = list(sample_meta) == sorted(sample_meta)
        with_tarball = "tarball" in sample_specs[0]
    for _ in range(args.new_pages):
        count = min(50, gen.package_spec_count(50))
        pkg = gen.new_package(count)
        specs = []
        for _ in range(count):
            s = gen.new_spec(pkg, spack1_share=0.5)
            specs.append(gc.spec_object(s, gen.pick_stacks(s), args.release, with_tarball,
                                        sorted_keys))
        text = gc.render_page(pkg.name, args.release, specs, sorted_keys).encode()
        os.mkdir(os.path.join(release_dir, pkg.name))
        with open(os.path.join(release_dir, pkg.name, "specs.md"), "wb") as f:
            f.write(text)
        rows_delta += count
        added_total += count
        vanished_hashes -= count
        bytes_delta += len(text)

    page_delta = args.new_pages - len(doomed)
    manifest_path = os.path.join(args.dir, "corpus.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
        manifest["spec_rows"] += rows_delta
        manifest["pages"] += page_delta
        manifest["bytes"] += bytes_delta
        manifest["distinct_hashes"] -= vanished_hashes
        for entry in manifest["releases"]:
            if entry["release"] == args.release:
                entry["spec_rows"] += rows_delta
                entry["pages"] += page_delta
        manifest.setdefault("mutations", []).append({
            "seed": args.seed, "fraction": args.fraction, "release": args.release,
            "pages_rewritten": len(chosen), "pages_added": args.new_pages,
            "pages_removed": len(doomed), "specs_added": added_total,
            "specs_removed": removed_total})
        with open(manifest_path, "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")

    print(f"mutate_corpus: {args.release}: {len(chosen)} of {len(pages)} pages rewritten, "
          f"{args.new_pages} added, {len(doomed)} removed; +{added_total} -{removed_total} "
          f"spec rows, {bytes_delta:+d} bytes, {time.perf_counter() - t0:.2f}s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
