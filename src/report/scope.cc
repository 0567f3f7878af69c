#include "report/scope.h"

#include <algorithm>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "report/dimension.h"
#include "report/nearest.h"
#include "report/target_tree.h"

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

namespace {

void write_lists(rapidjson::Writer<rapidjson::StringBuffer>& w,
                 const std::map<std::string, std::vector<std::string>>& values) {
  w.StartObject();
  for (const auto& [dim, list] : values) {
    w.Key(dim.c_str(), static_cast<rapidjson::SizeType>(dim.size()));
    w.StartArray();
    for (const auto& v : list) w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
  }
  w.EndObject();
}

// The target names a dimension's values mean, in the order given, each once.
std::vector<std::string> targets_meant(const std::vector<std::string>& values, std::string_view dim) {
  std::vector<std::string> out;
  for (const auto& v : values)
    for (auto& t : targets_meant_by(TargetTree::spack(), dim, v))
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
  return out;
}

}  // namespace

std::string Scope::json() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  write_lists(w, values);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string Scope::query_json() const {
  auto lists = values;
  const auto target = lists.find("target"), family = lists.find("family");
  if (target != lists.end() || family != lists.end()) {
    std::vector<std::string> names;
    if (target != lists.end()) names = targets_meant(target->second, "target");
    if (family != lists.end()) {
      auto members = targets_meant(family->second, "family");
      if (target != lists.end())
        std::erase_if(names, [&](const auto& n) { return std::find(members.begin(), members.end(), n) == members.end(); });
      else
        names = std::move(members);
      lists.erase("family");
    }
    // An empty list is a scope that holds nothing (not one without a target filter).
    lists["target"] = std::move(names);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  write_lists(w, lists);
  return {buffer.GetString(), buffer.GetSize()};
}

namespace {

// Every value of a dimension in the database: what a misspelt one may have meant.
std::vector<std::string> existing_values(SQLite::Database& db, const Dimension& d) {
  std::vector<std::string> out;
  SQLite::Statement st(db, std::string(d.names));
  while (st.executeStep()) out.push_back(st.getColumn(0).getString());
  if (d.name == "family")
    for (auto& v : out) v = TargetTree::spack().family(v);
  return out;
}

std::string unmatched_message(const std::string& dim, const std::string& value, const std::vector<std::string>& known) {
  const auto& tree = TargetTree::spack();
  const bool range = dim == "target" && value.size() > 1 && value.ends_with(':');
  const std::string name = range ? value.substr(0, value.size() - 1) : value;
  std::string message = fmt::format("{} '{}' matches nothing in the database", dim, value);
  if (range) message += fmt::format(" (neither {} nor any target descending from it)", name);
  if (dim == "family" && tree.known(name) && tree.family(name) != name)
    message += fmt::format(" ({} is a target of the {} family, not a family)", name, tree.family(name));
  const auto near = nearest(name, known);
  if (!near.empty()) {
    std::vector<std::string> quoted;
    for (const auto& n : near) quoted.push_back(fmt::format("'{}{}'", n, range ? ":" : ""));
    message += fmt::format("; did you mean {}?", fmt::join(quoted, " or "));
  }
  return message;
}

}  // namespace

int warn_unmatched(SQLite::Database& db, const Scope& scope) {
  int unmatched = 0;
  for (const auto& [dim, list] : scope.values) {
    const Dimension& d = dimension(dim);
    SQLite::Statement exists(db, std::string(d.exists));
    const auto found = [&](const std::string& v) {
      exists.reset();
      exists.bind(1, v);
      return exists.executeStep();
    };
    std::vector<std::string> known;  // read at the first value that matches nothing
    for (const auto& v : list) {
      // A target range or a family matches when any target it means is there.
      const auto meant = dim == "target" || dim == "family" ? targets_meant_by(TargetTree::spack(), dim, v)
                                                            : std::vector<std::string>{v};
      if (std::any_of(meant.begin(), meant.end(), found)) continue;
      if (known.empty()) known = existing_values(db, d);
      spdlog::warn("{}", unmatched_message(dim, v, known));
      ++unmatched;
    }
  }
  return unmatched;
}

}  // namespace cachedb
