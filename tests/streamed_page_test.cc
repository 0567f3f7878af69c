// A large page is checked by the loader a chunk of specs at a time, then read
// again and written a chunk at a time (IngestOptions::stream_specs_from), so
// that no copy of its specs is held whole. What it stores, what it finds and
// how it is rejected must be what the same page read whole gives.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>

#include "formats/cache_page/page.h"
#include "parsing/text_limits.h"
#include "ingest/ingester.h"
#include "ingest/page_check.h"
#include "ingest/page_writer.h"
#include "storage/database.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kWhole = SIZE_MAX;  // no page streamed
constexpr std::size_t kEvery = 0;         // every page streamed

// Spec `i` of the large page: every kind of variant, compilers old and new,
// a tarball and a size on some, one to three stacks.
testing::SpecEntry big_spec(std::size_t i, int night) {
  auto s = testing::SpecEntry::typical(fmt::format("big{:07}", i));
  const char* compilers[] = {"gcc@=11.4.0", "gcc@11.4.0", "none", "clang@=17.0.6"};
  s.compiler(compilers[i % 4]).versions({fmt::format("1.{}", i % 7)}).target(i % 3 ? "zen4" : "x86_64_v3");
  std::vector<std::string> variants = {"+mpi", "~shared", "build_system=cmake", "libs=shared,static"};
  if (i % 5 == 0) variants.push_back("build_type='dm+sm'");
  if (i % 11 == 0) variants.insert(variants.end(), {"++debug", "~~lto", "cflags==-O2", "arch:=a,b"});
  s.variants(variants);
  std::vector<std::string> stacks = {"root"};
  if (i % 2) stacks.push_back("e4s");
  if ((i + static_cast<std::size_t>(night)) % 3 == 0) stacks.push_back("tutorial");  // moves between nights
  s.stacks(stacks);
  if (i % 4 == 1) s.size("123456");
  if (i % 6 == 2) s.tarball(fmt::format("https://binaries.spack.io/develop/big{:07}.spack", i));
  return s;
}

// A page of `n` specs: with 30,000 it is over 4 MiB, streamed by default too.
testing::CachePage big_page(std::size_t n, int night) {
  testing::CachePage page("develop", "big");
  for (std::size_t i = 0; i < n; ++i) page.spec(big_spec(i, night));
  // meta claims one spec too many, and the wrong count for e4s: two findings.
  page.meta(fmt::format(R"({{"num_specs": {}, "num_specs_by_stack": {{"root": {}, "e4s": 1}}}})", n + 1, n));
  return page;
}

// The tree of a night: the large page, and small pages of which one lists a
// hash of the large page described otherwise (a conflict, settled by order).
void write_night(const fs::path& tree, std::size_t big_specs, int night) {
  big_page(big_specs, night).write(tree);
  for (int p = 0; p < 3; ++p) {
    testing::CachePage page("develop", fmt::format("small{}", p));
    page.spec(testing::SpecEntry::typical(fmt::format("small{}{}", p, night)).stacks({"e4s", "root"}));
    if (p == 1) page.spec(testing::SpecEntry::typical("big0000003").target("neoverse_v1").stacks({"root"}));
    page.write(tree);
  }
}

// Every row stored, by value (sizes and tarballs are in the specs view).
std::string dump(SQLite::Database& db) { return testing::dump_pages_stored(db); }

std::vector<std::string> messages(const IngestSummary& s) {
  std::vector<std::string> out;
  for (const auto& f : s.findings) out.push_back(f.kind + ": " + f.message);
  for (const auto& r : s.rejections) out.push_back(fmt::format("rejected at line {}: {}", r.line, r.message));
  return out;
}

IngestOptions streamed_from(std::size_t bytes) {
  IngestOptions o;
  o.stream_specs_from = bytes;
  return o;
}

// A tree of two pages, written in path order: "aaa" (one spec), then "zzz"
// (50 specs, streamed when every page is), whose path is returned.
fs::path write_aaa_then_zzz(const fs::path& tree) {
  testing::CachePage("develop", "aaa").spec(testing::SpecEntry::typical("aaa0001")).write(tree);
  testing::CachePage later("develop", "zzz");
  for (std::size_t i = 0; i < 50; ++i) later.spec(big_spec(i, 1));
  return later.write(tree);
}

