// Pages that disagree: two files for one (release, package), one hash
// described two ways, one hash listed by two packages of a release, and a
// binary's size and URL differing between releases. Whatever order the pages
// arrive in, and whatever the nights before stored, the database must equal a
// fresh ingest of tonight's tree.
#include <doctest/doctest.h>

#include <chrono>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>

#include "ingest/ingester.h"
#include "ingest/page_check.h"
#include "storage/database.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

namespace {

std::int64_t count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }
std::string text(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getString(); }

// The analysts' views and the pages, by value.
std::string dump(SQLite::Database& db) {
  return testing::dump_analyst_views(db) + testing::dump_rows(db, {
      "SELECT r.name || '|' || p.name || '|' || pg.path || '|' || pg.content_hash FROM page pg "
      "JOIN release r ON r.id = pg.release_id JOIN package p ON p.id = pg.package_id ORDER BY 1",
  });
}

// One spec of a page, as most pages list one: Spec("h1"), Spec("h1").os("rhel8")...
struct Spec : testing::SpecEntry {
  Spec(const char* hash) : SpecEntry(SpecEntry::typical(hash)) {}  // NOLINT: a bare hash reads best in a list
  Spec(SpecEntry s) : SpecEntry(std::move(s)) {}                   // NOLINT: what os()... return
};

void write_page(const fs::path& file, const std::string& release, const std::string& package,
                std::vector<Spec> specs) {
  testing::CachePage page(release, package);
  for (auto& s : specs) page.spec(std::move(s));
  page.write_to(file);
}

// An ingest of `inputs` into a new database, as a fresh nightly database would be made.
std::string fresh_dump(const std::vector<fs::path>& inputs, const IngestOptions& options = {}) {
  testing::TempDir dir;
  auto db = open_database(dir / "fresh.sqlite", OpenMode::ReadWrite);
  ingest(db, inputs, options);
  return dump(db);
}

}  // namespace

TEST_CASE("two files for one release and package: the first in walk order is stored, every night the same") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_page(tree / "a" / "develop" / "zlib" / "specs.md", "develop", "zlib", {{"za1"}, {"za2"}});
  write_page(tree / "b" / "develop" / "zlib" / "specs.md", "develop", "zlib", {{"zb1"}});
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);

  auto first = ingest(db, {tree}, {});
  CHECK(first.exit_code() == 0);
  CHECK(first.pages_added == 1);
  CHECK(first.pages_skipped == 1);
  REQUIRE(first.findings.size() == 1);
  CHECK(first.findings[0].kind == "duplicate_page");
  CHECK(first.findings[0].path == (tree / "b" / "develop" / "zlib" / "specs.md").string());
  CHECK(first.findings[0].message.find((tree / "a" / "develop" / "zlib" / "specs.md").string()) != std::string::npos);
  CHECK(text(db, "SELECT group_concat(hash) FROM (SELECT hash FROM specs ORDER BY hash)") == "za1,za2");
  const std::string stored = dump(db);

  for (int night = 0; night < 3; ++night) {
    CAPTURE(night);
    auto again = ingest(db, {tree}, {});
    CHECK(again.pages_unchanged == 1);
    CHECK(again.pages_updated == 0);
    CHECK(again.specs_added == 0);
    CHECK(again.specs_removed == 0);
    CHECK(again.pages_skipped == 1);
    REQUIRE(again.findings.size() == 1);  // reported every night, not only when a file changed
    CHECK(again.findings[0].kind == "duplicate_page");
    CHECK(dump(db) == stored);
  }
  CHECK(count(db, "SELECT count(*) FROM ingest_findings WHERE kind = 'duplicate_page'") == 4);

  // cachedb check tells the same.
  const CheckSummary checked = check_pages({tree}, IngestOptions{}.max_page_bytes);
  CHECK(checked.pages == 1);
  CHECK(checked.skipped == 1);

  // The order of the inputs is the walk's order: b given first is the one stored.
  CHECK(fresh_dump({tree / "b", tree / "a"}) != stored);
  CHECK(fresh_dump({tree / "a", tree / "b"}) == stored);

  // With the first copy gone, the other one is the page.
  fs::remove_all(tree / "a");
  IngestOptions prune;
  prune.prune = true;
  auto after = ingest(db, {tree}, prune);
  CHECK(after.findings.empty());
  CHECK(text(db, "SELECT group_concat(hash) FROM specs") == "zb1");
  CHECK(dump(db) == fresh_dump({tree}));
}

