#include "page_builder.h"

#include "error.h"
#include "formats/cache_page/page.h"
#include "test_support.h"

namespace testing {

namespace {

// ["a", "b"]; the values are the tests' own, plain enough to need no escaping.
std::string string_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += '"';
    out += values[i];
    out += '"';
  }
  out += ']';
  return out;
}

void field(std::string& out, const char* key, const std::string& json) {
  out += ", \"";
  out += key;
  out += "\": ";
  out += json;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

}  // namespace

SpecEntry SpecEntry::typical(std::string hash) {
  SpecEntry s(std::move(hash));
  s.compiler("gcc@11.4.0").versions({"1.0"}).os("ubuntu22.04").target("x86_64_v3").variants({"+x"});
  s.stacks({"e4s", "root"}).size("10");
  return s;
}

std::string SpecEntry::json() const {
  std::string out = "{\"hash\": ";
  out += hash_json_ ? *hash_json_ : quoted(hash_);
  if (compiler_) field(out, "compiler", quoted(*compiler_));
  if (versions_) field(out, "versions", string_list(*versions_));
  field(out, "os", quoted(os_));
  field(out, "platform", quoted(platform_));
  field(out, "target", quoted(target_));
  if (variants_) field(out, "variants", string_list(*variants_));
  field(out, "stacks", string_list(stacks_));
  if (size_) field(out, "size", *size_);
  if (tarball_) field(out, "tarball", quoted(*tarball_));
  out += extra_;
  out += '}';
  return out;
}

std::string spec_list(const std::vector<SpecEntry>& specs) {
  std::string out = "[";
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (i) out += ", ";
    out += specs[i].json();
  }
  out += ']';
  return out;
}

std::string CachePage::text() const {
  std::string out = "---\ntitle: ";
  out += title_ ? *title_ : package_;
  out += "\nlayout: cache\ncategories: ";
  out += categories_ ? *categories_ : "[package, " + release_ + "]";
  out += '\n';
  if (meta_) out += "meta: " + *meta_ + "\n";
  out += "spec_details: ";
  out += details_ ? *details_ : spec_list(specs_);
  out += "\n---\n";
  return out;
}

std::filesystem::path CachePage::write(const std::filesystem::path& tree) const {
  auto path = page_path(tree, release_, package_);
  write_to(path);
  return path;
}

void CachePage::write_to(const std::filesystem::path& file) const { write_text(file, text()); }

std::filesystem::path page_path(const std::filesystem::path& tree, const std::string& release,
                                const std::string& package) {
  return tree / "_cache" / release / package / "specs.md";
}

std::pair<std::size_t, std::string> rejection(std::string_view text) {
  try {
    cachedb::parse_page(text);
  } catch (const cachedb::ParseError& e) {
    return {e.line(), e.what()};
  }
  return {0, "<accepted>"};
}

std::string rejection_line(std::string_view text) {
  auto [line, message] = rejection(text);
  return line == 0 && message == "<accepted>" ? "" : std::to_string(line) + ": " + message;
}

}  // namespace testing
