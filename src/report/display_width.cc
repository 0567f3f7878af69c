// How wide text is on a terminal, and text made safe to show there: the
// aligned table pads cells by the columns a terminal gives them, and never
// passes a control character through (a newline would break its row, an
// escape would reach the terminal).
#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "report/text_table.h"

namespace cachedb {
namespace {

struct Range {
  std::uint32_t first, last;
};

// Code points a terminal draws in no column: combining marks, zero-width
// spaces and joiners, variation selectors. The common blocks, not every mark
// of every script.
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0900, 0x0902},
    {0x093A, 0x093A}, {0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F},
    {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

// Code points a terminal draws two columns wide: East Asian Wide and
// Fullwidth (Unicode's EastAsianWidth W and F), and the emoji drawn so.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},
    {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},
    {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},
    {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF},
    {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251},
    {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

template <std::size_t N>
bool in(const Range (&ranges)[N], std::uint32_t cp) {
  const auto it = std::upper_bound(std::begin(ranges), std::end(ranges), cp,
                                   [](std::uint32_t c, const Range& r) { return c < r.first; });
  return it != std::begin(ranges) && cp <= (it - 1)->last;
}

// The code point at s[at] and its length in bytes; a byte that starts no
// well-formed sequence is taken alone, as itself.
std::uint32_t decode(std::string_view s, std::size_t at, std::size_t& length) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[at + i]); };
  const unsigned char c = b(0);
  std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || at + n > s.size()) n = 1;
  for (std::size_t i = 1; i < n; ++i)
    if ((b(i) & 0xC0) != 0x80) n = 1;
  length = n;
  if (n == 1) return c;
  std::uint32_t cp = c & (0x7F >> n);
  for (std::size_t i = 1; i < n; ++i) cp = (cp << 6) | (b(i) & 0x3F);
  return cp;
}

bool is_control(std::uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp < 0xA0); }

}  // namespace

std::size_t width_of(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t at = 0, n = 0; at < s.size(); at += n) {
    const unsigned char c = static_cast<unsigned char>(s[at]);
    if (c < 0x80) {  // ASCII: most cells, one column each
      n = 1;
      ++width;
      continue;
    }
    const std::uint32_t cp = decode(s, at, n);
    width += in(kZeroWidth, cp) ? 0 : in(kWide, cp) ? 2 : 1;
  }
  return width;
}

std::string_view shown_in_table(std::string_view s, std::string& scratch) {
  // ASCII text without control characters is shown as it is; anything else
  // is read code point by code point (a lone byte 0x80-0x9F is a C1 control
  // to a terminal not in UTF-8 mode, an overlong sequence can hide a newline).
  const auto plain = std::none_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c >= 0x7F;
  });
  if (plain) return s;
  scratch.clear();
  for (std::size_t at = 0, n = 0; at < s.size(); at += n) {
    const std::uint32_t cp = decode(s, at, n);
    if (!is_control(cp)) {
      scratch.append(s.substr(at, n));
      continue;
    }
    switch (cp) {
      case '\n': scratch += "\\n"; break;
      case '\r': scratch += "\\r"; break;
      case '\t': scratch += "\\t"; break;
      default: scratch += cp < 0x80 ? fmt::format("\\x{:02x}", cp) : fmt::format("\\u{:04x}", cp);
    }
  }
  return scratch;
}

}  // namespace cachedb
