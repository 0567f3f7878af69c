#include "formats/cache_page/page.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "error.h"
#include "formats/cache_page/front_matter.h"
#include "formats/cache_page/spec_details_count.h"
#include "formats/cache_page/spec_keys.h"
#include "json/in_place.h"
#include "json/sax_events.h"
#include "json/text_set.h"
#include "parsing/compiler.h"
#include "parsing/text_limits.h"
#include "parsing/variant.h"

namespace cachedb {
namespace {

using json::check_no_nul;
using json::check_utf8;
using json::Events;
using json::Kind;
using json::parse_in_place;
using json::Scalar;
using json::TextSet;
using namespace spec_keys;

// Whether a 'layout' value (raw, quoted or not) starts with 'cache': a page
// whose layout line was damaged ("cache" and junk) is still a cache page.
bool starts_like_cache(std::string_view raw) {
  if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) raw.remove_prefix(1);
  return raw.substr(0, 5) == "cache";
}

// The front matter fields of a cache page that hold one line: one that runs
// on into the next line holds junk.
bool is_one_line(std::string_view key) { return key == "layout" || key == "title" || key == "categories"; }

// A value as a message may show it, quoted, or nothing when it is not short
// printable text: a message must not carry a page's junk bytes.
std::optional<std::string> shown(std::string_view value) {
  constexpr std::size_t kMaxShown = 64;
  bool printable = value.size() <= kMaxShown && is_valid_utf8(value);
  for (unsigned char c : value) printable = printable && c >= 0x20 && c != 0x7f;
  if (!printable) return std::nullopt;
  return fmt::format("'{}'", value);
}

// Reads the 'meta' object: the counts are advisory, checked against
// spec_details, never trusted. The first of a repeated key counts; within
// num_specs_by_stack every member does.
class MetaReader : public Events<MetaReader> {
 public:
  explicit MetaReader(PageMeta& meta) : meta_(meta) {}

  bool is_object() const { return is_object_; }

  void value(const Scalar& v) {
    if (depth_ == 1) {  // a member of the root object
      if (field_ == Field::NumSpecs && v.kind == Kind::Int64) meta_.num_specs = v.number;
      field_ = Field::None;
    } else if (depth_ == 2) {  // an item of the member's object or list
      if (inner_ == Field::ByStack && v.kind == Kind::Int64) meta_.num_specs_by_stack.emplace_back(name_, v.number);
      else if (inner_ == Field::Stacks && v.kind == Kind::String) meta_.stacks.push_back(v.text);
    }
  }

  void start(bool object) {
    if (depth_ == 0) is_object_ = object;
    if (depth_ == 1) {
      inner_ = (field_ == Field::ByStack && object) || (field_ == Field::Stacks && !object) ? field_ : Field::None;
      field_ = Field::None;
    }
    ++depth_;
  }

  void end() {
    --depth_;
    if (depth_ == 1) inner_ = Field::None;
  }

  void key(std::string_view name) {
    if (depth_ == 2) {
      name_ = name;
      return;
    }
    if (depth_ != 1 || !is_object_) return;
    field_ = Field::None;
    auto first = [&](Field f, bool& seen) {
      if (!seen) field_ = f;
      seen = true;
    };
    if (name == "num_specs") first(Field::NumSpecs, seen_num_specs_);
    else if (name == "num_specs_by_stack") first(Field::ByStack, seen_by_stack_);
    else if (name == "stacks") first(Field::Stacks, seen_stacks_);
  }

