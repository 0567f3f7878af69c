#include "test_support.h"

#include <cstdlib>
#include <algorithm>
#include <iterator>
#include <regex>
#include <set>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <csignal>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace fs = std::filesystem;

namespace testing {

std::string dump_rows(SQLite::Database& db, std::initializer_list<const char*> queries) {
  std::string out;
  for (const char* sql : queries) {
    SQLite::Statement st(db, sql);
    while (st.executeStep()) out += st.getColumn(0).getString() + "\n";
    out += "--\n";
  }
  return out;
}

cpu_set_t allowed_cpus() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0)
    throw std::system_error(errno, std::generic_category(), "sched_getaffinity");
  return allowed;
}

int first_allowed_cpu() {
  const cpu_set_t allowed = allowed_cpus();
  int cpu = 0;
  while (!CPU_ISSET(cpu, &allowed)) ++cpu;
  return cpu;
}

bool run_on_one_cpu(const std::function<void()>& body) {
  const int cpu = first_allowed_cpu();
  bool pinned = false;
  std::thread t([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned = ::sched_setaffinity(0, sizeof one, &one) == 0;
    if (pinned) body();
  });
  t.join();
  return pinned;
}

std::string dump_analyst_views(SQLite::Database& db) {
  // Every column of each view (quote() tells NULL from text, and 1 from '1').
  return dump_rows(db, {
      "SELECT quote(release) || '|' || quote(package) || '|' || quote(hash) || '|' || quote(version) || '|' || "
      "quote(compiler) || '|' || quote(os) || '|' || quote(platform) || '|' || quote(target) || '|' || "
      "quote(compiler_name) || '|' || quote(compiler_version) || '|' || quote(size) || '|' || quote(tarball) "
      "FROM specs ORDER BY 1",
      "SELECT quote(release) || '|' || quote(package) || '|' || quote(hash) || '|' || quote(stack) "
      "FROM spec_stacks ORDER BY 1",
      "SELECT quote(package) || '|' || quote(hash) || '|' || quote(variant) || '|' || quote(name) || '|' || "
      "quote(value) || '|' || quote(propagate) || '|' || quote(exact) FROM spec_variants ORDER BY 1",
      "SELECT quote(package) || '|' || quote(hash) || '|' || quote(dependency) || '|' || quote(dependency_hash) || "
      "'|' || quote(dep_version) || '|' || quote(deptypes) || '|' || quote(virtuals) FROM dependencies "
      "ORDER BY 1",
  }) + dump_name_tables(db);
}

std::string dump_name_tables(SQLite::Database& db) {
  // Sets by their members' names: ids differ between two databases of the same content.
  return dump_rows(db, {
      "SELECT 'release ' || name FROM release ORDER BY 1",
      "SELECT 'package ' || name FROM package ORDER BY 1",
      "SELECT 'compiler ' || label || '|' || name || '|' || version FROM compiler ORDER BY 1",
      "SELECT 'os ' || name FROM os ORDER BY 1",
      "SELECT 'platform ' || name FROM platform ORDER BY 1",
      "SELECT 'target ' || name FROM target ORDER BY 1",
      "SELECT 'stack ' || name FROM stack ORDER BY 1",
      "SELECT 'stack_set ' || ifnull((SELECT group_concat(name, ',') FROM (SELECT st.name FROM stack_set_member m "
      "JOIN stack st ON st.id = m.stack_id WHERE m.stack_set_id = ss.id ORDER BY 1)), '') || '|' || "
      "(ss.key = '-') FROM stack_set ss ORDER BY 1",
      "SELECT 'stack_set_member ' || count(*) FROM stack_set_member",
      "SELECT 'variant ' || text || '|' || name || '|' || propagate || '|' || exact || '|' || ifnull((SELECT "
      "group_concat(value, ',') FROM (SELECT value FROM variant_value WHERE variant_id = v.id ORDER BY position)), "
      "'') FROM variant v ORDER BY 1",
      "SELECT 'variant_value ' || count(*) FROM variant_value",
      "SELECT 'variant_set ' || ifnull((SELECT group_concat(text, ' ') FROM (SELECT v.text FROM variant_set_member m "
      "JOIN variant v ON v.id = m.variant_id WHERE m.variant_set_id = vs.id ORDER BY 1)), '') FROM variant_set vs "
      "ORDER BY 1",
      "SELECT 'variant_set_member ' || count(*) FROM variant_set_member",
  });
}

