#include "parsing/page.h"

#include <cstring>
#include <unordered_set>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "error.h"
#include "parsing/compiler.h"
#include "parsing/front_matter.h"
#include "parsing/variant.h"
#include "parsing/text_limits.h"

namespace cachedb {
namespace {

// Iterative parsing keeps deeply nested input from exhausting the stack; in-situ
// parsing lets the records point into one buffer instead of copying each string.
constexpr unsigned kInsituFlags =
    rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
constexpr unsigned kCopyFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Line of byte `offset` inside a value that starts on `first_line`.
std::size_t line_at(std::string_view value, std::size_t offset, std::size_t first_line) {
  std::size_t line = first_line;
  for (std::size_t i = 0; i < offset && i < value.size(); ++i)
    if (value[i] == '\n') ++line;
  return line;
}

[[noreturn]] void json_error(const rapidjson::ParseResult& r, std::string_view key,
                             std::string_view value, std::size_t first_line) {
  throw ParseError(line_at(value, r.Offset(), first_line),
                   fmt::format("{}: invalid JSON at offset {}: {}", key, r.Offset(),
                               rapidjson::GetParseError_En(r.Code())));
}

std::string_view as_view(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

class SpecReader {
 public:
  SpecReader(const rapidjson::Value& obj, std::size_t index, std::size_t line)
      : obj_(obj), index_(index), line_(line) {}

  [[noreturn]] void fail(const std::string& what) const {
    std::string who = fmt::format("spec_details[{}]", index_);
    if (!hash_.empty()) who += fmt::format(" (hash {})", hash_);
    throw ParseError(line_, who + ": " + what);
  }

  // JSON escapes can still spell a NUL (\u0000) or half a surrogate pair, and
  // nothing in JSON bounds a string's length: check what will be stored.
  std::string_view checked(const char* key, std::string_view text, std::size_t max_bytes) const {
    if (auto problem = text_problem(text, max_bytes)) fail(fmt::format("'{}' {}", key, *problem));
    return text;
  }

  std::string_view string(const char* key, bool required, std::size_t max_bytes) {
    auto it = obj_.FindMember(key);
    if (it == obj_.MemberEnd() || it->value.IsNull()) {
      if (required) fail(fmt::format("missing '{}'", key));
      return {};
    }
    if (!it->value.IsString()) fail(fmt::format("'{}' must be a string", key));
    return checked(key, as_view(it->value), max_bytes);
  }

  // Appends the strings of list `key` to `out`; returns where they start and how many.
  std::pair<std::size_t, std::size_t> strings(const char* key, bool required, std::vector<std::string_view>& out,
                                              std::size_t max_bytes) {
    const std::size_t start = out.size();
    auto it = obj_.FindMember(key);
    if (it == obj_.MemberEnd() || it->value.IsNull()) {
      if (required) fail(fmt::format("missing '{}'", key));
      return {start, 0};
    }
    if (!it->value.IsArray()) fail(fmt::format("'{}' must be a list of strings", key));
    for (const auto& item : it->value.GetArray()) {
      if (!item.IsString()) fail(fmt::format("'{}' must be a list of strings", key));
      out.push_back(checked(key, as_view(item), max_bytes));
    }
    return {start, out.size() - start};
  }

  std::optional<std::int64_t> size() {
    auto it = obj_.FindMember("size");
    if (it == obj_.MemberEnd() || it->value.IsNull()) return std::nullopt;
    const auto& v = it->value;
    if (v.IsInt64()) {
      if (v.GetInt64() < 0) fail("'size' is negative");
      return v.GetInt64();
    }
    if (v.IsString()) {
      // '-' means unknown. Other text (never seen so far) is kept as unknown
      // rather than rejecting the whole page over a cosmetic field.
      std::string_view s = as_view(v);
      std::int64_t n = 0;
      if (s.empty() || s.size() > 18) return std::nullopt;
      for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
      }
      return n;
    }
    fail("'size' must be a number or '-'");
  }

  // Where a spec's lists sit in Page::lists, until the list stops growing.
  struct ListSpans {
    std::pair<std::size_t, std::size_t> versions, variants, stacks;
  };

  SpecRecord read(std::vector<std::string_view>& lists, ListSpans& spans) {
    if (!obj_.IsObject()) fail("must be an object");
    SpecRecord r;
    r.hash = string("hash", true, limits::kHash);
    if (r.hash.empty()) fail("empty 'hash'");
    hash_ = r.hash;
    r.compiler = string("compiler", false, limits::kName);
    if (r.compiler.empty()) r.compiler = "none";
    r.os = string("os", true, limits::kName);
    r.platform = string("platform", true, limits::kName);
    r.target = string("target", true, limits::kName);
    r.tarball = string("tarball", false, limits::kTarball);
    r.size = size();
    spans.versions = strings("versions", false, lists, limits::kName);
    spans.variants = strings("variants", false, lists, limits::kVariant);
    spans.stacks = strings("stacks", true, lists, limits::kName);
    return r;
  }

 private:
  const rapidjson::Value& obj_;
  std::size_t index_;
  std::size_t line_;
  std::string_view hash_;
};

PageMeta read_meta(const FrontMatterField& field) {
  PageMeta meta;
  meta.present = true;
  rapidjson::Document doc;
  doc.Parse<kCopyFlags>(field.value.data(), field.value.size());
  if (doc.HasParseError()) json_error(doc, "meta", field.value, field.line);
  if (!doc.IsObject()) throw ParseError(field.line, "meta: must be a JSON object");
  // The counts are advisory: they are checked against spec_details, never trusted.
  if (auto it = doc.FindMember("num_specs"); it != doc.MemberEnd() && it->value.IsInt64())
    meta.num_specs = it->value.GetInt64();
  if (auto it = doc.FindMember("num_specs_by_stack"); it != doc.MemberEnd() && it->value.IsObject())
    for (const auto& m : it->value.GetObject())
      if (m.value.IsInt64()) meta.num_specs_by_stack.emplace_back(m.name.GetString(), m.value.GetInt64());
  if (auto it = doc.FindMember("stacks"); it != doc.MemberEnd() && it->value.IsArray())
    for (const auto& s : it->value.GetArray())
      if (s.IsString()) meta.stacks.emplace_back(s.GetString());
  return meta;
}

}  // namespace

Page parse_page(std::string_view text) {
  Page page;
  auto fm = split_front_matter(text);
  if (!fm) return page;  // NotCache

  const auto* details = fm->find("spec_details");
  if (!details && fm->find("spec_files")) {
    page.kind = PageKind::Legacy;
    return page;
  }
  const auto* layout = fm->find("layout");
  if (!layout || yaml_scalar(layout->value) != "cache") return page;  // NotCache
  page.kind = PageKind::Cache;

  const auto* title = fm->find("title");
  if (!title) throw ParseError(0, "no 'title' (the package name)");
  page.package = yaml_scalar(title->value);
  if (page.package.empty()) throw ParseError(title->line, "empty 'title' (the package name)");
  if (auto problem = text_problem(page.package, limits::kName))
    throw ParseError(title->line, "title (the package name) " + *problem);

  const auto* categories = fm->find("categories");
  if (!categories) throw ParseError(0, "no 'categories' (they name the release)");
  std::vector<std::string> cats;
  try {
    cats = yaml_flow_list(categories->value);
  } catch (const ParseError& e) {
    throw ParseError(categories->line, std::string("categories: ") + e.what());
  }
  if (cats.size() < 2 || cats[1].empty())
    throw ParseError(categories->line, "categories: no release (expected [package, <release>])");
  page.release = cats[1];
  if (auto problem = text_problem(page.release, limits::kName))
    throw ParseError(categories->line, "categories: the release " + *problem);

  if (const auto* meta = fm->find("meta")) page.meta = read_meta(*meta);

  if (!details) throw ParseError(0, "no 'spec_details'");
  page.spec_details_line = details->line;
  const std::string_view value = details->value;
  // In-situ parsing stops at a NUL byte, which would silently drop what follows.
  if (const void* nul = value.empty() ? nullptr : std::memchr(value.data(), '\0', value.size())) {
    const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - value.data());
    throw ParseError(line_at(value, offset, details->line),
                     fmt::format("spec_details: NUL byte at offset {}", offset));
  }
  // The terminating NUL plus kInsituPadding more: RapidJSON's UTF-8 validation
  // takes a multi-byte sequence's continuation bytes without looking for the
  // end, so a value ending in a lead byte read (found by fuzzing: ASan,
  // heap-buffer-overflow) up to three bytes past the NUL. Zeros there end such
  // a sequence as invalid.
  constexpr std::size_t kInsituPadding = 4;
  page.storage = std::make_unique<char[]>(value.size() + 1 + kInsituPadding);
  page.storage_size = value.size() + 1 + kInsituPadding;
  // An empty value ('spec_details:' with nothing after it) has no data pointer,
  // and memcpy from null is undefined even for 0 bytes (found by fuzzing).
  if (!value.empty()) std::memcpy(page.storage.get(), value.data(), value.size());
  std::memset(page.storage.get() + value.size(), 0, 1 + kInsituPadding);

