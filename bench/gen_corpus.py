#!/usr/bin/env python3
"""Generate a synthetic, deterministic corpus of cache.spack.io pages for benchmarks.

Each page is `<out>/_cache/<release>/<package>/specs.md`: YAML front matter only, with
`meta` and `spec_details` written as one-line JSON, exactly like the real site's pages.

    python3 bench/gen_corpus.py --specs 100000 --out /tmp/corpus-100k [--seed 1] [--releases 5]

`--specs` is the number of spec rows summed over every page of every release. The releases
are weekly snapshots (develop-2025-01-05, develop-2025-01-12, ..., develop): each one drops
a few percent of the previous one's binaries and adds a few percent of new ones, and a
hash keeps its attributes (package, compiler, version, os, target, variants, size) in
every release it appears in -- the property an incremental ingester relies on. Only the
stacks a binary is listed under may change from one release to the next, as on the site.

The same arguments always produce byte-identical files. A summary line goes to stderr and
`<out>/corpus.json` records the shape (per-release counts) for checking ingesters.
"""

import argparse
import base64
import datetime
import json
import math
import os
import random
import shutil
import sys
import time

# --------------------------------------------------------------------------------------
# The world the specs are drawn from.

# Build environments of the Spack CI: one (platform, os, target) with its compiler(s) and
# the stacks built there. A spec is built in one environment and listed in 1-3 of its
# stacks, so os/target/stack combinations stay coherent (no darwin specs in e4s-cray-rhel).
# The last field is the relative share of binaries built there.
ENVIRONMENTS = [
    ("linux", "ubuntu22.04", "x86_64_v3", ["gcc@11.4.0"],
     ["e4s", "tutorial", "developer-tools-x86_64_v3", "build_systems", "radiuss",
      "data-vis-sdk"], 30),
    ("linux", "ubuntu22.04", "x86_64_v3", ["oneapi@2025.0.0"], ["e4s-oneapi"], 4),
    ("linux", "ubuntu22.04", "x86_64_v3", ["gcc@11.4.0"], ["e4s-rocm-external", "e4s"], 4),
    ("linux", "ubuntu22.04", "neoverse_v2", ["gcc@11.4.0"],
     ["e4s-neoverse-v2", "developer-tools-aarch64"], 10),
    ("linux", "ubuntu22.04", "neoverse_v1", ["gcc@12.3.0"],
     ["e4s-neoverse_v1", "aws-pcluster-neoverse_v1"], 5),
    ("linux", "ubuntu24.04", "x86_64_v3", ["gcc@13.2.0"],
     ["ml-linux-x86_64-cpu", "ml-linux-x86_64-cuda", "ml-linux-x86_64-rocm"], 12),
    ("linux", "ubuntu24.04", "aarch64", ["gcc@13.2.0"],
     ["ml-linux-aarch64-cpu", "ml-linux-aarch64-cuda"], 8),
    ("darwin", "sequoia", "aarch64", ["apple-clang@16.0.0"],
     ["ml-darwin-aarch64-mps", "developer-tools-darwin"], 4),
    ("darwin", "sonoma", "m1", ["apple-clang@15.0.0"], ["developer-tools-darwin"], 2),
    ("linux", "rhel8", "zen4", ["cce@15.0.1", "gcc@11.4.0"], ["e4s-cray-rhel"], 3),
    ("linux", "sles15", "zen4", ["cce@17.0.0"], ["e4s-cray-sles"], 2),
    ("linux", "amzn2", "x86_64_v4", ["gcc@12.3.0", "intel@2021.10.0"],
     ["aws-pcluster-x86_64_v4"], 3),
    ("linux", "ubuntu20.04", "ppc64le", ["gcc@9.4.0"], ["e4s-power"], 2),
]
ENV_WEIGHTS = [e[5] for e in ENVIRONMENTS]

