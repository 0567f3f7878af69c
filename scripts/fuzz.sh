#!/usr/bin/env bash
# Fuzzes the page parser, the one-page ingest, the build-cache index reader and
# the one-index ingest (fuzz/) for a bounded time: FUZZ_SECONDS per target
# (default 25, so about two minutes for the four in CI; run longer by hand,
# e.g. FUZZ_SECONDS=600 bash scripts/fuzz.sh).
#
# Seeds: fuzz/corpus/, tests/fixtures/ (the regressions included). New inputs
# go to <build>/fuzz/work/<target>/, never into the source tree. A crash, leak,
# timeout or memory blow-up stops the run, fails it, and leaves the input in
# <build>/fuzz/artifacts/: turn a page into tests/fixtures/regressions/<name>.md
# (fuzz_regressions_test feeds every file there to both code paths), an index
# into a case of tests/spack_index_test.cc.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sanitizer-env.sh
seconds="${FUZZ_SECONDS:-25}"

bash scripts/install-deps.sh
if ! ensure_fuzzing_toolchain; then
  echo "fuzz: clang's libFuzzer runtime (libclang-rt-14-dev) is not installed" >&2
  exit 1
fi

# Reuse build-asan/ when scripts/sanitize.sh configured it for fuzzing (one
# compile for both); else a build of its own.
fuzzing_enabled() {
  meson introspect --buildoptions "$1" 2>/dev/null |
    python3 -c 'import json,sys; sys.exit(0 if any(o["name"] == "fuzzing" and o["value"] for o in json.load(sys.stdin)) else 1)'
}
build=build-asan
if [[ ! -f $build/build.ninja ]] || ! fuzzing_enabled $build; then
  build=build-fuzz
  [[ -f $build/build.ninja ]] ||
    CXX=clang++ meson setup $build -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized -Dfuzzing=true
fi
meson compile -C $build fuzz/parse_page_fuzzer fuzz/ingest_page_fuzzer fuzz/read_index_fuzzer fuzz/ingest_index_fuzzer

mkdir -p "$build/fuzz/artifacts"
for target in parse_page_fuzzer ingest_page_fuzzer read_index_fuzzer ingest_index_fuzzer; do
  work="$build/fuzz/work/$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${seconds}s" >&2
  if ! "$build/fuzz/$target" "$work" fuzz/corpus tests/fixtures \
      -dict=fuzz/cachedb.dict -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$build/fuzz/artifacts/$target-" 2> "$build/fuzz/$target.log"; then
    tail -n 60 "$build/fuzz/$target.log" >&2
    echo "fuzz: $target found a problem; the input is in $build/fuzz/artifacts/" >&2
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$build/fuzz/$target.log" | sed "s/^/fuzz: $target /" >&2
done