 private:
  enum class Field : unsigned char { None, NumSpecs, ByStack, Stacks };
  PageMeta& meta_;
  std::size_t depth_ = 0;      // containers open
  bool is_object_ = false;     // the root is an object
  Field field_ = Field::None;  // the root member whose value comes next
  Field inner_ = Field::None;  // the root member whose object or list is open
  std::string_view name_;      // of the num_specs_by_stack member whose value comes next
  bool seen_num_specs_ = false, seen_by_stack_ = false, seen_stacks_ = false;
};

void read_meta(rapidjson::Reader& json, char* at, const FrontMatterField& field, PageMeta& meta) {
  meta.present = true;
  check_no_nul("meta", field.value, field.line);
  check_utf8("meta", field.value, field.line);
  MetaReader reader(meta);
  // Parsed in place too: on a page of a few specs, meta is half of the JSON.
  parse_in_place(json, at, field.value, "meta", field.line, reader);
  if (!reader.is_object()) throw ParseError(field.line, "meta: must be a JSON object");
}

// From what size spec_details read whole is counted before it is read
// (count_spec_details): the size from which the ingest and `check` stream
// pages instead, so that only a page given as bytes (ingest_bytes: the tests
// and fuzzers) is counted.
constexpr std::size_t kCountFrom = kStreamSpecsFrom;

// The longest text an item of list `key` may hold.
std::size_t max_item_bytes(int key) { return key == kVariants ? limits::kVariant : limits::kName; }

// A text is its own text, to a TextSet of texts.
struct SameText {
  std::string_view operator()(std::string_view text) const { return text; }
};

// Checks the compilers and variants of `specs` (the first of them the page's
// spec number `first`), each distinct text once over the page (`checked`):
// done on the loading thread, so that the writer never meets a page it
// cannot store.
void check_texts(const SpecList& specs, std::size_t first, std::size_t line,
                 TextSet<std::string_view, SameText>& checked) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto check = [&](std::string_view text, auto&& parse) {
      if (!checked.insert(text)) return;
      try {
        parse(text);
      } catch (const ParseError& e) {
        throw ParseError(line, fmt::format("spec_details[{}] (hash {}): {}", first + i, specs[i].hash, e.what()));
      }
    };
    check(specs[i].compiler, parse_compiler);
    for (std::string_view variant : specs[i].variants) check(variant, parse_variant);
  }
}

// Reads spec_details, a list of spec objects, from its SAX events into
// page.specs (or, streamed, into a chunk at a time, handed on): one object's known members are gathered while
// it is read, and checked when it closes. A page that breaks a rule is
// rejected with the first problem in the list's order, but only once the whole
// value has parsed: bad JSON anywhere is reported before it.
class SpecDetailsReader : public Events<SpecDetailsReader> {
 public:
  // `room`: the specs and list items to make room for.
  // `stream`: where the specs go a chunk at a time, or null (kept whole).
  SpecDetailsReader(SpecList& specs, std::size_t line, SpecDetailsCount room, const SpecStream* stream)
      : specs_(specs), line_(line), stream_(stream), hashes_(room.specs, HashAt{specs}) {
    specs_.packed().reserve(stream ? std::min(room.specs, stream->chunk_specs) : room.specs);
    specs_.lists().reserve(stream ? 0 : room.items);
  }

  // The first problem found, once the JSON has parsed: a broken rule, else a
  // compiler or variant that cannot be read. Streamed, the last chunk goes now.
  void finish() {
    if (stream_ && !problem_) flush();
    if (problem_) throw *problem_;
    if (checked_problem_) throw *checked_problem_;
  }

  std::size_t count() const { return index_; }

  // Where in spec_details the JSON broke, for its message: the spec, and the
  // member whose value holds the error ("spec_details[3].size" for a number
  // too big), or "" outside every spec. Followed whatever problems were held.
  std::string json_place(rapidjson::ParseErrorCode code) const {
    if (depth_ < 2 || items_ == 0) return {};
    std::string place = fmt::format("spec_details[{}]", items_ - 1);
    const bool in_value = depth_ > 2 || (after_key_ && json::in_a_value(code));
    if (in_value && key_of(member_) != kNoKey) place += fmt::format(".{}", member_);
    return place;
  }

  // Depths: the list's items are values at depth 1, a spec's members at 2,
  // and the items of a member's list at 3.
  void value(const Scalar& v) {
    after_key_ = false;
    if (depth_ == 1) ++items_;  // an item that is no object: counted all the same
    if (problem_) return;
    switch (depth_) {
      case 0: return not_a_list();
      case 1: return fail_item("must be an object");
      case 2:
        if (key_ != kNoKey) members_[key_] = {v.kind, v.number, v.text, {}, false, {}};
        key_ = kNoKey;
        return;
      case 3:
        if (list_ == kNoKey || members_[list_].bad_item) return;
        if (v.kind == Kind::String) {
          // Into the page's lists as they come, checked now: once stored, a
          // text's length is where its NUL is, and one spelled by an escape
          // would cut it short. The first problem is reported when the spec closes.
          Member& m = members_[list_];
          if (m.list.count == limits::kListItems) {
            if (!m.item_problem) m.item_problem = fmt::format("lists more than {} items", limits::kListItems);
            return;  // the spec is rejected: its items need no room
          }
          if (!m.item_problem) m.item_problem = text_problem(v.text, max_item_bytes(list_));
          specs_.lists().push_back(specs_.at_of(v.text));
          ++m.list.count;
        } else {
          members_[list_].bad_item = true;
        }
        return;
      default: return;
    }
  }

