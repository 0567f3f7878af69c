#pragma once
// Parsing a JSON value in place, inside the padded buffer its file was read
// into, as SAX events (json/sax_events.h): what every JSON format cachedb
// reads shares. A value's bytes are checked (UTF-8, no NUL) before it is
// parsed, and an error names the line the value had in the file, as it was
// before the parse rewrote it.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

// RapidJSON scans strings 16 bytes at a time with SSE2 (every x86-64 has it);
// see PaddedBuffer::kPadding for why that stays inside the buffer.
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2
#endif
// reader.h first: included through error/en.h, RapidJSON's headers are named
// rapidjson/error/../internal/..., which scripts/ubsan.supp does not match.
#include <rapidjson/reader.h>

namespace cachedb::json {

// Iterative parsing keeps deeply nested input from exhausting the stack; in-situ
// parsing lets the records point into the file's own bytes instead of copying
// each string. The JSON is read as SAX events, with no DOM: a record's members
// are gathered one object at a time.
// UTF-8 is checked before parsing, over the whole value at once (check_utf8):
// RapidJSON's own check, character by character, was a third of the parse and
// kept it from scanning strings with SIMD.
constexpr unsigned kInsituFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag;

// Line of byte `offset` inside a value that starts on `first_line`.
std::size_t line_at(std::string_view value, std::size_t offset, std::size_t first_line);

// Rejects a JSON value whose bytes are not all UTF-8 (ParseError, naming `key`).
// (Escapes are decoded by RapidJSON into valid UTF-8 or rejected; what they
// spell is checked per field.)
void check_utf8(std::string_view key, std::string_view value, std::size_t first_line);

// In-situ parsing stops at a NUL byte, which would silently drop what follows:
// rejects a value holding one (ParseError, naming `key`).
void check_no_nul(std::string_view key, std::string_view value, std::size_t first_line);

// The lines of a value as they were before the value was parsed in place: the
// parse decodes escaped strings where they stand, so '\n' in a string becomes a
// line break and the rest of the string moves up. Without a backslash nothing
// moves (each string's closing quote becomes a NUL, no more) and the parsed
// bytes still hold the original's line breaks; with one, the breaks are
// noted before the parse (a page's JSON is one line, or a few).
class OriginalLines {
 public:
  OriginalLines(std::string_view value, std::size_t first_line) : value_(value), first_line_(first_line) {
    if (value.empty() || !std::memchr(value.data(), '\\', value.size())) return;
    escaped_ = true;
    const char* const begin = value.data();
    const char* const end = begin + value.size();
    for (const char* p = begin; (p = static_cast<const char*>(std::memchr(p, '\n', end - p))); ++p)
      breaks_.push_back(static_cast<std::size_t>(p - begin));
  }

  // The original line of byte `offset` of the value.
  std::size_t at(std::size_t offset) const {
    if (!escaped_) return line_at(value_, offset, first_line_);
    return first_line_ + static_cast<std::size_t>(std::lower_bound(breaks_.begin(), breaks_.end(), offset) -
                                                  breaks_.begin());
  }

 private:
  std::string_view value_;
  std::size_t first_line_;
  bool escaped_ = false;
  std::vector<std::size_t> breaks_;
};

// Throws the ParseError for a failed parse of the value `key`; `place`, when
// not empty, says where inside it ("spec_details[3].size").
[[noreturn]] void json_error(const rapidjson::ParseResult& r, std::string_view key, const OriginalLines& lines,
                             std::string_view place = {});

// Whether a parse error is inside a value (a number, a string, a literal)
// rather than between values: only then is the member before it the place.
bool in_a_value(rapidjson::ParseErrorCode code);

// Parses the JSON `value`, which `at` points to in a PaddedBuffer, in place,
// feeding `handler`'s SAX events; throws ParseError for JSON that is not
// well-formed, naming the place when `handler` can say it (a
// json_place(ParseErrorCode) member). The byte after the value (the white space that ended it, or
// the buffer's padding) becomes its terminating NUL: nothing may be read from
// it afterwards.
template <typename Handler>
void parse_in_place(rapidjson::Reader& reader, char* at, std::string_view value, std::string_view key,
                    std::size_t first_line, Handler& handler) {
  const OriginalLines lines(value, first_line);
  // An empty value ('spec_details:' with nothing after it) has no data pointer.
  alignas(16) char empty[16] = {};
  if (value.empty()) at = empty;
  at[value.size()] = '\0';
  rapidjson::InsituStringStream stream(at);
  const rapidjson::ParseResult r = reader.Parse<kInsituFlags>(stream, handler);
  if (!r.IsError()) return;
  if constexpr (requires { handler.json_place(r.Code()); }) json_error(r, key, lines, handler.json_place(r.Code()));
  json_error(r, key, lines);
}

}  // namespace cachedb::json
