#include "json/in_place.h"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include "error.h"
#include "util/utf8.h"

namespace cachedb::json {

std::size_t line_at(std::string_view value, std::size_t offset, std::size_t first_line) {
  std::size_t line = first_line;
  for (std::size_t i = 0; i < offset && i < value.size(); ++i)
    if (value[i] == '\n') ++line;
  return line;
}

void check_utf8(std::string_view key, std::string_view value, std::size_t first_line) {
  if (auto bad = first_invalid_utf8(value))
    throw ParseError(line_at(value, *bad, first_line), fmt::format("{}: invalid UTF-8 at offset {}", key, *bad));
}

void check_no_nul(std::string_view key, std::string_view value, std::size_t first_line) {
  const void* nul = value.empty() ? nullptr : std::memchr(value.data(), '\0', value.size());
  if (!nul) return;
  const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - value.data());
  throw ParseError(line_at(value, offset, first_line), fmt::format("{}: NUL byte at offset {}", key, offset));
}

void json_error(const rapidjson::ParseResult& r, std::string_view key, const OriginalLines& lines,
                std::string_view place) {
  const std::string where = place.empty() ? std::string() : fmt::format(", in {}", place);
  throw ParseError(lines.at(r.Offset()), fmt::format("{}: invalid JSON at offset {}{}: {}", key, r.Offset(), where,
                                                     rapidjson::GetParseError_En(r.Code())));
}

bool in_a_value(rapidjson::ParseErrorCode code) {
  switch (code) {
    case rapidjson::kParseErrorValueInvalid:
    case rapidjson::kParseErrorStringUnicodeEscapeInvalidHex:
    case rapidjson::kParseErrorStringUnicodeSurrogateInvalid:
    case rapidjson::kParseErrorStringEscapeInvalid:
    case rapidjson::kParseErrorStringMissQuotationMark:
    case rapidjson::kParseErrorStringInvalidEncoding:
    case rapidjson::kParseErrorNumberTooBig:
    case rapidjson::kParseErrorNumberMissFraction:
    case rapidjson::kParseErrorNumberMissExponent:
      return true;
    default:
      return false;
  }
}

}  // namespace cachedb::json