  void start(bool object) {
    const std::size_t at = depth_++;
    if (at == 1) {
      ++items_;
      member_ = {};
    }
    after_key_ = false;
    if (problem_) return;
    switch (at) {
      case 0:
        if (object) not_a_list();
        return;
      case 1:
        if (!object) return fail_item("must be an object");
        members_.fill({});
        key_ = kNoKey;
        return;
      case 2:
        if (key_ != kNoKey) {
          members_[key_].kind = object ? Kind::Object : Kind::Array;
          if (!object && is_list(key_)) {
            list_ = key_;
            members_[list_].list.first = static_cast<std::uint32_t>(specs_.lists().size());
          }
        }
        key_ = kNoKey;
        return;
      case 3:
        if (list_ != kNoKey) members_[list_].bad_item = true;
        return;
      default: return;
    }
  }

  void end() {
    const std::size_t at = --depth_;
    if (problem_) return;
    if (at == 1) end_spec();
    else if (at == 2) list_ = kNoKey;
  }

  void key(std::string_view name) {
    if (depth_ == 2) {
      member_ = name;
      after_key_ = true;
    }
    if (problem_ || depth_ != 2) return;
    key_ = key_of(name);
    if (key_ != kNoKey && members_[key_].kind != Kind::Absent) key_ = kNoKey;  // the first one counts
  }

 private:
  // A member as its value was read.
  struct Member {
    Kind kind = Kind::Absent;
    std::int64_t number = 0;  // Int64
    std::string_view text;    // String
    SpecList::Range list;     // Array, of a list member: the strings before the first item that is not one
    bool bad_item = false;    // Array: an item that is not a string follows them
    std::optional<std::string> item_problem;  // Array: of the first of its strings that cannot be stored
  };

  // A spec's hash, by where it is in the page + 1 (0 is a free slot): a
  // streamed page's specs are forgotten, their texts are not.
  struct HashAt {
    const SpecList& specs;
    std::string_view operator()(std::uint32_t slot) const { return specs.text(slot - 1); }
  };

  void not_a_list() { hold(ParseError(line_, "spec_details: must be a JSON list")); }

  void fail_item(const std::string& what) {
    try {
      fail(what);
    } catch (ParseError& e) {
      hold(std::move(e));
    }
  }

  void hold(ParseError e) {
    if (!problem_) problem_.emplace(std::move(e));
  }

  void end_spec() {
    try {
      read();
    } catch (ParseError& e) {
      hold(std::move(e));
    }
    hash_ = {};
    ++index_;
    // A chunk ends at chunk_specs specs, or sooner when its lists hold many
    // items (one spec may hold 3 x 65,536): its memory is bounded either way.
    if (stream_ && !problem_ &&
        (specs_.size() >= stream_->chunk_specs || specs_.lists().size() >= stream_->chunk_items))
      flush();
  }

