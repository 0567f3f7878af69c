#include <stdexcept>
#include <string>

#include "storage/embedded_sql.h"

namespace cachedb {

std::string_view required_sql(std::string_view name) {
  if (auto text = find_embedded_sql(name)) return *text;
  throw std::logic_error("no SQL file " + std::string(name) + " was built in");
}

}  // namespace cachedb
