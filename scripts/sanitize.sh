#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# in build-asan/ (the tests also run the cachedb binary, sanitized too).
# Compiled with clang when it is installed (CI installs it): its UBSan checks
# more than gcc's.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sanitizer-env.sh
bash scripts/install-deps.sh
ensure_fuzzing_toolchain || true

if [[ ! -f build-asan/build.ninja ]]; then
  options=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized)
  if command -v clang++ >/dev/null; then
    CXX=clang++ meson setup build-asan "${options[@]}"
  else
    meson setup build-asan "${options[@]}"
  fi
fi
meson compile -C build-asan
meson test -C build-asan --print-errorlogs "$@"
