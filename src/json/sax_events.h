#pragma once
// RapidJSON's SAX events, narrowed to what a reader of records needs.
#include <cstdint>
#include <limits>
#include <string_view>

#include "json/in_place.h"

namespace cachedb::json {

// A JSON value as a SAX event shows it: a scalar, or the start of a container.
enum class Kind : unsigned char { Absent, Null, Bool, Int64, Number, String, Array, Object };

struct Scalar {
  Kind kind;
  std::int64_t number;    // Int64
  std::string_view text;  // String
};

// RapidJSON's SAX handler, turned into four calls of `Derived`: value(Scalar)
// for a scalar, start(is_object) and end() around a container, key(name).
// An integer is an Int64 when it fits one (as a DOM's IsInt64() is true for
// it); a larger one or a fraction is a Number.
template <typename Derived>
class Events {
 public:
  bool Null() { return scalar(Kind::Null); }
  bool Bool(bool) { return scalar(Kind::Bool); }
  bool Int(int i) { return scalar(Kind::Int64, i); }
  bool Uint(unsigned u) { return scalar(Kind::Int64, u); }
  bool Int64(std::int64_t i) { return scalar(Kind::Int64, i); }
  bool Uint64(std::uint64_t u) {
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return scalar(Kind::Number);
    return scalar(Kind::Int64, static_cast<std::int64_t>(u));
  }
  bool Double(double) { return scalar(Kind::Number); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return scalar(Kind::Number); }  // (not asked for)
  bool String(const char* s, rapidjson::SizeType n, bool) { return scalar(Kind::String, 0, {s, n}); }
  bool StartObject() {
    self().start(true);
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    self().key({s, n});
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    self().end();
    return true;
  }
  bool StartArray() {
    self().start(false);
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    self().end();
    return true;
  }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
  bool scalar(Kind kind, std::int64_t number = 0, std::string_view text = {}) {
    self().value(Scalar{kind, number, text});
    return true;
  }
};

}  // namespace cachedb::json