# Real package names, so pages look familiar; the rest of the names are generated.
REAL_PACKAGES = """
zlib zlib-ng bzip2 xz zstd lz4 openssl curl cmake ninja meson gmake autoconf automake libtool
m4 pkgconf perl python hdf5 netcdf-c netcdf-fortran parallel-netcdf openmpi mpich mvapich2
hwloc libfabric ucx boost fftw openblas netlib-lapack intel-oneapi-mkl eigen petsc slepc
trilinos hypre superlu-dist mumps metis parmetis scotch suite-sparse sundials kokkos
kokkos-kernels raja umpire chai camp caliper adios2 vtk-m paraview visit ascent conduit
py-numpy py-scipy py-pandas py-matplotlib py-setuptools py-pip py-wheel py-cython
py-pybind11 py-torch py-tensorflow py-jax py-keras py-scikit-learn py-h5py py-mpi4py
py-cachetools py-requests py-urllib3 py-certifi py-idna py-six py-packaging py-pyyaml
py-jinja2 py-markupsafe py-click py-attrs py-pytest py-pluggy py-typing-extensions
r-rcpp r-ggplot2 r-dplyr r-data-table r-matrix r-lattice r-mass r-tibble r-rlang r-vctrs
libxml2 libiconv libffi libpng libjpeg-turbo libtiff libzmq libevent libedit libyaml
ncurses readline sqlite gdbm berkeley-db gettext expat pcre2 icu4c tar gzip diffutils
findutils gawk sed grep bc ed bison flex gperf swig doxygen graphviz git git-lfs cuda
cudnn nccl magma rocblas rocfft rocsolver hipblas hipfft hip llvm llvm-amdgpu gcc binutils
elfutils libunwind papi tau hpctoolkit darshan-runtime omega-h mfem dealii lammps gromacs
nwchem quantum-espresso cp2k wrf amrex warpx nekrs flecsi legion strumpack ginkgo heffte
""".split()

NAME_SYLLABLES = ("ba be bi bo cal cor da del den dor el en fa fer gal gen ha hel in jo ka "
                  "kel la lin lo ma mer mi mon na nel no or pa per pi qua ra ren ri ro sa "
                  "sel si so ta tel ti tor un va vel vi xo yan za zel zor").split()
NAME_SUFFIXES = ["", "", "", "", "-utils", "-tools", "-core", "-lite", "-io", "-cli", "kit",
                 "x", "2", "3"]
# (prefix, share): Spack's namespace is dominated by Python and R extensions.
NAME_PREFIXES = [("py-", 35), ("r-", 12), ("lib", 10), ("perl-", 5), ("", 38)]

BOOL_VARIANTS = ["mpi", "shared", "static", "pic", "openmp", "cuda", "rocm", "debug",
                 "fortran", "python", "doc", "tests", "optimize", "examples", "asan",
                 "zlib", "ssl", "lto", "hdf5", "x", "jit", "int64", "float128"]
SINGLE_VARIANTS = {
    "cxxstd": ["17", "14", "20", "11"],
    "api": ["default", "v18", "v110"],
    "blas": ["openblas", "mkl", "blis"],
    "fft": ["fftw", "mkl"],
    "precision_mode": ["double", "mixed"],
    "threads": ["none", "openmp", "pthreads"],
    "cflags": ["-O2", "-O2 -g"],          # a value with a space: pages quote it
}
MULTI_VARIANTS = {
    "libs": ["shared", "static"],
    "cuda_arch": ["70", "80", "90"],
    "amdgpu_target": ["gfx90a", "gfx942", "gfx908"],
    "precision": ["double", "single"],
    "languages": ["c", "c++", "fortran"],
}
BUILD_SYSTEMS = [("cmake", 40), ("autotools", 30), ("makefile", 10), ("meson", 6),
                 ("generic", 6), ("bundle", 2), ("cargo", 2), ("go", 2), ("python_pip", 2)]

