#include "formats/spack_index/index_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
// string_scan.h (which includes rapidjson/reader.h) before error/en.h: see in_place.h.
#include "formats/spack_index/string_scan.h"
#include <rapidjson/error/en.h>

#include "error.h"
#include "formats/spack_index/checked_specs.h"
#include "formats/spack_index/index_error.h"
#include "formats/spack_index/variant_text.h"
#include "parsing/compiler.h"
#include "parsing/text_limits.h"
#include "parsing/variant.h"
#include "util/equals_literal.h"
#include "util/utf8.h"

namespace cachedb::spack_index {
namespace {

// What the container being read means; everything the record does not need is
// `skip` and costs only its tokens.
enum class Ctx {
  root, database, installs, record, spec, arch, target, compiler, parameters, param_list,
  dependencies, dependency, dep_parameters, deptypes, virtuals, annotations, provided_virtuals, skip,
};

enum class Kind { null, boolean, number, string };

// `text` is `lower` (ASCII lower case) in any case: "True", "TRUE".
bool iequals_ascii(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != lower[i]) return false;
  }
  return true;
}

constexpr std::size_t kMaxDepth = 64;
// Per record and per document, far above any real index (a record has tens of
// edges and variants, an index tens of compiler nodes): a hostile index is
// refused before it can make the reader's memory grow with it.
constexpr std::size_t kMaxEdges = 1 << 16, kMaxVariants = 1 << 12, kMaxCompilerNodes = 1 << 16;
constexpr int kMinVersion = 6, kMaxVersion = 9;

// Spack's compiler packages, so that a compiler node met before any spec names
// it as its compiler is remembered; any other package is learned from the edges.
constexpr std::string_view kCompilerPackages[] = {
    "gcc", "llvm", "llvm-amdgpu", "aocc", "apple-clang", "cce", "intel-oneapi-compilers",
    "intel-oneapi-compilers-classic", "nvhpc", "fj", "msvc", "xl", "acfl", "arm", "pgi", "nag",
};

bool is_compiler_virtual(std::string_view v) {
  return equals_literal(v, "c") || equals_literal(v, "cxx") || equals_literal(v, "fortran");
}

bool list_has(std::string_view list, std::string_view item) {
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    if (list.substr(start, comma - start) == item) return true;
    start = comma + 1;
  }
  return false;
}

void append_item(std::string& list, std::string_view item) {
  if (list_has(list, item) && !list.empty()) return;
  if (!list.empty()) list += ',';
  list += item;
}

// A container's current key. Every key of an index passes through here
// (millions of them), nearly all short (the longest common one is a hash, 32
// bytes): copied into a buffer of the frame's own, where std::string's
// assign cost a twentieth of the reading.
class KeyText {
 public:
  void assign(const char* s, std::size_t n) {
    if (n <= kInline) {
      std::memcpy(inline_, s, n);
      long_.clear();
      heap_ = false;
    } else {
      long_.assign(s, n);
      heap_ = true;
    }
    size_ = n;
  }
  void clear() {
    size_ = 0;
    heap_ = false;
  }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return heap_ ? std::string_view(long_) : std::string_view(inline_, size_); }
  operator std::string_view() const { return view(); }

 private:
  static constexpr std::size_t kInline = 64;
  char inline_[kInline];
  std::string long_;
  std::size_t size_ = 0;
  bool heap_ = false;
};

struct Frame {
  Ctx ctx;
  bool array;
  std::size_t index = 0;
  KeyText key;
};

struct DepBuf {
  std::string hash, name, deptypes, virtuals;
};

class IndexSax {
 public:
  IndexSax(DecodedStream& in, IndexHandler& handler, CheckedSpecs* checked)
      : in_(in), handler_(handler), checked_(checked) {
    for (auto name : kCompilerPackages) compiler_packages_.emplace(name);
  }

