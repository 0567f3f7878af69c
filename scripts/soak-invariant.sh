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
# CACHEDB_SOAK_MIXED=1 soaks the fuzzer of pages and build-cache indexes
# together instead (tests/mixed_invariant_test.cc: STEPS are nights there),
# =both the two one after the other. For it, CACHEDB_SOAK_KEEP_GOING=1 goes on
# past a failing seed (each failure printed, then a count of failed seeds), and
# CACHEDB_MIXED_AVOID leaves out what a failure being fixed needs (see the test).
# BUILD_DIR: the Meson build directory (build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[[ -f $build/build.ninja ]] || meson setup "$build"
meson compile -C "$build" >/dev/null
export CACHEDB_SOAK_STEPS=${1:-2000} CACHEDB_SOAK_SEEDS=${2:-10} CACHEDB_SOAK_SEED=${3:-1}
export CACHEDB_SOURCE_ROOT=$PWD CACHEDB_BINARY=$PWD/$build/cachedb
# doctest splits -tc at commas: '?' stands for the comma in the mixed case's name.
case ${CACHEDB_SOAK_MIXED:-0} in
  0) cases='the invariant: *' what="kinds ${CACHEDB_INVARIANT_KINDS:-all}" ;;
  1) cases='the invariant? pages and indexes:*' what='pages and indexes' ;;
  both) cases='the invariant: *,the invariant? pages and indexes:*' what='pages alone, then pages and indexes' ;;
  *) echo "CACHEDB_SOAK_MIXED: 0, 1 or both, not '$CACHEDB_SOAK_MIXED'" >&2; exit 64 ;;
esac
echo "soaking: $CACHEDB_SOAK_SEEDS seed(s) from $CACHEDB_SOAK_SEED, $CACHEDB_SOAK_STEPS steps each, $what" >&2
exec "$build/tests/unit_tests" -tc="$cases"
