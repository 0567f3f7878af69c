// The loader walks and loads on several threads: these tests hold it to the
// order and the completeness of a plain, sequential walk, to the number of
// threads it starts, and to ending soon once it is stopped.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "formats/registry.h"
#include "ingest/file_loader.h"
#include "ingest/file_walker.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace cachedb;

namespace {

// Why the loader passed a file over; empty when it did not.
std::string why_passed_over(const LoadedFile& file) {
  const auto* passed = std::get_if<PassedOver>(&file);
  return passed ? passed->why : std::string();
}

// Every *.md below `dir`, depth first, each directory's entries sorted by name:
// the order the walk promises, computed the obvious way.
void reference_walk(const fs::path& dir, std::vector<std::string>& out) {
  std::vector<fs::directory_entry> entries{fs::directory_iterator(dir), fs::directory_iterator()};
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename().native() < b.path().filename().native(); });
  for (const auto& e : entries) {
    if (e.is_symlink()) continue;
    if (e.is_directory()) reference_walk(e.path(), out);
    else if (e.path().extension() == ".md") out.push_back(fs::absolute(e.path()).string());
  }
}

std::vector<std::string> loader_order(const std::vector<fs::path>& inputs, unsigned threads) {
  FileLoader loader(inputs, 1u << 20, nullptr, threads);
  std::vector<std::string> out;
  while (auto page = loader.next()) {
    INFO(path_of(*page) << ": " << why_passed_over(*page));
    CHECK(why_passed_over(*page).empty());
    out.push_back(path_of(*page));
  }
  return out;
}

}  // namespace

TEST_CASE("pages come out in the order of a sequential walk, however many threads load them") {
  testing::TempDir dir;
  const fs::path root = dir / "_cache";
  // Large directories of pages (more than a loading job takes), small ones,
  // pages beside subdirectories at every level, names that sort by byte.
  for (int r = 0; r < 3; ++r) {
    const fs::path release = root / ("release-" + std::to_string(r));
    for (int p = 0; p < 60; ++p)
      testing::write_text(release / ("pkg" + std::to_string(p)) / "specs.md", "x");
    for (int f = 0; f < 40; ++f) testing::write_text(release / "flat" / (std::to_string(f) + ".md"), "x");
    testing::write_text(release / "a.md", "x");
    testing::write_text(release / "pkg3.md", "x");
    testing::write_text(release / "Z" / "deep" / "deeper" / "specs.md", "x");
    testing::write_text(release / "pkg7" / "notes.txt", "not a page");
  }
  std::vector<std::string> expected;
  reference_walk(root, expected);
  REQUIRE(expected.size() == 3 * (60 + 40 + 3));

  for (unsigned threads : {1u, 2u, 4u}) {
    INFO("threads: " << threads);
    CHECK(loader_order({root}, threads) == expected);
  }

  // Several inputs, files and directories, are walked in the order given.
  const fs::path single = root / "release-2" / "a.md";
  std::vector<std::string> two_inputs;
  two_inputs.push_back(fs::absolute(single).string());
  reference_walk(root / "release-0", two_inputs);
  CHECK(loader_order({single, root / "release-0"}, 2) == two_inputs);
  CHECK(count_files({single, root / "release-0"}, some_format_takes) == two_inputs.size());
}

namespace {

// Stored-page lookups that know no page.
struct NoPages : KnownPages {
  std::optional<KnownPage> by_stamp(const std::string&, const FileStamp&) override { return std::nullopt; }
  std::optional<KnownPage> by_content(const std::string&) override { return std::nullopt; }
};

}  // namespace