  // --- RapidJSON's handler concept ---
  bool Null() { return scalar(Kind::null, {}, false); }
  bool Bool(bool b) { return scalar(Kind::boolean, {}, b); }
  bool Int(int) { return number_unexpected(); }
  bool Uint(unsigned) { return number_unexpected(); }
  bool Int64(std::int64_t) { return number_unexpected(); }
  bool Uint64(std::uint64_t) { return number_unexpected(); }
  bool Double(double) { return number_unexpected(); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) { return scalar(Kind::number, {s, n}, false); }
  bool String(const char* s, rapidjson::SizeType n, bool) { return scalar(Kind::string, {s, n}, false); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    in_.mark_token();
    top().key.assign(s, n);
    return true;
  }
  bool StartObject() { return open(false); }
  bool StartArray() { return open(true); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  // Called by the parser (ParseObject below) once it has read a member's key
  // and colon: true when this handler has taken the member's value from the
  // stream itself, the parser then going on after it.
  bool skip_value(DecodedStream& is);

  void finish();
  std::string path() const;
  [[noreturn]] void fail(const std::string& what) const {
    throw IndexParseError(in_.Tell() - (at_bracket_ ? 1 : 0), path(), what);
  }

 private:
  bool number_unexpected() { fail("internal: numbers are read raw"); }
  Ctx child_ctx(bool array);
  bool open(bool array);
  bool close();
  bool scalar(Kind kind, std::string_view text, bool b);
  void after_value() {
    if (depth_ && top().array) ++top().index;
  }
  Frame& top() { return frames_[depth_ - 1]; }
  void begin_record();
  void end_record();
  void sort_list_values(std::string& text);
  void end_dependency();
  void merge_repeated_edges();
  void check_parameter_name(std::string_view k);
  void set_version(Kind kind, std::string_view text);
  std::string_view resolve_compiler(std::string_view& compiler_hash, bool& by_dependency);

  DecodedStream& in_;
  IndexHandler& handler_;
  // Specs checked before, in this document or another (checked_specs.h); may be null.
  CheckedSpecs* const checked_;
  CheckedSpecs::Spec known_;  // what skip_value() found there, kept from one record to the next
  // The spec value being read, or read, when it may be kept in checked_: where
  // it starts, and once read whole within one buffer, its fingerprint and length.
  std::uint64_t spec_at_ = 0;
  bool spec_whole_ = false;
  Fingerprint spec_fingerprint_{};
  std::uint32_t spec_length_ = 0;
  // The record's spec came from checked_: whether its node names its compiler
  // (what that compiler is matters only to a described record, never skipped).
  bool skipped_compiler_given_ = false;
  std::ptrdiff_t provider_ = -1;  // the index in deps_ of the compiler edge resolve_compiler() found
  std::vector<Frame> frames_;  // frames_[0, depth_) are the open containers
  std::size_t depth_ = 0;
  // In open() and close(): the stream is past the container's bracket, and an
  // error there is placed on the bracket.
  bool at_bracket_ = false;

  // The document.
  int version_ = 0;
  bool saw_database_ = false, saw_installs_ = false;
  std::uint64_t records_ = 0, skipped_ = 0;

  // The record being read; every buffer keeps its capacity from one record to the next.
  std::string hash_, name_, pkg_version_, compiler_name_, compiler_version_, annotated_compiler_;
  std::string os_, platform_, target_, compiler_text_;
  bool has_spec_ = false, has_compiler_dict_ = false, in_buildcache_ = true, provides_compiler_ = false;
  std::vector<std::string> variants_;
  std::size_t nvariants_ = 0;
  bool list_first_ = true;
  std::size_t list_bytes_ = 0;  // the length of the list variant being read, built or not
  std::size_t list_value_at_ = 0;  // where its value starts ("k:=": the key's length and 2)
  bool list_is_patches_ = false, list_quoted_ = false;  // whether a value so far needs quotes
  // Where each value of the list being described starts in its text, and
  // whether they came sorted and distinct so far (Spack keeps a multi-valued
  // variant's values as a sorted set: close() makes them one when not).
  std::vector<std::size_t> list_at_;
  bool list_in_order_ = true;
  bool target_named_ = false;  // the dict target being read has its 'name'
  // The handler's answer for this record (IndexHandler::wants_description). An
  // undescribed record goes through every check a described one does, and
  // feeds the compiler memory alike; only the texts it would hand out are not
  // built. Name, version and edges are kept: the compiler memory needs them.
  bool describe_ = true;
  std::vector<DepBuf> deps_;
  std::size_t ndeps_ = 0;
  std::vector<IndexDependency> dep_views_;
  std::vector<std::size_t> order_;

  // Compiler nodes (see index_reader.h): few, whatever the index's size.
  std::unordered_set<std::string> compiler_packages_;
  std::unordered_map<std::string, std::string> compiler_labels_;  // hash -> "gcc@10.2.1"
  std::unordered_map<std::string, std::string> pending_;          // hash -> the edge's package name
  std::vector<std::string> pending_order_;
};

// A key (or a short text) as a message shows it. Messages go to the
// terminal, the log file and the run log, one line each: line breaks,
// terminal controls (C0, DEL and, in UTF-8, C1), quotes and backslashes are
// escaped, bytes that are not UTF-8 shown as \xNN, and a long key is cut.
std::string shown_key(std::string_view key) {
  constexpr std::size_t kMaxShown = 120;
  const bool utf8 = is_valid_utf8(key);
  std::string out;
  std::size_t i = 0;
  // Cut between characters, never inside one.
  auto more = [&] { return i < key.size() && (out.size() < kMaxShown || (utf8 && (key[i] & 0xc0) == 0x80)); };
  for (; more(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    // (Bytes that are not UTF-8 are each a \xNN below, 0xc2 too.)
    const std::size_t control = c < 0x80 || utf8 ? control_at(key, i) : 0;
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (control) {
      i += control - 1;  // at its last byte, whose value is the code point (U+0000..U+001F, U+007F..U+009F)
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(key[i]));
    } else if (c >= 0x80 && !utf8) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < key.size()) out += "...";
  return out;
}

std::string IndexSax::path() const {
  std::string p = "$";
  for (std::size_t i = 0; i < depth_; ++i) {
    const Frame& f = frames_[i];
    if (f.array) {
      // The element being read: index counts the finished ones.
      p += fmt::format("[{}]", f.index);
    } else if (!f.key.empty()) {
      const std::string_view key = f.key;
      const bool plain = std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      });
      if (plain) p += "." + std::string(key);
      else p += "['" + shown_key(key) + "']";
    }
  }
  return p;
}

