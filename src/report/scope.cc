#include "report/scope.h"

#include <algorithm>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "report/dimension.h"

namespace cachedb {

void Scope::add(std::string_view dim, std::string value) {
  auto& list = values[std::string(dimension(dim).name)];
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

void Scope::add_filter(std::string_view filter) {
  const auto eq = filter.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw Error(fmt::format("--filter '{}': expected DIMENSION=VALUE, e.g. os=rhel8", filter));
  add(filter.substr(0, eq), std::string(filter.substr(eq + 1)));
}

std::string Scope::json() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [dim, list] : values) {
    w.Key(dim.c_str(), static_cast<rapidjson::SizeType>(dim.size()));
    w.StartArray();
    for (const auto& v : list) w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

int warn_unmatched(SQLite::Database& db, const Scope& scope) {
  int unmatched = 0;
  for (const auto& [dim, list] : scope.values) {
    SQLite::Statement exists(db, std::string(dimension(dim).exists));
    for (const auto& v : list) {
      exists.reset();
      exists.bind(1, v);
      if (exists.executeStep()) continue;
      spdlog::warn("{} '{}' matches nothing in the database", dim, v);
      ++unmatched;
    }
  }
  return unmatched;
}

}  // namespace cachedb
