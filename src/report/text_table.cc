#include "report/text_table.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace cachedb {

namespace {

// Writes into one string grown ahead of time: a large matrix has a million
// cells, and appending them one by one was most of the time it took to draw.
class Writer {
 public:
  explicit Writer(std::size_t expect) { out_.resize(expect); }
  // Room for `n` more bytes.
  char* room(std::size_t n) {
    if (used_ + n > out_.size()) out_.resize(std::max(out_.size() * 2, used_ + n));
    return out_.data() + used_;
  }
  void put(std::string_view s) {
    std::memcpy(room(s.size()), s.data(), s.size());
    used_ += s.size();
  }
  // `s`, `w` columns wide, padded with spaces to `width` columns.
  void padded(std::string_view s, std::size_t w, std::size_t width, bool right) {
    const std::size_t fill = width > w ? width - w : 0;
    char* at = room(fill + s.size());
    if (right) std::memset(at, ' ', fill), at += fill;
    std::memcpy(at, s.data(), s.size());
    if (!right) std::memset(at + s.size(), ' ', fill);
    used_ += fill + s.size();
  }
  std::size_t size() const { return used_; }
  // Drops trailing spaces back to `floor`.
  void trim_spaces(std::size_t floor) {
    while (used_ > floor && out_[used_ - 1] == ' ') --used_;
  }
  std::string take() {
    out_.resize(used_);
    return std::move(out_);
  }

 private:
  std::string out_;
  std::size_t used_ = 0;
};

}  // namespace

void append_csv_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(s);
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_tsv_field(std::string& out, std::string_view s) {
  if (s.find_first_of("\t\n\r\\") == std::string_view::npos) {
    out.append(s);
    return;
  }
  for (char c : s) {
    switch (c) {
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
}

void append_markdown_cell(std::string& out, std::string_view s) {
  auto word = [&](std::size_t i) {
    return i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || static_cast<unsigned char>(s[i]) >= 0x80);
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      // Markdown's syntax inside a cell: a column break, an HTML tag a
      // renderer would drop ('<none>'), an entity ('&lt;'), emphasis, a code
      // span, strikethrough (GitHub's '~x~': variants are written '~mpi'), a
      // link ('[x](y)'); and the escape itself.
      case '|':
      case '<':
      case '&':
      case '*':
      case '`':
      case '~':
      case '[':
      case ']':
      case '\\':
        out += '\\';
        out += c;
        break;
      // Emphasis too ('_x_', '__x__'), but only where a word begins or
      // ends: inside one GitHub never reads it so, and package names are
      // full of it ('py_foo' stays as it is).
      case '_':
        if (!(i > 0 && word(i - 1) && word(i + 1))) out += '\\';
        out += c;
        break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += c;
    }
  }
}

std::string render_aligned(const Table& t, const TableStyle& style) {
  const std::size_t lines = t.lines();
  if (lines == 0) return {};
  CellScratch scratch;
  std::vector<std::size_t> width(t.columns(0), 0);
  std::vector<std::size_t> unknown;  // the columns whose width takes a look at every cell
  for (std::size_t i = 0; i < width.size(); ++i)
    if ((width[i] = t.known_width(i)) == 0) unknown.push_back(i);
  std::string shown;  // a cell with control characters, escaped (shown_in_table)
  for (std::size_t l = 0; l < lines; ++l) {
    const std::size_t n = t.columns(l);
    for (auto i : unknown)
      if (i < n) width[i] = std::max(width[i], width_of(shown_in_table(t.cell(l, i, scratch), shown)));
  }
  std::size_t line_bytes = 1;
  for (auto w : width) line_bytes += w + 2;
  Writer out(lines * line_bytes);
  for (std::size_t l = 0; l < lines; ++l) {
    const std::size_t line_start = out.size();
    const std::size_t n = t.columns(l);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out.put("  ");
      const std::size_t w = i < width.size() ? width[i] : 0;
      const bool right = i < style.right_aligned.size() && style.right_aligned[i];
      const std::string_view s = shown_in_table(t.cell(l, i, scratch), shown);
      if (style.dim_zeros && l > 0 && right && s == "0") {
        out.put("\x1b[2m");
        out.padded("·", 1, w, true);
        out.put("\x1b[0m");
      } else {
        out.padded(s, width_of(s), w, right);
      }
    }
    out.trim_spaces(line_start);
    out.put("\n");
  }
  return out.take();
}

std::string csv_field(const std::string& s) {
  std::string out;
  append_csv_field(out, s);
  return out;
}

namespace {

// Every line of the table, its fields escaped by `field` and `separator` apart.
template <typename AppendField>
std::string render_delimited(const Table& t, char separator, std::string_view line_end, AppendField field) {
  CellScratch scratch;
  std::string out;
  for (std::size_t l = 0, lines = t.lines(); l < lines; ++l) {
    for (std::size_t i = 0, n = t.columns(l); i < n; ++i) {
      if (i) out += separator;
      field(out, t.cell(l, i, scratch));
    }
    out += line_end;
  }
  return out;
}

}  // namespace

std::string render_csv(const Table& t) {
  return render_delimited(t, ',', "\r\n", append_csv_field);  // RFC 4180 line ends
}

std::string render_tsv(const Table& t) { return render_delimited(t, '\t', "\n", append_tsv_field); }

void append_markdown_rule(std::string& out, std::size_t n, const std::vector<bool>& right_aligned) {
  out += "|";
  for (std::size_t i = 0; i < n; ++i) out += i < right_aligned.size() && right_aligned[i] ? " ---: |" : " --- |";
  out += "\n";
}

std::string render_markdown(const Table& t, const std::vector<bool>& right_aligned) {
  const std::size_t lines = t.lines();
  if (lines == 0) return {};
  CellScratch scratch;
  std::string out;
  for (std::size_t l = 0; l < lines; ++l) {
    append_markdown_line(out, t.columns(l), [&](std::size_t i) { return t.cell(l, i, scratch); });
    if (l == 0) append_markdown_rule(out, t.columns(0), right_aligned);
  }
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace cachedb