TEST_CASE("a hash described two ways: the page that sorts last by release and package describes it") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  const auto develop = tree / "develop" / "good" / "specs.md", v1 = tree / "v1.0" / "good" / "specs.md";
  write_page(develop, "develop", "good", {{"g1"}, {"g2"}});
  write_page(v1, "v1.0", "good", {Spec("g1").os("rhel8").target("aarch64").versions({"2.0"})});
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);

  auto first = ingest(db, {tree}, {});
  CHECK(first.findings.size() == 1);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE hash = 'g1' AND os = 'rhel8' AND version = '2.0'") == 2);
  CHECK(dump(db) == fresh_dump({tree}));

  // v1.0 corrected: both pages agree, and the database says what they say.
  write_page(v1, "v1.0", "good", {{"g1"}});
  ingest(db, {tree}, {});
  CHECK(count(db, "SELECT count(*) FROM specs WHERE hash = 'g1' AND os = 'ubuntu22.04' AND version = '1.0'") == 2);
  CHECK(count(db, "SELECT count(*) FROM spec_version v JOIN spec s ON s.id = v.spec_id WHERE s.hash = 'g1'") == 1);
  CHECK(dump(db) == fresh_dump({tree}));

  // The describing page goes wrong again, then loses the hash: develop's word is all that is left.
  write_page(v1, "v1.0", "good", {Spec("g1").os("rhel8")});
  ingest(db, {tree}, {});
  CHECK(text(db, "SELECT DISTINCT os FROM specs WHERE hash = 'g1'") == "rhel8");
  CHECK(dump(db) == fresh_dump({tree}));
  write_page(v1, "v1.0", "good", {{"other"}});
  ingest(db, {tree}, {});
  CHECK(text(db, "SELECT os || ' ' || release FROM specs WHERE hash = 'g1'") == "ubuntu22.04 develop");
  CHECK(dump(db) == fresh_dump({tree}));

  // The page that loses the vote changing does not change the description.
  write_page(v1, "v1.0", "good", {Spec("g1").os("rhel8")});
  ingest(db, {tree}, {});
  write_page(develop, "develop", "good", {Spec("g1").os("sles15"), {"g2"}});
  ingest(db, {tree}, {});
  CHECK(text(db, "SELECT DISTINCT os FROM specs WHERE hash = 'g1'") == "rhel8");
  CHECK(dump(db) == fresh_dump({tree}));

  // Pruned away, the describing page leaves the other's description behind.
  write_page(tree / "v1.0" / "other" / "specs.md", "v1.0", "other", {{"o1"}});
  ingest(db, {tree}, {});
  fs::remove_all(tree / "v1.0" / "good");
  IngestOptions prune;
  prune.prune = true;
  ingest(db, {tree}, prune);
  CHECK(text(db, "SELECT DISTINCT os FROM specs WHERE hash = 'g1'") == "sles15");
  CHECK(dump(db) == fresh_dump({tree}));
}

