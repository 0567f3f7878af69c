#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# in build-asan/ (the tests also run the cachedb binary, sanitized too).
#
# build-asan/ is compiled with clang and -Dfuzzing=true when clang and its
# fuzzing runtime are installed (CI installs them), so scripts/fuzz.sh reuses
# it instead of compiling the project a third time; with gcc alone the
# sanitized suite still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sanitizer-env.sh
bash scripts/install-deps.sh
ensure_fuzzing_toolchain || true

if [[ ! -f build-asan/build.ninja ]]; then
  options=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized)
  if have_fuzzing_toolchain; then
    CXX=clang++ meson setup build-asan "${options[@]}" -Dfuzzing=true
  else
    echo "sanitize: clang's fuzzing runtime is missing; building with the default compiler, without fuzzers" >&2
    meson setup build-asan "${options[@]}"
  fi
fi
meson compile -C build-asan
meson test -C build-asan --print-errorlogs "$@"
