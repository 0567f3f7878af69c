#include "report/spec_list.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include "error.h"
#include "report/target_tree.h"
#include "report/version_constraint.h"
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

// list_version_ok(v) and list_compiler_version_ok(v) for the query: whether
// v satisfies the constraint given (none: every version does). Defined
// while the object lives, which the constraint must outlive.
class VersionTest {
 public:
  VersionTest(SQLite::Database& db, const char* name, const std::optional<VersionConstraint>& constraint)
      : db_(db), name_(name) {
    define(db, name, constraint);
  }
  ~VersionTest() { sqlite3_create_function_v2(db_.getHandle(), name_, 1, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr, nullptr); }
  VersionTest(const VersionTest&) = delete;
  VersionTest& operator=(const VersionTest&) = delete;

 private:
  static void define(SQLite::Database& db, const char* name, const std::optional<VersionConstraint>& constraint);
  SQLite::Database& db_;
  const char* name_;
};

void VersionTest::define(SQLite::Database& db, const char* name, const std::optional<VersionConstraint>& constraint) {
  auto test = [](sqlite3_context* ctx, int, sqlite3_value** argv) {
    const auto* c = static_cast<const std::optional<VersionConstraint>*>(sqlite3_user_data(ctx));
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    const std::string_view v = text ? std::string_view(text, static_cast<std::size_t>(sqlite3_value_bytes(argv[0])))
                                    : std::string_view();
    sqlite3_result_int(ctx, !*c || (text && (*c)->matches(v)) ? 1 : 0);
  };
  const int rc = sqlite3_create_function_v2(db.getHandle(), name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                            const_cast<std::optional<VersionConstraint>*>(&constraint), test,
                                            nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw Error(fmt::format("cannot define {}(): {}", name, sqlite3_errstr(rc)));
}

// Spack 1.0 made compilers packages, some under new names
// (lib/spack/spack/aliases.py); its %clang means llvm, so that a spec
// reads the same of a build from before 1.0 (compiler clang) and after it (a
// dependency on llvm). Each name stands for both here. (aliases.py spells
// the classic Intel compilers' package intel-oneapi-compiler-classic; the
// package builds are named by is intel-oneapi-compilers-classic.)
std::string_view compiler_alias(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
      {"clang", "llvm"}, {"oneapi", "intel-oneapi-compilers"}, {"rocmcc", "llvm-amdgpu"},
      {"intel", "intel-oneapi-compilers-classic"}, {"arm", "acfl"}};
  for (const auto& [legacy, package] : kPairs) {
    if (name == legacy) return package;
    if (name == package) return legacy;
  }
  return name;
}

}  // namespace

std::string spack_variants(std::vector<std::string> variants) {
  // Two of one name (a made-up page may give both +x and ~x) by their text:
  // the order they come in is the database's ids, which history decides.
  std::sort(variants.begin(), variants.end(), [](const std::string& a, const std::string& b) {
    if (is_boolean(a) != is_boolean(b)) return is_boolean(a);
    if (variant_name(a) != variant_name(b)) return variant_name(a) < variant_name(b);
    return a < b;
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
  // Defined for this query only: the constraints live as long as it runs.
  const std::optional<VersionConstraint> version =
      filter.version ? std::optional(VersionConstraint::parse(*filter.version)) : std::nullopt;
  const std::optional<VersionConstraint> compiler_version =
      filter.compiler_version ? std::optional(VersionConstraint::parse(*filter.compiler_version)) : std::nullopt;
  const VersionTest version_test(db, "list_version_ok", version);
  const VersionTest compiler_version_test(db, "list_compiler_version_ok", compiler_version);
  SQLite::Statement st(db, std::string(*sql));
  if (releases.empty()) st.bind(":releases");
  else st.bind(":releases", json_array(releases));
  bind_text(st, ":package", filter.package);
  bind_text(st, ":version", filter.version);
  bind_text(st, ":compiler", filter.compiler);
  if (filter.compiler) st.bind(":compiler_alias", std::string(compiler_alias(*filter.compiler)));
  else st.bind(":compiler_alias");
  bind_text(st, ":compiler_version", filter.compiler_version);
  bind_text(st, ":platform", filter.platform);
  bind_text(st, ":os", filter.os);
  if (filter.target) st.bind(":targets", json_array(targets_meant_by(TargetTree::spack(), "target", *filter.target)));
  else st.bind(":targets");
  bind_text(st, ":hash", filter.hash_prefix);
  st.bind(":variants", filter.variants_json());
  st.bind(":exact_variants", filter.exact_variants_json());

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
