#include "util/out_of_resources.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace cachedb {

bool is_out_of_resources(int error) { return error == EMFILE || error == ENFILE || error == ENOMEM; }

OutOfResources::OutOfResources(const std::string& path, const std::string& why)
    : Error(fmt::format("{}: {} (out of file descriptors or memory: the run stopped rather than leave the rest "
                        "of its input out)",
                        path, why)) {}

void throw_file_error(const std::string& path, std::string_view what, int error) {
  const std::string why = fmt::format("{}: {}", what, std::strerror(error));
  if (is_out_of_resources(error)) throw OutOfResources(path, why);
  throw Error(fmt::format("{}: {}", path, why));
}

}  // namespace cachedb