Ctx IndexSax::child_ctx(bool array) {
  if (depth_ == 0) {
    if (array) fail("the index is not a JSON object");
    return Ctx::root;
  }
  const Frame& parent = top();
  const std::string_view k = parent.key;
  switch (parent.ctx) {
    case Ctx::root:
      if (equals_literal(k, "database")) {
        if (array) fail("'database' must be an object");
        // Python's json would keep the last of two; read as one, their installs would be one.
        if (saw_database_) fail("'database' given twice");
        saw_database_ = true;
        return Ctx::database;
      }
      break;
    case Ctx::database:
      if (equals_literal(k, "installs")) {
        if (array) fail("'installs' must be an object");
        if (saw_installs_) fail("'installs' given twice");
        saw_installs_ = true;
        return Ctx::installs;
      }
      break;
    case Ctx::installs:
      if (array) fail("an install must be an object");
      return Ctx::record;
    case Ctx::record:
      if (equals_literal(k, "spec")) {
        if (array) fail("'spec' must be an object");
        // Which one would Spack take? Python's json keeps the last; a record
        // is refused rather than read as one of them (and skip_value() can
        // then take a spec for the record's whole word on it).
        if (has_spec_) fail("an install with two 'spec' objects");
        has_spec_ = true;
        return Ctx::spec;
      }
      break;
    case Ctx::spec:
      if (equals_literal(k, "arch")) {
        if (array) fail("'arch' must be an object");
        return Ctx::arch;
      }
      if (equals_literal(k, "compiler") && !array) {
        has_compiler_dict_ = true;
        return Ctx::compiler;
      }
      if (equals_literal(k, "parameters")) {
        if (array) fail("'parameters' must be an object");
        return Ctx::parameters;
      }
      if (equals_literal(k, "dependencies")) {
        // A list in every database version cachedb reads (older Spack wrote an object).
        if (!array) fail("'dependencies' must be a list");
        return Ctx::dependencies;
      }
      if (equals_literal(k, "version")) fail("'version' must be a string");
      if (equals_literal(k, "name")) fail("'name' must be a string");
      if (equals_literal(k, "annotations") && !array) return Ctx::annotations;
      if (equals_literal(k, "provided_virtuals") && array) return Ctx::provided_virtuals;
      break;
    case Ctx::arch:
      if (equals_literal(k, "target")) {
        if (array) fail("'target' must be a string or an object");
        target_named_ = false;
        return Ctx::target;
      }
      if (equals_literal(k, "platform") || equals_literal(k, "platform_os"))
        fail(fmt::format("'{}' must be a string", k));
      break;
    case Ctx::parameters:
      if (array && !is_compiler_flag(k)) {
        check_parameter_name(k);
        if (nvariants_ == kMaxVariants) fail(fmt::format("more than {} variants", kMaxVariants));
        list_first_ = true;
        // A list is a multi-valued variant's exact set of values, which Spack
        // prints `k:=a,b` (since 1.0, as the pages of its releases show it),
        // whatever database version holds it: one hash in a v7 index and in a
        // v8 one (a converted spec) is one description, whichever is read first.
        list_bytes_ = list_value_at_ = k.size() + 2;
        list_is_patches_ = equals_literal(k, "patches");
        list_quoted_ = false;
        list_at_.clear();
        list_in_order_ = true;
        if (describe_) {
          if (nvariants_ == variants_.size()) variants_.emplace_back();
          std::string& text = variants_[nvariants_];
          text.assign(k);
          text += ":=";
        }
        return Ctx::param_list;
      }
      // A value Spack's syntax cannot write, where dropping it would store a
      // node that is not the index's (compiler flags are not stored at all).
      if (!array && !is_compiler_flag(k)) fail("a parameter must be a string, a number, a boolean, null or a list");
      break;
    case Ctx::param_list:
      fail("a list parameter's values must be strings, numbers or booleans");
    case Ctx::dependencies:
      if (array) fail("a dependency must be an object");
      if (ndeps_ == kMaxEdges) fail(fmt::format("more than {} dependencies", kMaxEdges));
      if (ndeps_ == deps_.size()) deps_.emplace_back();
      {
        DepBuf& d = deps_[ndeps_];
        d.hash.clear();
        d.name.clear();
        d.deptypes.clear();
        d.virtuals.clear();
      }
      return Ctx::dependency;
    case Ctx::dependency:
      if (equals_literal(k, "parameters")) {
        if (array) fail("a dependency's 'parameters' must be an object");
        return Ctx::dep_parameters;
      }
      if (equals_literal(k, "type") && array) return Ctx::deptypes;  // database v6
      break;
    case Ctx::dep_parameters:
      // An edge's deptypes and virtuals decide the spec's compiler: a list of
      // another shape is refused, not read as none.
      if (equals_literal(k, "deptypes") || equals_literal(k, "virtuals")) {
        if (!array) fail(fmt::format("'{}' must be a list", k));
        return equals_literal(k, "deptypes") ? Ctx::deptypes : Ctx::virtuals;
      }
      break;
    default:
      break;
  }
  return Ctx::skip;
}

bool IndexSax::open(bool array) {
  in_.mark_token();
  // RapidJSON has read the opening bracket: an error here is placed on it.
  at_bracket_ = true;
  const Ctx ctx = child_ctx(array);
  if (depth_ >= kMaxDepth) fail(fmt::format("nested deeper than {} levels", kMaxDepth));
  if (ctx == Ctx::record) begin_record();
  if (ctx == Ctx::spec && checked_) {
    spec_at_ = in_.Tell() - 1;  // its '{', taken
    spec_whole_ = false;
  }
  at_bracket_ = false;
  // Frames are never freed: their key strings keep their capacity from one record to the next.
  if (depth_ == frames_.size()) frames_.emplace_back();
  Frame& f = frames_[depth_++];
  f.ctx = ctx;
  f.array = array;
  f.index = 0;
  f.key.clear();
  return true;
}