  // Checks the compilers and variants of the specs read since the last chunk
  // and, while every spec so far can be stored, hands them on; then forgets
  // them. After a problem nothing more is handed on, but the JSON is still
  // read to its end, so that what is reported is what a page read whole reports.
  // The texts checked are forgotten too (a page of millions of distinct
  // variants would hold a set of them all): one seen again is checked again,
  // and the first that fails is still the first in the page's order.
  void flush() {
    if (!checked_problem_) {
      TextSet<std::string_view, SameText> checked(0, SameText{});
      try {
        check_texts(specs_, index_ - specs_.size(), line_, checked);
      } catch (ParseError& e) {
        checked_problem_.emplace(std::move(e));
      }
      if (!checked_problem_ && !specs_.empty()) stream_->take(specs_);
    }
    specs_.clear();
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

  std::string_view string(SpecKey k, const char* key, bool required, std::size_t max_bytes) const {
    const Member& m = members_[k];
    if (m.kind == Kind::Absent || m.kind == Kind::Null) {
      if (required) fail(fmt::format("missing '{}'", key));
      return {};
    }
    if (m.kind != Kind::String) fail(fmt::format("'{}' must be a string", key));
    return checked(key, m.text, max_bytes);
  }

  // Checks list `k`, whose strings are already in the page's lists; returns where they are.
  SpecList::Range strings(SpecKey k, const char* key, bool required) const {
    const Member& m = members_[k];
    if (m.kind == Kind::Absent || m.kind == Kind::Null) {
      if (required) fail(fmt::format("missing '{}'", key));
      return {};
    }
    if (m.kind != Kind::Array) fail(fmt::format("'{}' must be a list of strings", key));
    if (m.item_problem) fail(fmt::format("'{}' {}", key, *m.item_problem));
    if (m.bad_item) fail(fmt::format("'{}' must be a list of strings", key));
    return m.list;
  }

  std::optional<std::int64_t> size() const {
    const Member& m = members_[kSize];
    if (m.kind == Kind::Absent || m.kind == Kind::Null) return std::nullopt;
    if (m.kind == Kind::Int64) {
      if (m.number < 0) fail("'size' is negative");
      return m.number;
    }
    if (m.kind == Kind::String) {
      // '-' means unknown. Other text (never seen so far) is kept as unknown
      // rather than rejecting the whole page over a cosmetic field.
      std::string_view s = m.text;
      std::int64_t n = 0;
      if (s.empty() || s.size() > 18) return std::nullopt;
      for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
      }
      return n;
    }
    // A fraction, or a number past what a byte count holds (1e300).
    if (m.kind == Kind::Number) fail("'size' must be a whole number of bytes, at most 2^63 - 1, or '-'");
    fail("'size' must be a number or '-'");
  }

  // The rules, in the order they are checked.
  void read() {
    SpecList::Packed r;
    const std::string_view hash = string(kHash, "hash", true, limits::kHash);
    if (hash.empty()) fail("empty 'hash'");
    hash_ = hash;
    r.hash = specs_.at_of(hash);
    r.compiler = specs_.at_of(string(kCompiler, "compiler", false, limits::kName));  // empty: 'none'
    r.os = specs_.at_of(string(kOs, "os", true, limits::kName));
    r.platform = specs_.at_of(string(kPlatform, "platform", true, limits::kName));
    r.target = specs_.at_of(string(kTarget, "target", true, limits::kName));
    r.tarball = specs_.at_of(string(kTarball, "tarball", false, limits::kTarball));
    r.size = size().value_or(SpecList::kNoSize);
    r.versions = strings(kVersions, "versions", false);
    r.variants = strings(kVariants, "variants", false);
    r.stacks = strings(kStacks, "stacks", true);
    specs_.packed().push_back(r);
    if (!hashes_.insert(r.hash + 1)) fail("the same hash is listed twice on this page");
  }

  SpecList& specs_;
  std::size_t line_;  // of spec_details: the line of every problem with a spec
  const SpecStream* stream_;
  std::optional<ParseError> problem_;
  std::optional<ParseError> checked_problem_;  // streamed: of a compiler or variant
  std::size_t depth_ = 0;  // containers open
  std::size_t index_ = 0;  // of the spec being read
  std::string_view hash_;  // its hash, once known
  std::array<Member, kKeys> members_{};
  int key_ = kNoKey;   // the member whose value comes next
  int list_ = kNoKey;  // the list member whose items are being read
  // For json_place, kept whatever problem is held: items begun, the last
  // member named in the current one, and whether its value comes next.
  std::size_t items_ = 0;
  std::string_view member_;
  bool after_key_ = false;
  TextSet<std::uint32_t, HashAt> hashes_;
};

// How many specs to make room for: as many as meta says the page lists (the
// specs are then allocated once, not grown by doubling), no more than the
// value can hold.
std::size_t expected_specs(std::string_view value, const PageMeta& meta) {
  if (!meta.num_specs || *meta.num_specs <= 0) return 0;
  return std::min(static_cast<std::size_t>(*meta.num_specs), value.size() / kMinSpecBytes + 1);
}

}  // namespace

// The site's pages are all `<release>/<package>/specs.md`: the name says it.
bool at_cache_page_path(std::string_view path) {
  const auto slash = path.rfind('/');
  return (slash == std::string_view::npos ? path : path.substr(slash + 1)) == "specs.md";
}

