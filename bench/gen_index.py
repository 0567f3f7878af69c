#!/usr/bin/env python3
"""Generate a synthetic, deterministic tree of Spack build-cache indexes for benchmarks.

    python3 bench/gen_index.py --size 100M --out DIR [--seed 1] [--releases 4]
                               [--layout v2|v3|both] [--db-versions 8,9] [--force]

Writes what a copy of the `spack-binaries` bucket looks like to the site that reads it:

    DIR/cache_spack_io_index.json        {release: [{"label", "url"}]}, urls s3://spack-binaries/...
    DIR/mirror/<release>/...             the release's top-level mirror (label `root`)
    DIR/mirror/<release>/<stack>/...     one mirror per stack
    DIR/index-corpus.json                what was written, with the counts an ingest must find

Each mirror holds its index in the v2 layout (`build_cache/index.json` and
`index.json.hash`), the v3 layout (`v3/layout.json`, `v3/manifests/index/index.manifest.json`
naming `blobs/sha256/<2>/<sha256>`), or both (the blob is a hard link to index.json: the
same bytes). The listing's urls name the v3 blobs when there are any, else the v2 files;
`s3://spack-binaries/` stands for DIR/mirror/.

What the indexes mimic (see bench/README.md, "Index benchmark"): Spack database JSON of
version 8 (Spack 1.0-1.2) and 9 (1.3), written compactly as Spack does; build environments
(platform, os, target, compiler) with dict targets carrying archspec-style feature lists
(string targets for the generic x86_64_vN / aarch64); compilers as build dependencies that
provide the c/cxx/fortran virtuals; per environment hubs that nearly every spec depends on
(compiler-wrapper, gcc-runtime, an external glibc providing libc, the compiler, external in
most environments); other externals with in_buildcache false; `parameters` holding the
variants and the six empty compiler-flag lists; `annotations` on every node, with the
compiler on nodes converted from older spec files (which have no compiler edges); a few
stacks per environment whose indexes overlap (each is the closure of its root specs), a
`root` index per release holding all of them; weekly releases in which ~2% of leaf specs
are rebuilt (fewer of those with dependents: the new hashes ripple up the DAG) and ~1% of
stack roots change.

`--size` is the approximate total of index JSON over every index of every release (`100M`,
`1G`; decimal units). The same arguments always give byte-identical files. Records are
written as they are serialized (each distinct spec serialized once per release it is new
in), with a few MB in flight per file.
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import random
import shutil
import sys
import time
from collections import Counter

FLAGS = ("cflags", "cppflags", "cxxflags", "fflags", "ldflags", "ldlibs")

# Targets as Spack serializes them: generic ones as a string, the others as a dict. Feature
# lists follow archspec's, trimmed to typical lengths.
X86_BASE = ("mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt cx16 lahf_lm abm avx avx2 bmi1 bmi2 f16c "
            "fma movbe xsave").split()
ARM_BASE = ("aes asimd asimddp asimdfhm asimdhp asimdrdm atomics cpuid crc32 dcpodp dcpop "
            "evtstrm fcma flagm fp fphp ilrcpc jscvt lrcpc pmull sha1 sha2 sha3 sha512 "
            "uscat").split()
TARGETS = {
    "x86_64_v3": "x86_64_v3",
    "x86_64_v4": "x86_64_v4",
    "aarch64": "aarch64",
    "zen4": {"name": "zen4", "vendor": "AuthenticAMD",
             "features": sorted(X86_BASE + ("aes avx512_bf16 avx512_bitalg avx512_vbmi2 "
                                "avx512_vnni avx512_vpopcntdq avx512bw avx512cd avx512dq "
                                "avx512f avx512ifma avx512vbmi avx512vl clflushopt clwb clzero "
                                "flush_l1d fsgsbase gfni pclmulqdq pku rdseed sse4a vaes "
                                "vpclmulqdq xsavec xsaveopt").split()),
             "generation": 0, "parents": ["zen3", "x86_64_v4"], "cpupart": ""},
    "zen2": {"name": "zen2", "vendor": "AuthenticAMD",
             "features": sorted(X86_BASE + "aes clflushopt clwb clzero fsgsbase pclmulqdq "
                                "rdseed sse4a xsavec xsaveopt".split()),
             "generation": 0, "parents": ["zen"], "cpupart": ""},
    "skylake_avx512": {"name": "skylake_avx512", "vendor": "GenuineIntel",
                       "features": sorted(X86_BASE + "adx aes avx512bw avx512cd avx512dq "
                                          "avx512f avx512vl clflushopt clwb pclmulqdq rdrand "
                                          "rdseed xsavec xsaveopt".split()),
                       "generation": 0, "parents": ["skylake", "x86_64_v4"], "cpupart": ""},
    "neoverse_v1": {"name": "neoverse_v1", "vendor": "ARM",
                    "features": sorted(ARM_BASE + "bf16 dgh dit i8mm rng sve svebf16 "
                                       "svei8mm".split()),
                    "generation": 0, "parents": ["neoverse_n1", "armv8.4a"],
                    "cpupart": "0xd40"},
    "neoverse_v2": {"name": "neoverse_v2", "vendor": "ARM",
                    "features": sorted(ARM_BASE + "bf16 flagm2 frint i8mm sb sve sve2 svebf16 "
                                       "svei8mm".split()),
                    "generation": 0, "parents": ["neoverse_n1", "armv9.0a"],
                    "cpupart": "0xd4f"},
    "m1": {"name": "m1", "vendor": "Apple",
           "features": sorted(ARM_BASE + "dit flagm2 frint paca pacg sb ssbs".split()),
           "generation": 0, "parents": ["armv8.4a"], "cpupart": "0x022"},
}

# Build environments: (platform, os, target, compiler name, version, compiler external?,
# stacks built there, share of the specs). The compiler provides c, cxx and fortran.
ENVIRONMENTS = [
    ("linux", "ubuntu22.04", "x86_64_v3", "gcc", "11.4.0", True,
     ["e4s", "tutorial", "build_systems", "radiuss", "data-vis-sdk"], 28),
    ("linux", "ubuntu22.04", "x86_64_v3", "oneapi", "2025.0.0", True, ["e4s-oneapi"], 5),
    ("linux", "ubuntu22.04", "neoverse_v2", "gcc", "11.4.0", False,
     ["e4s-neoverse-v2", "developer-tools-aarch64"], 10),
    ("linux", "ubuntu22.04", "neoverse_v1", "gcc", "12.3.0", True,
     ["e4s-neoverse_v1", "aws-pcluster-neoverse_v1"], 6),
    ("linux", "ubuntu24.04", "x86_64_v3", "gcc", "13.2.0", False,
     ["ml-linux-x86_64-cpu", "ml-linux-x86_64-cuda", "ml-linux-x86_64-rocm"], 14),
    ("linux", "ubuntu24.04", "aarch64", "gcc", "13.2.0", True,
     ["ml-linux-aarch64-cpu", "ml-linux-aarch64-cuda"], 8),
    ("darwin", "sequoia", "m1", "apple-clang", "16.0.0", True,
     ["ml-darwin-aarch64-mps", "developer-tools-darwin"], 5),
    ("linux", "rhel8", "zen4", "gcc", "11.4.0", True, ["e4s-cray-rhel"], 4),
    ("linux", "sles15", "zen2", "llvm", "17.0.6", True, ["e4s-cray-sles"], 3),
    ("linux", "amzn2", "skylake_avx512", "gcc", "12.3.0", True,
     ["aws-pcluster-x86_64_v4"], 4),
]

# Real package names first (the low-level ones early: dependencies point to lower ranks),
# then generated ones.
REAL_PACKAGES = """
zlib-ng bzip2 xz zstd lz4 libiconv ncurses readline pkgconf m4 libsigsegv gmake perl openssl
curl libxml2 libffi expat gettext sqlite berkeley-db gdbm tar gzip diffutils autoconf automake
libtool cmake ninja python meson py-setuptools py-pip py-wheel py-packaging hwloc libevent
libfabric ucx openmpi mpich openblas netlib-lapack fftw hdf5 netcdf-c netcdf-fortran
parallel-netcdf boost eigen metis parmetis scotch suite-sparse superlu-dist hypre mumps
petsc slepc sundials kokkos kokkos-kernels raja umpire camp caliper adios2 trilinos conduit
ascent vtk-m paraview py-numpy py-cython py-pybind11 py-scipy py-pandas py-matplotlib
py-h5py py-mpi4py py-torch py-jax py-scikit-learn libpng libjpeg-turbo libtiff libyaml
pcre2 icu4c bison flex swig doxygen graphviz git cuda cudnn nccl hip rocblas llvm-amdgpu
magma mfem dealii lammps gromacs amrex warpx strumpack ginkgo heffte tau hpctoolkit papi
""".split()
SYLLABLES = ("ba be bi bo cal cor da del den dor el en fa fer gal gen ha hel in jo ka kel la "
             "lin lo ma mer mi mon na nel no or pa per pi qua ra ren ri ro sa sel si so ta "
             "tel ti tor un va vel vi xo yan za zel zor").split()
PREFIXES = [("py-", 35), ("r-", 12), ("lib", 10), ("perl-", 5), ("", 38)]
# Virtuals some packages provide: an edge to them names the virtual.
PROVIDES = {"openmpi": ["mpi"], "mpich": ["mpi"], "openblas": ["blas", "lapack"],
            "netlib-lapack": ["blas", "lapack"], "zlib-ng": ["zlib-api"],
            "pkgconf": ["pkgconfig"], "libiconv": ["iconv"], "cuda": [], "hip": []}
LANGS = {"gcc": ["c", "cxx", "fortran"], "oneapi": ["c", "cxx", "fortran"],
         "apple-clang": ["c", "cxx"], "llvm": ["c", "cxx", "fortran"]}

BOOL_VARIANTS = ["mpi", "shared", "static", "pic", "openmp", "cuda", "rocm", "debug",
                 "fortran", "python", "doc", "tests", "optimize", "examples", "zlib", "ssl",
                 "lto", "hdf5", "x", "jit", "int64"]
SINGLE_VARIANTS = {"cxxstd": ["17", "14", "20"], "api": ["default", "v110"],
                   "precision": ["double", "single"], "threads": ["none", "openmp"],
                   "build_type": ["Release", "RelWithDebInfo"]}
MULTI_VARIANTS = {"libs": ["shared", "static"], "cuda_arch": ["80", "90"],
                  "amdgpu_target": ["gfx90a", "gfx942"]}
BUILD_SYSTEMS = [("cmake", 40), ("autotools", 30), ("makefile", 10), ("meson", 6),
                 ("generic", 6), ("python_pip", 8)]
DEPTYPES = [(("build", "link"), 55), (("build", "link", "run"), 15), (("build",), 15),
            (("link",), 10), (("build", "run"), 5)]

REBUILD_RATE = 0.02      # share of leaf specs rebuilt (new hash) from one release to the next
ROOT_CHURN = 0.01        # share of stack roots dropped, and as many added, per release
CONVERTED_SHARE = 0.06   # nodes converted from older spec files (annotations.compiler)
EXTERNAL_SHARE = 0.02    # leaf packages used as externals in an environment


def b32hash(text):
    """A 32-character [a-z2-7] DAG hash, as Spack prints them."""
    return base64.b32encode(hashlib.sha1(text.encode()).digest()).decode().lower()[:32]


def package_hash(name):
    """52 base32 characters and padding, as Spack's package_hash looks."""
    return base64.b32encode(hashlib.sha256(name.encode()).digest()).decode().lower()


