#pragma once
// Helpers shared by the tests: scratch directories, fixture paths, running the binary.
#include <sched.h>

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace testing {

// Whether this build runs under AddressSanitizer. Sanitizers multiply memory
// use and time: their runs check correctness; the plain build checks
// resources, and the larger property runs.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// The project's source tree (set by meson test; falls back to the working directory).
std::filesystem::path source_root();

// tests/fixtures/<relative>.
std::filesystem::path fixture(const std::string& relative);

// The real pages beside the checkout (../shared/corpus), or empty when absent.
std::filesystem::path shared_corpus();

// The rows of each query (one text column each), in order, each query's
// followed by "--": equal dumps, equal databases as far as the queries look.
std::string dump_rows(SQLite::Database& db, std::initializer_list<const char*> queries);

// dump_rows of every row and column of the analysts' views (specs,
// spec_stacks, spec_variants), by value: two databases with equal dumps
// answer every report and query on the views alike, whatever ids they gave.
// Then dump_name_tables: a name no row refers to any more (an OS no spec
// has now) is a difference too, since analysts read those tables.
std::string dump_analyst_views(SQLite::Database& db);

// Every name table (release, package, compiler, os, platform, target, stack,
// variant) and set table, by names, with the member tables' row counts.
std::string dump_name_tables(SQLite::Database& db);

// dump_analyst_views, and what the writer of pages keeps beside the views: each
// spec's stacks over releases, its versions, and the pages (release, package,
// content hash, path). Two ingests of the same pages, by two ways, compare equal.
std::string dump_pages_stored(SQLite::Database& db);

// dump_analyst_views, and what no view shows but a later ingest reads: the
// specs kept as dependencies only, each spec's stacks over all releases and
// its compiler (and whether it is a dependency, or waits for its node), the
// release rows whose compiler is not their spec's, foreign keys that point at
// nothing. What the incremental-equals-fresh tests of indexes compare.
std::string dump_ingest_state(SQLite::Database& db);

// The lines only one of two dumps has (as a multiset), at most `limit` of
// each, one per line: "  incremental only: ..." then "  fresh only: ...".
std::string lines_in_one_only(const std::string& incremental, const std::string& fresh, std::size_t limit);

// The schema objects `where` (a condition on sqlite_master) picks, keyed
// "type name", their SQL stripped of comments and spacing ("" when none).
std::map<std::string, std::string> schema_objects(SQLite::Database& db, const std::string& where);

// The CPUs this process may run on (its scheduler affinity); throws when it
// cannot be read.
cpu_set_t allowed_cpus();

// The lowest-numbered of them.
int first_allowed_cpu();

// Runs `body` on a thread of its own allowed only first_allowed_cpu(), as
// `taskset -c N` would (the affinity is per thread: the caller's is left
// alone). False, without running it, when that affinity cannot be set.
bool run_on_one_cpu(const std::function<void()>& body);

// Whether `needle` occurs in `haystack` (a command's output, a message).
inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The number of line ends in `text`.
inline std::size_t lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// A fresh directory removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Changes the working directory for one scope (the walk resolves relative
// paths against it when it starts).
struct WorkingDirectory {
  std::filesystem::path saved = std::filesystem::current_path();
  explicit WorkingDirectory(const std::filesystem::path& dir) { std::filesystem::current_path(dir); }
  ~WorkingDirectory() { std::filesystem::current_path(saved); }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;
};

std::string read_text(const std::filesystem::path& p);
void write_text(const std::filesystem::path& p, const std::string& text);

// The versions fixture copied to `into` with two git versions: the v0.10
// spec's 1.14.0rc1 made the ref abc assigned 1.14.0, the v0.9 spec's 1.10.9
// the branch v2.0 assigned main. Returns the tree.
std::filesystem::path git_versions_tree(const std::filesystem::path& into);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the built cachedb binary with `args` (a shell-quoted string).
CommandResult run_cachedb(const std::string& args);

// Same, with `input` on its stdin.
CommandResult run_cachedb_with_input(const std::string& args, const std::string& input);

// The last ingest run of the database `db` ("--db PATH"), as `cachedb runs
// --json` gives it, spelled as the outputs that name their source spell it.
struct LastRun {
  std::string made_from;  // "ingest run N, committed T"
  std::string json;       // {"run_id":N,"finished_at":"T"}
};
LastRun last_run(const std::string& db);

// Quotes a string for /bin/sh.
std::string shell_quote(const std::string& s);

// A cachedb process running in the background (for kill -9 and concurrency
// tests): stdout and stderr go to files in a scratch directory.
class Background {
 public:
  explicit Background(const std::vector<std::string>& args);
  ~Background();  // kills the process if it still runs
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  int pid() const { return pid_; }
  bool running();            // false once it has exited (reaps it)
  void kill9();              // SIGKILL, then reaps it
  CommandResult wait();      // waits for the exit; exit_code -1 when killed by a signal

 private:
  int pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  TempDir scratch_;
};

}  // namespace testing