bool IndexSax::close() {
  in_.mark_token();
  // An error found at the end of a container names the container, not its
  // last key, and the place of its closing bracket.
  top().key.clear();
  at_bracket_ = true;
  const Ctx ctx = top().ctx;
  switch (ctx) {
    case Ctx::record:
      end_record();
      break;
    case Ctx::dependency:
      end_dependency();
      break;
    case Ctx::param_list:
      // An empty list names no value: Spack's syntax has no way to write it.
      // It is no variant, but a parameter named before it is dropped too (end_record()).
      if (list_first_) {
        if (describe_) {
          std::string& t = variants_[nvariants_];
          t.resize(list_value_at_ - 2);  // "k:=" -> "k"
          mark_no_variant(t);
        }
        ++nvariants_;
        break;
      }
      if (describe_ && (!list_in_order_ || list_is_patches_)) sort_list_values(variants_[nvariants_]);
      // Spack quotes the joined values (an empty one alone included), not each.
      // (Values made one by the sort are not: the limit holds to the text as given.)
      if (list_quoted_ || list_bytes_ == list_value_at_) {
        list_bytes_ += 2;
        if (list_bytes_ > limits::kVariant) fail(fmt::format("a variant longer than {} bytes", limits::kVariant));
        if (describe_) quote_variant_value(variants_[nvariants_], list_value_at_);
      } else if (describe_ && variants_[nvariants_].size() == list_value_at_) {
        quote_variant_value(variants_[nvariants_], list_value_at_);  // ["", ""]: one empty value
      }
      ++nvariants_;
      break;
    case Ctx::target:
      // Spack reads a dict target by its name (Target.from_dict_or_value).
      if (!target_named_) fail("a target object without a 'name'");
      break;
    case Ctx::spec:
      // Its bytes, '{' to '}', when they are all still in the buffer (nearly
      // every spec: a buffer holds hundreds): end_record() keeps them once the
      // record has passed every check.
      if (checked_) {
        const std::uint64_t length = in_.Tell() - spec_at_;
        if (const char* p = in_.buffered_at(spec_at_); p && length <= 0xFFFFFFFFu) {
          spec_fingerprint_ = checked_->fingerprint(p, length);
          spec_length_ = static_cast<std::uint32_t>(length);
          spec_whole_ = true;
        }
      }
      break;
    case Ctx::database:
      break;
    default:
      break;
  }
  at_bracket_ = false;
  --depth_;
  after_value();
  return true;
}

void IndexSax::set_version(Kind kind, std::string_view text) {
  if (kind != Kind::string && kind != Kind::number) fail("'version' must be a string or a number");
  int v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size())
    fail(fmt::format("database version '{}' is not a number", shown_key(text)));
  if (v < kMinVersion || v > kMaxVersion)
    fail(fmt::format("database version {} is not supported (cachedb reads {} to {})", v, kMinVersion, kMaxVersion));
  version_ = v;
}

bool IndexSax::scalar(Kind kind, std::string_view text, bool b) {
  in_.mark_token();
  if (depth_ == 0) fail("the index is not a JSON object");
  Frame& f = top();
  const std::string_view k = f.key;
  // RapidJSON does not check the encoding (that would cost a fifth of the time):
  // every string handed out is checked here instead, strings skipped need not be.
  // Text handed out is held to the limits pages are held to (parsing/text_limits.h).
  auto check_text = [&](std::size_t max) {
    if (kind != Kind::string) return;
    if (auto problem = text_problem(text, max)) fail(fmt::format("the string {}", *problem));
  };
  auto check_string = [&](std::size_t max) {
    if (kind != Kind::string) fail(fmt::format("'{}' must be a string", k));
    check_text(max);
  };
  auto need_string = [&](std::string& out, std::size_t max = limits::kName) {
    check_string(max);
    out.assign(text);
  };
  // A field only the description holds: checked on every record, kept for described ones.
  auto describe_string = [&](std::string& out) {
    check_string(limits::kName);
    if (describe_) out.assign(text);
  };
  switch (f.ctx) {
    case Ctx::database:
      if (equals_literal(k, "version")) set_version(kind, text);
      else if (equals_literal(k, "installs")) fail("'installs' must be an object");
      break;
    case Ctx::installs:
      fail("an install must be an object");
    case Ctx::record:
      if (equals_literal(k, "in_buildcache")) {
        if (kind != Kind::boolean) fail("'in_buildcache' must be true or false");
        in_buildcache_ = b;
      } else if (equals_literal(k, "spec")) {
        fail("'spec' must be an object");
      }
      break;
    case Ctx::spec:
      // What must be an object or a list, given as a value (null: absent, as a v6 node's dependencies).
      if (kind != Kind::null && (equals_literal(k, "arch") || equals_literal(k, "parameters")))
        fail(fmt::format("'{}' must be an object", k));
      if (kind != Kind::null && equals_literal(k, "dependencies")) fail("'dependencies' must be a list");
      if (equals_literal(k, "name")) need_string(name_);
      else if (equals_literal(k, "version")) {
        if (kind != Kind::string && kind != Kind::number) fail("'version' must be a string");
        check_text(limits::kName);
        pkg_version_.assign(text);
      } else if (equals_literal(k, "compiler") && kind == Kind::string) {
        // Some old nodes write the compiler as one string.
        check_text(limits::kName);
        has_compiler_dict_ = true;
        Compiler c;
        try {
          c = parse_compiler(text);
        } catch (const ParseError& e) {
          fail(e.what());
        }
        compiler_name_ = c.name;
        compiler_version_ = c.version;
      }
      break;
    case Ctx::arch:
      if (equals_literal(k, "platform")) describe_string(platform_);
      else if (equals_literal(k, "platform_os")) describe_string(os_);
      else if (equals_literal(k, "target")) describe_string(target_);
      break;
    case Ctx::target:
      if (equals_literal(k, "name")) {
        describe_string(target_);
        target_named_ = true;
      }
      break;
    case Ctx::compiler:
      if (equals_literal(k, "name")) need_string(compiler_name_);
      else if (equals_literal(k, "version") && (kind == Kind::string || kind == Kind::number)) {
        check_text(limits::kName);
        compiler_version_.assign(text);
      }
      break;
    case Ctx::annotations:
      if (equals_literal(k, "compiler")) need_string(annotated_compiler_);
      break;
    case Ctx::parameters:
      if (is_compiler_flag(k)) break;
      check_parameter_name(k);
      if (kind == Kind::null) {
        // No variant, as an empty list (close()).
        if (nvariants_ == kMaxVariants) fail(fmt::format("more than {} variants", kMaxVariants));
        if (describe_) {
          if (nvariants_ == variants_.size()) variants_.emplace_back();
          variants_[nvariants_].assign(k);
          mark_no_variant(variants_[nvariants_]);
        }
        ++nvariants_;
        break;
      }
      check_text(limits::kVariant);
      // "k=v" as written, quotes counted, as a list's "k:=a,b" is (the text as given).
      if (kind == Kind::string && k.size() + 3 + text.size() > limits::kVariant &&
          k.size() + 1 + text.size() + (needs_quotes(text) ? 2 : 0) > limits::kVariant)
        fail(fmt::format("a variant longer than {} bytes", limits::kVariant));
      if (nvariants_ == kMaxVariants) fail(fmt::format("more than {} variants", kMaxVariants));
      if (describe_) {
        if (nvariants_ == variants_.size()) variants_.emplace_back();
        if (kind == Kind::boolean) {
          variants_[nvariants_] = bool_variant(k, b);
        } else if (kind == Kind::string && (iequals_ascii(text, "true") || iequals_ascii(text, "false"))) {
          // Spack takes a value that reads true or false, in any case, for a boolean variant.
          variants_[nvariants_] = bool_variant(k, iequals_ascii(text, "true"));
        } else {
          std::string& t = variants_[nvariants_];
          t.assign(k);
          t += '=';
          t += printed_value(k, text);
          quote_variant_value(t, k.size() + 1);
        }
      }
      ++nvariants_;
      break;
    case Ctx::param_list: {
      if (kind == Kind::null) break;
      check_text(limits::kVariant);
      const std::string_view given = kind == Kind::boolean ? (b ? "true" : "false") : text;
      const std::string_view value = printed_value(list_is_patches_ ? "patches" : "", given);
      // The limit holds to the length the text has, built or not.
      list_bytes_ += value.size() + (list_first_ ? 0 : 1);
      list_quoted_ = list_quoted_ || (!value.empty() && needs_quotes(value));
      if (describe_) {
        // A patch whole (a sha256's 64 characters at most) until the list
        // ends: two that share their first 7 are two patches (close()).
        const std::string_view kept = list_is_patches_ ? given.substr(0, 64) : value;
        std::string& t = variants_[nvariants_];
        if (!list_first_) {
          if (list_in_order_ && !(std::string_view(t).substr(list_at_.back()) < kept)) list_in_order_ = false;
          t += ',';
        }
        list_at_.push_back(t.size());
        t += kept;
      }
      list_first_ = false;
      if (list_bytes_ > limits::kVariant) fail(fmt::format("a variant longer than {} bytes", limits::kVariant));
      break;
    }
    case Ctx::dependencies:
      fail("a dependency must be an object");
    case Ctx::dependency: {
      DepBuf& d = deps_[ndeps_];
      if (equals_literal(k, "parameters") && kind != Kind::null) fail("a dependency's 'parameters' must be an object");
      if (equals_literal(k, "hash")) need_string(d.hash, limits::kHash);
      else if (equals_literal(k, "_hash") && d.hash.empty()) need_string(d.hash, limits::kHash);
      else if (equals_literal(k, "name")) need_string(d.name);
      else if (equals_literal(k, "type") && kind == Kind::string) {
        check_text(limits::kName);
        append_item(d.deptypes, text);
      }
      break;
    }
    case Ctx::dep_parameters:
      if (kind != Kind::null && (equals_literal(k, "deptypes") || equals_literal(k, "virtuals")))
        fail(fmt::format("'{}' must be a list", k));
      break;
    case Ctx::deptypes:
      if (kind != Kind::string) fail("a deptype must be a string");
      check_text(limits::kName);
      append_item(deps_[ndeps_].deptypes, text);
      if (deps_[ndeps_].deptypes.size() > limits::kVariant) fail("too many deptypes");
      break;
    case Ctx::virtuals:
      if (kind != Kind::string) fail("a virtual must be a string");
      check_text(limits::kName);
      append_item(deps_[ndeps_].virtuals, text);
      if (deps_[ndeps_].virtuals.size() > limits::kVariant) fail("too many virtuals");
      break;
    case Ctx::provided_virtuals:
      if (kind == Kind::string && is_compiler_virtual(text)) provides_compiler_ = true;
      break;
    default:
      break;
  }
  after_value();
  return true;
}

