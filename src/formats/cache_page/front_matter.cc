#include "formats/cache_page/front_matter.h"

#include "error.h"

namespace cachedb {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string_view trim(std::string_view s) {
  const auto ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

// 'key:' followed by a space or the end of the line, at column 0.
std::optional<std::size_t> key_length(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && is_key_char(line[i])) ++i;
  if (i == 0 || i >= line.size() || line[i] != ':') return std::nullopt;
  if (i + 1 < line.size() && line[i + 1] != ' ' && line[i + 1] != '\t' && line[i + 1] != '\r')
    return std::nullopt;
  return i;
}

bool is_fence(std::string_view line) { return trim(line) == "---"; }

}  // namespace

const FrontMatterField* FrontMatter::find(std::string_view key) const {
  for (const auto& f : fields)
    if (f.key == key) return &f;
  return nullptr;
}

std::optional<FrontMatter> split_front_matter(std::string_view text) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());

  std::size_t pos = 0, line_no = 0;
  auto next_line = [&]() -> std::optional<std::string_view> {
    if (pos >= text.size()) return std::nullopt;
    auto nl = text.find('\n', pos);
    auto end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    return line;
  };

  auto first = next_line();
  if (!first || !is_fence(*first)) return std::nullopt;

  FrontMatter fm;
  const char* value_begin = nullptr;  // of the field being read
  const char* value_end = nullptr;    // the end of its last line that is not blank or a comment
  bool value_started = false;         // a line of its value has been seen
  auto close_field = [&] {
    if (fm.fields.empty()) return;
    fm.fields.back().value = trim(std::string_view(value_begin, value_end - value_begin));
  };
  while (true) {
    auto line = next_line();
    if (!line) throw ParseError(line_no, "front matter opened on line 1 is never closed with '---'");
    if (is_fence(*line)) {
      close_field();
      return fm;
    }
    if (auto klen = key_length(*line)) {
      close_field();
      fm.fields.push_back({line->substr(0, *klen), {}, line_no});
      value_begin = line->data() + *klen + 1;
      value_end = line->data() + line->size();
      value_started = !trim(line->substr(*klen + 1)).empty();
      continue;
    }
    if (trim(*line).empty() || line->front() == '#') continue;
    // A line inside a value (indented, or a JSON continuation) belongs to the field above.
    if (fm.fields.empty()) throw ParseError(line_no, "expected 'key: value' in front matter");
    // A value may start on the line after its key ('title:' then '  zlib'); a
    // second line of it is where it runs on.
    if (value_started && !fm.fields.back().runs_on) fm.fields.back().runs_on = line_no;
    value_started = true;
    value_end = line->data() + line->size();
  }
}

std::string yaml_scalar(std::string_view raw) {
  raw = trim(raw);
  if (raw.size() >= 2 && raw.front() == '\'' && raw.back() == '\'') {
    std::string out;
    for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
      out += raw[i];
      if (raw[i] == '\'' && i + 2 < raw.size() && raw[i + 1] == '\'') ++i;  // '' is a quote
    }
    return out;
  }
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
    std::string out;
    for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
      char c = raw[i];
      if (c == '\\' && i + 2 < raw.size()) {
        char e = raw[++i];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          default: out += e; break;  // \" \\ \/ and the rest stand for themselves
        }
      } else {
        out += c;
      }
    }
    return out;
  }
  // A bare scalar may end with a comment.
  auto hash = raw.find(" #");
  return std::string(trim(raw.substr(0, hash)));
}

std::vector<std::string> yaml_flow_list(std::string_view raw) {
  raw = trim(raw);
  if (raw.size() < 2 || raw.front() != '[' || raw.back() != ']')
    throw ParseError(0, "expected a flow list like [package, develop]");
  raw = raw.substr(1, raw.size() - 2);
  std::vector<std::string> items;
  std::size_t start = 0;
  char quote = 0;
  for (std::size_t i = 0; i <= raw.size(); ++i) {
    if (i < raw.size() && quote) {
      if (raw[i] == quote) quote = 0;
      continue;
    }
    if (i < raw.size() && (raw[i] == '"' || raw[i] == '\'')) {
      quote = raw[i];
      continue;
    }
    if (i == raw.size() || raw[i] == ',') {
      auto item = trim(raw.substr(start, i - start));
      if (!item.empty() || i < raw.size()) items.push_back(yaml_scalar(item));
      start = i + 1;
    }
  }
  if (quote) throw ParseError(0, "unbalanced quote in flow list");
  return items;
}

}  // namespace cachedb
