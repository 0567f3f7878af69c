#pragma once
// UTF-8 validity, for text read from files (names, JSON values) and for paths
// that must become TEXT in the database.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cachedb {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF).
bool is_valid_utf8(std::string_view text);
// The offset of the first byte that does not start a valid UTF-8 sequence, or
// nothing when all of `text` is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// The length of the control character starting at `text[at]` (C0, DEL, or a
// C1 control as UTF-8 writes it, U+0080..U+009F), else 0: what a message or
// a log line must not carry as it is, one line a message.
std::size_t control_at(std::string_view text, std::size_t at);

// `text` as the database may store it (TEXT must be UTF-8, but a file name,
// and a message naming one, is any bytes): each byte that does not belong to
// a valid sequence becomes U+FFFD. Logs still show the name as it is.
std::string storable_text(std::string_view text);
// U+FFFD, as storable_text writes it.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

}  // namespace cachedb