std::string dump_ingest_state(SQLite::Database& db) {
  return dump_analyst_views(db) +
         dump_rows(db, {"SELECT s.hash || ' ' || p.name || ' ' || c.label || ' ' || ifnull(("
                        "SELECT group_concat(name, ',') FROM (SELECT st.name FROM stack_set_member m JOIN "
                        "stack st ON st.id = m.stack_id WHERE m.stack_set_id = s.all_stack_set_id ORDER BY 1)"
                        "), '-') FROM spec s JOIN package p ON p.id = s.package_id "
                        "JOIN compiler c ON c.id = s.compiler_id ORDER BY 1",
                        "SELECT s.hash || ' ' || s.compiler_by_dependency FROM spec s ORDER BY 1",
                        "SELECT s.hash FROM compiler_pending w JOIN spec s ON s.id = w.spec_id ORDER BY 1",
                        "SELECT r.spec_id FROM release_spec r JOIN spec s ON s.id = r.spec_id "
                        "WHERE r.compiler_id <> s.compiler_id",
                        // The document holding each release row, by its natural key.
                        "SELECT 'held ' || rl.name || ' ' || s.hash || ' ' || src.kind || ':' || "
                        "ifnull(st.name, '') || ifnull(p.name, '') FROM release_spec r "
                        "JOIN release rl ON rl.id = r.release_id JOIN spec s ON s.id = r.spec_id "
                        "JOIN source src ON src.id = r.source_id "
                        "LEFT JOIN stack st ON src.kind = 'index' AND st.id = src.key_id "
                        "LEFT JOIN package p ON src.kind = 'page' AND p.id = src.key_id ORDER BY 1",
                        // A row pointing at none (a spec's stack set 0 reads as '-' above).
                        "SELECT \"table\" || ' ' || parent FROM pragma_foreign_key_check ORDER BY 1"});
}

std::string lines_in_one_only(const std::string& incremental, const std::string& fresh, std::size_t limit) {
  auto lines = [](const std::string& s) {
    std::multiset<std::string> out;
    std::stringstream in(s);
    for (std::string line; std::getline(in, line);) out.insert(line);
    return out;
  };
  const auto a = lines(incremental), b = lines(fresh);
  std::vector<std::string> only_a, only_b;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_a));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_b));
  std::string out;
  for (std::size_t i = 0; i < only_a.size() && i < limit; ++i) out += "  incremental only: " + only_a[i] + "\n";
  for (std::size_t i = 0; i < only_b.size() && i < limit; ++i) out += "  fresh only:       " + only_b[i] + "\n";
  return out;
}

std::string dump_pages_stored(SQLite::Database& db) {
  return dump_analyst_views(db) + dump_rows(db, {
      // The union of a spec's stacks over releases, which the writer keeps up to date.
      "SELECT s.hash || '|' || group_concat(st.name) FROM spec s JOIN stack_set_member m "
      "ON m.stack_set_id = s.all_stack_set_id JOIN stack st ON st.id = m.stack_id GROUP BY s.id ORDER BY 1",
      "SELECT s.hash || '|' || v.version FROM spec_version v JOIN spec s ON s.id = v.spec_id ORDER BY 1",
      "SELECT r.name || '|' || p.name || '|' || pg.content_hash || '|' || pg.path FROM page pg "
      "JOIN release r ON r.id = pg.release_id JOIN package p ON p.id = pg.package_id ORDER BY 1",
  });
}

