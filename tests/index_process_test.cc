// Build-cache indexes ingested by a real cachedb process: kill -9 in the middle
// of a large listing leaves the last committed state and a re-run finishes the
// job; readers during the ingest see the database before the run or after it.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>

#include "database_probe.h"
#include "formats/spack_index/sha256.h"
#include "index_builder.h"
#include "test_support.h"

namespace fs = std::filesystem;
using testing::Background;
using testing::count;
using testing::IndexEdge;
using testing::IndexSpec;
using testing::integrity;
using testing::report_csv;
using testing::run_cachedb;
using testing::shell_quote;

namespace {

// The hubs every index lists, as Spack writes them: the compiler and the C
// library as externals (dependency targets only), the compiler's runtime in
// the build cache.
const std::string kGcc = testing::dag_hash("hubgcc1320"), kGlibc = testing::dag_hash("hubglibc239"),
                  kRuntime = testing::dag_hash("hubgccruntime1320");

IndexSpec hub(const std::string& hash, const std::string& package, const std::string& version) {
  IndexSpec s;
  s.hash = hash;
  s.package = package;
  s.version = version;
  return s;
}

std::vector<IndexSpec> hubs() {
  IndexSpec gcc = hub(kGcc, "gcc", "13.2.0"), glibc = hub(kGlibc, "glibc", "2.39"),
            runtime = hub(kRuntime, "gcc-runtime", "13.2.0");
  gcc.in_buildcache = false;
  glibc.in_buildcache = false;
  runtime.dependencies = {testing::compiler_edge(kGcc), IndexEdge{kGlibc, "glibc", {"link"}, {"libc"}}};
  return {gcc, glibc, runtime};
}

std::string spec_hash(long i) { return testing::dag_hash(fmt::format("s{:07d}h{:x}", i, i * 2654435761L % 65521)); }

// Spec number `i`: everything about it follows from `i`, so that every index
// listing it says the same of it. It depends on the compiler, its runtime,
// and on two earlier specs (which an index may or may not list).
IndexSpec spec(long i) {
  static const char* const kTargets[] = {"x86_64_v3", "zen3", "skylake_avx512", "icelake"};
  IndexSpec s;
  s.hash = spec_hash(i);
  s.package = fmt::format("pkg{}", i % 700);
  s.version = fmt::format("{}.{}", i / 700 % 40, i % 7);
  s.os = i % 3 == 0 ? "rhel8" : "ubuntu24.04";
  s.target = kTargets[i % 4];
  s.target_dict = i % 4 != 0;
  s.parameters = {{"shared", i % 2 ? "true" : "false"},
                  {"build_system", "\"cmake\""},
                  {"build_type", i % 5 ? "\"Release\"" : "\"RelWithDebInfo\""},
                  {"languages", "[\"c\", \"cxx\"]"}};
  if (i % 11 == 0) s.annotated_compiler = "gcc@=12.3.0";
  s.dependencies = {testing::compiler_edge(kGcc), IndexEdge{kRuntime, "gcc-runtime", {"link"}, {}}};
  if (i > 0)
    s.dependencies.push_back(IndexEdge{spec_hash(i / 2), fmt::format("pkg{}", i / 2 % 700), {"build", "link"}, {}});
  if (i > 1) s.dependencies.push_back(IndexEdge{spec_hash(i - 1), fmt::format("pkg{}", (i - 1) % 700), {"run"}, {}});
  return s;
}

// Appends the specs numbered [first, last).
void add_specs(std::vector<IndexSpec>& out, long first, long last) {
  for (long i = first; i < last; ++i) out.push_back(spec(i));
}

// The mirror tree (layout v2: each index at <release>[/<stack>]/build_cache/
// index.json beside its index.json.hash) of a small first release and a big
// second one (a root and four stacks overlapping it and one another, ~44k
// records, some 45 MB of JSON); two site listings, the first naming the small
// release, the second both; and a database holding the first listing.
struct IndexScene {
  static constexpr long kRoot = 20000, kStackSpan = 5000, kStackOwn = 1000;
  const std::vector<std::string> kStacks = {"e4s", "ml", "hpc", "data"};
  const std::string small_release = "v1.0", big_release = "develop-2026-11-29";

  testing::TempDir dir;
  fs::path bucket = dir / "bucket", first = dir / "first_listing.json", second = dir / "cache_spack_io_index.json",
           db = dir / "db.sqlite";
  std::uintmax_t big_bytes = 0;

