#pragma once
// The exceptions cachedb raises. Each carries enough context (file, line) for a
// one-line message an operator can act on; nothing deep inside calls exit().
#include <cstddef>
#include <stdexcept>
#include <string>

namespace cachedb {

// A failure that stops the whole command (database unusable, bad arguments...).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A page that cannot be read. `line` is 1-based, 0 when unknown.
class ParseError : public Error {
 public:
  ParseError(std::size_t line, const std::string& message)
      : Error(message), line_(line) {}
  std::size_t line() const { return line_; }

 private:
  std::size_t line_;
};

}  // namespace cachedb