// Tells when the loader has read `file` (it closes it once read), so that a
// test can change the world between the loader's check and the writer's work.
class ReadWatch {
 public:
  explicit ReadWatch(const fs::path& file) : fd_(inotify_init1(IN_CLOEXEC)) {
    REQUIRE(fd_ >= 0);
    REQUIRE(inotify_add_watch(fd_, file.c_str(), IN_CLOSE_NOWRITE) >= 0);
  }
  ~ReadWatch() { ::close(fd_); }
  ReadWatch(const ReadWatch&) = delete;
  ReadWatch& operator=(const ReadWatch&) = delete;
  // True once the file has been read (waiting 30 s at most).
  bool wait() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 30'000) == 1;
  }

 private:
  int fd_;
};

}  // namespace

// Two chunks of 4,096 specs and a short one: the chunk logic in full, at a
// threshold only the large page passes (the default, 4 MiB, is the stress
// test below).
TEST_CASE("a page streamed a chunk at a time stores and finds what the same page read whole does") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_night(tree, 9000, 1);
  const std::size_t from_big = fs::file_size(testing::page_path(tree, "develop", "big")) / 2;
  REQUIRE(from_big > 64 * 1024);  // far above the small pages

  // Read whole, streamed from the large page's size (it alone), and every page streamed.
  std::vector<std::string> dumps, found;
  std::vector<std::int64_t> added, read_again;
  for (std::size_t from : {kWhole, from_big, kEvery}) {
    auto db = open_database(dir / fmt::format("db-{}.sqlite", from == kWhole ? 1 : from == 0 ? 3 : 2),
                            OpenMode::ReadWrite);
    const IngestSummary s = ingest(db, {tree}, streamed_from(from));
    CHECK(s.pages_added == 4);
    CHECK(s.pages_rejected == 0);
    read_again.push_back(s.pages_read_again);
    added.push_back(s.specs_added);
    dumps.push_back(dump(db));
    found.push_back(fmt::format("{}", fmt::join(messages(s), "\n")));
  }
  // Read whole, none is read again; from the large page's size, that page; else every page.
  CHECK(read_again == std::vector<std::int64_t>{0, 1, 4});
  CHECK(added[0] == 9000 + 3 + 1);
  CHECK(added[1] == added[0]);
  CHECK(added[2] == added[0]);
  CHECK(testing::contains(found[0], "num_specs: meta.num_specs is 9001 but spec_details lists 9000 specs"));
  CHECK(testing::contains(found[0], "num_specs_by_stack: meta.num_specs_by_stack disagrees: e4s 1 in meta, 4500"));
  CHECK(testing::contains(found[0], "hash_conflict"));
  CHECK(found[1] == found[0]);
  CHECK(found[2] == found[0]);
  CHECK(dumps[1] == dumps[0]);
  CHECK(dumps[2] == dumps[0]);

  // The next night: the large page lists fewer specs and moves some between
  // stacks. Each database, updated as it was made, still equals the others.
  write_night(tree, 7000, 2);
  std::vector<std::string> nights;
  std::vector<std::int64_t> removed;
  read_again.clear();
  for (std::size_t from : {kWhole, from_big, kEvery}) {
    auto db = open_database(dir / fmt::format("db-{}.sqlite", from == kWhole ? 1 : from == 0 ? 3 : 2),
                            OpenMode::ReadWrite);
    const IngestSummary s = ingest(db, {tree}, streamed_from(from));
    CHECK(s.pages_updated == 4);
    read_again.push_back(s.pages_read_again);
    removed.push_back(s.specs_removed);
    nights.push_back(dump(db));
  }
  CHECK(read_again == std::vector<std::int64_t>{0, 1, 4});
  CHECK(removed[0] == 2000 + 3);
  CHECK(removed[1] == removed[0]);
  CHECK(removed[2] == removed[0]);
  CHECK(nights[0] != dumps[0]);
  CHECK(nights[1] == nights[0]);
  CHECK(nights[2] == nights[0]);
}

