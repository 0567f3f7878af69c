#!/usr/bin/env python3
"""Generate a deterministic Spack build-cache index (database v8 or v9) for the
reader's parse benchmark.

    python3 bench/gen_index.py --mb 200 --out /tmp/index-200mb.json [--version 9] [--seed 1]

Records are written as Spack 1.x writes them: dict targets with their feature
lists, compilers as build dependencies (a gcc node providing c/cxx, written
after some of its users), gcc-runtime / compiler-wrapper / glibc-style hubs,
externals with `in_buildcache: false`, and each package depending on a few
earlier ones. The same arguments always give the same bytes. A summary line
(records, bytes) goes to stderr.
"""

import argparse
import hashlib
import json
import random
import sys

FEATURES = ["adx", "aes", "avx", "avx2", "bmi1", "bmi2", "clflushopt", "clwb", "f16c", "fma", "fsgsbase",
            "mmx", "movbe", "pclmulqdq", "popcnt", "rdrand", "rdseed", "sha_ni", "sse", "sse2", "sse4_1",
            "sse4_2", "ssse3", "xsavec", "xsaveopt", "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"]
TARGETS = [("zen3", "AuthenticAMD", ["zen2"]), ("skylake_avx512", "GenuineIntel", ["skylake"]),
           ("icelake", "GenuineIntel", ["cascadelake"]), ("neoverse_v2", "ARM", ["neoverse_n1"])]
OSES = ["ubuntu22.04", "ubuntu24.04", "rhel8", "rhel9"]
FLAGS = {"cflags": [], "cppflags": [], "cxxflags": [], "fflags": [], "ldflags": [], "ldlibs": []}


def dag_hash(rng_key: str) -> str:
    digest = hashlib.sha256(rng_key.encode()).digest()
    return "".join("abcdefghijklmnopqrstuvwxyz234567"[b % 32] for b in digest[:32])


def arch(rng, os_name, generic=False):
    if generic:
        return {"platform": "linux", "platform_os": os_name, "target": "x86_64_v3"}
    name, vendor, parents = rng.choice(TARGETS)
    return {"platform": "linux", "platform_os": os_name,
            "target": {"name": name, "vendor": vendor, "features": sorted(rng.sample(FEATURES, 22)),
                       "generation": 0, "parents": parents, "cpupart": ""}}


def edge(name, h, deptypes, virtuals=()):
    return {"name": name, "hash": h, "parameters": {"deptypes": list(deptypes), "virtuals": list(virtuals)}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", type=int, default=8, choices=[8, 9])
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    target = int(a.mb * 1e6)

    # The hubs: per OS an external glibc, a gcc (written late), gcc-runtime, compiler-wrapper.
    hubs = {}
    for o in OSES:
        hubs[o] = {k: dag_hash(f"{a.seed}-{o}-{k}") for k in ("glibc", "gcc", "gcc-runtime", "compiler-wrapper")}

    written = 0
    count = 0
    recent = {o: [] for o in OSES}
    with open(a.out, "w") as out:
        out.write('{"database": {"version": "%d", "installs": {' % a.version)
        first = True

        def put(h, spec, in_buildcache=True, ref_count=1):
            nonlocal written, first, count
            rec = json.dumps({"spec": spec, "ref_count": ref_count, "in_buildcache": in_buildcache},
                             separators=(",", ":"))
            text = ("" if first else ",") + json.dumps(h) + ":" + rec
            out.write(text)
            written += len(text)
            first = False
            count += 1

        def hub_nodes(o):
            hb = hubs[o]
            glibc = {"name": "glibc", "version": "2.35", "arch": arch(rng, o, True), "namespace": "builtin",
                     "parameters": {"build_system": "autotools", **FLAGS},
                     "external": {"path": "/usr", "module": None}, "hash": hb["glibc"]}
            gcc = {"name": "gcc", "version": "13.3.0", "arch": arch(rng, o, True), "namespace": "builtin",
                   "parameters": {"build_system": "autotools", "languages": ["c", "c++", "fortran"], **FLAGS},
                   "external": {"path": "/usr", "module": None}, "hash": hb["gcc"]}
            if a.version >= 9:
                gcc["provided_virtuals"] = ["c", "cxx", "fortran"]
            rt = {"name": "gcc-runtime", "version": "13.3.0", "arch": arch(rng, o), "namespace": "builtin",
                  "parameters": {"build_system": "generic", **FLAGS},
                  "dependencies": [edge("gcc", hb["gcc"], ["build"]), edge("glibc", hb["glibc"], ["link"], ["libc"])],
                  "hash": hb["gcc-runtime"]}
            cw = {"name": "compiler-wrapper", "version": "1.0", "arch": arch(rng, o), "namespace": "builtin",
                  "parameters": {"build_system": "generic", **FLAGS}, "hash": hb["compiler-wrapper"]}
            return [(hb["glibc"], glibc, False), (hb["gcc"], gcc, False), (hb["gcc-runtime"], rt, True),
                    (hb["compiler-wrapper"], cw, True)]

        late_hubs = []
        for o in OSES:
            nodes = hub_nodes(o)
            # glibc, gcc-runtime and compiler-wrapper first; gcc after its first users.
            for h, spec, ibc in nodes:
                if spec["name"] == "gcc":
                    late_hubs.append((h, spec, ibc))
                else:
                    put(h, spec, ibc, 1000)
        i = 0
        while written < target:
            o = OSES[i % len(OSES)]
            hb = hubs[o]
            name = f"pkg-{rng.randrange(20000):05d}"
            h = dag_hash(f"{a.seed}-{i}")
            deps = [edge("compiler-wrapper", hb["compiler-wrapper"], ["build"]),
                    edge("gcc", hb["gcc"], ["build"], rng.choice([["c"], ["c", "cxx"], ["c", "cxx", "fortran"]])),
                    edge("gcc-runtime", hb["gcc-runtime"], ["link"]),
                    edge("glibc", hb["glibc"], ["link"], ["libc"])]
            for d in rng.sample(recent[o], min(len(recent[o]), rng.randrange(0, 6))):
                deps.append(edge(d[0], d[1], rng.choice([["build", "link"], ["link"], ["build", "link", "run"]])))
            params = {"build_system": rng.choice(["cmake", "autotools", "makefile", "python_pip"]),
                      "shared": rng.random() < 0.8, "pic": rng.random() < 0.5,
                      "build_type": "Release", "generator": "make"}
            if rng.random() < 0.2:
                params["cuda_arch"] = sorted(rng.sample(["70", "80", "90"], 2))
            spec = {"name": name, "version": f"{rng.randrange(10)}.{rng.randrange(20)}.{rng.randrange(5)}",
                    "arch": arch(rng, o), "namespace": "builtin", "parameters": {**params, **FLAGS},
                    "package_hash": dag_hash(f"ph-{name}") + "====" * 5, "dependencies": deps, "hash": h}
            put(h, spec, rng.random() > 0.02)
            recent[o].append((name, h))
            if len(recent[o]) > 200:
                recent[o].pop(0)
            i += 1
            if i == 1000:
                for h2, spec2, ibc2 in late_hubs:
                    put(h2, spec2, ibc2, 1000)
        if i < 1000:
            for h2, spec2, ibc2 in late_hubs:
                put(h2, spec2, ibc2, 1000)
        out.write("}}}\n")
    print(f"gen_index: {count} records, {written / 1e6:.1f} MB, database v{a.version}, {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
