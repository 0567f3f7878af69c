// Bounded resources: the memory an ingest takes is bounded by the size of the
// largest page (never by the database, never unbounded), and a file over the
// page-size limit is refused before a byte of it is read.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "child_process.h"
#include "index_builder.h"
#include "ingest/ingester.h"
#include "parsing/text_limits.h"
#include "test_support.h"

namespace fs = std::filesystem;

using testing::contains;

namespace {

using testing::kSanitized;

// The bound the project holds itself to for any one input, in KiB as GNU time gives peak RSS.
constexpr long kBoundKb = 256 * 1000 * 1000 / 1024;

// Ingests, then checks, the page at `page` (whose spec_details lists `specs`
// specs; -1: a page to be rejected) into a new database: each within the
// bound the project holds itself to for any one input, 256 MB; and, the page
// being streamed (larger than kStreamSpecsFrom), within 1.6 times its size:
// its text and its hashes, not a record of every spec besides (read whole, a
// page of the smallest specs took 206 MiB, 2.2 times).
// `commands`: both, or "check" alone for a shape whose cost is the loader's.
void ingest_and_check_within_bound(const fs::path& page, int specs,
                                   std::vector<const char*> commands = {"ingest", "check"}) {
  const auto page_bytes = static_cast<long>(fs::file_size(page));
  const auto db = page.parent_path() / "db.sqlite";
  // Every allocation filled as it is made and freed (as `meson test` runs the
  // suite): memory reserved and never written is then counted, as a limit on
  // address space (ulimit -v) would count it. glibc reads this at a process's
  // start: it changes the children, not this process.
  ::setenv("MALLOC_PERTURB_", "165", 1);
  for (const char* command : commands) {
    auto r = testing::run_child({testing::cachedb_binary(), "--db", db.string(), command, page.string()}, 300);
    const std::string name = command;
    INFO(name << " stderr: " << r.err);
    REQUIRE(r.exit_code == (specs < 0 ? 2 : 0));
    MESSAGE(name << ": page " << page_bytes / 1024 / 1024 << " MiB, peak RSS " << r.max_rss_kb / 1024 << " MiB (bound "
                    << kBoundKb / 1024 << " MiB), " << r.seconds << " s");
    CHECK(r.max_rss_kb < kBoundKb);
    CHECK(r.max_rss_kb < page_bytes / 1024 * 8 / 5);
  }
  if (commands.size() == 1) return;
  SQLite::Database check(db.string());
  CHECK(check.execAndGet("SELECT count(*) FROM specs").getInt() == std::max(specs, 0));
}

}  // namespace

TEST_CASE("one page with a million specs: ingested and checked within 256 MB" * doctest::test_suite("stress")) {
  if (kSanitized) {
    MESSAGE("skipped under sanitizers: they inflate memory use");
    return;
  }
  // A page of specs this small (72 MB) is streamed: its text, parsed in place,
  // a table of its hashes, and a chunk of specs at a time, on the loader's
  // thread and again on the writer's; the writer holds no more than a group of rows.
  testing::TempDir dir;
  const auto page = dir / "huge" / "specs.md";
  fs::create_directories(page.parent_path());
  constexpr int kSpecs = 1'000'000;
  {
    std::ofstream out(page, std::ios::binary);
    out << "---\ntitle: huge\nlayout: cache\ncategories: [package, develop]\nspec_details: [";
    std::string spec;
    for (int i = 0; i < kSpecs; ++i) {
      spec = (i ? ",{\"hash\":\"" : "{\"hash\":\"") + std::to_string(i) + "\",\"os\":\"o\",\"platform\":\"p\"," +
             "\"target\":\"t" + std::to_string(i % 5) + "\",\"stacks\":[\"s" + std::to_string(i % 3) + "\"]}";
      out << spec;
    }
    out << "]\n---\n";
  }
  ingest_and_check_within_bound(page, kSpecs);

  // The next night's page lists one hash anew: the page is written again,
  // its million stored specs compared with it. Its package's specs were
  // loaded whole for that, and took 304 MiB in all (363 MiB read whole).
  std::string text = testing::read_text(page);
  text.replace(text.find(R"({"hash":"0",)"), 12, R"({"hash":"x0",)");
  testing::write_text(page, text);
  auto r = testing::run_child({testing::cachedb_binary(), "--db", (page.parent_path() / "db.sqlite").string(),
                               "ingest", page.string()}, 300);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.err, "pages 0 added, 1 updated"));
  CHECK(contains(r.err, "specs 1 added, 1 removed"));
  MESSAGE("ingest of the page changed: peak RSS " << r.max_rss_kb / 1024 << " MiB, " << r.seconds << " s");
  CHECK(r.max_rss_kb < kBoundKb);
}