def weighted(rng, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


def release_names(count):
    first = datetime.date(2025, 3, 2)
    return [f"develop-{first + datetime.timedelta(weeks=i)}" for i in range(count)]


class Package:
    __slots__ = ("name", "rank", "versions", "build_system", "variants", "deps", "langs",
                 "provides", "package_hash")


class Node:
    """One concretized spec of one environment. Its hash depends on its generation (bumped
    when rebuilt) and on its dependencies' hashes, so a rebuild ripples up the DAG."""
    __slots__ = ("id", "env", "pkg", "name", "variants", "vidx", "deps", "external",
                 "converted", "gen", "hub")


class World:
    def __init__(self, seed, n_nodes):
        self.seed = seed
        self.rng = rng = random.Random(seed)
        n_packages = max(len(REAL_PACKAGES) + 20, n_nodes // 2)
        self.packages = [self.new_package(i, name) for i, name in
                         enumerate(self.package_names(n_packages))]
        self.nodes = []
        self.env_nodes = []          # per environment: its node ids
        self.roots = []              # per environment: {stack: set(node ids)}
        total_weight = sum(e[7] for e in ENVIRONMENTS)
        for e, env in enumerate(ENVIRONMENTS):
            self.build_env(e, env, max(30, n_nodes * env[7] // total_weight))

    # -- the package catalog ------------------------------------------------------------

    def package_names(self, n):
        rng, names = self.rng, list(REAL_PACKAGES)
        seen = set(names)
        while len(names) < n:
            prefix = weighted(rng, PREFIXES)
            name = prefix + "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
            if name not in seen:
                seen.add(name)
                names.append(name)
        # Keep the real names first (they are the low-level libraries), then interleave.
        return names[:n]

    def new_package(self, rank, name):
        rng = self.rng
        p = Package()
        p.name, p.rank = name, rank
        major = rng.randint(0, 12)
        p.versions = [f"{major}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
                      for _ in range(rng.randint(1, 3))]
        p.build_system = weighted(rng, BUILD_SYSTEMS)
        if name.startswith("py-") and rng.random() < 0.7:
            p.build_system = "python_pip"
        variants = {"build_system": p.build_system}
        if p.build_system == "cmake":
            variants.update(build_type="Release", generator="make", ipo=False)
        for v in rng.sample(BOOL_VARIANTS, rng.choice([0, 1, 2, 2, 3, 4, 6])):
            variants[v] = rng.random() < 0.5
        if rng.random() < 0.3:
            k = rng.choice(list(SINGLE_VARIANTS))
            variants[k] = rng.choice(SINGLE_VARIANTS[k])
        if rng.random() < 0.2:
            k = rng.choice(list(MULTI_VARIANTS))
            variants[k] = sorted(rng.sample(MULTI_VARIANTS[k], rng.randint(1, 2)))
        if rng.random() < 0.05:
            variants["patches"] = sorted(hashlib.sha256(f"{name}{i}".encode()).hexdigest()
                                         for i in range(rng.randint(1, 2)))
        p.variants = variants
        # Dependencies on lower ranks, mostly the low-level libraries at the start.
        p.deps = []
        if rank > 0:
            k = min(rank, rng.choice([0, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 11]))
            picks = set()
            for _ in range(k):
                d = int(rank * rng.random() ** 2.5)
                picks.add(d)
            p.deps = [(d, weighted(rng, DEPTYPES)) for d in sorted(picks)]
        if p.build_system == "python_pip":
            p.langs = []
        else:
            p.langs = weighted(rng, [(["c"], 30), (["c", "cxx"], 50), (["c", "cxx", "fortran"],
                                     10), (["cxx"], 8), (["fortran"], 2)])
        p.provides = PROVIDES.get(name, [])
        p.package_hash = package_hash(name)
        return p

    # -- environments -------------------------------------------------------------------

    def add_node(self, e, pkg_name, variants, deps, external=False, converted=False, hub=True,
                 pkg=None):
        n = Node()
        n.id, n.env, n.pkg, n.name = len(self.nodes), e, pkg, pkg_name
        n.variants, n.vidx, n.deps = variants, 0, deps
        n.external, n.converted, n.gen, n.hub = external, converted, 0, hub
        self.nodes.append(n)
        self.env_nodes[e].append(n.id)
        return n.id

    def build_env(self, e, env, budget):
        rng = self.rng
        platform, os_name, target, cname, cver, cext, stacks, _ = env
        self.env_nodes.append([])
        generic = {"build_system": "generic"}
        glibc = None
        if platform == "linux":
            glibc = self.add_node(e, "glibc", dict(generic), [], external=True)
        comp_deps = [(glibc, ("link",), ("libc",))] if glibc is not None else []
        compiler = self.add_node(e, cname, dict(generic, languages=["c", "c++", "fortran"]),
                                 [] if cext else comp_deps, external=cext)
        wrapper = self.add_node(e, "compiler-wrapper", dict(generic), [])
        runtime = None
        if cname == "gcc":
            runtime = self.add_node(e, "gcc-runtime", dict(generic),
                                    [(compiler, ("build",), ())] + comp_deps)
        hubs = (glibc, compiler, wrapper, runtime)

        # Packages of this environment: a popularity-weighted draw, closed under deps.
        chosen = {}   # package rank -> [node ids]
        n_pk = len(self.packages)

        def need(rank):
            if rank in chosen:
                return rng.choice(chosen[rank])
            pkg = self.packages[rank]
            dep_ids = [need(d) for d, _ in pkg.deps]
            ids = []
            for inst in range(1 if rng.random() < 0.8 else rng.randint(2, 3)):
                ids.append(self.make_node(e, pkg, inst, dep_ids, hubs, cname))
            chosen[rank] = ids
            return rng.choice(ids)

        count0 = len(self.nodes)
        while len(self.nodes) - count0 < budget and len(chosen) < n_pk:
            need(min(n_pk - 1, int(n_pk * rng.random() ** 1.3)))
        # Stack roots: most specs are roots of one or two of the environment's stacks.
        roots = {s: set() for s in stacks}
        for nid in self.env_nodes[e]:
            n = self.nodes[nid]
            if n.hub or n.external or rng.random() < 0.35:
                continue
            roots[rng.choice(stacks)].add(nid)
            if len(stacks) > 1 and rng.random() < 0.3:
                roots[rng.choice(stacks)].add(nid)
        self.roots.append(roots)

    def make_node(self, e, pkg, inst, dep_ids, hubs, cname):
        rng = self.rng
        glibc, compiler, wrapper, runtime = hubs
        variants = dict(pkg.variants)
        if inst:
            bools = [k for k, v in variants.items() if isinstance(v, bool)]
            if bools:
                k = rng.choice(bools)
                variants[k] = not variants[k]
        external = not pkg.deps and rng.random() < EXTERNAL_SHARE
        converted = not external and rng.random() < CONVERTED_SHARE
        deps = []
        if not external:
            langs = [lang for lang in pkg.langs if lang in LANGS[cname]]
            if langs and not converted:
                deps.append((wrapper, ("build",), ()))
                deps.append((compiler, ("build",), tuple(langs)))
                if runtime is not None:
                    deps.append((runtime, ("link",), ()))
            if glibc is not None and pkg.langs:
                deps.append((glibc, ("link",), ("libc",)))
            for (d, types), nid in zip(pkg.deps, dep_ids):
                deps.append((nid, types, tuple(self.packages[d].provides)))
        nid = self.add_node(e, pkg.name, variants, deps, external=external,
                            converted=converted, hub=False, pkg=pkg)
        self.nodes[nid].vidx = inst % len(pkg.versions)
        return nid

    # -- releases ---------------------------------------------------------------------

    def evolve(self, rng):
        """One week: some specs rebuilt (new generation, maybe a new version), some stack
        roots dropped and others added."""
        if not hasattr(self, "dependents"):
            self.dependents = Counter(d for n in self.nodes for d, _, _ in n.deps)
        for n in self.nodes:
            # A spec many others depend on changes less often (a rebuild of one gives every
            # dependent a new hash too).
            rate = REBUILD_RATE / (1 + self.dependents.get(n.id, 0))
            if not n.hub and rng.random() < rate:
                n.gen += 1
                if n.pkg is not None and rng.random() < 0.5:
                    n.vidx = (n.vidx + 1) % len(n.pkg.versions)
        for e, roots in enumerate(self.roots):
            candidates = [i for i in self.env_nodes[e]
                          if not self.nodes[i].hub and not self.nodes[i].external]
            for stack, members in roots.items():
                drop = [i for i in sorted(members) if rng.random() < ROOT_CHURN]
                members.difference_update(drop)
                for _ in range(len(drop)):
                    members.add(rng.choice(candidates))

    def hashes(self):
        out = []
        for n in self.nodes:   # dependencies always have lower ids
            out.append(b32hash(f"{self.seed}|{n.id}|{n.gen}|{n.vidx}|"
                               + "".join(out[d] for d, _, _ in n.deps)))
        return out

    def closure(self, roots):
        seen, todo = set(), list(roots)
        while todo:
            i = todo.pop()
            if i in seen:
                continue
            seen.add(i)
            todo.extend(d for d, _, _ in self.nodes[i].deps)
        return seen


def spec_node(world, n, hashes, version):
    """The node as Spack writes it in the index (key order as in Spack's own output)."""
    platform, os_name, target, cname, cver, *_ = ENVIRONMENTS[n.env]
    pkg = n.pkg
    params = {k: n.variants[k] for k in sorted(n.variants)}
    for f in FLAGS:
        params[f] = []
    spec = {"name": n.name,
            "version": (pkg.versions[n.vidx] if pkg is not None
                        else (cver if n.name in LANGS or n.name == "gcc-runtime"
                              else ("2.35" if n.name == "glibc" else "1.0"))),
            "arch": {"platform": platform, "platform_os": os_name, "target": TARGETS[target]},
            "namespace": "builtin",
            "parameters": params}
    if n.external:
        extra = {}
        if n.name == cname:
            bindir = f"/opt/{cname}-{cver}/bin"
            extra = {"compilers": {"c": f"{bindir}/{cname}", "cxx": f"{bindir}/{cname}++",
                                   "fortran": f"{bindir}/{cname}fortran"}}
        spec["external"] = {"path": "/usr" if n.name == "glibc" else f"/opt/{n.name}",
                            "module": None, "extra_attributes": extra}
    spec["package_hash"] = pkg.package_hash if pkg is not None else package_hash(n.name)
    if version >= 9:
        # Spec file v6: only on nodes that provide something, possibly with a version.
        provided = LANGS.get(n.name) if n.name == cname else (
            ["libc"] if n.name == "glibc" else ["libgfortran@5"] if n.name == "gcc-runtime"
            else (pkg.provides if pkg is not None else []))
        if provided:
            spec["provided_virtuals"] = list(provided)
    if n.deps:
        edges = []
        for d, types, virtuals in sorted(n.deps, key=lambda x: world.nodes[x[0]].name):
            params = {"deptypes": list(types), "virtuals": list(virtuals)}
            if virtuals and types == ("build",):
                params["direct"] = True
            edges.append({"name": world.nodes[d].name, "hash": hashes[d],
                          "parameters": params})
        spec["dependencies"] = edges
    if n.converted:
        spec["annotations"] = {"original_specfile_version": 4, "compiler": f"{cname}@={cver}"}
    else:
        spec["annotations"] = {"original_specfile_version": 5 if version < 9 else 6}
    spec["hash"] = hashes[n.id]
    return spec


class IndexWriter:
    """Streams one database JSON to a file, hashing it on the way."""

    def __init__(self, path, version):
        self.path, self.version = path, version
        self.f = open(path, "wb")
        self.sha = hashlib.sha256()
        self.size = 0
        self.buf = []
        self.buffered = 0
        self.first = True
        self.put(b'{"database":{"version":"%d","installs":{' % version)

    def put(self, data):
        self.buf.append(data)
        self.buffered += len(data)
        if self.buffered > (4 << 20):
            self.flush()

    def flush(self):
        chunk = b"".join(self.buf)
        self.sha.update(chunk)
        self.f.write(chunk)
        self.size += len(chunk)
        self.buf, self.buffered = [], 0

    def record(self, key, spec_json, ref_count, in_buildcache):
        self.put(b'%s"%s":{"spec":%s,"ref_count":%d,"in_buildcache":%s}' % (
            b"" if self.first else b",", key, spec_json, ref_count,
            b"true" if in_buildcache else b"false"))
        self.first = False

    def close(self):
        self.put(b"}}}")
        self.flush()
        self.f.close()
        return self.size, self.sha.hexdigest()


def write_mirror(mirror_dir, written, layout):
    """Places the written index in the mirror's layout(s). `written` is [(temporary path,
    size, sha256, database version)], the index itself first, then older versions of it
    that a v3 manifest lists beside it. Returns the index's path for the listing, relative
    to the mirror directory."""
    tmp_path, size, sha, version = written[0]
    v2 = os.path.join(mirror_dir, "build_cache", "index.json")
    blob_rel = os.path.join("blobs", "sha256", sha[:2], sha)
    blob = os.path.join(mirror_dir, blob_rel)
    if layout in ("v2", "both"):
        os.makedirs(os.path.dirname(v2), exist_ok=True)
        os.replace(tmp_path, v2)
        with open(v2 + ".hash", "w") as f:
            f.write(sha)
    if layout in ("v3", "both"):
        os.makedirs(os.path.dirname(blob), exist_ok=True)
        if layout == "both":
            os.link(v2, blob)
        else:
            os.replace(tmp_path, blob)
        for other_tmp, _, other_sha, _ in written[1:]:
            other = os.path.join(mirror_dir, "blobs", "sha256", other_sha[:2], other_sha)
            os.makedirs(os.path.dirname(other), exist_ok=True)
            os.replace(other_tmp, other)
        os.makedirs(os.path.join(mirror_dir, "v3", "manifests", "index"), exist_ok=True)
        with open(os.path.join(mirror_dir, "v3", "layout.json"), "w") as f:
            json.dump({"signing": "gpg"}, f)
        # Oldest database version first: a reader must pick the highest it supports, not
        # the first.
        manifest = {"version": 3, "data": [{
            "contentLength": n, "mediaType": f"application/vnd.spack.db.v{v}+json",
            "compression": "none", "checksumAlgorithm": "sha256", "checksum": h}
            for _, n, h, v in sorted(written, key=lambda x: x[3])]}
        with open(os.path.join(mirror_dir, "v3", "manifests", "index", "index.manifest.json"),
                  "w") as f:
            json.dump(manifest, f, indent=2)
        return blob_rel
    return os.path.join("build_cache", "index.json")


def generate(out, n_nodes, seed, n_releases, layout, versions, log, dry=False,
             dual_media=False):
    """Writes the tree (or, when dry, only measures it). Returns the manifest. With
    dual_media, a v3 mirror of a release in database v9 also holds the index in v8, both
    listed in its manifest, as Spack 1.3 writes them."""
    world = World(seed, n_nodes)
    rng = random.Random(seed * 7919 + 1)
    mirror = os.path.join(out, "mirror")
    listing = {}
    manifest = {"generator": "gen_index.py", "seed": seed, "layout": layout,
                "releases": [], "bytes": 0, "records": 0}
    all_hashes = set()
    edge_count = 0
    memberships = 0
    cache = {}   # (db version, hash) -> serialized spec, for the specs of the current release
    for r, release in enumerate(release_names(n_releases)):
        if r:
            world.evolve(rng)
        version = versions[min(r * len(versions) // n_releases, len(versions) - 1)]
        hashes = world.hashes()
        # Each stack's index is the closure of its roots, over every environment.
        stacks = {}
        for e, roots in enumerate(world.roots):
            for stack, members in roots.items():
                stacks.setdefault(stack, set()).update(world.closure(members))
        union = set().union(*stacks.values())
        labels = [("root", union)] + sorted(stacks.items())
        new_cache = {}
        formats = [version] + ([8] if dual_media and version > 8 and layout != "v2" else [])
        rel = {"release": release, "db_version": version, "indexes": []}
        entries = []
        for label, members in labels:
            order = sorted(members)
            refs = Counter(d for i in order for d, _, _ in world.nodes[i].deps)
            mdir = os.path.join(mirror, release) if label == "root" else os.path.join(
                mirror, release, label)
            if not dry:
                os.makedirs(mdir, exist_ok=True)
            writers = [IndexWriter(os.devnull if dry else os.path.join(
                mdir, f".index.v{v}.json.tmp"), v) for v in formats]
            binaries = 0
            for i in order:
                h = hashes[i]
                node = world.nodes[i]
                if h not in all_hashes:
                    all_hashes.add(h)
                    edge_count += len(node.deps)
                in_bc = not node.external
                binaries += in_bc
                for w in writers:
                    key = (w.version, h)
                    js = new_cache.get(key) or cache.get(key)
                    if js is None:
                        js = json.dumps(spec_node(world, node, hashes, w.version),
                                        separators=(",", ":")).encode()
                    new_cache[key] = js
                    w.record(h.encode(), js, refs.get(i, 0), in_bc)
            written = [(w.path, *w.close(), w.version) for w in writers]
            _, size, sha, _ = written[0]
            memberships += binaries
            if dry:
                path = "-"
            else:
                rel_path = write_mirror(mdir, written, layout)
                path = os.path.relpath(os.path.join(mdir, rel_path), mirror)
            rel["indexes"].append({"label": label, "path": path, "bytes": size,
                                   "sha256": sha, "records": len(order),
                                   "in_buildcache": binaries})
            entries.append({"label": label, "url": "s3://spack-binaries/" + path})
            manifest["bytes"] += size
            manifest["records"] += len(order)
        cache = new_cache
        listing[release] = entries
        manifest["releases"].append(rel)
        log(f"  {release}: db v{version}, {len(labels)} indexes, {len(union):,} records in "
            f"root, {sum(i['bytes'] for i in rel['indexes']) / 1e6:.1f} MB")
    manifest["specs"] = len(all_hashes)
    manifest["edges"] = edge_count
    manifest["memberships"] = memberships
    if not dry:
        with open(os.path.join(out, "cache_spack_io_index.json"), "w") as f:
            json.dump(listing, f, indent=1)
        with open(os.path.join(out, "index-corpus.json"), "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
    return manifest


def parse_bytes(text):
    t = text.strip().upper().removesuffix("B")
    mult = {"K": 10**3, "M": 10**6, "G": 10**9}.get(t[-1:], 1)
    if t[-1:] in "KMG":
        t = t[:-1]
    try:
        return int(float(t) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 100M, 1G)") from None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=parse_bytes, required=True,
                    help="approximate total index JSON, e.g. 100M or 1G")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--releases", type=int, default=4)
    ap.add_argument("--layout", choices=["v2", "v3", "both"], default="v2")
    ap.add_argument("--db-versions", default="8,9",
                    help="database versions, spread over the releases oldest first")
    ap.add_argument("--dual-media", action="store_true",
                    help="v3 mirrors of v9 releases also hold the index in v8, both in the "
                         "manifest (as Spack 1.3 writes them); the listing names the v9 one")
    ap.add_argument("--force", action="store_true", help="replace a non-empty --out")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    versions = [int(v) for v in args.db_versions.split(",")]
    if any(v not in (8, 9) for v in versions) or args.releases < 1:
        ap.error("--db-versions takes 8 and 9; --releases at least 1")

    def log(msg):
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    if os.path.exists(args.out) and os.listdir(args.out):
        if not args.force:
            ap.error(f"{args.out} is not empty (use --force)")
        shutil.rmtree(args.out)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    # The size is set by the number of specs per environment: measure a small world's
    # bytes without writing, then scale (bytes grow about linearly with it).
    # Small worlds are not quite linear (every environment has its hubs): one more probe at
    # the estimate, until it is close, while that is cheap.
    n_nodes = 3000
    for _ in range(4):
        probe = generate(args.out, n_nodes, args.seed, args.releases, args.layout, versions,
                         lambda _: None, dry=True)
        estimate = max(100, int(n_nodes * args.size / probe["bytes"]))
        if abs(estimate - n_nodes) < 0.1 * n_nodes or estimate > 30000:
            n_nodes = estimate
            break
        n_nodes = estimate
    log(f"gen_index: {n_nodes:,} specs in the world, {args.releases} releases")
    m = generate(args.out, n_nodes, args.seed, args.releases, args.layout, versions, log,
                 dual_media=args.dual_media)
    log(f"gen_index: {m['bytes'] / 1e6:.1f} MB of index JSON in "
        f"{sum(len(r['indexes']) for r in m['releases'])} indexes, {m['records']:,} records, "
        f"{m['specs']:,} distinct specs, in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