TEST_CASE("a hash listed by two packages' pages of one release: the package that sorts last holds it") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  const auto alpha = tree / "develop" / "alpha" / "specs.md", beta = tree / "develop" / "beta" / "specs.md";
  write_page(alpha, "develop", "alpha", {{"a1"}, Spec("shared").stacks({"tutorial", "root"})});
  write_page(beta, "develop", "beta", {{"b1"}, {"shared"}});
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  ingest(db, {tree}, {});
  CHECK(text(db, "SELECT package FROM specs WHERE hash = 'shared'") == "beta");
  CHECK(text(db, "SELECT group_concat(stack) FROM (SELECT stack FROM spec_stacks WHERE hash = 'shared' "
                 "ORDER BY stack)") == "e4s,root");
  CHECK(dump(db) == fresh_dump({tree}));

  // alpha rewritten (still listing the hash): beta keeps it, as a fresh ingest would have it.
  write_page(alpha, "develop", "alpha", {{"a1"}, {"a2"}, Spec("shared").stacks({"tutorial", "root"})});
  ingest(db, {tree}, {});
  CHECK(text(db, "SELECT package FROM specs WHERE hash = 'shared'") == "beta");
  CHECK(dump(db) == fresh_dump({tree}));

  // beta drops it: alpha's listing is what is left, with alpha's stacks.
  write_page(beta, "develop", "beta", {{"b1"}});
  ingest(db, {tree}, {});
  CHECK(text(db, "SELECT package FROM specs WHERE hash = 'shared'") == "alpha");
  CHECK(text(db, "SELECT group_concat(stack) FROM (SELECT stack FROM spec_stacks WHERE hash = 'shared' "
                 "ORDER BY stack)") == "root,tutorial");
  CHECK(dump(db) == fresh_dump({tree}));

  // alpha drops it too: the hash leaves the database.
  write_page(alpha, "develop", "alpha", {{"a1"}});
  ingest(db, {tree}, {});
  CHECK(count(db, "SELECT count(*) FROM spec WHERE hash = 'shared'") == 0);
  CHECK(dump(db) == fresh_dump({tree}));
  CHECK(count(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
}

TEST_CASE("size and tarball are per release: each release shows what its own page says") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  const std::string url = "https://binaries.spack.io/";
  write_page(tree / "develop" / "zlib" / "specs.md", "develop", "zlib",
             {Spec("z1").size("100").tarball(url + "develop/z1.spack")});
  write_page(tree / "v1.0" / "zlib" / "specs.md", "v1.0", "zlib",
             {Spec("z1").size("\"-\"").tarball(url + "v1.0/z1.spack")});
  write_page(tree / "v2.0" / "zlib" / "specs.md", "v2.0", "zlib", {Spec("z1").size("120")});
  const std::vector<std::string> want = {"develop|100|" + url + "develop/z1.spack", "v1.0|NULL|" + url + "v1.0/z1.spack",
                                         "v2.0|120|NULL"};
  const std::string rows =
      "SELECT group_concat(r, ' ') FROM (SELECT release || '|' || ifnull(size, 'NULL') || '|' || "
      "ifnull(tarball, 'NULL') AS r FROM specs WHERE hash = 'z1' ORDER BY release)";

  // The same tree, ingested whole, or page by page in either order.
  auto whole = open_database(dir / "whole.sqlite", OpenMode::ReadWrite);
  ingest(whole, {tree}, {});
  CHECK(text(whole, rows) == want[0] + " " + want[1] + " " + want[2]);
  for (const auto& order : {std::vector<std::string>{"develop", "v1.0", "v2.0"},
                            std::vector<std::string>{"v2.0", "v1.0", "develop"}}) {
    testing::TempDir other;
    auto db = open_database(other / "db.sqlite", OpenMode::ReadWrite);
    for (const auto& release : order) ingest(db, {tree / release}, {});
    CHECK(text(db, rows) == text(whole, rows));
    CHECK(dump(db).substr(0, dump(db).find("--\n")) == dump(whole).substr(0, dump(whole).find("--\n")));
  }

  // A new size on one release's page changes that release only.
  write_page(tree / "v2.0" / "zlib" / "specs.md", "v2.0", "zlib", {Spec("z1").size("130")});
  ingest(whole, {tree}, {});
  CHECK(text(whole, rows) == want[0] + " " + want[1] + " v2.0|130|NULL");
  CHECK(dump(whole) == fresh_dump({tree}));
}

