#!/usr/bin/env bash
# Prints one plain line with the counts of the last test run in build/, summed
# over the suites meson ran, e.g. "tests: 115 passed, 0 failed; suites skipped: corpus".
set -euo pipefail
cd "$(dirname "$0")/.."
log=build/meson-logs/testlog.txt
# doctest counts the test cases of the other suites as skipped: only passed and failed add up.
grep -h '^\[doctest\] test cases:' "$log" |
  sed -E 's/.*\| *([0-9]+) passed \| *([0-9]+) failed .*/\1 \2/' |
  awk '{p += $1; f += $2} END {printf "tests: %d passed, %d failed", p, f}'
# A suite that exits 77 (the corpus suite without ../shared/corpus) is skipped as a whole.
skipped=$(awk '/^test: / {name = $NF} /^result: / && (/exit status 77/ || /SKIP/) {print name}' "$log" |
  sort -u | paste -sd, -)
if [[ -n "$skipped" ]]; then echo "; suites skipped: $skipped"; else echo; fi