// At the default threshold: a page over 4 MiB is streamed by an ingest with
// the default options, and `check` counts its specs as ingest does.
TEST_CASE("a page over 4 MiB is streamed by default, by ingest and by check alike" * doctest::test_suite("stress")) {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_night(tree, 30000, 1);
  REQUIRE(fs::file_size(testing::page_path(tree, "develop", "big")) > kStreamSpecsFrom);

  auto whole = open_database(dir / "whole.sqlite", OpenMode::ReadWrite);
  const IngestSummary w = ingest(whole, {tree}, streamed_from(kWhole));
  auto db = open_database(dir / "default.sqlite", OpenMode::ReadWrite);
  const IngestSummary s = ingest(db, {tree}, IngestOptions{});
  CHECK(w.pages_read_again == 0);
  CHECK(s.pages_read_again == 1);  // the large page alone
  CHECK(s.specs_added == 30000 + 3 + 1);
  CHECK(fmt::format("{}", fmt::join(messages(s), "\n")) == fmt::format("{}", fmt::join(messages(w), "\n")));
  CHECK(dump(db) == dump(whole));

  const CheckSummary c = check_pages({tree}, IngestOptions{}.max_page_bytes, 0);
  CHECK(c.pages == 4);
  CHECK(c.spec_rows == 30000 + 3 + 1);
}

TEST_CASE("a streamed page broken in a late chunk is rejected whole, as when read whole, and the version stored stays") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  big_page(9000, 1).write(tree);
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest(db, {tree}, streamed_from(kEvery)).pages_added == 1);
  const std::string stored = dump(db);

  // Each page breaks a rule in its third chunk (spec 8,700 of 9,000), or at its very end.
  auto broken = [](const std::string& what) {
    testing::CachePage page("develop", "big");
    for (std::size_t i = 0; i < 9000; ++i) {
      auto s = big_spec(i, 2);
      if (i == 8700 && what == "variant") s.variants({"+mpi", "bogus"});
      if (i == 8700 && what == "compiler") s.compiler("@11.4.0");
      if (i == 8700 && what == "hash listed twice") s = big_spec(12, 2);
      if (i == 8700 && what == "hash not a string") s.hash_json("2");
      page.spec(s);
    }
    if (what == "bad JSON at the end") {
      std::vector<testing::SpecEntry> all;
      for (std::size_t i = 0; i < 9000; ++i) all.push_back(big_spec(i, 2));
      page.details(testing::spec_list(all) + " x");  // after two chunks were checked
    }
    return page;
  };
  for (const char* what : {"variant", "compiler", "hash listed twice", "hash not a string", "bad JSON at the end"}) {
    CAPTURE(what);
    const auto page = broken(what);
    const auto whole = testing::rejection(page.text());
    REQUIRE(whole.second != "<accepted>");
    page.write(tree);
    const IngestSummary s = ingest(db, {tree}, streamed_from(kEvery));
    CHECK(s.pages_rejected == 1);
    CHECK(s.pages_read_again == 0);  // rejected by the loader: the writer never reads it
    REQUIRE(s.rejections.size() == 1);
    CHECK(s.rejections[0].line == whole.first);
    CHECK(s.rejections[0].message == whole.second);
    CHECK(dump(db) == stored);
  }
  // A later spec's broken rule is reported before an earlier spec's bad
  // variant, as when the page is read whole (rules first, then texts).
  testing::CachePage both("develop", "big");
  for (std::size_t i = 0; i < 9000; ++i) {
    auto s = big_spec(i, 2);
    if (i == 100) s.variants({"bogus"});
    if (i == 8700) s.hash_json("null");
    both.spec(s);
  }
  both.write(tree);
  const IngestSummary s = ingest(db, {tree}, streamed_from(kEvery));
  REQUIRE(s.rejections.size() == 1);
  CHECK(s.rejections[0].message == testing::rejection(both.text()).second);
  CHECK(testing::contains(s.rejections[0].message, "spec_details[8700]"));
  CHECK(dump(db) == stored);
}