TEST_CASE("a database from before per-release sizes keeps them, and its next ingest reads every page again") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  const auto file = tree / "develop" / "zlib" / "specs.md";
  write_page(file, "develop", "zlib", {Spec("z1").size("100").tarball("https://example.org/develop/z1.spack")});
  const auto path = dir / "old.sqlite";
  {
    // Version 4, as the cachedb of that time left it: size and URL on the
    // spec, and the page's stamp that of the file, which is then not read.
    SQLite::Database old(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (const char* m : {"0001_initial", "0002_ingest_log", "0003_reports", "0004_page_stamps"})
      old.exec(testing::read_text(testing::source_root() / "migrations" / (std::string(m) + ".sql")));
    old.exec("PRAGMA user_version = 4");
    const auto mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              fs::last_write_time(file).time_since_epoch()).count();
    old.exec(
        "INSERT INTO release(id, name) VALUES (1, 'develop');"
        "INSERT INTO package(id, name) VALUES (1, 'zlib');"
        "INSERT INTO compiler(id, label, name, version) VALUES (1, 'gcc@11.4.0', 'gcc', '11.4.0');"
        "INSERT INTO os(id, name) VALUES (1, 'ubuntu22.04');"
        "INSERT INTO platform(id, name) VALUES (1, 'linux');"
        "INSERT INTO target(id, name) VALUES (1, 'x86_64_v3');"
        "INSERT INTO stack(id, name) VALUES (1, 'e4s'), (2, 'root');"
        "INSERT INTO stack_set(id, key) VALUES (1, '1,2,');"
        "INSERT INTO stack_set_member VALUES (1, 1), (1, 2);"
        "INSERT INTO variant(id, text, name) VALUES (1, '+x', 'x');"
        "INSERT INTO variant_value VALUES (1, 0, 'true');"
        "INSERT INTO variant_set(id, key) VALUES (1, '1,');"
        "INSERT INTO variant_set_member VALUES (1, 1);"
        "INSERT INTO spec(id, hash, package_id, version, compiler_id, os_id, platform_id, target_id, variant_set_id, "
        "  all_stack_set_id, size, tarball) VALUES (1, 'z1', 1, '1.0', 1, 1, 1, 1, 1, 1, 99, 'https://old/z1.spack');"
        "INSERT INTO spec_version VALUES (1, '1.0');"
        "INSERT INTO release_spec(release_id, spec_id, page_id, stack_set_id, package_id, compiler_id, os_id, "
        "  platform_id, target_id) VALUES (1, 1, 1, 1, 1, 1, 1, 1, 1);" +
        fmt::format("INSERT INTO page(id, release_id, package_id, path, content_hash, file_size, file_mtime_ns, "
                    "ingested_at) VALUES (1, 1, 1, '{}', 'old', {}, {}, '2025-01-01T00:00:00Z')",
                    fs::absolute(file).string(), fs::file_size(file), mtime_ns));
  }
  auto db = open_database(path, OpenMode::ReadWrite);
  // Upgraded: what was stored is still shown, now as the release's.
  CHECK(text(db, "SELECT size || ' ' || tarball FROM specs") == "99 https://old/z1.spack");
  auto next = ingest(db, {tree}, {});
  CHECK(next.pages_updated == 1);
  CHECK(text(db, "SELECT size || ' ' || tarball FROM specs") == "100 https://example.org/develop/z1.spack");
  CHECK(testing::dump_analyst_views(db) == [&] {
    testing::TempDir other;
    auto fresh = open_database(other / "fresh.sqlite", OpenMode::ReadWrite);
    ingest(fresh, {tree}, {});
    return testing::dump_analyst_views(fresh);
  }());
}
