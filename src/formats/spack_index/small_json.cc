#include "formats/spack_index/small_json.h"

#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include "error.h"
#include "util/out_of_resources.h"

namespace cachedb::spack_index {

namespace fs = std::filesystem;

rapidjson::Document read_small_json(const fs::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    throw Error(fmt::format("{}: {}", path.string(), ec.message()));  // a link loop, a directory not searchable
  if (!fs::exists(status)) throw Error(fmt::format("{}: no such file", path.string()));
  if (!fs::is_regular_file(status)) throw Error(fmt::format("{}: not a regular file", path.string()));
  const auto size = fs::file_size(path, ec);
  if (ec) throw Error(fmt::format("{}: {}", path.string(), ec.message()));
  if (size > max_bytes) throw Error(fmt::format("{}: {} bytes, more than the {} a file of its kind may have", path.string(), size, max_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_file_error(path.string(), "cannot open", errno);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw Error(fmt::format("{}: cannot read", path.string()));
  rapidjson::Document doc;
  const std::string s = text.str();
  doc.Parse(s.data(), s.size());
  if (doc.HasParseError())
    throw Error(fmt::format("{}: byte {}: bad JSON: {}", path.string(), doc.GetErrorOffset(),
                            rapidjson::GetParseError_En(doc.GetParseError())));
  return doc;
}

}  // namespace cachedb::spack_index