  // `with_first_release`: the database holds the small release; otherwise
  // there is no database yet.
  explicit IndexScene(bool with_first_release = true) {
    // The small release shares its first specs with the big one.
    std::vector<IndexSpec> root = hubs(), e4s = hubs();
    add_specs(root, 0, 150);
    add_specs(root, 900000, 900050);
    add_specs(e4s, 0, 80);
    const std::string small_entries = entry(small_release, "root", root, 8) + ",\n" +
                                      entry(small_release, "e4s", e4s, 8);
    testing::write_text(first, fmt::format("{{\"{}\": [{}]}}", small_release, small_entries));

    std::vector<IndexSpec> big_root = hubs();
    add_specs(big_root, 0, kRoot);
    std::string big_entries = entry(big_release, "root", big_root, 8);
    for (std::size_t k = 0; k < kStacks.size(); ++k) {
      std::vector<IndexSpec> specs = hubs();
      const long from = static_cast<long>(k) * kRoot / 5;
      add_specs(specs, from, from + kStackSpan);
      add_specs(specs, kRoot + static_cast<long>(k) * kStackOwn, kRoot + static_cast<long>(k + 1) * kStackOwn);
      big_entries += ",\n" + entry(big_release, kStacks[k], specs, k % 2 ? 9 : 8);
    }
    // The site's listing names every release, the one already read included.
    testing::write_text(second, fmt::format("{{\"{}\": [{}],\n\"{}\": [{}]}}", small_release, small_entries,
                                            big_release, big_entries));
    if (with_first_release) REQUIRE(run_cachedb(ingest_command(db, first)).exit_code == 0);
  }