void IndexSax::begin_record() {
  // Keys are only compared, but for the two kinds handed out: the installs key
  // (the hash) and a parameter's name (a variant's).
  if (!is_valid_utf8(top().key)) fail("a key that is not UTF-8");
  if (auto problem = text_problem(top().key, limits::kHash)) fail(fmt::format("the hash {}", *problem));
  if (top().key.empty()) fail("an install whose key (its hash) is empty");
  hash_.assign(top().key.view());
  describe_ = handler_.wants_description(hash_);
  name_.clear();
  pkg_version_.clear();
  compiler_name_.clear();
  compiler_version_.clear();
  annotated_compiler_.clear();
  os_.clear();
  platform_.clear();
  target_.clear();
  has_spec_ = has_compiler_dict_ = provides_compiler_ = false;
  spec_whole_ = skipped_compiler_given_ = false;
  provider_ = -1;
  in_buildcache_ = true;
  nvariants_ = 0;
  ndeps_ = 0;
}

// A variant's name as Spack's syntax can write it: a record's variants are
// told apart by it (a name given twice, variant_text.h), and a name that is
// empty, holds '=', starts with '+' or '~' or ends with ':' would read back as
// another one.
void IndexSax::check_parameter_name(std::string_view k) {
  if (k.empty()) fail("a parameter without a name");
  if (!is_valid_utf8(k)) fail("a key that is not UTF-8");
  // Keys are not checked as values are: a NUL (\u0000) would be stored in the variant.
  if (auto problem = text_problem(k, limits::kVariant)) fail(fmt::format("a parameter name that {}", *problem));
  if (k.find('=') != std::string_view::npos || k.front() == '+' || k.front() == '~' || k.back() == ':')
    fail("a variant name cannot hold '=', start with '+' or '~', or end with ':'");  // the path names it
}

