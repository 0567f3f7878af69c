#!/usr/bin/env bash
# Runs the whole test suite (building first when needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[[ -f build/build.ninja ]] || meson setup build
meson compile -C build
meson test -C build --print-errorlogs "$@"
# One plain closing line with the counts, for people and for CI.
grep -h '^\[doctest\] test cases:' build/meson-logs/testlog.txt | tail -n 1 |
  sed -E 's/.*\| *([0-9]+) passed \| *([0-9]+) failed \| *([0-9]+) skipped.*/tests: \1 passed, \2 failed, \3 skipped/'