  // Writes the index of (release, stack) into the mirror tree; its listing entry.
  std::string entry(const std::string& release, const std::string& stack, const std::vector<IndexSpec>& specs,
                    int version) {
    const std::string rel = (stack == "root" ? release : release + "/" + stack) + "/build_cache/index.json";
    const fs::path index = bucket / rel;
    testing::write_text(index, testing::index_json(specs, version));
    testing::write_text(index.string() + ".hash", cachedb::spack_index::sha256_file(index).sha256);
    if (release == big_release) big_bytes += fs::file_size(index);
    return fmt::format(R"({{"label": "{}", "url": "s3://spack-binaries/{}"}})", stack, rel);
  }

  std::vector<std::string> ingest_args(const fs::path& target, const fs::path& listing) const {
    return {"--db", target.string(), "ingest", "--listing", listing.string(), "--mirror-root", bucket.string()};
  }
  std::string ingest_command(const fs::path& target, const fs::path& listing) const {
    std::string out;
    for (const auto& a : ingest_args(target, listing)) {
      if (!out.empty()) out += ' ';
      out += shell_quote(a);
    }
    return out;
  }

  // `listings` ingested one after the other, uninterrupted, into a new
  // database `name`; `ms` is set to the time the last one took.
  fs::path ingested(const std::string& name, std::initializer_list<fs::path> listings, int* ms = nullptr) {
    const auto target = dir / name;
    for (const auto& listing : listings) {
      const auto t0 = std::chrono::steady_clock::now();
      REQUIRE(run_cachedb(ingest_command(target, listing)).exit_code == 0);
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
      if (ms) *ms = static_cast<int>(took.count());
    }
    if (ms) MESSAGE("the last listing into " << name << ", uninterrupted: " << *ms << " ms");
    return target;
  }
  // The same two ingests, uninterrupted, into another database.
  fs::path reference(int* ms = nullptr) { return ingested("reference.sqlite", {first, second}, ms); }
};

// What a user of the database sees: the matrix, every row of the analysts'
// views (specs, spec_stacks, spec_variants, dependencies), and the size of
// the tables behind them.
struct Seen {
  std::string report, views;
  std::int64_t specs = 0, listings = 0, dependencies = 0, release_rows = 0, sources = 0, releases = 0;
};

Seen seen(const fs::path& db) {
  Seen s;
  s.report = report_csv(db);
  SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
  s.views = testing::dump_analyst_views(c);
  s.specs = c.execAndGet("SELECT count(*) FROM spec").getInt64();
  s.listings = c.execAndGet("SELECT count(*) FROM index_listing").getInt64();
  s.dependencies = c.execAndGet("SELECT count(*) FROM dependency").getInt64();
  s.release_rows = c.execAndGet("SELECT count(*) FROM release_spec").getInt64();
  s.sources = c.execAndGet("SELECT count(*) FROM source").getInt64();
  s.releases = c.execAndGet("SELECT count(*) FROM release").getInt64();
  return s;
}

void check_same(const Seen& got, const Seen& want) {
  CHECK(got.report == want.report);
  CHECK(got.views == want.views);  // not printed on failure: tens of MB
  CHECK(got.specs == want.specs);
  CHECK(got.listings == want.listings);
  CHECK(got.dependencies == want.dependencies);
  CHECK(got.release_rows == want.release_rows);
  CHECK(got.sources == want.sources);
  CHECK(got.releases == want.releases);
}

std::int64_t foreign_key_violations(const fs::path& db) {
  SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement st(c, "PRAGMA foreign_key_check");
  std::int64_t n = 0;
  while (st.executeStep()) ++n;
  return n;
}

// What kill_during() saw.
struct Kills {
  std::int64_t ok_before = 0;  // runs logged 'ok' before the first kill
  int mid_run = 0;             // kills that landed before the commit
  bool committed = false;      // the last run killed had committed
};

std::int64_t runs_with_status(const fs::path& db, const std::string& status) {
  if (!fs::exists(db)) return 0;
  return count(db, "SELECT count(*) FROM ingest_runs WHERE status = '" + status + "'");
}

// Ingests `listing` into `db` in a child process killed with SIGKILL `delay`
// ms after it logged its run as running, for each delay in turn until one has
// committed. After each kill the database is sound and shows `before` (the
// run was still running) or `after` (it had committed), nothing in between.
Kills kill_during(const IndexScene& scene, const fs::path& db, const fs::path& listing, const std::vector<int>& delays,
                  const Seen& before, const Seen& after) {
  Kills kills;
  kills.ok_before = runs_with_status(db, "ok");
  for (int delay_ms : delays) {
    CAPTURE(delay_ms);
    const std::int64_t last_run = fs::exists(db) ? count(db, "SELECT coalesce(max(id), 0) FROM ingest_runs") : 0;
    Background ingest(scene.ingest_args(db, listing));
    testing::wait_until_running(db, ingest, last_run);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ingest.kill9();
    // What an analyst runs first works: a load into an empty database killed
    // before its commit leaves a hot rollback journal (storage/bulk_load.h),
    // which a read-only cachedb plays back before it reads.
    const auto report = run_cachedb("--db " + shell_quote(db.string()) + " report --matrix stacks-by-target");
    CHECK_MESSAGE(report.exit_code == 0, report.err);
    REQUIRE(integrity(db) == "ok");
    CHECK(foreign_key_violations(db) == 0);
    // The run is logged 'ok' in the same transaction as its data: if it still
    // reads 'running', the kill landed before the commit.
    const std::string status = [&] {
      SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
      return c.execAndGet("SELECT status FROM ingest_runs ORDER BY id DESC LIMIT 1").getString();
    }();
    if (status == "ok") {
      MESSAGE("the index ingest had committed before the kill at " << delay_ms << " ms");
      check_same(seen(db), after);
      kills.committed = true;
      break;
    }
    REQUIRE(status == "running");
    ++kills.mid_run;
    // Everything committed before is there, nothing of the killed run is.
    check_same(seen(db), before);
  }
  MESSAGE(kills.mid_run << " kills landed mid-run");
  return kills;
}

// A re-run after the kills finishes the job: the database equals `after`, the
// killed runs read 'interrupted'.
void rerun_finishes(const IndexScene& scene, const fs::path& db, const fs::path& listing, const Kills& kills,
                    const Seen& after) {
  auto rerun = run_cachedb(scene.ingest_command(db, listing));
  CHECK(rerun.exit_code == 0);
  CHECK(integrity(db) == "ok");
  CHECK(foreign_key_violations(db) == 0);
  check_same(seen(db), after);
  CHECK(runs_with_status(db, "interrupted") == kills.mid_run);
  CHECK(runs_with_status(db, "running") == 0);
  CHECK(runs_with_status(db, "ok") == kills.ok_before + (kills.committed ? 1 : 0) + 1);
  // Whichever run next starts marks the killed ones; if that was the committed
  // background run, the re-run has nothing left to report.
  if (kills.mid_run && !kills.committed) CHECK(rerun.err.find("interrupted") != std::string::npos);
}

}  // namespace

TEST_SUITE_BEGIN("process");

TEST_CASE("kill -9 during a large index ingest: the database stays sound, and a re-run finishes the job" *
          doctest::test_suite("stress")) {
  IndexScene scene;
  MESSAGE("the second listing names " << scene.big_bytes / 1000000 << " MB of index JSON for its new release");
  int run_ms = 0;
  const auto ref = scene.reference(&run_ms);
  const Seen before = seen(scene.db), after = seen(ref);
  REQUIRE(before.report != after.report);
  REQUIRE(before.dependencies < after.dependencies);
  REQUIRE(foreign_key_violations(ref) == 0);

  // Early kills land while the indexes are read and written; the later ones,
  // at shares of the time an uninterrupted run took, while the release's rows
  // are derived, the indexes built and the transaction committed (or, on a
  // faster machine than the reference run had, just after the commit).
  const Kills kills = kill_during(scene, scene.db, scene.second,
                                  {0, 10, 40, 100, 250, run_ms / 2, run_ms * 4 / 5, run_ms * 19 / 20, run_ms}, before,
                                  after);
  CHECK(kills.mid_run >= 2);  // the indexes are big enough that the first kills land mid-run
  rerun_finishes(scene, scene.db, scene.second, kills, after);
}

TEST_CASE("kill -9 during the first index ingest into a new database (indexes built at the end): "
          "nothing of it is left, and a re-run finishes the job" * doctest::test_suite("stress")) {
  IndexScene scene(/*with_first_release=*/false);
  int run_ms = 0;
  const auto ref = scene.ingested("reference.sqlite", {scene.second}, &run_ms);
  // An empty database: made by an ingest of no pages at all.
  const auto nothing = scene.dir / "no pages";
  fs::create_directories(nothing);
  const auto empty = scene.dir / "empty.sqlite";
  REQUIRE(run_cachedb("--db " + shell_quote(empty.string()) + " ingest " + shell_quote(nothing.string())).exit_code ==
          0);
  const Seen before = seen(empty), after = seen(ref);
  REQUIRE(before.specs == 0);
  REQUIRE(after.specs > 0);

  const Kills kills =
      kill_during(scene, scene.db, scene.second, {0, 40, run_ms / 2, run_ms * 4 / 5, run_ms * 19 / 20}, before, after);
  CHECK(kills.mid_run >= 2);
  rerun_finishes(scene, scene.db, scene.second, kills, after);
}

TEST_CASE("readers during an index ingest see the database before the run or after it, never half of it" *
          doctest::test_suite("stress")) {
  IndexScene scene;
  const auto ref = scene.reference();
  const Seen before = seen(scene.db), after = seen(ref);
  REQUIRE(before.report != after.report);

  // A reader that holds one read transaction through the whole ingest: its
  // snapshot stays put, and it does not hold the writer up.
  SQLite::Database long_reader(scene.db.string(), SQLite::OPEN_READONLY);
  long_reader.exec("BEGIN");
  CHECK(long_reader.execAndGet("SELECT count(*) FROM dependency").getInt64() == before.dependencies);

  const std::int64_t last_run = count(scene.db, "SELECT coalesce(max(id), 0) FROM ingest_runs");
  Background ingest(scene.ingest_args(scene.db, scene.second));
  testing::wait_until_running(scene.db, ingest, last_run);
  // Each read is one snapshot of the tables behind the views: all of them as
  // before the run, or all as after it.
  SQLite::Database reader(scene.db.string(), SQLite::OPEN_READONLY, 5000);
  auto counts = [&] {
    SQLite::Statement st(reader, "SELECT (SELECT count(*) FROM spec), (SELECT count(*) FROM index_listing), "
                                 "(SELECT count(*) FROM dependency), (SELECT count(*) FROM release_spec), "
                                 "(SELECT count(*) FROM source)");
    REQUIRE(st.executeStep());
    return std::vector<std::int64_t>{st.getColumn(0).getInt64(), st.getColumn(1).getInt64(),
                                     st.getColumn(2).getInt64(), st.getColumn(3).getInt64(),
                                     st.getColumn(4).getInt64()};
  };
  const std::vector<std::int64_t> counts_before = {before.specs, before.listings, before.dependencies,
                                                   before.release_rows, before.sources},
                                  counts_after = {after.specs, after.listings, after.dependencies,
                                                  after.release_rows, after.sources};
  int reads_during = 0, reads_before = 0, full_reads = 0;
  bool binary_report_ran = false;
  auto last_full = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  while (ingest.running()) {
    const auto c = counts();
    CHECK((c == counts_before || c == counts_after));
    reads_before += c == counts_before;
    if (std::chrono::steady_clock::now() - last_full > std::chrono::milliseconds(250)) {
      // Every row of the views, in one read transaction with the counts.
      reader.exec("BEGIN");
      const std::string views = testing::dump_analyst_views(reader);
      const auto c2 = counts();
      reader.exec("COMMIT");
      CHECK(((views == before.views && c2 == counts_before) || (views == after.views && c2 == counts_after)));
      ++full_reads;
      last_full = std::chrono::steady_clock::now();
    }
    if (!binary_report_ran) {
      // The command an analyst would type, while the ingest writes.
      const std::string r = report_csv(scene.db);
      CHECK((r == before.report || r == after.report));
      binary_report_ran = true;
    }
    ++reads_during;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the writer has one of two cores
  }
  CHECK(ingest.wait().exit_code == 0);
  MESSAGE(reads_during << " consistent reads while the index ingest ran (" << full_reads << " of every view row), "
                       << reads_before << " of them before its commit");
  CHECK(reads_before > 0);  // the reads overlapped the run's writing
  CHECK(long_reader.execAndGet("SELECT count(*) FROM dependency").getInt64() == before.dependencies);
  long_reader.exec("COMMIT");
  CHECK(long_reader.execAndGet("SELECT count(*) FROM dependency").getInt64() == after.dependencies);
  check_same(seen(scene.db), after);
}

TEST_SUITE_END();
