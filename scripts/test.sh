#!/usr/bin/env bash
# Runs the whole test suite (building first when needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[[ -f build/build.ninja ]] || meson setup build
meson compile -C build
meson test -C build --print-errorlogs "$@"
# One plain closing line with the counts, for people and for CI.
bash scripts/test-summary.sh