// Spack keeps a multi-valued variant's values as a sorted set (variant.py:
// `tuple(sorted(set(values)))`), so `["fortran", "c", "c"]` is `k:=c,fortran`
// there; Spack writes them so, but a hand-made index may not. Patches are
// sorted and made one by their whole sha256, then cut to the 7 characters
// Spack prints of each: two that share those are both printed, as Spack does.
void IndexSax::sort_list_values(std::string& text) {
  std::vector<std::string> values;
  values.reserve(list_at_.size());
  for (std::size_t i = 0; i < list_at_.size(); ++i) {
    const std::size_t end = i + 1 < list_at_.size() ? list_at_[i + 1] - 1 : text.size();
    values.emplace_back(text, list_at_[i], end - list_at_[i]);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  text.resize(list_value_at_);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) text += ',';
    text += printed_value(list_is_patches_ ? "patches" : "", values[i]);
  }
}

void IndexSax::merge_repeated_edges() {
  // Repeats are rare: a record's few edges are compared pairwise first, which
  // costs less than the sort below (std::stable_sort allocates its buffer).
  if (ndeps_ <= 32) {
    bool repeated = false;
    for (std::size_t i = 1; i < ndeps_ && !repeated; ++i)
      for (std::size_t j = 0; j < i && !repeated; ++j) repeated = deps_[i].hash == deps_[j].hash;
    if (!repeated) return;
  }
  order_.resize(ndeps_);
  for (std::size_t i = 0; i < ndeps_; ++i) order_[i] = i;
  std::stable_sort(order_.begin(), order_.end(),
                   [&](std::size_t a, std::size_t b) { return deps_[a].hash < deps_[b].hash; });
  bool merged = false;
  for (std::size_t i = 1; i < ndeps_; ++i) {
    DepBuf& first = deps_[order_[i - 1]];
    DepBuf& again = deps_[order_[i]];
    if (again.hash != first.hash) continue;
    for (auto [from, to] : {std::pair{&again.deptypes, &first.deptypes}, std::pair{&again.virtuals, &first.virtuals}}) {
      std::string_view rest = *from;
      while (!rest.empty()) {
        const std::size_t c = std::min(rest.find(','), rest.size());
        append_item(*to, rest.substr(0, c));
        rest.remove_prefix(std::min(c + 1, rest.size()));
      }
    }
    // `again` is dropped; the next repeat merges into the same first edge.
    order_[i] = order_[i - 1];
    again.hash.clear();
    merged = true;
  }
  if (!merged) return;
  std::size_t out = 0;
  for (std::size_t i = 0; i < ndeps_; ++i)
    if (!deps_[i].hash.empty()) {
      if (out != i) std::swap(deps_[out], deps_[i]);
      ++out;
    }
  ndeps_ = out;
}

void IndexSax::end_dependency() {
  DepBuf& d = deps_[ndeps_];
  if (d.hash.empty()) fail("a dependency without a 'hash'");
  ++ndeps_;
}

// The compiler rules, in order: the node's own `compiler` (v6, v7); the
// `annotations.compiler` of nodes converted from older spec files; the direct
// build dependency providing c (else cxx, else fortran); else none.
std::string_view IndexSax::resolve_compiler(std::string_view& compiler_hash, bool& by_dependency) {
  const DepBuf* provider = nullptr;
  for (std::string_view lang : {"c", "cxx", "fortran"}) {
    for (std::size_t i = 0; i < ndeps_ && !provider; ++i)
      if (list_has(deps_[i].deptypes, "build") && list_has(deps_[i].virtuals, lang)) provider = &deps_[i];
    if (provider) break;
  }
  if (provider) {
    provider_ = provider - deps_.data();
    compiler_hash = provider->hash;
    // Learned compiler packages are bounded by the compiler nodes' cap below.
    if (!provider->name.empty() && compiler_packages_.size() < kMaxCompilerNodes)
      compiler_packages_.insert(provider->name);
  }
  if (skipped_compiler_given_) return {};  // an undescribed record's: its text is not handed out
  if (has_compiler_dict_ && !compiler_name_.empty()) {
    compiler_text_ = compiler_version_.empty() ? compiler_name_ : compiler_name_ + "@" + compiler_version_;
    return compiler_text_;
  }
  if (!annotated_compiler_.empty()) {
    try {
      compiler_text_ = parse_compiler(annotated_compiler_).label();
    } catch (const ParseError& e) {
      fail(fmt::format("annotations.compiler: {}", e.what()));
    }
    return compiler_text_;
  }
  if (!provider) return "none";
  by_dependency = true;
  if (auto it = compiler_labels_.find(provider->hash); it != compiler_labels_.end()) return it->second;
  if (pending_.size() == kMaxCompilerNodes) fail(fmt::format("more than {} compiler nodes", kMaxCompilerNodes));
  if (pending_.emplace(provider->hash, provider->name).second) pending_order_.push_back(provider->hash);
  return {};
}