# Spec sizes: most pages say "-", some give bytes.
SIZE_KNOWN_SHARE = 0.2

# Weekly churn: a new snapshot drops this share of the previous one, and grows a little.
DROP_RATE = 0.03
GROWTH_RATE = 0.01
# Share of a release's carried-over specs whose stack list changes in the next release.
STACK_CHANGE_RATE = 0.01
# Share of added specs that belong to a package not seen before.
NEW_PACKAGE_SHARE = 0.05
# Pareto shape for specs per package: ~55% of packages have 1 spec, ~94% have at most 10,
# and a few hundred packages (at 1M rows) have hundreds to thousands.
PARETO_ALPHA = 1.15


def release_names(count):
    """Weekly dated snapshots, oldest first, then the moving `develop`."""
    first = datetime.date(2025, 1, 5)
    dated = [f"develop-{first + datetime.timedelta(weeks=i)}" for i in range(count - 1)]
    return dated + ["develop"]


def release_sizes(total, count):
    """Spec rows per release, growing slowly and summing exactly to `total`."""
    weights = [(1 + GROWTH_RATE) ** i for i in range(count)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


# --------------------------------------------------------------------------------------
# Packages and specs.

class Package:
    __slots__ = ("name", "build_system", "versions", "envs", "variant_defs", "noarch")


class Spec:
    # Fields fixed for the lifetime of the hash; stacks are per release and live elsewhere.
    __slots__ = ("hash", "package", "compiler", "versions", "env", "variants", "size")


def weighted_choice(rng, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


def format_variant(name, kind, value, propagate, exact):
    """Spell one variant the way Spack prints it."""
    if kind == "bool":
        sigil = ("+" if value else "~") * (2 if propagate else 1)
        return sigil + name
    if kind == "multi":
        value = ",".join(value)
    elif not value.replace(".", "").replace("-", "").replace("_", "").isalnum():
        value = f"'{value}'"   # '+', spaces: Spack quotes the value
    op = "==" if propagate else (":=" if exact else "=")
    return f"{name}{op}{value}"


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.names = set()
        self.real_names = list(REAL_PACKAGES)
        self.rng.shuffle(self.real_names)
        self.hashes = set()

    # -- names, hashes, versions ---------------------------------------------------------

    def package_name(self):
        rng = self.rng
        # Mix the real names in early (sparsely), so small corpora have some too.
        if self.real_names and rng.random() < 0.3:
            name = self.real_names.pop()
            if name not in self.names:
                self.names.add(name)
                return name
        prefix = weighted_choice(rng, NAME_PREFIXES)
        while True:
            stem = "".join(rng.choice(NAME_SYLLABLES) for _ in range(rng.randint(2, 3)))
            name = prefix + stem + rng.choice(NAME_SUFFIXES)
            if name not in self.names:
                self.names.add(name)
                return name

    def new_hash(self):
        # 160 random bits in base32 are the 32-char [a-z2-7] DAG hashes Spack prints.
        while True:
            h = base64.b32encode(self.rng.randbytes(20)).decode("ascii").lower()
            if h not in self.hashes:
                self.hashes.add(h)
                return h

    def first_version(self):
        rng = self.rng
        style = rng.random()
        if style < 0.1:
            return f"{rng.randint(2019, 2025)}.{rng.randint(1, 12):02d}.{rng.randint(0, 3)}"
        if style < 0.35:
            return f"{rng.randint(0, 9)}.{rng.randint(0, 30)}"
        return f"{rng.randint(0, 12)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"

    @staticmethod
    def bump_version(version):
        parts = version.split(".")
        last = parts[-1]
        parts[-1] = str(int(last) + 1).zfill(len(last)) if last.isdigit() else last + "1"
        return ".".join(parts)

    # -- packages --------------------------------------------------------------------------

    def new_package(self, spec_count):
        rng = self.rng
        pkg = Package()
        pkg.name = self.package_name()
        if pkg.name.startswith("py-"):
            pkg.build_system = "python_pip" if rng.random() < 0.8 else "cmake"
        elif pkg.name.startswith("r-"):
            pkg.build_system = "r"
        elif pkg.name.startswith("perl-"):
            pkg.build_system = "perl"
        else:
            pkg.build_system = weighted_choice(rng, BUILD_SYSTEMS)
        # Pure-Python packages need no compiler: Spack 1.0 pages say "none" for them.
        pkg.noarch = pkg.build_system == "python_pip"

        pkg.versions = [self.first_version()]
        for _ in range(min(3, int(rng.expovariate(1.5)))):
            pkg.versions.append(self.bump_version(pkg.versions[-1]))

        # Bigger packages are built in more environments (that is why they are big).
        n_envs = min(len(ENVIRONMENTS), 1 + int(math.log2(spec_count)) + rng.randint(0, 1))
        envs = set()
        while len(envs) < n_envs:
            envs.add(rng.choices(range(len(ENVIRONMENTS)), ENV_WEIGHTS)[0])
        pkg.envs = sorted(envs)

        # Variant definitions: (name, kind, choices, default, propagate).
        defs = [("build_system", "single", [pkg.build_system], pkg.build_system, False)]
        if pkg.build_system == "cmake":
            # A few packages have build_type values like 'dm+sm', which pages must quote.
            special = rng.random() < 0.01
            types = ["dm+sm", "dm"] if special else ["Release", "RelWithDebInfo", "Debug"]
            defs.append(("build_type", "single", types, types[0], False))
            generator = rng.choice(["make", "ninja"])
            defs.append(("generator", "single", ["make", "ninja"], generator, False))
            defs.append(("ipo", "bool", [True, False], False, False))
        # Compiled packages expose more knobs than pure-Python ones.
        n_extra = min(10, int(rng.expovariate(1.5 if pkg.noarch else 0.4)))
        used = {d[0] for d in defs}
        for _ in range(n_extra):
            r = rng.random()
            if r < 0.6:
                name = rng.choice(BOOL_VARIANTS)
                d = (name, "bool", [True, False], rng.random() < 0.5, rng.random() < 0.02)
            elif r < 0.8:
                name = rng.choice(list(SINGLE_VARIANTS))
                choices = SINGLE_VARIANTS[name]
                d = (name, "single", choices, choices[0], rng.random() < 0.02)
            else:
                name = rng.choice(list(MULTI_VARIANTS))
                choices = MULTI_VARIANTS[name]
                default = tuple(sorted(rng.sample(choices, rng.randint(1, len(choices)))))
                d = (name, "multi", choices, default, False)
            if name not in used:
                used.add(name)
                defs.append(d)
        # Pages list variants by name, whatever the sigil.
        defs.sort(key=lambda d: d[0])
        pkg.variant_defs = defs
        return pkg

    # -- specs -----------------------------------------------------------------------------

    def new_spec(self, pkg, version=None, env_index=None, spack1_share=0.08):
        """A new binary of `pkg`. `spack1_share`: chance it was built by Spack 1.0, which
        names no compiler and pins multi-valued variants with ':='."""
        rng = self.rng
        s = Spec()
        s.hash = self.new_hash()
        s.package = pkg
        s.env = rng.choice(pkg.envs) if env_index is None else env_index
        env = ENVIRONMENTS[s.env]
        spack1 = pkg.noarch or rng.random() < spack1_share
        if spack1:
            s.compiler = "none"
        else:
            name, ver = rng.choice(env[3]).split("@")
            # Most pages print exact versions ('@='); some older generators printed '@'.
            s.compiler = f"{name}@={ver}" if rng.random() < 0.85 else f"{name}@{ver}"
        v = version or rng.choice(pkg.versions)
        # A concrete spec has one version, but `versions` is a list: a few specs list two.
        s.versions = (v,) if rng.random() > 0.001 else (v, self.bump_version(v))

        variants = []
        for name, kind, choices, default, propagate in pkg.variant_defs:
            value = default
            if rng.random() < 0.15:
                if kind == "bool":
                    value = not default
                elif kind == "single":
                    value = rng.choice(choices)
                else:
                    value = tuple(sorted(rng.sample(choices, rng.randint(1, len(choices)))))
            exact = kind == "multi" and spack1 and rng.random() < 0.5
            variants.append(format_variant(name, kind, value, propagate, exact))
        s.variants = variants
        s.size = int(rng.lognormvariate(14.5, 2.0)) if rng.random() < SIZE_KNOWN_SHARE else "-"
        return s

    def pick_stacks(self, spec):
        rng = self.rng
        env_stacks = ENVIRONMENTS[spec.env][4]
        n = min(len(env_stacks), 1 if rng.random() < 0.6 else (2 if rng.random() < 0.75 else 3))
        # The environment's first stack is its main one (e4s, ml-*-cpu); most specs are in it.
        chosen = [env_stacks[0]] if rng.random() < 0.7 else []
        while len(chosen) < n:
            st = rng.choice(env_stacks)
            if st not in chosen:
                chosen.append(st)
        return tuple(sorted(chosen))

    def package_spec_count(self, cap):
        return min(cap, int(self.rng.paretovariate(PARETO_ALPHA)))


# --------------------------------------------------------------------------------------
# Page rendering (shared with mutate_corpus.py).

SPEC_KEYS_LEGACY = ("hash", "compiler", "versions", "os", "platform", "target", "variants",
                    "stacks", "size", "tarball")


def tarball_url(release, package, spec):
    comp = spec["compiler"].replace("@=", "-").replace("@", "-")
    arch = f"{spec['platform']}-{spec['os']}-{spec['target']}"
    ver = spec["versions"][0]
    return (f"https://binaries.spack.io/{release}/build_cache/{arch}/{comp}/{package}-{ver}/"
            f"{arch}-{comp}-{package}-{ver}-{spec['hash']}.spack")


def legacy_stack_order(hash_, stacks):
    """Older pages list 'root' wherever the generator happened to put it."""
    others = [s for s in stacks if s != "root"]
    pos = ord(hash_[0]) % (len(others) + 1)
    return others[:pos] + ["root"] + others[pos:]


def build_meta(specs, sorted_keys):
    """The page's `meta` object, derived from its spec objects."""
    versions, compilers, oss, platforms, targets = set(), set(), set(), set(), set()
    by_stack = {}
    for s in specs:
        versions.update(s["versions"])
        compilers.add(s["compiler"])
        oss.add(s["os"])
        platforms.add(s["platform"])
        targets.add(s["target"])
        for st in s["stacks"]:
            by_stack[st] = by_stack.get(st, 0) + 1
    if sorted_keys:
        by_stack = dict(sorted(by_stack.items()))
    # Insertion order is the older generator's order; json.dumps(sort_keys=True) sorts it.
    return {
        "versions": sorted(versions), "compilers": sorted(compilers), "oss": sorted(oss),
        "platforms": sorted(platforms), "targets": sorted(targets),
        "stacks": sorted(by_stack), "num_specs": len(specs), "num_specs_by_stack": by_stack,
    }


def render_page(package, release, specs, sorted_keys):
    """Front matter for one page. `specs`: dicts in legacy key order, stacks including
    'root'; with sorted_keys the keys, stacks and spec list come out sorted, as on the
    newer site."""
    if sorted_keys:
        specs = sorted(specs, key=lambda s: s["hash"])
    meta = json.dumps(build_meta(specs, sorted_keys), sort_keys=sorted_keys)
    details = json.dumps(specs, sort_keys=sorted_keys)
    # No newline after the closing '---': the real pages end that way.
    return (f'---\ntitle: "{package}"\nlayout: cache\ncategories: [package, {release}]\n'
            f"meta: {meta}\nspec_details: {details}\n---")


def page_style(release_index, n_releases, package, seed):
    """(sorted_keys, tarball) for a page. The oldest snapshot comes from the older site
    generator (tarball URLs, unsorted keys); the next one is half-regenerated; newer
    snapshots are sorted and give no tarball."""
    if n_releases >= 2 and release_index == 0:
        return False, True
    if n_releases >= 3 and release_index == 1:
        # Stable per page, independent of the generator's random stream.
        flip = (hash_str(f"{seed}/{package}") & 1) == 0
        return flip, True
    return True, False


def hash_str(s):
    # Python's hash() is salted per process; this must be reproducible.
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def spec_object(spec, stacks, release, with_tarball, sorted_keys):
    env = ENVIRONMENTS[spec.env]
    if sorted_keys:
        stack_list = sorted(stacks + ("root",))
    else:
        stack_list = legacy_stack_order(spec.hash, stacks)
    obj = {"hash": spec.hash, "compiler": spec.compiler, "versions": list(spec.versions),
           "os": env[1], "platform": env[0], "target": env[2], "variants": spec.variants,
           "stacks": stack_list, "size": spec.size}
    if with_tarball:
        obj["tarball"] = tarball_url(release, spec.package.name, obj)
    return obj


# --------------------------------------------------------------------------------------

def generate(total_specs, n_releases, seed):
    """Returns [(release name, {hash: (Spec, stacks tuple)})], oldest first."""
    gen = Generator(seed)
    rng = gen.rng
    names = release_names(n_releases)
    sizes = release_sizes(total_specs, n_releases)
    cap = min(3000, max(50, sizes[0] // 20))

    def add_new_package(members, budget, spack1_share):
        count = min(budget, gen.package_spec_count(cap))
        pkg = gen.new_package(count)
        for _ in range(count):
            s = gen.new_spec(pkg, spack1_share=spack1_share)
            members[s.hash] = (s, gen.pick_stacks(s))
        return count

    # The oldest snapshot: packages with Pareto-distributed sizes.
    members = {}
    while len(members) < sizes[0]:
        count = min(sizes[0] - len(members), gen.package_spec_count(cap))
        pkg = gen.new_package(count)
        for _ in range(count):
            s = gen.new_spec(pkg)
            members[s.hash] = (s, gen.pick_stacks(s))
    releases = [(names[0], members)]

    for i in range(1, n_releases):
        prev = releases[-1][1]
        members = dict(prev)
        to_drop = round(DROP_RATE * len(prev))
        to_add = sizes[i] - (len(prev) - to_drop)
        if to_add < 0:
            to_drop -= to_add
            to_add = 0
        # Spack 1.0 took over during the snapshots: newer binaries name no compiler more often.
        spack1_share = 0.08 + 0.4 * i / max(1, n_releases - 1)

        # Half of the churn is version bumps: every binary of one version of a package is
        # replaced by a binary of the next version (same environment, stacks, variants).
        by_package = {}
        for h, (s, _) in prev.items():
            by_package.setdefault(s.package.name, []).append(h)
        package_names = sorted(by_package)
        bump_budget = min(to_drop // 2, to_add)
        bumped = 0
        while bumped < bump_budget:
            hashes = by_package[rng.choice(package_names)]
            live = [h for h in hashes if h in members]
            if not live:
                continue
            old_version = members[live[0]][0].versions[0]
            pkg = members[live[0]][0].package
            new_version = gen.bump_version(max(pkg.versions, key=version_key))
            if new_version not in pkg.versions:
                pkg.versions.append(new_version)
            for h in live:
                if bumped >= bump_budget:
                    break
                old, stacks = members[h]
                if old.versions[0] != old_version:
                    continue
                del members[h]
                s = gen.new_spec(pkg, version=new_version, env_index=old.env,
                                 spack1_share=spack1_share)
                s.variants = old.variants
                if s.compiler != "none" and old.compiler != "none":
                    s.compiler = old.compiler
                members[s.hash] = (s, stacks)
                bumped += 1

        # The other half: single binaries dropped (their stack stopped building them) and
        # rebuilt (a dependency changed, so the hash did).
        live = list(members)
        for h in rng.sample(live[: len(live) - bumped], to_drop - bumped):
            del members[h]
        # Stack lists that change between snapshots (a spec joins or leaves a stack).
        live = list(members)
        for h in rng.sample(live, int(STACK_CHANGE_RATE * len(live))):
            s, _ = members[h]
            members[h] = (s, gen.pick_stacks(s))
        remaining = to_add - bumped
        pool = list(members)
        while remaining > 0:
            if rng.random() < NEW_PACKAGE_SHARE:
                remaining -= add_new_package(members, remaining, spack1_share)
                continue
            pkg = members[rng.choice(pool)][0].package   # popular packages grow more
            s = gen.new_spec(pkg, spack1_share=spack1_share)
            members[s.hash] = (s, gen.pick_stacks(s))
            remaining -= 1
        releases.append((names[i], members))
    return releases


def version_key(v):
    return tuple(int(p) if p.isdigit() else -1 for p in v.split("."))


def write_corpus(releases, out, seed):
    root = os.path.join(out, "_cache")
    n_pages = n_rows = n_bytes = 0
    shape = []
    for index, (release, members) in enumerate(releases):
        pages = {}
        for s, stacks in members.values():
            pages.setdefault(s.package.name, []).append((s, stacks))
        release_dir = os.path.join(root, release)
        os.makedirs(release_dir)
        for package, entries in pages.items():
            sorted_keys, with_tarball = page_style(index, len(releases), package, seed)
            specs = [spec_object(s, st, release, with_tarball, sorted_keys) for s, st in entries]
            text = render_page(package, release, specs, sorted_keys).encode()
            page_dir = os.path.join(release_dir, package)
            os.mkdir(page_dir)
            with open(os.path.join(page_dir, "specs.md"), "wb") as f:
                f.write(text)
            n_bytes += len(text)
        n_pages += len(pages)
        n_rows += len(members)
        shape.append({"release": release, "pages": len(pages), "spec_rows": len(members)})
    return n_pages, n_rows, n_bytes, shape


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--specs", type=int, required=True,
                    help="total spec rows over all pages of all releases")
    ap.add_argument("--out", required=True, help="corpus directory (pages go in OUT/_cache)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--releases", type=int, default=5)
    ap.add_argument("--force", action="store_true", help="replace an existing OUT/_cache")
    args = ap.parse_args()
    if args.specs < args.releases or args.releases < 1:
        ap.error("need --releases >= 1 and at least one spec per release")

    cache = os.path.join(args.out, "_cache")
    if os.path.exists(cache):
        if not args.force:
            ap.error(f"{cache} exists (use --force to replace it)")
        shutil.rmtree(cache)

    t0 = time.perf_counter()
    releases = generate(args.specs, args.releases, args.seed)
    distinct = len({h for _, members in releases for h in members})
    n_pages, n_rows, n_bytes, shape = write_corpus(releases, args.out, args.seed)
    seconds = time.perf_counter() - t0

    with open(os.path.join(args.out, "corpus.json"), "w") as f:
        json.dump({"generator": "bench/gen_corpus.py", "seed": args.seed,
                   "spec_rows": n_rows, "pages": n_pages, "distinct_hashes": distinct,
                   "bytes": n_bytes, "releases": shape}, f, indent=1)
        f.write("\n")
    print(f"gen_corpus: {n_pages} pages, {n_rows} spec rows, {distinct} distinct hashes, "
          f"{n_bytes} bytes, {len(releases)} releases, {seconds:.1f}s -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
