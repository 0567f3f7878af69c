#include "corpus.h"

#include <fstream>

#include <fmt/format.h>

namespace testing {

namespace fs = std::filesystem;

long write_corpus(const fs::path& dir, const CorpusShape& shape) {
  static const char* kTargets[] = {"x86_64_v3", "aarch64", "neoverse_v2", "zen4"};
  static const char* kStacks[] = {"e4s", "ml-linux-x86_64-cuda", "tutorial", "e4s-neoverse-v2"};
  static const char* kOs[] = {"ubuntu22.04", "ubuntu24.04", "rhel8"};
  long rows = 0;
  for (int p = 0; p < shape.packages; ++p) {
    const std::string package = fmt::format("pkg-{:05}", p);
    std::string specs;
    for (int s = 0; s < shape.specs_per_page; ++s) {
      // The last spec of each page is new in every generation; the others stay.
      const int id = s == shape.specs_per_page - 1 ? 1000000 * (shape.generation + 1) + s : s;
      const std::string hash = fmt::format("{:08x}{:08x}{:016x}", p, id, std::hash<std::string>{}(shape.release));
      if (s) specs += ", ";
      specs += fmt::format(
          R"({{"hash": "{}", "compiler": "gcc@=11.4.0", "versions": ["1.{}.0"], "os": "{}", "platform": "linux", )"
          R"("target": "{}", "variants": ["+shared", "build_system=cmake"], "stacks": ["{}", "root"], "size": {}}})",
          hash, id % 7, kOs[p % 3], kTargets[(p + s) % 4], kStacks[(p * 3 + s) % 4], 1000 + p + s);
    }
    rows += shape.specs_per_page;
    // One directory per release, not per package as on the site: creating
    // thousands of directories costs seconds here, and the ingester reads every
    // *.md wherever it is.
    const fs::path file = dir / "_cache" / shape.release / (package + ".md");
    if (p == 0) fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << fmt::format(
        "---\ntitle: \"{}\"\nlayout: cache\ncategories: [package, {}]\n"
        "meta: {{\"num_specs\": {}, \"generation\": {}}}\nspec_details: [{}]\n---\n",
        package, shape.release, shape.specs_per_page, shape.generation, specs);
  }
  return rows;
}

}  // namespace testing