TEST_CASE("one page of twenty million list items: ingested and checked within 256 MB" * doctest::test_suite("stress")) {
  if (kSanitized) {
    MESSAGE("skipped under sanitizers: they inflate memory use");
    return;
  }
  // 100,000 specs of 200 one-letter stacks each (86 MB): a list item is 4
  // bytes of JSON and, streamed, the page's lists hold a chunk's items at a time.
  testing::TempDir dir;
  const auto page = dir / "lists" / "specs.md";
  fs::create_directories(page.parent_path());
  constexpr int kSpecs = 100'000;
  {
    std::string stacks;
    for (int k = 0; k < 200; ++k) {
      if (k) stacks += ",";
      stacks += "\"";
      stacks += static_cast<char>('a' + k % 26);
      stacks += "\"";
    }
    std::ofstream out(page, std::ios::binary);
    out << "---\ntitle: lists\nlayout: cache\ncategories: [package, develop]\nspec_details: [";
    for (int i = 0; i < kSpecs; ++i)
      out << (i ? "," : "") << "{\"hash\":\"" << i << "\",\"os\":\"o\",\"platform\":\"p\",\"target\":\"t\",\"stacks\":["
          << stacks << "]}";
    out << "]\n---\n";
  }
  ingest_and_check_within_bound(page, kSpecs);
}

namespace {

// Writes, at `page`, a page as large as the default page limit allows, of
// specs `spec(i)` (each a JSON object): the most any page read by default holds.
template <typename Spec>
int write_page_at_limit(const fs::path& page, Spec&& spec, const std::string& meta_line = "") {
  const std::string head =
      "---\ntitle: big\nlayout: cache\ncategories: [package, develop]\n" + meta_line + "spec_details: [";
  const std::string tail = "]\n---\n";
  const std::size_t limit = cachedb::IngestOptions{}.max_page_bytes;
  std::string text = head;
  text.reserve(limit);
  int specs = 0;
  for (;; ++specs) {
    const std::string s = spec(specs);
    const std::size_t comma = specs ? 1 : 0;
    if (text.size() + comma + s.size() + tail.size() > limit) break;
    if (comma) text += ',';
    text += s;
  }
  text += tail;
  fs::create_directories(page.parent_path());
  testing::write_text(page, text);
  return specs;
}

// `n` empty strings as the items of a JSON list, `"",""...`: the list items
// that cost most beside the JSON they take (4 bytes each, for 3).
std::string empty_strings(std::size_t n) {
  std::string items = n ? R"("")" : "";
  for (std::size_t k = 1; k < n; ++k) items += R"(,"")";
  return items;
}

// Spec `i` with a short unique hash, empty texts and `stacks` (JSON list items).
std::string small_spec(int i, std::string_view stacks) {
  static const char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string s = R"({"hash":")";
  do {
    s += kDigits[i % 62];
    i /= 62;
  } while (i);
  s += R"(","os":"","platform":"","target":"","stacks":[)";
  s += stacks;
  s += "]}";
  return s;
}

}  // namespace