  rapidjson::Document doc;
  doc.ParseInsitu<kInsituFlags>(page.storage.get());
  if (doc.HasParseError()) json_error(doc, "spec_details", value, details->line);
  if (!doc.IsArray()) throw ParseError(details->line, "spec_details: must be a JSON list");

  page.specs.reserve(doc.Size());
  std::vector<SpecReader::ListSpans> spans(doc.Size());
  std::unordered_set<std::string_view> seen;
  seen.reserve(doc.Size());
  std::size_t index = 0;
  for (const auto& item : doc.GetArray()) {
    SpecReader reader(item, index, details->line);
    page.specs.push_back(reader.read(page.lists, spans[index]));
    ++index;
    if (!seen.insert(page.specs.back().hash).second)
      reader.fail("the same hash is listed twice on this page");
  }
  // Variants and compilers are checked here, on the loader thread, so that the
  // writer never meets a page it cannot store; each distinct text once.
  std::unordered_set<std::string_view> checked;
  for (std::size_t i = 0; i < page.specs.size(); ++i) {
    auto check = [&](std::string_view text, auto&& parse) {
      if (!checked.insert(text).second) return;
      try {
        parse(text);
      } catch (const ParseError& e) {
        throw ParseError(details->line, fmt::format("spec_details[{}] (hash {}): {}", i, page.specs[i].hash, e.what()));
      }
    };
    check(page.specs[i].compiler, parse_compiler);
    const auto [first, count] = spans[i].variants;
    for (std::size_t v = first; v < first + count; ++v) check(page.lists[v], parse_variant);
  }
  const std::span<const std::string_view> all(page.lists);
  for (std::size_t i = 0; i < page.specs.size(); ++i) {
    auto& r = page.specs[i];
    r.versions = all.subspan(spans[i].versions.first, spans[i].versions.second);
    r.variants = all.subspan(spans[i].variants.first, spans[i].variants.second);
    r.stacks = all.subspan(spans[i].stacks.first, spans[i].stacks.second);
  }
  return page;
}

}  // namespace cachedb