TEST_CASE("a loading thread whose lookups cannot be made reads every page itself") {
  testing::TempDir dir;
  const fs::path root = dir / "_cache";
  for (int p = 0; p < 100; ++p) testing::write_text(root / ("pkg" + std::to_string(p)) / "specs.md", "x");
  std::vector<std::string> expected;
  reference_walk(root, expected);

  // The lookups are only a shortcut: a connection that cannot be opened (too
  // many open files, say), for the loader thread or for a worker, costs reads.
  for (int failing : {0, 1, 2}) {
    INFO("failing call: " << failing);
    int calls = 0;
    FileLoader loader({root}, 1u << 20, [&]() -> std::unique_ptr<KnownPages> {
      if (calls++ == failing) throw std::runtime_error("unable to open database file");
      return std::make_unique<NoPages>();
    }, 3);
    std::vector<std::string> got;
    try {
      while (auto page = loader.next()) got.push_back(path_of(*page));
    } catch (const std::exception& e) {
      FAIL_CHECK("the walk failed: " << std::string(e.what()));
    }
    CHECK(got == expected);
  }
}

using testing::WorkingDirectory;

TEST_CASE("relative inputs give absolute paths, for pages and for what is passed over, from any directory") {
  testing::TempDir dir;
  const fs::path tree = dir / "tree";
  testing::write_text(tree / "develop" / "zlib" / "specs.md", "x");
  fs::create_symlink("nowhere.md", tree / "develop" / "gone.md");
  const fs::path root_dir = fs::canonical(dir.path());

  for (const fs::path& cwd : {root_dir, fs::path("/")}) {
    INFO("working directory: " << cwd);
    WorkingDirectory in(cwd);
    const fs::path relative = fs::relative(root_dir / "tree", cwd);
    FileLoader loader({relative}, 1u << 20, nullptr, 2);
    std::vector<std::pair<std::string, std::string>> seen;  // (path, why passed over)
    while (auto page = loader.next()) seen.emplace_back(path_of(*page), why_passed_over(*page));
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].first == (root_dir / "tree" / "develop" / "gone.md").string());
    CHECK_FALSE(seen[0].second.empty());
    CHECK(seen[1].first == (root_dir / "tree" / "develop" / "zlib" / "specs.md").string());
    CHECK(seen[1].second.empty());
  }
}

// What --prune asks of a stored page the walk did not meet (walk_reaches):
// the path below a directory given, followed as the walk follows it.
TEST_CASE("walk_reaches: met through real directories at any depth, not through a link or a page's name") {
  testing::TempDir dir;
  testing::write_text(dir / "a" / "b" / "page.txt", "x");
  fs::create_directories(dir / "specs.md" / "b");
  testing::write_text(dir / "specs.md" / "b" / "page.txt", "x");
  fs::create_directory_symlink(dir / "a", dir / "link");
  const std::string root = dir.path().string();
  CHECK(walk_reaches(root, "a/b/page.txt") == WalkReach::met);
  CHECK(walk_reaches(root, "a//b/./page.txt") == WalkReach::met);
  CHECK(walk_reaches(root, "a/b") == WalkReach::met);  // a file in any form
  CHECK(walk_reaches(root, "a/b/gone.txt") == WalkReach::absent);
  CHECK(walk_reaches(root, "a/b/page.txt/x") == WalkReach::not_met);  // not a directory on the way
  CHECK(walk_reaches(root, "nothing/b/page.txt") == WalkReach::absent);
  CHECK(walk_reaches(root, "link/b/page.txt") == WalkReach::not_met);  // the walk does not follow it
  CHECK(walk_reaches(root, "specs.md/b/page.txt") == WalkReach::not_met);  // passed over as a page's place
  CHECK(walk_reaches((dir / "link").string(), "b/page.txt") == WalkReach::met);  // a directory given is followed
  CHECK(walk_reaches(root, "a/b/") == WalkReach::unknown);

  // Deeper than a path may be long (PATH_MAX, 4096): the walk opens each
  // directory from its parent, and so does walk_reaches.
  const std::string name(200, 'd');
  std::string below;
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(fd >= 0);
  for (int i = 0; i < 22; ++i) {
    REQUIRE(::mkdirat(fd, name.c_str(), 0755) == 0);
    const int next = ::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY);
    ::close(fd);
    REQUIRE(next >= 0);
    fd = next;
    below += name + "/";
  }
  const int file = ::openat(fd, "page.txt", O_WRONLY | O_CREAT, 0644);
  ::close(fd);
  REQUIRE(file >= 0);
  ::close(file);
  REQUIRE(below.size() > 4096);
  CHECK(walk_reaches(root, below + "page.txt") == WalkReach::met);
  CHECK(walk_reaches(root, below + "gone.txt") == WalkReach::absent);
}

