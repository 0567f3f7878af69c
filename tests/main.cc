// The test runner. meson runs it once per suite (tests/meson.build): unit,
// process, stress and corpus. The corpus suite reads the real pages beside
// the checkout (../shared/corpus); without them it exits 77, which meson
// reports as skipped rather than passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string_view>

#include "test_support.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--test-suite=corpus" || arg == "-ts=corpus") && testing::shared_corpus().empty()) {
      std::puts("../shared/corpus is absent: the corpus suite is skipped");
      return 77;
    }
  }
  doctest::Context context(argc, argv);
  return context.run();
}
