#!/usr/bin/env bash
# Soaks the ingest invariant by hand: thousands of random changes to a tree of
# pages, each followed by an ingest (with --prune or not), the database
# compared with a fresh ingest of the same tree whenever the two should agree
# (tests/invariant_test.cc). The test suite runs a few hundred steps; this
# runs as many as asked. Deterministic: a failure names its seed and steps,
# and the same arguments replay it.
#
#   bash scripts/soak-invariant.sh [STEPS [SEEDS [FIRST_SEED]]]
#
# STEPS per seed (2000), SEEDS seeds (10) from FIRST_SEED (1).
# CACHEDB_INVARIANT_KINDS picks the kinds of change: "all" (the default), or
# names, comma-separated (the list is kChangeNames in tests/invariant_test.cc),
# e.g. add-page,duplicate-page.
# BUILD_DIR: the Meson build directory (build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[[ -f $build/build.ninja ]] || meson setup "$build"
meson compile -C "$build" >/dev/null
export CACHEDB_SOAK_STEPS=${1:-2000} CACHEDB_SOAK_SEEDS=${2:-10} CACHEDB_SOAK_SEED=${3:-1}
export CACHEDB_SOURCE_ROOT=$PWD CACHEDB_BINARY=$PWD/$build/cachedb
echo "soaking: $CACHEDB_SOAK_SEEDS seed(s) from $CACHEDB_SOAK_SEED, $CACHEDB_SOAK_STEPS steps each," \
     "kinds ${CACHEDB_INVARIANT_KINDS:-all}" >&2
exec "$build/tests/unit_tests" -tc='the invariant: *'
