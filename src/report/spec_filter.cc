#include "report/spec_filter.h"

#include <cctype>
#include <utility>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "error.h"
#include "report/version_constraint.h"

namespace cachedb {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }
// A name or a value runs until a space or the sigil of the next part.
bool ends_name(char c) { return is_space(c) || c == '@' || c == '%' || c == '+' || c == '~' || c == '^' || c == '/'; }
// A version runs until a space or a sigil; '-' and '.' are its own.
bool ends_version(char c) { return is_space(c) || c == '%' || c == '+' || c == '~' || c == '^' || c == '/' || c == '@'; }

class Parser {
 public:
  explicit Parser(std::string text) : s_(std::move(text)) {}

  SpecFilter parse() {
    bool last_was_compiler = false;
    while (skip_spaces()) {
      const std::size_t at = i_;
      const char c = s_[i_];
      if (c == '@') {
        ++i_;
        auto v = take(ends_version);
        if (v.empty()) fail(at, "expected a version after '@'");
        try {
          VersionConstraint::parse(v);
        } catch (const Error& e) {
          fail(at, e.what());
        }
        set(last_was_compiler ? f_.compiler_version : f_.version, v, at, last_was_compiler ? "compiler version" : "version");
        last_was_compiler = false;
        continue;
      }
      last_was_compiler = false;
      if (c == '%') {
        ++i_;
        auto name = take(ends_name);
        if (name.empty()) fail(at, "expected a compiler name after '%'");
        set(f_.compiler, name, at, "compiler");
        last_was_compiler = true;
      } else if (c == '+' || c == '~') {
        ++i_;
        if (i_ < s_.size() && s_[i_] == c) ++i_;  // ++x, ~~x: propagation says nothing about this spec
        auto name = take(ends_name);
        if (name.empty()) fail(at, fmt::format("expected a variant name after '{}'", c));
        f_.variants.emplace_back(name, c == '+' ? "true" : "false");
      } else if (c == '/') {
        ++i_;
        auto hash = take(ends_name);
        if (hash.empty()) fail(at, "expected a hash (or its first characters) after '/'");
        set(f_.hash_prefix, hash, at, "hash");
      } else if (c == '^') {
        fail(at, "dependencies (^...) cannot be asked for here: query the dependencies view instead "
                 "(cachedb schema; indexes list them, pages do not)");
      } else {
        auto word = take([](char ch) { return ends_name(ch) || ch == '='; });
        if (i_ < s_.size() && s_[i_] == '=') {
          ++i_;
          // k:=v, the exact set of values; k==v (propagated: nothing more about this spec).
          const bool exact = !word.empty() && word.back() == ':';
          if (exact) word.pop_back();
          else if (i_ < s_.size() && s_[i_] == '=') ++i_;
          key_value(at, word, value(), exact);
        } else {
          set(f_.package, word, at, "package");
        }
      }
    }
    return f_;
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    throw Error(fmt::format("'{}': at character {}: {}", s_, at + 1, what));
  }
  bool skip_spaces() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
    return i_ < s_.size();
  }
  template <typename End>
  std::string take(End end) {
    const std::size_t start = i_;
    while (i_ < s_.size() && !end(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  // A key's value as Spack reads it: up to the next space, or in quotes
  // ('a b', "it's"; inside them \' or \" is the quote itself) and then
  // followed by a space or the end. Quotes are syntax, never in a value.
  std::string value() {
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) {
      const std::size_t at = i_;
      std::string v = take(is_space);
      if (const auto q = v.find_first_of("'\""); q != std::string::npos)
        fail(at + q, "a quote inside a value: quote the whole value ('a b,c')");
      return v;
    }
    const std::size_t open = i_;
    const char quote = s_[i_++];
    std::string v;
    for (;; ++i_) {
      if (i_ >= s_.size()) fail(open, fmt::format("the quote {} is never closed", quote));
      if (s_[i_] == '\\' && i_ + 1 < s_.size() && s_[i_ + 1] == quote) {
        v += quote;
        ++i_;
      } else if (s_[i_] == quote) {
        ++i_;
        break;
      } else {
        v += s_[i_];
      }
    }
    if (i_ < s_.size() && !is_space(s_[i_])) fail(i_, "expected a space after the quoted value");
    quoted_ = true;  // k='' asks for the empty value, as Spack writes it
    return v;
  }
  void set(std::optional<std::string>& slot, const std::string& value, std::size_t at, const char* what) {
    if (slot && *slot != value) fail(at, fmt::format("a second {} ({} is already asked for)", what, *slot));
    slot = value;
  }
  void key_value(std::size_t at, const std::string& key, const std::string& value, bool exact) {
    const bool quoted = std::exchange(quoted_, false);
    if (key.empty()) fail(at, "expected a name before '='");
    if (value.empty() && !quoted) fail(at, fmt::format("expected a value after '{}{}='", key, exact ? ":" : ""));
    if (exact && (key == "arch" || key == "architecture" || key == "platform" || key == "os" || key == "target"))
      fail(at, fmt::format("'{}:=' is for variants: write {}=", key, key));
    if (key == "arch" || key == "architecture") {
      // platform-os-target; a target may hold '_' but not '-', an OS neither.
      const auto first = value.find('-'), second = value.find('-', first == std::string::npos ? first : first + 1);
      if (first == std::string::npos || second == std::string::npos || first == 0 || second == first + 1 ||
          second + 1 == value.size())
        fail(at, fmt::format("expected arch=PLATFORM-OS-TARGET, e.g. arch=linux-ubuntu22.04-x86_64_v3 (not '{}')", value));
      set(f_.platform, value.substr(0, first), at, "platform");
      set(f_.os, value.substr(first + 1, second - first - 1), at, "os");
      set(f_.target, value.substr(second + 1), at, "target");
    } else if (key == "platform") {
      set(f_.platform, value, at, "platform");
    } else if (key == "os") {
      set(f_.os, value, at, "os");
    } else if (key == "target") {
      set(f_.target, value, at, "target");
    } else {
      // A list-valued variant, cuda_arch=80,90: each value must be there;
      // cuda_arch:=80,90: and no other.
      std::vector<std::string> values;
      if (value.empty()) values.push_back(value);
      std::size_t start = 0;
      while (start <= value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        if (comma > start) values.push_back(value.substr(start, comma - start));
        start = comma + 1;
      }
      if (values.empty())
        fail(at, fmt::format("expected a value after '{}{}=' ('{}' names none)", key, exact ? ":" : "", value));
      // k=True, k=FALSE: a boolean, as Spack reads true and false in any case
      // (and as the index reader stores them): +k, ~k.
      if (values.size() == 1 && !quoted) {
        std::string lower = values.front();
        for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lower == "true" || lower == "false") values.front() = lower;
      }
      for (const auto& v : values) f_.variants.emplace_back(key, v);
      if (exact) f_.exact_variants.emplace_back(key, std::move(values));
    }
  }

  std::string s_;
  std::size_t i_ = 0;
  bool quoted_ = false;  // the value just taken was in quotes
  SpecFilter f_;
};

}  // namespace

std::string SpecFilter::variants_json() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const auto& [name, value] : variants) {
    w.StartArray();
    w.String(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    w.EndArray();
  }
  w.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string SpecFilter::exact_variants_json() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const auto& [name, values] : exact_variants) {
    w.StartArray();
    w.String(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartArray();
    for (const auto& v : values) w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
    w.EndArray();
  }
  w.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

SpecFilter parse_spec_filter(const std::vector<std::string>& words) {
  std::string joined;
  for (const auto& w : words) {
    if (!joined.empty()) joined += ' ';
    joined += w;
  }
  return Parser(joined).parse();
}

}  // namespace cachedb
