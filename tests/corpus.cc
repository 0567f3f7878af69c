#include "corpus.h"

#include <fmt/format.h>

#include "page_builder.h"

namespace testing {

namespace fs = std::filesystem;

long write_corpus(const fs::path& dir, const CorpusShape& shape) {
  static const char* kTargets[] = {"x86_64_v3", "aarch64", "neoverse_v2", "zen4"};
  static const char* kStacks[] = {"e4s", "ml-linux-x86_64-cuda", "tutorial", "e4s-neoverse-v2"};
  static const char* kOs[] = {"ubuntu22.04", "ubuntu24.04", "rhel8"};
  long rows = 0;
  for (int p = 0; p < shape.packages; ++p) {
    const std::string package = fmt::format("pkg-{:05}", p);
    CachePage page(shape.release, package);
    // A quoted title, and meta, as the site writes them.
    page.title(fmt::format("\"{}\"", package))
        .meta(fmt::format(R"({{"num_specs": {}, "generation": {}}})", shape.specs_per_page, shape.generation));
    for (int s = 0; s < shape.specs_per_page; ++s) {
      // The last spec of each page is new in every generation; the others stay.
      const int id = s == shape.specs_per_page - 1 ? 1000000 * (shape.generation + 1) + s : s;
      page.spec(std::move(SpecEntry(fmt::format("{:08x}{:08x}{:016x}", p, id, std::hash<std::string>{}(shape.release)))
                              .compiler("gcc@=11.4.0")
                              .versions({fmt::format("1.{}.0", id % 7)})
                              .os(kOs[p % 3])
                              .target(kTargets[(p + s) % 4])
                              .variants({"+shared", "build_system=cmake"})
                              .stacks({kStacks[(p * 3 + s) % 4], "root"})
                              .size(std::to_string(1000 + p + s))));
    }
    rows += shape.specs_per_page;
    // One directory per release, not per package as on the site: creating
    // thousands of directories costs seconds here, and the ingester reads every
    // *.md wherever it is.
    page.write_to(dir / "_cache" / shape.release / (package + ".md"));
  }
  return rows;
}

}  // namespace testing
