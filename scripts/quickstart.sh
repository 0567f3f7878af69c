#!/usr/bin/env bash
# From a fresh Debian machine to a report: installs what is missing, builds,
# ingests the bundled sample pages into the default database and prints
# `cachedb report --matrix stacks-by-target`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[[ -f build/build.ninja ]] || meson setup build >&2
meson compile -C build >&2
# Exit 2 (some pages rejected) is not expected from the bundled pages: stop on it.
./build/cachedb ingest samples
./build/cachedb report --matrix stacks-by-target