void IndexSax::end_record() {
  if (!has_spec_) fail("an install without a 'spec'");
  if (name_.empty()) fail("a spec without a 'name'");

  // One edge per dependency hash: repeated edges are merged into the first,
  // and the edges keep the index's order.
  if (ndeps_ > 1) merge_repeated_edges();

  // Resolved for an undescribed record too: it checks annotations.compiler,
  // and what it learns (compiler packages, compiler nodes awaited) decides
  // the compilers of the records after it and the late compilers.
  std::string_view compiler_hash;
  bool by_dependency = false;
  const std::string_view compiler = resolve_compiler(compiler_hash, by_dependency);

  IndexRecord r;
  r.hash = hash_;
  r.in_buildcache = in_buildcache_;
  r.described = describe_;
  if (describe_) {
    // By name, a name's parameters in their order. A record has a few: sorted
    // in place, where std::stable_sort takes a buffer from the heap each time.
    const auto by_name = [](const std::string& a, const std::string& b) { return variant_name(a) < variant_name(b); };
    if (nvariants_ <= 32) {
      for (std::size_t i = 1; i < nvariants_; ++i)
        for (std::size_t j = i; j > 0 && by_name(variants_[j], variants_[j - 1]); --j)
          std::swap(variants_[j], variants_[j - 1]);
    } else {
      std::stable_sort(variants_.begin(), variants_.begin() + static_cast<std::ptrdiff_t>(nvariants_), by_name);
    }
    // A parameter named twice: the last is the node's, as for Python's json
    // (and so Spack); a null or an empty list, last, leaves none.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < nvariants_; ++i) {
      if (i + 1 < nvariants_ && variant_name(variants_[i]) == variant_name(variants_[i + 1])) continue;
      if (is_no_variant(variants_[i])) continue;
      if (kept != i) std::swap(variants_[kept], variants_[i]);
      ++kept;
    }
    nvariants_ = kept;
    dep_views_.clear();
    for (std::size_t i = 0; i < ndeps_; ++i)
      dep_views_.push_back({deps_[i].hash, deps_[i].name, deps_[i].deptypes, deps_[i].virtuals});
    r.package = name_;
    r.version = pkg_version_;
    r.compiler = compiler;
    r.compiler_hash = compiler_hash;
    r.compiler_by_dependency = by_dependency;
    r.os = os_;
    r.platform = platform_;
    r.target = target_;
    r.variants = {variants_.data(), nvariants_};
    r.dependencies = dep_views_;
  }
  handler_.record(r);
  ++records_;

  // Remember this node when it is (or may be) a compiler.
  const bool referenced = pending_.count(hash_) > 0;
  if (referenced || provides_compiler_ || compiler_packages_.count(name_)) {
    if (compiler_labels_.size() == kMaxCompilerNodes)
      fail(fmt::format("more than {} compiler nodes", kMaxCompilerNodes));
    std::string label = pkg_version_.empty() ? name_ : name_ + "@" + pkg_version_;
    compiler_labels_[hash_] = std::move(label);
  }

  // The record passed every check: its spec may be taken as read when its
  // bytes come again (skip_value()).
  if (spec_whole_) {
    CheckedSpecs::Spec& k = known_;
    k.fingerprint = spec_fingerprint_;
    k.length = spec_length_;
    k.compiler_given = (has_compiler_dict_ && !compiler_name_.empty()) || !annotated_compiler_.empty();
    k.provides_compiler = provides_compiler_;
    k.has_provider = provider_ >= 0;
    k.name = name_;
    k.version = pkg_version_;
    k.provider_hash.assign(k.has_provider ? std::string_view(deps_[provider_].hash) : std::string_view());
    k.provider_name.assign(k.has_provider ? std::string_view(deps_[provider_].name) : std::string_view());
    checked_->remember(hash_, k);
  }
}

// A record already known to the handler (so not described) whose spec value
// is, byte for byte, one read and checked before: the value is passed over,
// and the record is left as reading it would have left it for what follows
// (end_record(), the records after it): its package and version, whether the
// node names its compiler or provides one, and its compiler edge, the one
// edge resolve_compiler() looks at. Anything else (another hash, other bytes,
// a spec that runs past the buffer) is read as ever.
bool IndexSax::skip_value(DecodedStream& is) {
  if (!checked_ || describe_ || has_spec_ || depth_ == 0) return false;
  const Frame& f = top();
  if (f.ctx != Ctx::record || !equals_literal(f.key, "spec") || is.Peek() != '{') return false;
  if (!checked_->find(hash_, known_)) return false;
  const char* p = is.buffered_begin();
  if (static_cast<std::size_t>(is.buffered_end() - p) < known_.length) return false;
  if (checked_->fingerprint(p, known_.length) != known_.fingerprint) return false;
  is.skip_buffered(known_.length);
  in_.mark_token();
  ++skipped_;
  has_spec_ = true;
  name_ = known_.name;
  pkg_version_ = known_.version;
  provides_compiler_ = known_.provides_compiler;
  skipped_compiler_given_ = known_.compiler_given;
  ndeps_ = 0;
  if (known_.has_provider) {
    if (deps_.empty()) deps_.emplace_back();
    DepBuf& d = deps_[0];
    d.hash = known_.provider_hash;
    d.name = known_.provider_name;
    d.deptypes = "build";
    d.virtuals = "c";  // the language it provided does not matter: it was the one found
    ndeps_ = 1;
  }
  after_value();
  return true;
}

void IndexSax::finish() {
  if (!saw_database_) fail("no 'database' object");
  if (version_ == 0) fail("no 'database.version'");
  if (!saw_installs_) fail("no 'database.installs'");
  DocumentSummary s;
  s.database_version = version_;
  s.records = records_;
  s.specs_checked_before = skipped_;
  s.json_bytes = in_.Tell();
  s.raw_bytes = in_.raw_bytes();
  s.compression = compression_name(in_.compression());
  for (const std::string& h : pending_order_) {
    auto it = compiler_labels_.find(h);
    const bool seen = it != compiler_labels_.end();
    s.late_compilers.push_back({h, seen ? it->second : pending_[h], seen});
  }
  handler_.document_done(s);
}

constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag;

}  // namespace
}  // namespace cachedb::spack_index

