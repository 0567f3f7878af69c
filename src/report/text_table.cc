#include "report/text_table.h"

#include <algorithm>

namespace cachedb {
namespace {

// Display width, counting code points: labels may be UTF-8 and '·' is two bytes.
std::size_t width_of(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Appends `s` padded to `width` columns, in place (a large matrix has 100k+ cells).
void append_padded(std::string& out, std::string_view s, std::size_t width, bool right) {
  const std::size_t w = width_of(s), fill = width > w ? width - w : 0;
  if (right) out.append(fill, ' ');
  out.append(s);
  if (!right) out.append(fill, ' ');
}

}  // namespace

std::string render_aligned(const Grid& g, const TableStyle& style) {
  if (g.empty()) return {};
  std::vector<std::size_t> width(g.front().size(), 0);
  for (const auto& line : g)
    for (std::size_t i = 0; i < line.size() && i < width.size(); ++i) width[i] = std::max(width[i], width_of(line[i]));
  std::string out;
  for (std::size_t l = 0; l < g.size(); ++l) {
    const std::size_t line_start = out.size();
    for (std::size_t i = 0; i < g[l].size(); ++i) {
      if (i) out += "  ";
      const bool right = i < style.right_aligned.size() && style.right_aligned[i];
      if (style.dim_zeros && l > 0 && right && g[l][i] == "0") {
        out += "\x1b[2m";
        append_padded(out, "·", width[i], true);
        out += "\x1b[0m";
      } else {
        append_padded(out, g[l][i], width[i], right);
      }
    }
    while (out.size() > line_start && out.back() == ' ') out.pop_back();
    out += '\n';
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string render_csv(const Grid& g) {
  std::string out;
  for (const auto& line : g) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i) out += ',';
      out += csv_field(line[i]);
    }
    out += "\r\n";  // RFC 4180 line ends
  }
  return out;
}

std::string render_tsv(const Grid& g) {
  std::string out;
  for (const auto& line : g) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i) out += '\t';
      for (char c : line[i]) {
        switch (c) {
          case '\t': out += "\\t"; break;
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          case '\\': out += "\\\\"; break;
          default: out += c;
        }
      }
    }
    out += '\n';
  }
  return out;
}

std::string render_markdown(const Grid& g, const std::vector<bool>& right_aligned) {
  if (g.empty()) return {};
  auto cell = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '|') out += "\\|";
      else if (c == '\n' || c == '\r') out += ' ';
      else out += c;
    }
    return out;
  };
  std::string out;
  for (std::size_t l = 0; l < g.size(); ++l) {
    out += "|";
    for (const auto& v : g[l]) {
      out += ' ';
      out += cell(v);
      out += " |";
    }
    out += "\n";
    if (l == 0) {
      out += "|";
      for (std::size_t i = 0; i < g[0].size(); ++i)
        out += i < right_aligned.size() && right_aligned[i] ? " ---: |" : " --- |";
      out += "\n";
    }
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