std::map<std::string, std::string> schema_objects(SQLite::Database& db, const std::string& where) {
  std::map<std::string, std::string> out;
  SQLite::Statement st(db, "SELECT type, name, ifnull(sql, '') FROM sqlite_master WHERE " + where);
  while (st.executeStep()) {
    std::string sql = st.getColumn(2).getString();
    sql = std::regex_replace(sql, std::regex("--[^\n]*"), "");
    sql = std::regex_replace(sql, std::regex("\\s+"), " ");
    sql = std::regex_replace(sql, std::regex(" ?([(),]) ?"), "$1");
    out[st.getColumn(0).getString() + " " + st.getColumn(1).getString()] = sql;
  }
  return out;
}

fs::path source_root() {
  if (const char* root = std::getenv("CACHEDB_SOURCE_ROOT")) return root;
  return fs::current_path();
}

fs::path fixture(const std::string& relative) { return source_root() / "tests" / "fixtures" / relative; }

fs::path shared_corpus() {
  fs::path p = source_root() / ".." / "shared" / "corpus";
  return fs::is_directory(p) ? p : fs::path{};
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "cachedb-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Tests may leave read-only files or directories behind; make them removable.
  for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

namespace {

CommandResult run_cachedb_from(const std::string& args, const std::string* input) {
  const char* binary = std::getenv("CACHEDB_BINARY");
  if (!binary) throw std::runtime_error("CACHEDB_BINARY is not set (run through meson test)");
  TempDir scratch;
  const auto out = scratch / "out", err = scratch / "err", in = scratch / "in";
  if (input) write_text(in, *input);
  const std::string cmd = shell_quote(binary) + " " + args + " >" + shell_quote(out.string()) + " 2>" +
                          shell_quote(err.string()) + " <" + (input ? shell_quote(in.string()) : "/dev/null");
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

}  // namespace

CommandResult run_cachedb(const std::string& args) { return run_cachedb_from(args, nullptr); }

CommandResult run_cachedb_with_input(const std::string& args, const std::string& input) {
  return run_cachedb_from(args, &input);
}

LastRun last_run(const std::string& db) {
  const auto r = run_cachedb(db + " runs --limit 1 --json");
  rapidjson::Document runs;
  runs.Parse(r.out.c_str());
  if (runs.HasParseError() || !runs.IsArray() || runs.Size() != 1)
    throw std::runtime_error("cachedb runs --limit 1 --json: not one run: " + r.out + r.err);
  const std::string id = std::to_string(runs[0]["id"].GetInt64()), at = runs[0]["finished_at"].GetString();
  return {"ingest run " + id + ", committed " + at, R"({"run_id":)" + id + R"(,"finished_at":")" + at + R"("})"};
}

Background::Background(const std::vector<std::string>& args) {
  const char* binary = std::getenv("CACHEDB_BINARY");
  if (!binary) throw std::runtime_error("CACHEDB_BINARY is not set (run through meson test)");
  std::vector<std::string> argv_s = {binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = (scratch_ / "out").string(), err = (scratch_ / "err").string();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int in = open("/dev/null", O_RDONLY);
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0) _exit(127);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    execv(binary, argv.data());
    _exit(127);
  }
}

Background::~Background() {
  if (!reaped_) kill9();
}

bool Background::running() {
  if (reaped_) return false;
  const pid_t r = waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) reaped_ = true;
  return !reaped_;
}

void Background::kill9() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  reaped_ = true;
}

CommandResult Background::wait() {
  if (!reaped_) {
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  CommandResult r;
  r.exit_code = WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  r.out = read_text(scratch_ / "out");
  r.err = read_text(scratch_ / "err");
  return r;
}

std::filesystem::path git_versions_tree(const std::filesystem::path& into) {
  const auto tree = into / "tree";
  std::filesystem::copy(fixture("versions"), tree, std::filesystem::copy_options::recursive);
  const auto edit = [&](const char* release, const std::string& from, const std::string& to) {
    const auto page = tree / "_cache" / release / "hdf5" / "specs.md";
    std::string text = read_text(page);
    for (std::size_t at; (at = text.find(from)) != std::string::npos;) text.replace(at, from.size(), to);
    write_text(page, text);
  };
  edit("v0.10", "\"1.14.0rc1\"", "\"git.abc=1.14.0\"");
  edit("v0.9", "\"1.10.9\"", "\"git.v2.0=main\"");
  return tree;
}

}  // namespace testing
