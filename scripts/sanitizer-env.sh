# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: sanitizer settings and
# the check for clang's fuzzing runtime.

# Any report fails the run: UBSan only prints and carries on unless told to halt.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1}"
# scripts/ubsan.supp lists the few reports that are not ours (each with why).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ubsan.supp}"

have_fuzzing_toolchain() {
  command -v clang++ >/dev/null 2>&1 || return 1
  local dir
  dir=$(clang++ --print-runtime-dir 2>/dev/null) || return 1
  [[ -f "$dir/libclang_rt.fuzzer-x86_64.a" || -f "$dir/libclang_rt.fuzzer.a" ]]
}

# clang and libclang-rt-14-dev are in install-deps.sh's --ci list; install them
# only when they are missing, so a machine that has them installs nothing else.
ensure_fuzzing_toolchain() {
  have_fuzzing_toolchain && return 0
  bash scripts/install-deps.sh --ci
  have_fuzzing_toolchain
}