namespace rapidjson {

// RapidJSON copies every string into its own stack before handing it to the
// handler (from any stream but a writable in-memory one). A string with no
// escape whose closing quote is in the stream's buffer (nearly every string of
// an index) is handed to the index reader where it lies instead: copying them
// was a twentieth of the reading. Any other string goes RapidJSON's way,
// as before, so that what is accepted and where an error is found do not change.
template <>
template <>
inline void IndexReaderBase::ParseString<cachedb::spack_index::kParseFlags, cachedb::spack_index::DecodedStream,
                                         cachedb::spack_index::IndexSax>(cachedb::spack_index::DecodedStream& s,
                                                                         cachedb::spack_index::IndexSax& handler,
                                                                         bool isKey) {
  RAPIDJSON_ASSERT(s.Peek() == '\"');
  s.Take();  // the opening quote
  bool success;
  const char* p = s.buffered_begin();
  const std::size_t n = cachedb::spack_index::plain_run(p, s.buffered_end());
  if (p + n != s.buffered_end() && p[n] == '"' && n <= 0xFFFFFFFFu) {
    s.skip_buffered(n + 1);
    const auto length = static_cast<SizeType>(n);
    success = isKey ? handler.Key(p, length, false) : handler.String(p, length, false);
  } else {
    StackStream<char> stackStream(stack_);
    ParseStringToStream<cachedb::spack_index::kParseFlags, UTF8<char>, UTF8<char>>(s, stackStream);
    RAPIDJSON_PARSE_ERROR_EARLY_RETURN_VOID;
    const SizeType length = static_cast<SizeType>(stackStream.Length()) - 1;
    const char* const str = stackStream.Pop();
    success = isKey ? handler.Key(str, length, true) : handler.String(str, length, true);
  }
  if (RAPIDJSON_UNLIKELY(!success)) RAPIDJSON_PARSE_ERROR(kParseErrorTermination, s.Tell());
}

// RapidJSON's object parsing, for the index reader's one set of flags (no
// comments, no trailing commas), with one step added: once a member's key and
// colon are read, the handler may take the value itself (IndexSax::skip_value,
// a spec checked before). Every other step, what is accepted, and each
// error's code and offset are RapidJSON's own.
template <>
template <>
inline void IndexReaderBase::ParseObject<cachedb::spack_index::kParseFlags, cachedb::spack_index::DecodedStream,
                                         cachedb::spack_index::IndexSax>(cachedb::spack_index::DecodedStream& is,
                                                                         cachedb::spack_index::IndexSax& handler) {
  constexpr unsigned flags = cachedb::spack_index::kParseFlags;
  static_assert(!(flags & (kParseCommentsFlag | kParseTrailingCommasFlag)), "the reader's flags changed");
  RAPIDJSON_ASSERT(is.Peek() == '{');
  is.Take();
  if (RAPIDJSON_UNLIKELY(!handler.StartObject())) RAPIDJSON_PARSE_ERROR(kParseErrorTermination, is.Tell());
  SkipWhitespaceAndComments<flags>(is);
  RAPIDJSON_PARSE_ERROR_EARLY_RETURN_VOID;
  if (Consume(is, '}')) {
    if (RAPIDJSON_UNLIKELY(!handler.EndObject(0))) RAPIDJSON_PARSE_ERROR(kParseErrorTermination, is.Tell());
    return;
  }
  for (SizeType members = 0;;) {
    if (RAPIDJSON_UNLIKELY(is.Peek() != '"')) RAPIDJSON_PARSE_ERROR(kParseErrorObjectMissName, is.Tell());
    ParseString<flags>(is, handler, true);
    RAPIDJSON_PARSE_ERROR_EARLY_RETURN_VOID;
    SkipWhitespaceAndComments<flags>(is);
    RAPIDJSON_PARSE_ERROR_EARLY_RETURN_VOID;
    if (RAPIDJSON_UNLIKELY(!Consume(is, ':'))) RAPIDJSON_PARSE_ERROR(kParseErrorObjectMissColon, is.Tell());
    SkipWhitespaceAndComments<flags>(is);
    RAPIDJSON_PARSE_ERROR_EARLY_RETURN_VOID;
    if (!handler.skip_value(is)) {
      ParseValue<flags>(is, handler);
      RAPIDJSON_PARSE_ERROR_EARLY_RETURN_VOID;
    }
    SkipWhitespaceAndComments<flags>(is);
    RAPIDJSON_PARSE_ERROR_EARLY_RETURN_VOID;
    ++members;
    switch (is.Peek()) {
      case ',':
        is.Take();
        SkipWhitespaceAndComments<flags>(is);
        RAPIDJSON_PARSE_ERROR_EARLY_RETURN_VOID;
        break;
      case '}':
        is.Take();
        if (RAPIDJSON_UNLIKELY(!handler.EndObject(members))) RAPIDJSON_PARSE_ERROR(kParseErrorTermination, is.Tell());
        return;
      default:
        RAPIDJSON_PARSE_ERROR(kParseErrorObjectMissCommaOrCurlyBracket, is.Tell());
    }
  }
}

}  // namespace rapidjson

namespace cachedb::spack_index {

void read_index(ByteSource& source, IndexHandler& handler, CheckedSpecs* checked) {
  DecodedStream in(source);
  IndexSax sax(in, handler, checked);
  rapidjson::Reader reader;
  rapidjson::ParseResult ok;
  try {
    ok = reader.Parse<kParseFlags>(in, sax);
  } catch (const StreamError& e) {
    // A read or decompression error: name the place reached in the JSON. Any
    // other exception (the handler's own) goes through as it is.
    sax.fail(e.what());
  }
  if (!ok) {
    throw IndexParseError(ok.Offset(), sax.path(),
                          fmt::format("bad JSON: {}", rapidjson::GetParseError_En(ok.Code())));
  }
  // RapidJSON takes the '\0' its stream gives at the end for the end: a NUL
  // byte after the document would hide whatever follows it.
  if (!in.at_end())
    throw IndexParseError(in.Tell(), sax.path(),
                          fmt::format("bad JSON: {} (a NUL byte)",
                                      rapidjson::GetParseError_En(rapidjson::kParseErrorDocumentRootNotSingular)));
  sax.finish();
}

void read_index_file(const std::string& path, IndexHandler& handler) {
  auto source = open_source(path);
  try {
    read_index(*source, handler);
  } catch (const IndexParseError& e) {
    throw IndexParseError(e.offset(), e.path(), e.reason(), path);
  }
}

}  // namespace cachedb::spack_index
