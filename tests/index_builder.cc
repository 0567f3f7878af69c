#include "index_builder.h"

#include <fmt/format.h>

namespace testing {
namespace {

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += fmt::format("{}\"{}\"", i ? ", " : "", items[i]);
  return out + "]";
}

}  // namespace

std::string dag_hash(const std::string& seed) {
  std::string h;
  for (char c : seed)
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) h += c;
  while (h.size() < 32) h += 'x';
  return h.substr(0, 32);
}

IndexEdge compiler_edge(const std::string& hash, const std::string& name) {
  return IndexEdge{hash, name, {"build"}, {"c", "cxx"}};
}

std::string index_json(const std::vector<IndexSpec>& specs, int version) {
  std::string out = fmt::format("{{\"database\": {{\"version\": \"{}\", \"installs\": {{", version);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const IndexSpec& s = specs[i];
    const std::string target =
        s.target_dict ? fmt::format("{{\"name\": \"{}\", \"vendor\": \"GenuineIntel\", \"features\": [\"avx2\"], "
                                    "\"generation\": 0, \"parents\": [\"x86_64_v3\"]}}",
                                    s.target)
                      : fmt::format("\"{}\"", s.target);
    std::string params = "\"cflags\": [], \"ldflags\": []";
    for (const auto& [name, value] : s.parameters) params += fmt::format(", \"{}\": {}", name, value);
    std::string deps;
    for (std::size_t j = 0; j < s.dependencies.size(); ++j) {
      const IndexEdge& e = s.dependencies[j];
      deps += fmt::format("{}{{\"name\": \"{}\", \"hash\": \"{}\", \"parameters\": {{\"deptypes\": {}, "
                          "\"virtuals\": {}}}}}",
                          j ? ", " : "", e.name, e.hash, json_list(e.deptypes), json_list(e.virtuals));
    }
    std::string annotations =
        s.annotated_compiler
            ? fmt::format(", \"annotations\": {{\"original_specfile_version\": 4, \"compiler\": \"{}\"}}",
                          *s.annotated_compiler)
            : "";
    std::string cached = s.in_buildcache ? fmt::format(", \"in_buildcache\": {}", *s.in_buildcache ? "true" : "false")
                                         : "";
    out += fmt::format(
        "{}\n  \"{}\": {{\"spec\": {{\"name\": \"{}\", \"version\": \"{}\", \"arch\": {{\"platform\": \"{}\", "
        "\"platform_os\": \"{}\", \"target\": {}}}, \"namespace\": \"builtin\", \"parameters\": {{{}}}, "
        "\"dependencies\": [{}], \"hash\": \"{}\"{}}}, \"ref_count\": 0{}}}",
        i ? "," : "", s.hash, s.package, s.version, s.platform, s.os, target, params, deps, s.hash, annotations,
        cached);
  }
  return out + "\n}}}\n";
}

}  // namespace testing