TEST_CASE("a directory longer than one read of its entries is listed whole and sorted" * doctest::test_suite("stress")) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path() / "release";
  fs::create_directories(dir);
  // Long names: 1200 entries need several reads of the directory, so the
  // listing is counted first and then read again.
  std::vector<std::string> pages, dirs;
  for (int i = 0; i < 1200; ++i) {
    const std::string stem = "package-with-a-rather-long-name-" + std::to_string(i * 7919 % 1200);
    if (i % 3 == 0) {
      dirs.push_back(stem);
      fs::create_directories(dir / stem);
    } else {
      pages.push_back(stem + ".md");
      testing::write_text(dir / pages.back(), "x");
    }
    testing::write_text(dir / (stem + ".txt"), "not a page");  // ignored by the walk
  }
  const Listing listing = Directory(AT_FDCWD, dir.string(), true).list(some_format_takes);
  std::vector<std::string> listed_pages, listed_dirs, all;
  for (const auto& e : listing.entries) {
    all.emplace_back(listing.name(e));
    (e.kind == WalkEntry::Kind::Directory ? listed_dirs : listed_pages).emplace_back(listing.name(e));
    CHECK(e.kind != WalkEntry::Kind::PassedOver);
  }
  CHECK(std::is_sorted(all.begin(), all.end()));
  std::sort(pages.begin(), pages.end());
  std::sort(dirs.begin(), dirs.end());
  CHECK(listed_pages == pages);
  CHECK(listed_dirs == dirs);
}

TEST_CASE("the loader starts as many threads as the CPUs it may run on, not the host's cores") {
  testing::TempDir dir;
  testing::write_text(dir / "a.md", "x");
  // As `taskset -c N cachedb ingest` would: the loader is made on a thread
  // allowed one CPU.
  unsigned threads = 0;
  std::size_t pages = 0;
  testing::run_on_one_cpu([&] {
    FileLoader loader({dir.path()}, 1u << 20, nullptr);
    threads = loader.threads();
    while (loader.next()) ++pages;
  });
  CHECK(threads == 1);
  CHECK(pages == 1);
}

TEST_CASE("a stop is noticed while the walk lists directories that hold no pages" * doctest::test_suite("stress")) {
  testing::TempDir dir;
  const fs::path root = dir / "_cache";
  // Directories and no page: a walk that looked for a stop only when it hands
  // pages over would list every one of them first.
  for (int a = 0; a < 40; ++a)
    for (int b = 0; b < 40; ++b) fs::create_directories(root / std::to_string(a) / std::to_string(b));
  const std::size_t directories = 1 + 40 + 40 * 40;

  for (unsigned threads : {1u, 3u}) {
    INFO("threads: " << threads);
    // The stop is asked for before the walk lists anything: the loader thread's
    // first stored-page lookups, made before it starts walking, wait for it.
    std::promise<void> stopped;
    const std::shared_future<void> asked = stopped.get_future().share();
    bool first = true;  // (the lookups are all made on the loader thread)
    FileLoader loader({root}, 1u << 20, [&first, asked]() -> std::unique_ptr<KnownPages> {
      if (std::exchange(first, false)) asked.wait();
      return nullptr;
    }, threads);
    loader.stop();
    stopped.set_value();
    while (loader.next()) {
    }  // the walk has ended
    CHECK(loader.directories_listed() < directories / 10);
  }

  // Unstopped, the same walk lists them all.
  FileLoader loader({root}, 1u << 20, nullptr, 3);
  while (loader.next()) {
  }
  CHECK(loader.directories_listed() == directories);
}