TEST_CASE("a second file of a streamed page is a duplicate, and a page seen before unchanged, as when read whole") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  const auto page = big_page(5000, 1);
  page.write(tree);
  page.write_to(dir / "copy" / "specs.md");
  std::vector<std::string> dumps, found;
  for (std::size_t from : {kWhole, kEvery}) {
    auto db = open_database(dir / fmt::format("db-{}.sqlite", from == kWhole ? "whole" : "streamed"),
                            OpenMode::ReadWrite);
    const IngestSummary s = ingest(db, {tree, dir / "copy"}, streamed_from(from));
    CHECK(s.pages_added == 1);
    CHECK(s.pages_skipped == 1);
    CHECK(s.pages_read_again == (from == kEvery ? 1 : 0));  // the duplicate is not
    dumps.push_back(dump(db));
    std::vector<std::string> m = messages(s);
    found.push_back(fmt::format("{}", fmt::join(m, "\n")));
    // The next night finds the page unchanged, and the copy a duplicate again.
    const IngestSummary again = ingest(db, {tree, dir / "copy"}, streamed_from(from));
    CHECK(again.pages_unchanged == 1);
    CHECK(again.pages_skipped == 1);
    CHECK(again.pages_read_again == 0);
    CHECK(dump(db) == dumps.back());
  }
  CHECK(dumps[1] == dumps[0]);
  CHECK(found[1] == found[0]);
}

TEST_CASE("a streamed page changed after its check and before its writing is rejected, and nothing of it written") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  // "zzz" changes once the loader has read it (as a checkout running under the ingest would).
  const fs::path later_path = write_aaa_then_zzz(tree);
  testing::CachePage changed("develop", "zzz");
  for (std::size_t i = 0; i < 50; ++i) changed.spec(big_spec(i, 2));
  REQUIRE(changed.text() != testing::read_text(later_path));

  const ReadWatch read(later_path);
  bool changed_in_time = false;
  IngestOptions options = streamed_from(kEvery);
  options.on_progress = [&](std::size_t done, std::size_t) {
    if (done != 1 || !read.wait()) return;  // "aaa" is written, "zzz" next; never read: the test fails below
    // A new file in its place, as git and rsync write one.
    changed.write_to(dir / "zzz.new");
    fs::rename(dir / "zzz.new", later_path);
    changed_in_time = true;
  };
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  const IngestSummary s = ingest(db, {tree}, options);
  REQUIRE(changed_in_time);
  CHECK(s.pages_added == 1);
  CHECK(s.pages_rejected == 1);
  CHECK(s.pages_read_again == 1);  // "aaa"; "zzz" was read again and refused
  REQUIRE(s.rejections.size() == 1);
  CHECK(s.rejections[0].path == later_path.string());
  CHECK(testing::contains(s.rejections[0].message, "changed while the run read it"));
  CHECK(db.execAndGet("SELECT count(*) FROM specs").getInt() == 1);
  CHECK(db.execAndGet("SELECT count(*) FROM specs WHERE package = 'zzz'").getInt() == 0);

  // The next night stores the page as it is now, and finds "aaa" unchanged.
  const IngestSummary next = ingest(db, {tree}, streamed_from(kEvery));
  CHECK(next.pages_added == 1);
  CHECK(next.pages_unchanged == 1);
  CHECK(db.execAndGet("SELECT count(*) FROM specs WHERE package = 'zzz'").getInt() == 50);
}