TEST_CASE("a page as large as the default limit allows, of the smallest specs or the most list items, within 256 MB" *
          doctest::test_suite("stress")) {
  if (kSanitized) {
    MESSAGE("skipped under sanitizers: they inflate memory use");
    return;
  }
  // What a page read whole costs beyond its own bytes is most for the
  // smallest specs (56 bytes each, for ~58 of JSON) and for lists of empty
  // strings (4 bytes an item, for 3 of JSON): the default limit was set so
  // that either fits. Streamed, a page costs its text and ~8 bytes a spec.
  testing::TempDir dir;
  SUBCASE("the smallest specs") {
    const auto page = dir / "smallest" / "specs.md";
    const int specs = write_page_at_limit(page, [](int i) { return small_spec(i, ""); });
    ingest_and_check_within_bound(page, specs);
  }
  SUBCASE("a rejected page made to miscount: hashes that are not strings, then specs of long lists") {
    // Read whole, such a page was counted before it was read, and made room
    // for twice its size before the count held specs and items jointly (268
    // MiB). Streamed, it is not counted; what it can still grow is the table
    // of hashes, which a rejected spec never enters.
    std::string items = "[";
    items += empty_strings(cachedb::limits::kListItems);
    items += "]";
    std::string long_lists = R"({"hash":0,"versions":)";
    long_lists += items + R"(,"variants":)" + items + R"(,"stacks":)" + items + "}";
    const auto page = dir / "miscount" / "specs.md";
    // 136 specs of long lists (~735 KB each) fill what {"hash":0} (11 bytes) leaves.
    const std::size_t limit = cachedb::IngestOptions{}.max_page_bytes;
    const int small = static_cast<int>((limit - 136 * (long_lists.size() + 1) - 200) / 11);
    write_page_at_limit(page, [&](int i) { return i < small ? std::string(R"({"hash":0})") : long_lists; });
    ingest_and_check_within_bound(page, -1);
  }
  SUBCASE("specs of the longest lists, accepted") {
    // 255 specs, each of 65,536 empty versions and as many empty stacks (~393
    // KB): without the chunks' bound on items, one chunk would hold them all,
    // 33 million items (134 MB). Read whole, the page took 238 MiB.
    std::string items = "[";
    items += empty_strings(cachedb::limits::kListItems);
    items += "]";
    const auto page = dir / "longest" / "specs.md";
    const int specs = write_page_at_limit(page, [&](int i) {
      std::string s = R"({"hash":"h)" + std::to_string(i) + R"(","os":"","platform":"","target":"","versions":)";
      return s + items + R"(,"stacks":)" + items + "}";
    });
    ingest_and_check_within_bound(page, specs);
  }
  SUBCASE("specs that name distinct stacks and variants, under a meta that claims stacks") {
    // Millions of distinct names: a tally of the stacks meta is compared with
    // (~90 bytes a name) and a set of the variants checked (16 bytes each)
    // held them all, read whole. Streamed, the tally stops at 65,536 stacks
    // and the set holds a chunk's. The loader's cost: `check` alone.
    const auto page = dir / "distinct" / "specs.md";
    const int specs = write_page_at_limit(
        page,
        [](int i) {
          const std::string id = std::to_string(i);
          std::string s = R"({"hash":"h)" + id + R"(","os":"","platform":"","target":"","variants":["+)" + id +
                          R"(a","+)" + id + R"(b"],"stacks":[")";
          return s + id + R"(a",")" + id + R"(b",")" + id + R"(c",")" + id + R"(d"]})";
        },
        R"(meta: {"stacks": ["0a"]})" "\n");
    ingest_and_check_within_bound(page, specs, {"check"});
  }
  SUBCASE("specs of a hundred empty stacks") {
    const std::string stacks = empty_strings(100);
    const auto page = dir / "lists" / "specs.md";
    const int specs = write_page_at_limit(page, [&](int i) { return small_spec(i, stacks); });
    ingest_and_check_within_bound(page, specs);
  }
}

