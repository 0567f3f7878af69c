#include "parsing/page.h"

#include <cstring>
#include <array>
#include <unordered_set>

#include <fmt/format.h>
// RapidJSON scans strings 16 bytes at a time with SSE2 (every x86-64 has it);
// see kInsituPadding for why that stays inside the buffer.
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2
#endif
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
// UTF-8 is checked before parsing, over the whole value at once (check_utf8):
// RapidJSON's own check, character by character, was a third of the parse and
// kept it from scanning strings with SIMD.
constexpr unsigned kInsituFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag;

// Line of byte `offset` inside a value that starts on `first_line`.
std::size_t line_at(std::string_view value, std::size_t offset, std::size_t first_line) {
  std::size_t line = first_line;
  for (std::size_t i = 0; i < offset && i < value.size(); ++i)
    if (value[i] == '\n') ++line;
  return line;
}

// Rejects a JSON value whose bytes are not all UTF-8. (Escapes are decoded by
// RapidJSON into valid UTF-8 or rejected; what they spell is checked per field.)
void check_utf8(std::string_view key, std::string_view value, std::size_t first_line) {
  if (auto bad = first_invalid_utf8(value))
    throw ParseError(line_at(value, *bad, first_line), fmt::format("{}: invalid UTF-8 at offset {}", key, *bad));
}

// A copy of `value` to parse in place: followed by its terminating NUL and
// kInsituPadding more zeros, because RapidJSON's SSE2 string scan reads whole
// aligned 16-byte blocks, and the block holding the NUL that ends the scan may
// reach 15 bytes past it. (With RapidJSON's own UTF-8 check, a value ending in
// a lead byte was read past its end: found by fuzzing, ASan
// heap-buffer-overflow; values are now checked before, by check_utf8.)
constexpr std::size_t kInsituPadding = 16;
std::unique_ptr<char[]> insitu_copy(std::string_view value) {
  auto copy = std::make_unique<char[]>(value.size() + 1 + kInsituPadding);
  // An empty value ('spec_details:' with nothing after it) has no data pointer,
  // and memcpy from null is undefined even for 0 bytes (found by fuzzing).
  if (!value.empty()) std::memcpy(copy.get(), value.data(), value.size());
  std::memset(copy.get() + value.size(), 0, 1 + kInsituPadding);
  return copy;
}

[[noreturn]] void json_error(const rapidjson::ParseResult& r, std::string_view key,
                             std::string_view value, std::size_t first_line) {
  throw ParseError(line_at(value, r.Offset(), first_line),
                   fmt::format("{}: invalid JSON at offset {}: {}", key, r.Offset(),
                               rapidjson::GetParseError_En(r.Code())));
}

std::string_view as_view(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// The keys a spec object may have that the reader uses; others are ignored.
constexpr std::array<std::string_view, 10> kSpecKeys = {"hash",    "compiler", "os",       "platform", "target",
                                                        "tarball", "size",     "versions", "variants", "stacks"};

class SpecReader {
 public:
  SpecReader(const rapidjson::Value& obj, std::size_t index, std::size_t line)
      : obj_(obj), index_(index), line_(line) {}

  // Finds every key in one pass over the object's members (looking each one
  // up by name was a tenth of the loader's time). The first of a repeated key
  // counts, as with FindMember.
  void index_members() {
    for (auto it = obj_.MemberBegin(); it != obj_.MemberEnd(); ++it) {
      const std::string_view name = as_view(it->name);
      for (std::size_t k = 0; k < kSpecKeys.size(); ++k)
        if (name == kSpecKeys[k]) {
          if (!members_[k]) members_[k] = &it->value;
          break;
        }
    }
  }

  // The value of `key` (one of kSpecKeys), or null when absent.
  const rapidjson::Value* member(std::string_view key) const {
    for (std::size_t k = 0; k < kSpecKeys.size(); ++k)
      if (kSpecKeys[k] == key) return members_[k];
    return nullptr;
  }

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
    const rapidjson::Value* v = member(key);
    if (!v || v->IsNull()) {
      if (required) fail(fmt::format("missing '{}'", key));
      return {};
    }
    if (!v->IsString()) fail(fmt::format("'{}' must be a string", key));
    return checked(key, as_view(*v), max_bytes);
  }

  // Appends the strings of list `key` to `out`; returns where they start and how many.
  std::pair<std::size_t, std::size_t> strings(const char* key, bool required, std::vector<std::string_view>& out,
                                              std::size_t max_bytes) {
    const std::size_t start = out.size();
    const rapidjson::Value* v = member(key);
    if (!v || v->IsNull()) {
      if (required) fail(fmt::format("missing '{}'", key));
      return {start, 0};
    }
    if (!v->IsArray()) fail(fmt::format("'{}' must be a list of strings", key));
    for (const auto& item : v->GetArray()) {
      if (!item.IsString()) fail(fmt::format("'{}' must be a list of strings", key));
      out.push_back(checked(key, as_view(item), max_bytes));
    }
    return {start, out.size() - start};
  }

  std::optional<std::int64_t> size() {
    const rapidjson::Value* found = member("size");
    if (!found || found->IsNull()) return std::nullopt;
    const auto& v = *found;
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
    index_members();
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
  std::array<const rapidjson::Value*, kSpecKeys.size()> members_{};
};

PageMeta read_meta(const FrontMatterField& field) {
  PageMeta meta;
  meta.present = true;
  check_utf8("meta", field.value, field.line);
  // Parsed in place too: on a page of a few specs, meta is half of the JSON.
  meta.storage = insitu_copy(field.value);
  rapidjson::Document doc;
  doc.ParseInsitu<kInsituFlags>(meta.storage.get());
  if (doc.HasParseError()) json_error(doc, "meta", field.value, field.line);
  if (!doc.IsObject()) throw ParseError(field.line, "meta: must be a JSON object");
  // The counts are advisory: they are checked against spec_details, never
  // trusted. One pass over the members; the first of a repeated key counts.
  const rapidjson::Value *num_specs = nullptr, *by_stack = nullptr, *stacks = nullptr;
  const rapidjson::Value& object = doc;  // (const: clang finds non-const member iterators ambiguous in C++20)
  for (const auto& m : object.GetObject()) {
    const std::string_view name = as_view(m.name);
    if (name == "num_specs" && !num_specs) num_specs = &m.value;
    else if (name == "num_specs_by_stack" && !by_stack) by_stack = &m.value;
    else if (name == "stacks" && !stacks) stacks = &m.value;
  }
  if (num_specs && num_specs->IsInt64()) meta.num_specs = num_specs->GetInt64();
  if (by_stack && by_stack->IsObject())
    for (const auto& m : by_stack->GetObject())
      if (m.value.IsInt64()) meta.num_specs_by_stack.emplace_back(as_view(m.name), m.value.GetInt64());
  if (stacks && stacks->IsArray())
    for (const auto& s : stacks->GetArray())
      if (s.IsString()) meta.stacks.emplace_back(as_view(s));
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
  check_utf8("spec_details", value, details->line);
  page.storage = insitu_copy(value);
  page.storage_size = value.size() + 1 + kInsituPadding;
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