SpecRecord SpecList::operator[](std::size_t i) const {
  const Packed& p = packed_[i];
  SpecRecord r;
  r.hash = text(p.hash);
  r.compiler = text(p.compiler);
  if (r.compiler.empty()) r.compiler = "none";
  r.os = text(p.os);
  r.platform = text(p.platform);
  r.target = text(p.target);
  r.tarball = text(p.tarball);
  if (p.size != kNoSize) r.size = p.size;
  r.versions = TextList(base_, lists_.data() + p.versions.first, p.versions.count);
  r.variants = TextList(base_, lists_.data() + p.variants.first, p.variants.count);
  r.stacks = TextList(base_, lists_.data() + p.stacks.first, p.stacks.count);
  return r;
}

SpecRecord SpecList::at(std::size_t i) const {
  if (i >= packed_.size()) throw std::out_of_range(fmt::format("spec {} of a page of {}", i, packed_.size()));
  return (*this)[i];
}

Page parse_page(std::string_view text, const SpecStream* stream) {
  return parse_page(PaddedBuffer::copy_of(text), stream);
}

Page parse_page(PaddedBuffer bytes, const SpecStream* stream) {
  Page page;
  if (bytes.size() > kMaxPageBytes)
    throw ParseError(0, fmt::format("{} bytes, more than the {} a page can have", bytes.size(), kMaxPageBytes));
  const std::string_view text = bytes.view();
  // Where a field's value is in the buffer, to be parsed in place.
  auto in_place = [&](const FrontMatterField& field) {
    return field.value.empty() ? nullptr : bytes.data() + (field.value.data() - text.data());
  };
  auto fm = split_front_matter(text);
  if (!fm) {
    page.not_cache = "no front matter";
    return page;
  }

  const auto* details = fm->find("spec_details");
  if (!details && fm->find("spec_files")) {
    page.kind = PageKind::Legacy;
    return page;
  }
  const auto* layout = fm->find("layout");
  const auto* meta = fm->find("meta");
  if (!details && !meta && !(layout && starts_like_cache(layout->value))) {
    if (!layout) page.not_cache = "no 'layout'";
    else if (auto value = shown(yaml_scalar(layout->value))) page.not_cache = "'layout' is " + *value;
    else page.not_cache = "'layout' is not 'cache'";
    return page;
  }
  // From here on the file is a cache page, or a broken one.
  page.kind = PageKind::Cache;
  for (const auto& field : fm->fields)
    if (field.runs_on && is_one_line(field.key))
      throw ParseError(field.runs_on, fmt::format("'{}' runs on into this line, which is not 'key: value'", field.key));
  if (!layout)
    throw ParseError(0, fmt::format("no 'layout: cache', though the page has '{}'", details ? "spec_details" : "meta"));
  if (const std::string value = yaml_scalar(layout->value); value != "cache") {
    const auto show = shown(value);
    throw ParseError(layout->line, show ? "'layout' is " + *show + ", not 'cache'" : "'layout' is not 'cache'");
  }

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

  // meta and spec_details are parsed in place, each NUL-terminated on the
  // white space that follows it; everything else is taken from the text above.
  rapidjson::Reader json;
  if (meta) read_meta(json, in_place(*meta), *meta, page.meta);

  if (!details) throw ParseError(0, "no 'spec_details'");
  page.spec_details_line = details->line;
  const std::string_view value = details->value;
  check_no_nul("spec_details", value, details->line);
  check_utf8("spec_details", value, details->line);
  page.specs.set_base(bytes.data());
  if (stream && value.size() >= stream->from_bytes) {
    // Streamed: room for the page's hashes (to find one listed twice) and a chunk.
    const SpecDetailsCount room{expected_specs(value, page.meta), 0};
    SpecDetailsReader reader(page.specs, details->line, room, stream);
    parse_in_place(json, in_place(*details), value, "spec_details", details->line, reader);
    reader.finish();
    page.streamed = true;
    page.spec_count = reader.count();
    page.specs = SpecList();  // the chunks' room released
    page.storage = std::move(bytes);
    return page;
  }
  {
    const SpecDetailsCount room =
        value.size() >= kCountFrom ? count_spec_details(value) : SpecDetailsCount{expected_specs(value, page.meta), 0};
    SpecDetailsReader reader(page.specs, details->line, room, nullptr);
    parse_in_place(json, in_place(*details), value, "spec_details", details->line, reader);
    reader.finish();
  }
  page.spec_count = page.specs.size();
  page.storage = std::move(bytes);
  TextSet<std::string_view, SameText> checked(0, SameText{});
  check_texts(page.specs, 0, details->line, checked);
  return page;
}

}  // namespace cachedb