TEST_CASE("a file over the page limit is refused without being read") {
  testing::TempDir dir;
  const auto big = dir / "specs.md";
  {
    // 300 MiB, sparse: no disk used, and reading it would show in memory use.
    std::ofstream out(big, std::ios::binary);
    out << "---\n";
  }
  fs::resize_file(big, 300ull << 20);
  auto r = testing::run_child(
      {testing::cachedb_binary(), "--db", (dir / "db.sqlite").string(), "ingest", big.string()}, 60);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, big.string() + ": file is 314572800 bytes, over the 100663296-byte page limit"));
  if (!kSanitized) CHECK(r.max_rss_kb < 100 * 1024);
  CHECK(r.seconds < 10);
}

TEST_CASE("large sibling directories are held listed a few at a time, even after a small one" * doctest::test_suite("stress")) {
#if defined(__SANITIZE_THREAD__)
  return;  // shadow memory swamps what this measures
#endif
  if (kSanitized) return;
  // Releases of 2000 packages with long names (a listing of ~0.5 MB each),
  // after one small release: the walk must not list them sixteen to a job.
  testing::TempDir dir;
  auto make_tree = [&](const fs::path& root, int releases) {
    testing::write_text(root / "a" / "pkg" / "notes.md", "x");  // not a page: skipped
    const std::string stem(240, 'p');
    for (int r = 0; r < releases; ++r)
      for (int p = 0; p < 2000; ++p) {
        std::string release = "r";  // (appended: GCC 12 warns falsely on "r" + string, -Wrestrict)
        release += std::to_string(100 + r);
        fs::create_directories(root / release / (stem + std::to_string(p)));
      }
  };
  make_tree(dir / "one" / "_cache", 1);
  make_tree(dir / "many" / "_cache", 40);
  auto one = testing::run_child({testing::cachedb_binary(), "check", (dir / "one" / "_cache").string()}, 120);
  auto many = testing::run_child({testing::cachedb_binary(), "check", (dir / "many" / "_cache").string()}, 120);
  REQUIRE(one.exit_code == 0);
  REQUIRE(many.exit_code == 0);
  MESSAGE("peak RSS with 1 release " << one.max_rss_kb << " KiB, with 40 " << many.max_rss_kb << " KiB");
  // Forty listings held at once would be ~20 MiB more; a few are allowed.
  CHECK(many.max_rss_kb - one.max_rss_kb < 8 * 1024);
}

TEST_CASE("a small index into a new database holds no more memory than into one that holds indexes already") {
  // A load into an empty database maps the writer's heap ahead (util/warm_heap.h),
  // at most an eighth of what it reads: for an index of a few KiB, next to nothing.
  if (kSanitized) {
    MESSAGE("skipped under sanitizers: they inflate memory use");
    return;
  }
  testing::TempDir dir;
  std::vector<testing::IndexSpec> specs;
  for (const char* seed : {"alpha", "beta", "gamma"}) specs.push_back({.hash = testing::dag_hash(seed), .package = seed});
  const auto index = dir / "index.json";
  testing::write_text(index, testing::index_json(specs));
  const std::string db = (dir / "db.sqlite").string();
  auto ingest = [&](const char* release) {
    auto r = testing::run_child(
        {testing::cachedb_binary(), "--db", db, "-q", "ingest", "--index", index.string(), "--release", release,
         "--stack", "root"},
        60);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r.max_rss_kb;
  };
  const long into_new = ingest("r1"), into_held = ingest("r2");
  MESSAGE("peak RSS into a new database " << into_new << " KiB, into one holding an index " << into_held << " KiB");
  // Mapping the whole 8 MiB for it would show as ~8,000 KiB more.
  CHECK(into_new - into_held < 2 * 1024);
}