TEST_CASE("a page is parsed in the buffer it was read into: what a copy of its text gives, and it keeps the buffer") {
  testing::TempDir dir;
  const std::string good =
      "---\nspec_details: [{\"hash\": \"h\\n1\", \"os\": \"o\", \"platform\": \"p\", \"target\": \"t\", "
      "\"stacks\": [\"root\"], \"x\": {\"y\": [1]}}]\nmeta: {\"num_specs\": 2, \"stacks\": [\"root\"]}\n"
      "title: zlib\nlayout: cache\ncategories: [package, develop]\n---\n";
  const std::string bad = "---\ntitle: zlib\nlayout: cache\ncategories: [package, develop]\nspec_details: [\n"
                          "{\"hash\": \"a\\n\\n\\n\"},\n{\"hash\" 1}]\n---\n";
  testing::write_text(dir / "a" / "good.md", good);
  testing::write_text(dir / "b" / "bad.md", bad);
  FileLoader loader({dir.path()}, 1u << 20, nullptr, 1);

  auto loaded = loader.next();
  REQUIRE(loaded);
  const auto* parsed = std::get_if<Parsed>(&*loaded);
  REQUIRE(parsed);
  CHECK(parsed->fingerprint == content_fingerprint(good));
  const Page copy = parse_page(good);
  const Page& page = std::get<Page>(parsed->document);
  REQUIRE(page.specs.size() == 1);
  CHECK(page.specs[0].hash == "h\n1");
  CHECK(page.specs[0].hash == copy.specs[0].hash);
  CHECK(page.meta.num_specs == 2);
  CHECK(page.meta.stacks == copy.meta.stacks);
  CHECK(std::vector<std::string_view>(page.specs[0].stacks.begin(), page.specs[0].stacks.end()) ==
        std::vector<std::string_view>{"root"});
  CHECK(page.storage.size() == good.size());
  CHECK(page.memory_size() > good.size());
  REQUIRE(parsed->findings.size() == 1);  // meta's count, checked against the specs read in place
  CHECK(parsed->findings[0].message == "meta.num_specs is 2 but spec_details lists 1 specs");

  loaded = loader.next();
  REQUIRE(loaded);
  const auto* rejected = std::get_if<Rejected>(&*loaded);
  REQUIRE(rejected);
  CHECK(rejected->error.line() == 7);
  CHECK(std::string(rejected->error.what()) == "spec_details: invalid JSON at offset 31, in spec_details[1]: Missing a colon after a name of object member.");
  CHECK(!loader.next());
}

TEST_CASE("what the loader holds for the consumer is bounded in bytes, and all released at the end") {
  testing::TempDir tmp;
  // 30 cache pages of ~300 KB (9 MB in all): several fit in the bound.
  for (int p = 0; p < 30; ++p) {
    std::string text = "---\ntitle: pkg" + std::to_string(p) +
                       "\nlayout: cache\ncategories: [package, develop]\nspec_details: [";
    for (int i = 0; i < 2000; ++i)
      text += (i ? ",{\"hash\":\"" : "{\"hash\":\"") + std::to_string(p) + "h" + std::to_string(i) +
              "\",\"os\":\"ubuntu22.04\",\"platform\":\"linux\",\"target\":\"x86_64_v3\","
              "\"variants\":[\"+mpi\",\"~shared\"],\"stacks\":[\"e4s\",\"root\"]}";
    text += "]\n---\n";
    testing::write_text(tmp / ("pkg" + std::to_string(p)) / "specs.md", text);
  }
  FileLoader loader({tmp.path()}, 1u << 30, nullptr, 2);
  std::size_t pages = 0, largest = 0;
  while (auto page = loader.next()) {
    const auto* parsed = std::get_if<Parsed>(&*page);
    REQUIRE(parsed);
    ++pages;
    largest = std::max(largest, memory_size(parsed->document));
    // Handed over while what is in flight stays within 2 MiB, or alone when
    // nothing is: a batch (up to 256 KiB and one more page) at most then.
    CHECK(loader.in_flight_bytes() <= std::max<std::size_t>(2u << 20, (256u << 10) + 2 * largest));
  }
  CHECK(pages == 30);
  CHECK(loader.in_flight_bytes() == 0);
}
