#!/usr/bin/env bash
# Prints one plain line with the counts of the last test run in build/, e.g.
# "tests: 76 passed, 0 failed, 0 skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
grep -h '^\[doctest\] test cases:' build/meson-logs/testlog.txt | tail -n 1 |
  sed -E 's/.*\| *([0-9]+) passed \| *([0-9]+) failed \| *([0-9]+) skipped.*/tests: \1 passed, \2 failed, \3 skipped/'
