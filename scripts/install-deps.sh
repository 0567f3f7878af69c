#!/usr/bin/env bash
# Installs the Debian packages cachedb builds and tests with. Does nothing when
# everything is already there, so it is cheap to call from every entry point.
set -euo pipefail

packages=(
  g++ meson ninja-build pkg-config cmake python3
  libsqlite3-dev sqlite3 libsqlitecpp-dev rapidjson-dev
  libspdlog-dev libfmt-dev doctest-dev libcli11-dev libxxhash-dev
  zlib1g-dev libzstd-dev libssl-dev
)
# Extra tools used only by the full CI run (sanitizers, fuzzing, browser test).
if [[ "${1:-}" == "--ci" ]]; then
  packages+=(clang libclang-rt-14-dev chromium python3-yaml time)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