// Not under the sanitizers: their runtime needs descriptors of its own
// (UBSan checks an exception's type through a pipe), and with none left it
// reports that failure instead of the ingest's.
TEST_CASE("a streamed page that cannot be read again for want of file descriptors fails the run: nothing changed" *
          doctest::skip(testing::kSanitized)) {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  const fs::path later_path = write_aaa_then_zzz(tree);
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  const std::string empty = dump(db);

  const ReadWatch read(later_path);
  rlimit before{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
  bool limited = false;
  IngestOptions options = streamed_from(kEvery);
  options.on_progress = [&](std::size_t done, std::size_t) {
    if (done != 1 || !read.wait()) return;
    // No descriptor left: the lowest free one is the limit.
    const int free_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (free_fd < 0) return;
    ::close(free_fd);
    rlimit none = before;
    none.rlim_cur = static_cast<rlim_t>(free_fd);
    limited = ::setrlimit(RLIMIT_NOFILE, &none) == 0;
  };
  std::string failure;
  try {
    ingest(db, {tree}, options);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  ::setrlimit(RLIMIT_NOFILE, &before);
  REQUIRE(limited);
  CHECK(testing::contains(failure, "ingest failed, nothing was changed: " + later_path.string()));
  CHECK(testing::contains(failure, "Too many open files"));
  CHECK(dump(db) == empty);  // "aaa", written before, is rolled back with the run
  // Not logged as failed: with no descriptor free, SQLite cannot write that
  // either (the walk's case in hostile_env_test frees its own first). Never ok.
  CHECK(db.execAndGet("SELECT status FROM ingest_runs ORDER BY id DESC LIMIT 1").getString() != "ok");

  // With descriptors again, the same tree goes in whole.
  const IngestSummary s = ingest(db, {tree}, streamed_from(kEvery));
  CHECK(s.pages_added == 2);
  CHECK(s.pages_rejected == 0);
}

TEST_CASE("parse_page with a stream hands the specs on in chunks, in order, and keeps none") {
  testing::CachePage page("develop", "big");
  for (std::size_t i = 0; i < 2 * kSpecChunk + 5; ++i) page.spec(big_spec(i, 1));
  std::vector<std::size_t> chunks;
  std::vector<std::string> hashes;
  const SpecStream stream{0, [&](const SpecList& specs) {
                            chunks.push_back(specs.size());
                            for (const auto& s : specs) hashes.push_back(std::string(s.hash));
                          }};
  const Page p = parse_page(page.text(), &stream);
  CHECK(p.streamed);
  CHECK(p.specs.empty());
  CHECK(p.spec_count == 2 * kSpecChunk + 5);
  CHECK(chunks == std::vector<std::size_t>{kSpecChunk, kSpecChunk, 5});
  REQUIRE(hashes.size() == p.spec_count);
  for (std::size_t i = 0; i < hashes.size(); ++i) CHECK(hashes[i] == fmt::format("big{:07}", i));

  // Below the stream's size the page is read whole.
  const SpecStream later{page.text().size(), stream.take};
  const Page whole = parse_page(page.text(), &later);
  CHECK_FALSE(whole.streamed);
  CHECK(whole.specs.size() == whole.spec_count);
  CHECK(chunks.size() == 3);
}

TEST_CASE("a streamed chunk ends sooner when its specs' lists hold many items") {
  // Three specs of 65,536 versions and as many stacks: the first two reach
  // 262,144 list items (kChunkItems), and the third goes alone.
  std::vector<std::string> many(cachedb::limits::kListItems, "1");
  testing::CachePage page("develop", "lists");
  for (int i = 0; i < 3; ++i) page.spec(testing::SpecEntry(fmt::format("h{}", i)).versions(many).stacks(many));
  std::vector<std::size_t> chunks, items;
  const SpecStream stream{0, [&](const SpecList& specs) {
                            chunks.push_back(specs.size());
                            std::size_t n = 0;
                            for (const auto& s : specs) n += s.versions.size() + s.stacks.size();
                            items.push_back(n);
                          }};
  const Page p = parse_page(page.text(), &stream);
  CHECK(p.spec_count == 3);
  CHECK(chunks == std::vector<std::size_t>{2, 1});
  CHECK(items == std::vector<std::size_t>{4 * cachedb::limits::kListItems, 2 * cachedb::limits::kListItems});
}

TEST_CASE("will_write says what write() then does: added or updated, not a duplicate or unchanged") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  PageWriter writer(db);
  const Page page = parse_page(testing::CachePage("develop", "zlib").spec(testing::SpecEntry("h1")).text());
  const FileStamp stamp{10, 1};
  std::vector<bool> met;
  PageKey key = writer.key(page);
  CHECK(writer.will_write(key, "fingerprint 1", met));
  const PageWriteResult added = writer.write(page, key, "/p", "fingerprint 1", stamp, "now", met);
  CHECK(added.status == PageStatus::Added);

  key = writer.key(page);
  CHECK_FALSE(writer.will_write(key, "fingerprint 1", met));
  CHECK(writer.write(page, key, "/p", "fingerprint 1", stamp, "now", met).status == PageStatus::Unchanged);

  met.assign(static_cast<std::size_t>(added.page_id) + 1, false);
  met.back() = true;  // another file of the run gave the page
  CHECK_FALSE(writer.will_write(key, "fingerprint 2", met));
  CHECK(writer.write(page, key, "/p", "fingerprint 2", stamp, "now", met).status == PageStatus::Duplicate);

  met.back() = false;
  CHECK(writer.will_write(key, "fingerprint 2", met));
  CHECK(writer.write(page, key, "/p", "fingerprint 2", stamp, "now", met).status == PageStatus::Updated);
}
