// cachedb: Spack build-cache pages in SQLite, with reports on top.
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "error.h"
#include "report/render.h"
#include "storage/database.h"

namespace {

void setup_logging(int verbosity, bool color) {
  // stdout carries only results; every log line goes to stderr, coloured by
  // level when --color (and $NO_COLOR, $TERM, a terminal) allow it.
  auto logger = spdlog::stderr_color_mt("cachedb", color ? spdlog::color_mode::always : spdlog::color_mode::never);
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbosity < 0 ? spdlog::level::err
                    : verbosity == 0 ? spdlog::level::warn
                                     : spdlog::level::info);
}

// glibc serves a block larger than M_MMAP_THRESHOLD with its own mapping,
// returned to the system when freed; by default the threshold then rises to
// the largest block freed so far, so after the first large page (a package
// with thousands of specs is over 1 MB of text) every later one comes from
// the heap of the thread that read it, and each loading thread's heap stays
// as large as the largest pages it held at once. Fixed at 256 KiB, only a
// few hundred pages of a million-spec corpus are mapped and unmapped, and the
// peak memory of an ingest no longer grows with its largest pages (32 -> 29
// MB at 1M spec rows; 100k unchanged).
//
// Under a limit on the address space (ulimit -v, set on some shared login
// nodes), each thread's own arena is the cost: glibc reserves 64 MiB of
// addresses for each, six in an index run (384 of its 471 MiB, for 30 MB
// resident), and a run that could not reserve one failed "out of memory" at
// random (half the index runs under 128 MiB). So the threads share one arena
// (the main heap, which reserves nothing ahead): slower where they meet in
// malloc, but they pass. And each thread's stack, 8 MiB by default (ulimit
// -s), is 1 MiB: sixteen loading threads (a 16-core node) reserved 128 MiB
// of stacks. (Every thread runs within 256 KiB: ingests of pages and of
// indexes pass under ulimit -s 256.)
void configure_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  struct rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur == RLIM_INFINITY) return;
  mallopt(M_ARENA_MAX, 1);
  constexpr std::size_t kLimitedStack = std::size_t{1} << 20;
  pthread_attr_t attr;
  if (pthread_getattr_default_np(&attr) != 0) return;
  if (std::size_t size = 0; pthread_attr_getstacksize(&attr, &size) == 0 && size > kLimitedStack &&
                            pthread_attr_setstacksize(&attr, kLimitedStack) == 0)
    pthread_setattr_default_np(&attr);
  pthread_attr_destroy(&attr);
#endif
}

// Descriptors 0, 1 and 2 left closed by whoever started the process (a cron
// line ending in 2>&-, a daemon's child) would be the next files opened: the
// database, into which every log line, or the --json summary, would then be
// written. Each closed one is taken by /dev/null opened the other way round
// (stdout and stderr for reading, stdin for writing), so that using it still
// fails as on a closed descriptor and no file ever gets its number.
bool reserve_standard_streams() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int got = open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    if (got == fd) continue;
    if (got >= 0) close(got);
    return false;
  }
  return true;
}

using cachedb::cli::GlobalOptions;
using cachedb::cli::Runner;

struct Command {
  std::string_view name;
  Runner (*add)(CLI::App&, const GlobalOptions&);
};

// Every command, in the order --help lists them; each name is the one its
// add_ function gives its subcommand.
constexpr Command kCommands[] = {
    {"ingest", cachedb::cli::add_ingest_command}, {"check", cachedb::cli::add_check_command},
    {"report", cachedb::cli::add_report_command}, {"runs", cachedb::cli::add_runs_command},
    {"sql", cachedb::cli::add_sql_command},       {"schema", cachedb::cli::add_schema_command},
    {"export", cachedb::cli::add_export_command}, {"list", cachedb::cli::add_list_command},
    {"values", cachedb::cli::add_values_command},
};

// The command the line names: its first word that is neither an option nor
// the value of a global option that takes one. Only that command is built:
// building all of them (their options, checks and help texts), and taking
// them down at exit, is a good part of the start of a short run. Nullptr when
// the line names none (--help, --version, a mistyped name): every command is
// then built, so that the help lists them all and CLI11 reports a mistake in
// the same words.
// The line's first word that is neither an option nor a global option's value.
std::optional<std::string_view> first_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return std::nullopt;
    if (arg == "--db" || arg == "--color") {
      ++i;
      continue;
    }
    if (arg.starts_with('-')) continue;
    return arg;
  }
  return std::nullopt;
}

// CLI11's "--top: 1 required UINT:INT >= 1 missing" in plain words:
// "--top: no value given: give a whole number >= 1". Other messages as they are.
std::string plain_usage_error(const std::string& message) {
  static const std::regex missing(R"(^(\S+): (\d+) required ([A-Z]+)(?::([A-Z]+))?(.*) missing$)");
  std::smatch m;
  if (!std::regex_match(message, m, missing)) return message;
  // A set of values: "TEXT:{table,csv}" (CLI11's IsMember).
  const std::string rest = m[5].str();
  if (!m[4].matched && rest.size() > 3 && rest.starts_with(":{") && rest.ends_with("}")) {
    std::string choices = rest.substr(2, rest.size() - 3);
    for (auto at = choices.find(','); at != std::string::npos; at = choices.find(',', at + 2)) choices.insert(at + 1, " ");
    return fmt::format("{}: no value given: give one of {}", m[1].str(), choices);
  }
  // The type, then what CLI11 checks ("UINT:INT >= 1", "FLOAT:SECONDS > 0").
  const auto known = [](const std::string& t) { return t == "TEXT" || t == "UINT" || t == "INT" || t == "FLOAT"; };
  const bool refined = m[4].matched && known(m[4].str());
  const std::string type = refined ? m[4].str() : m[3].str();
  std::string unit = m[4].matched && !refined ? " of " + m[4].str() : "";
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool one = m[2].str() == "1";
  const std::string what = type == "TEXT"                    ? (one ? "a value" : m[2].str() + " values")
                           : type == "UINT" || type == "INT" ? (one ? "a whole number" : m[2].str() + " whole numbers")
                           : type == "FLOAT"                 ? (one ? "a number" : m[2].str() + " numbers")
                                                             : m[2].str() + " " + type;
  return fmt::format("{}: no value given: give {}{}{}", m[1].str(), what, unit, rest);
}

