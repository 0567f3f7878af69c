#include "report/spec_list.h"

#include <algorithm>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <SQLiteCpp/Statement.h>

#include "error.h"
#include "report/version_order.h"
#include "storage/embedded_sql.h"

namespace cachedb {
namespace {

bool is_boolean(std::string_view v) { return !v.empty() && (v[0] == '+' || v[0] == '~'); }

// '+pic' -> 'pic', '~~shared' -> 'shared', 'libs:=shared' -> 'libs'.
std::string_view variant_name(std::string_view v) {
  while (!v.empty() && (v[0] == '+' || v[0] == '~')) v.remove_prefix(1);
  const auto end = v.find_first_of(":=");
  return v.substr(0, end);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

template <typename T>
void bind_text(SQLite::Statement& st, const char* name, const std::optional<T>& value) {
  if (value) st.bind(name, *value);
  else st.bind(name);
}

std::string json_array(const std::vector<std::string>& list) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const auto& s : list) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

bool listed_before(const ListedSpec& a, const ListedSpec& b) {
  if (a.version != b.version) return version_label_less(a.version, b.version);
  if (a.compiler != b.compiler) return version_label_less(a.compiler, b.compiler);
  if (a.platform != b.platform) return a.platform < b.platform;
  if (a.os != b.os) return version_label_less(a.os, b.os);
  if (a.target != b.target) return a.target < b.target;
  return a.hash < b.hash;
}

}  // namespace

std::string spack_variants(std::vector<std::string> variants) {
  std::stable_sort(variants.begin(), variants.end(), [](const std::string& a, const std::string& b) {
    if (is_boolean(a) != is_boolean(b)) return is_boolean(a);
    return variant_name(a) < variant_name(b);
  });
  std::string out;
  for (const auto& v : variants) {
    if (!is_boolean(v)) out += ' ';
    out += v;
  }
  return out;
}

std::string spack_spec(const ListedSpec& s) {
  std::string out = s.package;
  if (!s.version.empty()) out += '@' + s.version;
  if (!s.compiler.empty() && s.compiler != "none") out += '%' + s.compiler;
  out += spack_variants(s.variants);
  out += fmt::format(" arch={}-{}-{}", s.platform, s.os, s.target);
  return out;
}

std::size_t list_specs(SQLite::Database& db, const SpecFilter& filter, const std::vector<std::string>& releases,
                       const std::function<void(const ListedSpec&)>& each) {
  const auto sql = find_embedded_sql("queries/list.sql");
  if (!sql) throw Error("queries/list.sql is not embedded");
  SQLite::Statement st(db, std::string(*sql));
  if (releases.empty()) st.bind(":releases");
  else st.bind(":releases", json_array(releases));
  bind_text(st, ":package", filter.package);
  bind_text(st, ":version", filter.version);
  bind_text(st, ":compiler", filter.compiler);
  bind_text(st, ":compiler_version", filter.compiler_version);
  bind_text(st, ":platform", filter.platform);
  bind_text(st, ":os", filter.os);
  bind_text(st, ":target", filter.target);
  bind_text(st, ":hash", filter.hash_prefix);
  st.bind(":variants", filter.variants_json());

  std::size_t count = 0;
  std::vector<ListedSpec> package;  // one package's specs, to order by version
  auto flush = [&] {
    std::sort(package.begin(), package.end(), listed_before);
    for (const auto& s : package) each(s);
    count += package.size();
    package.clear();
  };
  while (st.executeStep()) {
    ListedSpec s;
    s.hash = st.getColumn(0).getString();
    s.package = st.getColumn(1).getString();
    s.version = st.getColumn(2).getString();
    s.compiler = st.getColumn(3).getString();
    s.platform = st.getColumn(4).getString();
    s.os = st.getColumn(5).getString();
    s.target = st.getColumn(6).getString();
    s.variants = split(st.getColumn(7).getString(), '\x1f');
    s.releases = split(st.getColumn(8).getString(), '\x1f');
    std::sort(s.releases.begin(), s.releases.end(),
              [](const std::string& a, const std::string& b) { return version_label_less(a, b); });
    if (!package.empty() && package.front().package != s.package) flush();
    package.push_back(std::move(s));
  }
  flush();
  return count;
}

}  // namespace cachedb
