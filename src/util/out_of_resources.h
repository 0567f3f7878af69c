#pragma once
// Running out of file descriptors or memory while walking the tree, or while
// reading an index, is the machine's failure, not the input's. A path that
// cannot be opened for that reason was never looked at, nor would the next
// one be: passing it over, as a path that cannot be read is passed over (or
// rejecting it, as a bad index is rejected), would let a nightly run report
// success on part of its input. The run stops instead, and fails with nothing
// changed.
#include <string>
#include <string_view>

#include "error.h"

namespace cachedb {

// EMFILE or ENFILE (no file descriptor left, for the process or the system)
// or ENOMEM.
bool is_out_of_resources(int error);

// The run could not go on at `path`: `why` says what failed ("cannot open:
// Too many open files").
class OutOfResources : public Error {
 public:
  OutOfResources(const std::string& path, const std::string& why);
  // Another resource, said whole ("cannot start a thread ...").
  explicit OutOfResources(const std::string& message) : Error(message) {}
};

// "PATH: WHAT: REASON" ("x.json: cannot open: Permission denied") for a file
// operation that failed with `error` (an errno): OutOfResources when it is one
// of those, else an Error, which rejects the one input.
[[noreturn]] void throw_file_error(const std::string& path, std::string_view what, int error);

}  // namespace cachedb