const Command* named_command(int argc, char** argv) {
  const auto word = first_word(argc, argv);
  if (!word) return nullptr;
  for (const auto& command : kCommands)
    if (*word == command.name) return &command;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cachedb::cli;
  // Nothing can be said if this fails: stderr may be one of the closed.
  if (!reserve_standard_streams()) return kExitFatal;
  configure_memory();
  cachedb::configure_sqlite();
  CLI::App app{"cachedb: Spack binary build-cache contents in SQLite, with reports"};
  app.require_subcommand(1);
  // Global options are also taken after the command's name (cachedb report
  // ... --db x.sqlite): the commands, made below, inherit this.
  app.fallthrough();
  app.set_version_flag("--version", std::string("cachedb ") + CACHEDB_VERSION);
  app.footer(
      "Global options may also follow the command. Each command's --help ends with its own exit statuses.\n"
      "Exit status: 0 success; 1 fatal error (an ingest then changed nothing); "
      "2 ingest rejected some pages (the rest is committed); 3 report printed nothing (more cells than --max-cells); "
      "64 bad command line.");
  GlobalOptions global;
  bool quiet = false;
  int verbose = 0;
  std::string color = "auto";
  app.add_option("--db", global.db, "Database file (default: $CACHEDB_DB, else ./cachedb.sqlite)");
  app.add_flag("-q,--quiet", quiet, "Log errors only");
  app.add_flag("-v,--verbose", verbose, "Also log each page's data-quality findings and other details");
  app.add_option("--color", color,
                 "auto (on a terminal, unless $NO_COLOR is set or $TERM is dumb), always or never: "
                 "coloured log levels, dimmed zeros in tables")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();

  std::vector<Runner> runners;
  if (const Command* named = named_command(argc, argv)) {
    runners.push_back(named->add(app, global));
  } else {
    for (const auto& command : kCommands) runners.push_back(command.add(app, global));
  }

  // A bad command line reads as every other error does: "error: what is wrong",
  // then where to look.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("error: {}\nRun with --help for more information.\n", plain_usage_error(e.what()));
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::RequiredError& e) {
    // CLI11 says "A subcommand is required" of a mistyped one too: name it.
    const auto word = first_word(argc, argv);
    std::string names;
    for (const auto& command : kCommands) names += fmt::format("{}{}", names.empty() ? "" : ", ", command.name);
    if (app.get_subcommands().empty() && word) {
      tell("error: '{}' is not a cachedb command (the commands: {})\nRun with --help for more "
           "information.\n", *word, names);
      return kExitUsage;
    }
    // And of an option it does not know, given before any command: name that.
    for (int i = 1; i < argc && app.get_subcommands().empty(); ++i) {
      const std::string_view arg = argv[i];
      if (arg == "--") break;
      if (!arg.starts_with('-') || arg == "-") continue;
      // Short flags run together (-qv) are known by their first.
      const std::string name(arg.starts_with("--") ? arg.substr(0, arg.find('=')) : arg.substr(0, 2));
      if (app.get_option_no_throw(name) == nullptr) {
        tell("error: {}: not an option of cachedb itself; an option of a command goes after it "
             "(cachedb COMMAND --help)\nRun with --help for more information.\n", name);
        return kExitUsage;
      }
    }
    if (app.get_subcommands().empty()) {
      tell("error: give a command (the commands: {})\nRun with --help for more information.\n", names);
      return kExitUsage;
    }
    app.exit(e);
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  const auto color_choice = cachedb::parse_color_choice(color);
  global.color_stdout = cachedb::use_color(color_choice, STDOUT_FILENO);
  setup_logging(quiet ? -1 : verbose, cachedb::use_color(color_choice, STDERR_FILENO));
  // Past a file-size limit (ulimit -f) the kernel would kill the process with
  // SIGXFSZ mid-write; ignored, the write fails with EFBIG instead, SQLite
  // reports it, and the run rolls back with a message like any full disk.
  std::signal(SIGXFSZ, SIG_IGN);

  try {
    for (const auto& run : runners)
      if (int code = run(); code >= 0) return code;
  } catch (const UsageError& e) {
    spdlog::error("{}", e.what());
    tell("Run with --help for more information.\n");
    return kExitUsage;
  } catch (const cachedb::Error& e) {
    spdlog::error("{}", e.what());
    return kExitFatal;
  } catch (const std::exception& e) {
    spdlog::error("unexpected failure: {}", e.what());
    return kExitFatal;
  }
  return kExitUsage;
}
