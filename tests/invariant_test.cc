// The nightly job's invariant: after any sequence of ingests, with or without
// --prune, over a tree that changes between runs, the database answers exactly
// as a fresh ingest of the final tree does. Every analysts' view and the page
// table, dumped in a fixed order, are compared byte for byte.
//
// A generator (std::mt19937, fixed seeds) keeps a small model of a site: two
// input trees (a/_cache and b/_cache, both given), a few releases and
// packages, hashes shared across releases and stacks, variants, sizes and
// tarballs. Each step applies one kind of change to the files, ingests into
// the database that has seen every step (with --prune or not, sometimes
// forced, on one or two threads), and, whenever the two should agree, ingests
// the same tree into a fresh database and compares.
//
// They should agree when the tree holds no corrupt page (a stored page whose
// file is rejected keeps its earlier rows) and every page the database has
// seen is still in the tree (without --prune, a page that left stays). The
// model tracks both. CACHEDB_SOAK_STEPS, CACHEDB_SOAK_SEEDS, CACHEDB_SOAK_SEED
// and CACHEDB_INVARIANT_KINDS scale it up by hand: scripts/soak-invariant.sh.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <SQLiteCpp/Database.h>

#include "ingest/ingester.h"
#include "ingest/page_check.h"
#include "storage/database.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

namespace {

// The kinds of change the generator makes.
enum class Change {
  AddPage,                  // a new (release, package) page, with new hashes and the package's from other releases
  RemovePage,               // a page's file deleted (a good one or a corrupt one)
  RewritePage,              // stacks changed, a spec added or dropped, specs reordered, formatting changed
  TouchPage,                // the same bytes written again (a fresh checkout): only the file's time changes
  MovePageFile,             // a page's file moved from one input tree to the other
  CorruptPage,              // junk after 'layout: cache', a truncated file, binary garbage, an empty file
  RepairPage,               // a corrupt page written whole again
  OtherMarkdown,            // a README, an index page or cron mail added, changed or removed beside the pages
  MoveHashBetweenPackages,  // a hash moves to another package's pages, in every release that lists it
  MoveHashBetweenReleases,  // a hash leaves one release's page for the same package's page in another release
  ShareHashAcrossReleases,  // a hash one release lists is listed by another release too
  SizeTarballEverywhere,    // a hash's size or tarball changes on every page that lists it
  DuplicatePage,            // a page's file copied to the other input tree (as is, or changed)
  DescribeHashTwoWays,      // one hash described two ways (os, target, variants or versions) by two releases' pages
  ListHashUnderTwoPackages, // one hash listed by two packages' pages, in one release or two
  SizeTarballInOneRelease,  // a hash's size or tarball changes on one release's page only
};

struct ChangeName {
  Change change;
  const char* name;
};
constexpr ChangeName kChangeNames[] = {
    {Change::AddPage, "add-page"},
    {Change::RemovePage, "remove-page"},
    {Change::RewritePage, "rewrite-page"},
    {Change::TouchPage, "touch-page"},
    {Change::MovePageFile, "move-page-file"},
    {Change::CorruptPage, "corrupt-page"},
    {Change::RepairPage, "repair-page"},
    {Change::OtherMarkdown, "other-markdown"},
    {Change::MoveHashBetweenPackages, "move-hash-between-packages"},
    {Change::MoveHashBetweenReleases, "move-hash-between-releases"},
    {Change::ShareHashAcrossReleases, "share-hash-across-releases"},
    {Change::SizeTarballEverywhere, "size-tarball-everywhere"},
    {Change::DuplicatePage, "duplicate-page"},
    {Change::DescribeHashTwoWays, "describe-hash-two-ways"},
    {Change::ListHashUnderTwoPackages, "list-hash-under-two-packages"},
    {Change::SizeTarballInOneRelease, "size-tarball-in-one-release"},
};

const char* name_of(Change c) {
  for (const auto& n : kChangeNames)
    if (n.change == c) return n.name;
  return "?";
}

// Every kind of change. Some are the disagreements the site has had: two
// files for one page (the first in the walk's order is the page), a hash
// described two ways (the page whose (release, package) sorts last describes
// it; in one release, the package that sorts last holds it), a size or
// tarball that differs between releases (stored per release).
std::vector<Change> all_kinds() {
  std::vector<Change> all;
  for (const auto& n : kChangeNames) all.push_back(n.change);
  return all;
}

// "all" (the default), or names from kChangeNames, comma-separated.
std::vector<Change> kinds_from(const std::string& spec) {
  if (spec.empty() || spec == "all") return all_kinds();
  std::vector<Change> out;
  std::stringstream in(spec);
  for (std::string item; std::getline(in, item, ',');) {
    bool found = false;
    for (const auto& n : kChangeNames)
      if (item == n.name) {
        out.push_back(n.change);
        found = true;
      }
    if (!found) throw std::runtime_error("CACHEDB_INVARIANT_KINDS: no kind of change named '" + item + "'");
  }
  return out;
}

std::string env(const char* name, const std::string& otherwise = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : otherwise;
}

// --- The model ---------------------------------------------------------------

const std::vector<std::string> kReleases = {"develop", "v1.0", "v1.1"};
const std::vector<std::string> kPackages = {"cmake", "hdf5", "openssl", "py-numpy", "zlib"};
const std::vector<std::string> kStacks = {"e4s", "ml", "tutorial"};
const std::vector<std::string> kOses = {"rhel8", "ubuntu22.04"};
const std::vector<std::string> kTargets = {"aarch64", "neoverse_v2", "x86_64_v3"};
const std::vector<std::string> kCompilers = {"clang@=17.0.0", "gcc@=11.4.0", "none"};
const std::vector<std::string> kVersions = {"1.0", "1.2.3", "2.0"};
const std::vector<std::string> kVariants = {"+shared", "~mpi", "build_type=Release", "libs=shared,static"};
const std::vector<std::string> kRoots = {"a", "b"};

// What a page says of one hash.
struct Description {
  std::string package;  // whose pages list it (not written: a page's specs are its title's)
  std::string version, compiler, os, target;
  std::vector<std::string> variants;
  std::optional<std::int64_t> size;  // '-' when absent
  std::string tarball;               // no key when empty
};

// A hash as one page lists it.
struct Listing {
  std::string hash;
  std::vector<std::string> stacks;
  std::optional<Description> own;  // this page's own description of it (described two ways)
};

// One page's file.
struct PageFile {
  std::string root, release, package;
  std::vector<Listing> specs;
  unsigned style = 0;  // how it is written: bit 0 quoted title, bit 1 meta, bit 2 sorted spec keys
  bool corrupt = false;
  std::string corrupt_text;  // the bytes, while corrupt

  std::string key() const { return release + "/" + package; }
  std::string path() const { return root + "/_cache/" + release + "/" + package + "/specs.md"; }
};

std::string json_string(const std::string& s) { return "\"" + s + "\""; }

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + json_string(items[i]);
  return out + "]";
}

class Site {
 public:
  Site(fs::path root, std::uint32_t seed, std::vector<Change> kinds)
      : root_(std::move(root)), rng_(seed), kinds_(std::move(kinds)) {
    for (const auto& r : kRoots) fs::create_directories(root_ / r / "_cache");
  }

  std::vector<fs::path> inputs() const { return {root_ / "a", root_ / "b"}; }
  std::mt19937& rng() { return rng_; }

  // Applies one change and says what it did.
  std::string step() {
    for (int attempt = 0; attempt < 100; ++attempt) {
      Change c = kinds_[pick(kinds_.size())];
      // A corrupt tree is compared with nothing: repair soon.
      if (corrupt_files() && has(Change::RepairPage) && chance(0.3)) c = Change::RepairPage;
      if (auto done = apply(c)) return std::string(name_of(c)) + ": " + *done;
    }
    return "nothing applicable";
  }

  std::size_t corrupt_files() const {
    return static_cast<std::size_t>(
        std::count_if(files_.begin(), files_.end(), [](const auto& f) { return f.second.corrupt; }));
  }

  // The (release, package) of every good page in the tree.
  std::set<std::string> good_keys() const {
    std::set<std::string> out;
    for (const auto& [path, f] : files_)
      if (!f.corrupt) out.insert(f.key());
    return out;
  }
  // ... and of every corrupt one.
  std::set<std::string> corrupt_keys() const {
    std::set<std::string> out;
    for (const auto& [path, f] : files_)
      if (f.corrupt) out.insert(f.key());
    return out;
  }

 private:
  bool has(Change c) const { return std::find(kinds_.begin(), kinds_.end(), c) != kinds_.end(); }
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <typename T>
  const T& any(const std::vector<T>& v) {
    return v[pick(v.size())];
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  std::optional<std::string> apply(Change c) {
    switch (c) {
      case Change::AddPage: return add_page();
      case Change::RemovePage: return remove_page();
      case Change::RewritePage: return rewrite_page();
      case Change::TouchPage: return touch_page();
      case Change::MovePageFile: return move_page_file();
      case Change::CorruptPage: return corrupt_page();
      case Change::RepairPage: return repair_page();
      case Change::OtherMarkdown: return other_markdown();
      case Change::MoveHashBetweenPackages: return move_hash_between_packages();
      case Change::MoveHashBetweenReleases: return move_hash_between_releases(true);
      case Change::ShareHashAcrossReleases: return move_hash_between_releases(false);
      case Change::SizeTarballEverywhere: return size_tarball_everywhere();
      case Change::DuplicatePage: return duplicate_page();
      case Change::DescribeHashTwoWays: return describe_hash_two_ways();
      case Change::ListHashUnderTwoPackages: return list_hash_under_two_packages();
      case Change::SizeTarballInOneRelease: return size_tarball_in_one_release();
    }
    return std::nullopt;
  }

  // --- helpers over the model ---

  std::vector<std::string> paths(bool good_only) const {
    std::vector<std::string> out;
    for (const auto& [path, f] : files_)
      if (!good_only || !f.corrupt) out.push_back(path);
    return out;
  }

  // The files of (release, package), in walk order (a/ before b/).
  std::vector<std::string> files_of(const std::string& release, const std::string& package) const {
    std::vector<std::string> out;
    for (const auto& [path, f] : files_)
      if (f.release == release && f.package == package) out.push_back(path);
    return out;
  }

  bool release_lists(const std::string& release, const std::string& hash) const {
    for (const auto& [path, f] : files_)
      if (f.release == release)
        for (const auto& l : f.specs)
          if (l.hash == hash) return true;
    return false;
  }

  // Every (file, hash) listed.
  std::vector<std::pair<std::string, std::string>> listings() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [path, f] : files_)
      for (const auto& l : f.specs) out.emplace_back(path, l.hash);
    return out;
  }

  std::vector<std::string> random_stacks() {
    std::vector<std::string> out;
    for (const auto& s : kStacks)
      if (chance(0.4)) out.push_back(s);
    out.push_back("root");
    return out;
  }

  std::optional<std::int64_t> random_size() {
    if (chance(0.2)) return std::nullopt;
    return std::uniform_int_distribution<std::int64_t>(1000, 9'999'999)(rng_);
  }
  std::string random_tarball(const std::string& hash) {
    if (chance(0.3)) return "";
    return "https://binaries.example/build_cache/" + hash + "-" + std::to_string(pick(1000)) + ".spack";
  }

  std::string new_hash(const std::string& package) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x%024d", static_cast<unsigned>(rng_()), ++hash_count_);
    Description d;
    d.package = package;
    d.version = any(kVersions);
    d.compiler = any(kCompilers);
    d.os = any(kOses);
    d.target = any(kTargets);
    for (const auto& v : kVariants)
      if (chance(0.3)) d.variants.push_back(v);
    d.size = random_size();
    d.tarball = random_tarball(buf);
    hashes_[buf] = d;
    return buf;
  }

  // A hash for a page of (release, package): one the package has elsewhere
  // and this release does not list yet, or a new one.
  std::string hash_for(const std::string& release, const std::string& package) {
    if (chance(0.5)) {
      std::vector<std::string> reusable;
      for (const auto& [hash, d] : hashes_)
        if (d.package == package && !release_lists(release, hash)) reusable.push_back(hash);
      if (!reusable.empty()) return any(reusable);
    }
    return new_hash(package);
  }

  // The page's text, from the model.
  std::string text_of(const PageFile& f) const {
    std::string out = "---\ntitle: " + ((f.style & 1) ? json_string(f.package) : f.package) +
                      "\nlayout: cache\ncategories: [package, " + f.release + "]\n";
    if (f.style & 2) {
      std::map<std::string, int> by_stack;
      for (const auto& l : f.specs)
        for (const auto& s : l.stacks) ++by_stack[s];
      std::vector<std::string> stacks;
      std::string counts;
      for (const auto& [s, n] : by_stack) {
        stacks.push_back(s);
        counts += (counts.empty() ? "" : ", ") + json_string(s) + ": " + std::to_string(n);
      }
      out += "meta: {\"num_specs\": " + std::to_string(f.specs.size()) + ", \"num_specs_by_stack\": {" + counts +
             "}, \"stacks\": " + json_list(stacks) + "}\n";
    }
    out += "spec_details: [";
    for (std::size_t i = 0; i < f.specs.size(); ++i) {
      const Listing& l = f.specs[i];
      const Description& d = l.own ? *l.own : hashes_.at(l.hash);
      std::vector<std::pair<std::string, std::string>> members = {
          {"hash", json_string(l.hash)},
          {"versions", json_list({d.version})},
          {"variants", json_list(d.variants)},
          {"os", json_string(d.os)},
          {"platform", json_string("linux")},
          {"target", json_string(d.target)},
          {"stacks", json_list(l.stacks)},
          {"size", d.size ? std::to_string(*d.size) : json_string("-")},
      };
      if (d.compiler != "none") members.emplace_back("compiler", json_string(d.compiler));
      if (!d.tarball.empty()) members.emplace_back("tarball", json_string(d.tarball));
      if (f.style & 4) std::sort(members.begin(), members.end());
      out += i ? ", {" : "{";
      for (std::size_t m = 0; m < members.size(); ++m)
        out += (m ? ", " : "") + json_string(members[m].first) + ": " + members[m].second;
      out += "}";
    }
    return out + "]\n---\n";
  }

  // Writes a file with a time of its own, one second after the last: a
  // night's changes, not several writes within the file system's clock tick
  // (a rewrite of the same size in the same tick is taken as unchanged, as
  // make and rsync take it).
  void write_file(const std::string& relative, const std::string& bytes) {
    const fs::path p = root_ / relative;
    testing::write_text(p, bytes);
    stamp(p);
  }
  void stamp(const fs::path& p) {
    const timespec times[2] = {{clock_, 0}, {clock_, 0}};
    ++clock_;
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
  }

  void write_page(const std::string& path) {
    const PageFile& f = files_.at(path);
    write_file(path, f.corrupt ? f.corrupt_text : text_of(f));
  }

  void remove_file(const std::string& relative) {
    const fs::path p = root_ / relative;
    fs::remove(p);
    // An empty package directory is left behind or not, as a checkout might.
    if (chance(0.5)) {
      std::error_code ec;
      fs::remove(p.parent_path(), ec);
    }
  }

  // Changes a page's listings a little; says how.
  std::string mutate(PageFile& f) {
    std::string what;
    const int n = 1 + static_cast<int>(pick(2));
    for (int i = 0; i < n; ++i) {
      switch (pick(5)) {
        case 0:
          if (!f.specs.empty()) {
            auto& l = f.specs[pick(f.specs.size())];
            l.stacks = random_stacks();
            what += " stacks of " + l.hash.substr(0, 8) + ";";
            break;
          }
          [[fallthrough]];
        case 1: {
          if (f.specs.size() >= 4) break;
          const std::string h = hash_for(f.release, f.package);
          // A copy not yet in the model (duplicate_page) may already list it.
          if (std::any_of(f.specs.begin(), f.specs.end(), [&](const auto& l) { return l.hash == h; })) break;
          f.specs.push_back({h, random_stacks(), std::nullopt});
          what += " lists " + h.substr(0, 8) + ";";
          break;
        }
        case 2:
          if (!f.specs.empty()) {
            const auto at = pick(f.specs.size());
            what += " drops " + f.specs[at].hash.substr(0, 8) + ";";
            f.specs.erase(f.specs.begin() + static_cast<std::ptrdiff_t>(at));
          }
          break;
        case 3:
          std::reverse(f.specs.begin(), f.specs.end());
          what += " reordered;";
          break;
        case 4:
          f.style ^= 1u << pick(3);
          what += " restyled;";
          break;
      }
    }
    return what;
  }

  // --- the changes ---

  std::optional<std::string> add_page() {
    const std::string release = any(kReleases), package = any(kPackages);
    if (!files_of(release, package).empty()) return std::nullopt;
    PageFile f{"a", release, package, {}, static_cast<unsigned>(pick(8)), false, {}};
    const int n = 1 + static_cast<int>(pick(3));
    for (int i = 0; i < n; ++i) {
      const std::string h = hash_for(release, package);
      if (std::any_of(f.specs.begin(), f.specs.end(), [&](const Listing& l) { return l.hash == h; })) continue;
      f.specs.push_back({h, random_stacks(), std::nullopt});
    }
    const std::string path = f.path();
    files_[path] = f;
    write_page(path);
    return path;
  }

  std::optional<std::string> remove_page() {
    const auto all = paths(false);
    if (all.empty()) return std::nullopt;
    const std::string path = any(all);
    files_.erase(path);
    remove_file(path);
    return path;
  }

  std::optional<std::string> rewrite_page() {
    const auto good = paths(true);
    if (good.empty()) return std::nullopt;
    const std::string path = any(good);
    const std::string how = mutate(files_.at(path));
    write_page(path);
    return path + how;
  }

  std::optional<std::string> touch_page() {
    const auto all = paths(false);
    if (all.empty()) return std::nullopt;
    const std::string path = any(all);
    write_page(path);
    return path;
  }

  std::optional<std::string> move_page_file() {
    const auto good = paths(true);
    if (good.empty()) return std::nullopt;
    const std::string from = any(good);
    PageFile f = files_.at(from);
    f.root = f.root == "a" ? "b" : "a";
    const std::string to = f.path();
    if (files_.count(to)) return std::nullopt;
    fs::create_directories((root_ / to).parent_path());
    fs::rename(root_ / from, root_ / to);
    files_.erase(from);
    files_[to] = f;
    return from + " -> " + to;
  }

  std::optional<std::string> corrupt_page() {
    const auto good = paths(true);
    if (good.empty()) return std::nullopt;
    const std::string path = any(good);
    PageFile& f = files_.at(path);
    const std::string text = text_of(f);
    std::string how;
    switch (pick(5)) {
      case 0: {  // a line of binary junk after 'layout: cache'
        const std::string layout = "layout: cache\n";
        f.corrupt_text = text;
        f.corrupt_text.insert(text.find(layout) + layout.size(), std::string("\0\x01 garbage\n", 11));
        how = "junk after layout";
        break;
      }
      case 1: {  // cut anywhere before the closing fence: the front matter never closes
        const auto cut = pick(text.size() - 4);
        f.corrupt_text = text.substr(0, cut);
        how = "truncated to " + std::to_string(cut) + " bytes";
        break;
      }
      case 2: {  // binary garbage (not even front matter)
        f.corrupt_text = std::string("\x7f" "ELF\0\x01\x02", 7);
        for (int i = 0; i < 64; ++i) f.corrupt_text += static_cast<char>(pick(256));
        how = "binary garbage";
        break;
      }
      case 3:
        f.corrupt_text = "";
        how = "emptied";
        break;
      case 4: {  // an error page saved in its place
        f.corrupt_text = "<html><body>502 Bad Gateway</body></html>\n";
        how = "an error page";
        break;
      }
    }
    f.corrupt = true;
    write_page(path);
    return path + " (" + how + ")";
  }

  std::optional<std::string> repair_page() {
    std::vector<std::string> corrupt;
    for (const auto& [path, f] : files_)
      if (f.corrupt) corrupt.push_back(path);
    if (corrupt.empty()) return std::nullopt;
    const std::string path = any(corrupt);
    PageFile& f = files_.at(path);
    f.corrupt = false;
    f.corrupt_text.clear();
    const std::string how = chance(0.5) ? mutate(f) : "";
    write_page(path);
    return path + how;
  }

  std::optional<std::string> other_markdown() {
    const std::vector<std::string> where = {"a/index.md", "a/_cache/README.md", "b/notes.md",
                                            "a/_cache/" + any(kReleases) + "/index.md"};
    const std::vector<std::string> texts = {
        "---\nlayout: default\ntitle: Spack build caches\n---\n\nThe site.\n",
        "# Notes\n\nNo front matter here.\n",
        "From: cron@host\nSubject: nightly\n\nfatal: unable to access the remote\n",
        "---\ntitle: tags\ntags:\n- a\n- b\n---\n",
    };
    const std::string path = any(where);
    if (other_.count(path) && chance(0.5)) {
      other_.erase(path);
      remove_file(path);
      return "removed " + path;
    }
    other_[path] = any(texts);
    write_file(path, other_[path]);
    return path;
  }

  // The page of (release, package) to add a hash to: the first file in walk
  // order, or a new file under a/.
  std::string page_to_extend(const std::string& release, const std::string& package) {
    const auto existing = files_of(release, package);
    if (!existing.empty()) return existing.front();
    PageFile f{"a", release, package, {}, static_cast<unsigned>(pick(8)), false, {}};
    files_[f.path()] = f;
    return f.path();
  }

  std::optional<std::string> move_hash_between_packages() {
    const auto all = listings();
    if (all.empty()) return std::nullopt;
    const std::string hash = any(all).second;
    Description& d = hashes_.at(hash);
    const std::string from = d.package;
    std::string to = any(kPackages);
    if (to == from) return std::nullopt;
    // The pages of `from` that list it (collected first: new pages of `to` may be made on the way).
    std::vector<std::string> listing;
    for (const auto& [path, f] : files_)
      if (f.package == from &&
          std::any_of(f.specs.begin(), f.specs.end(), [&](const Listing& l) { return l.hash == hash; }))
        listing.push_back(path);
    std::set<std::string> touched;
    for (const auto& path : listing) {
      PageFile& f = files_.at(path);
      auto it = std::find_if(f.specs.begin(), f.specs.end(), [&](const Listing& l) { return l.hash == hash; });
      Listing moved = *it;
      f.specs.erase(it);
      const std::string target = page_to_extend(f.release, to);
      PageFile& t = files_.at(target);
      if (std::none_of(t.specs.begin(), t.specs.end(), [&](const Listing& l) { return l.hash == hash; }))
        t.specs.push_back(moved);
      touched.insert(path);
      touched.insert(target);
    }
    d.package = to;
    for (const auto& path : touched) write_page(path);
    return hash.substr(0, 8) + " from " + from + " to " + to;
  }

  std::optional<std::string> move_hash_between_releases(bool move) {
    const auto all = listings();
    if (all.empty()) return std::nullopt;
    const auto& chosen = any(all);
    const std::string from_path = chosen.first, hash = chosen.second;
    const std::string release = any(kReleases);
    if (release_lists(release, hash)) return std::nullopt;
    PageFile& from = files_.at(from_path);
    auto it = std::find_if(from.specs.begin(), from.specs.end(), [&](const Listing& l) { return l.hash == hash; });
    Listing listing = *it;
    listing.stacks = random_stacks();
    if (move) from.specs.erase(it);
    const std::string to_path = page_to_extend(release, from.package);
    files_.at(to_path).specs.push_back(listing);
    if (move) write_page(from_path);
    write_page(to_path);
    return hash.substr(0, 8) + " " + from_path + " -> " + to_path;
  }

  std::optional<std::string> size_tarball_everywhere() {
    const auto all = listings();
    if (all.empty()) return std::nullopt;
    const std::string hash = any(all).second;
    Description& d = hashes_.at(hash);
    if (chance(0.5)) d.size = random_size();
    else d.tarball = random_tarball(hash);
    for (const auto& [path, f] : files_)
      for (const auto& l : f.specs)
        if (l.hash == hash && !l.own) write_page(path);
    return hash.substr(0, 8);
  }

  std::optional<std::string> duplicate_page() {
    const auto good = paths(true);
    if (good.empty()) return std::nullopt;
    PageFile copy = files_.at(any(good));
    const std::string from = copy.path();
    copy.root = copy.root == "a" ? "b" : "a";
    const std::string to = copy.path();
    if (files_.count(to)) return std::nullopt;
    const std::string how = chance(0.5) ? mutate(copy) : " as is";
    files_[to] = copy;
    write_page(to);
    return from + " -> " + to + how;
  }

  std::optional<std::string> describe_hash_two_ways() {
    const auto all = listings();
    if (all.empty()) return std::nullopt;
    const auto& chosen = any(all);
    const std::string from = chosen.first, hash = chosen.second;
    const std::string release = any(kReleases);
    if (release_lists(release, hash)) return std::nullopt;
    // The same package's page in another release, with another os, target,
    // variants or versions.
    Description own = hashes_.at(hash);
    switch (pick(4)) {
      case 0: own.os = own.os == kOses[0] ? kOses[1] : kOses[0]; break;
      case 1: own.target = own.target == kTargets[0] ? kTargets[1] : kTargets[0]; break;
      case 2: own.variants = {own.variants.empty() ? "+debug" : "~debug"}; break;
      case 3: own.version = own.version == kVersions[0] ? kVersions[1] : kVersions[0]; break;
    }
    const std::string to = page_to_extend(release, files_.at(from).package);
    files_.at(to).specs.push_back({hash, random_stacks(), own});
    write_page(to);
    return hash.substr(0, 8) + " on " + from + ", differently on " + to;
  }

  std::optional<std::string> list_hash_under_two_packages() {
    const auto all = listings();
    if (all.empty()) return std::nullopt;
    const auto& chosen = any(all);
    const std::string from = chosen.first, hash = chosen.second;
    const std::string release = any(kReleases), package = any(kPackages);
    if (package == files_.at(from).package) return std::nullopt;
    const auto to = page_to_extend(release, package);
    PageFile& t = files_.at(to);
    if (std::any_of(t.specs.begin(), t.specs.end(), [&](const Listing& l) { return l.hash == hash; }))
      return std::nullopt;
    t.specs.push_back({hash, random_stacks(), std::nullopt});
    write_page(to);
    return hash.substr(0, 8) + " on " + from + ", also on " + to;
  }

  std::optional<std::string> size_tarball_in_one_release() {
    const auto all = listings();
    if (all.empty()) return std::nullopt;
    const auto& chosen = any(all);
    const std::string path = chosen.first, hash = chosen.second;
    Description own = hashes_.at(hash);
    if (chance(0.5)) own.size = own.size ? std::optional<std::int64_t>(*own.size + 1) : 42;
    else own.tarball = "https://binaries.example/rebuilt/" + hash + ".spack";
    for (auto& l : files_.at(path).specs)
      if (l.hash == hash) l.own = own;
    write_page(path);
    return hash.substr(0, 8) + " on " + path;
  }

  fs::path root_;
  std::mt19937 rng_;
  std::vector<Change> kinds_;
  std::map<std::string, PageFile> files_;  // by path under root_
  std::map<std::string, std::string> other_;
  std::map<std::string, Description> hashes_;
  int hash_count_ = 0;
  std::int64_t clock_ = 1767225600;  // 2026-01-01
};

// --- Running it --------------------------------------------------------------

// The analysts' views and the page table (by names, not ids; paths under the
// tree's root), in a fixed order. Not compared: when a page was ingested and
// the stamps of its file (a fresh ingest reads every file anew).
std::string dump(SQLite::Database& db, const fs::path& root) {
  std::string out = testing::dump_analyst_views(db);
  out += testing::dump_rows(db, {
      "SELECT r.name || '|' || p.name || '|' || pg.path || '|' || pg.content_hash FROM page pg "
      "JOIN release r ON r.id = pg.release_id JOIN package p ON p.id = pg.package_id ORDER BY 1",
  });
  const std::string prefix = root.string() + "/";
  for (std::size_t at; (at = out.find(prefix)) != std::string::npos;) out.erase(at, prefix.size());
  return out;
}

std::string difference(const std::string& incremental, const std::string& fresh) {
  return testing::lines_in_one_only(incremental, fresh, 12);
}

struct Failure {
  std::uint32_t seed = 0;
  std::size_t step = 0;  // 1-based
  std::string report;
};

struct Stats {
  std::size_t steps = 0, compared = 0;
};

// Spdlog's level, off while the generator runs (a corrupt page is logged each run).
struct QuietLogs {
  spdlog::level::level_enum was = spdlog::get_level();
  QuietLogs() { spdlog::set_level(spdlog::level::off); }
  ~QuietLogs() { spdlog::set_level(was); }
};

// Runs `steps` changes from `seed`, comparing after every run where the two
// databases should agree; the first disagreement, or nothing.
std::optional<Failure> run_invariant(std::uint32_t seed, const std::vector<Change>& kinds, std::size_t steps,
                                     Stats& stats) {
  QuietLogs quiet;
  testing::TempDir dir;
  Site site(dir / "tree", seed, kinds);
  auto db = open_database(dir / "incremental.sqlite", OpenMode::ReadWrite);
  std::set<std::string> stored;  // the (release, package) pages the incremental database holds
  std::string history;
  for (std::size_t step = 1; step <= steps; ++step) {
    const std::string change = site.step();
    IngestOptions options;
    options.prune = std::bernoulli_distribution(0.6)(site.rng());
    options.force = options.prune && std::bernoulli_distribution(0.25)(site.rng());
    options.threads = 1 + site.rng()() % 2;
    // Half the runs stream every page, a chunk of specs at a time, as only
    // large pages are by default: the fresh ingest compared reads them whole.
    const bool streamed = std::bernoulli_distribution(0.5)(site.rng());
    if (streamed) options.stream_specs_from = 0;
    history += "  " + std::to_string(step) + ". " + change + "  [ingest" + (options.prune ? " --prune" : "") +
               (options.force ? " --force" : "") + "]" + (streamed ? " (every page streamed)" : "") + "\n";
    auto fail = [&](const std::string& what) {
      return Failure{seed, step, "seed " + std::to_string(seed) + ", step " + std::to_string(step) + ": " + what +
                                     "\nsteps:\n" + history};
    };

    const IngestSummary s = ingest(db, site.inputs(), options);
    ++stats.steps;
    // The model of what the run did: corrupt pages rejected, the prune refused
    // over them unless forced, and then every page whose file left removed,
    // in the releases the run saw a page of and in those it saw none of (both
    // input trees are walked, and every page stored was read from under them).
    const auto good = site.good_keys(), corrupt = site.corrupt_keys();
    if (s.pages_rejected != static_cast<std::int64_t>(site.corrupt_files()))
      return fail(std::to_string(s.pages_rejected) + " pages rejected, " + std::to_string(site.corrupt_files()) +
                  " corrupt in the tree");
    const bool refused = options.prune && !corrupt.empty() && !options.force;
    if (s.prune_refused != refused) return fail(std::string("the prune was ") + (s.prune_refused ? "" : "not ") + "refused");
    // check classifies every file as ingest does.
    const CheckSummary checked = check_pages(site.inputs(), options.max_page_bytes, options.threads);
    if (static_cast<std::int64_t>(checked.rejections.size()) != s.pages_rejected ||
        checked.skipped != s.pages_skipped)
      return fail("check found " + std::to_string(checked.rejections.size()) + " rejected and " +
                  std::to_string(checked.skipped) + " skipped, ingest " + std::to_string(s.pages_rejected) +
                  " and " + std::to_string(s.pages_skipped));
    stored.insert(good.begin(), good.end());
    if (options.prune && !refused) {
      std::set<std::string> kept;
      for (const auto& k : stored)
        if (good.count(k) || corrupt.count(k)) kept.insert(k);
      stored = kept;
    }
    if (!corrupt.empty() || stored != good) continue;

    ++stats.compared;
    auto fresh = open_database(":memory:", OpenMode::ReadWrite);
    ingest(fresh, site.inputs(), {});
    const std::string mine = dump(db, dir / "tree"), theirs = dump(fresh, dir / "tree");
    if (mine != theirs)
      return fail("the database differs from a fresh ingest of the same tree:\n" + difference(mine, theirs));
    if (db.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt() != 0)
      return fail("foreign_key_check is not clean");
  }
  return std::nullopt;
}

std::size_t env_number(const char* name, std::size_t otherwise) {
  const std::string v = env(name);
  return v.empty() ? otherwise : static_cast<std::size_t>(std::stoull(v));
}

std::string names(const std::vector<Change>& kinds) {
  std::string out;
  for (auto c : kinds) {
    if (!out.empty()) out += ',';
    out += name_of(c);
  }
  return out;
}

// Runs seeds first..first+count-1; fails the test case at the first disagreement.
void check_invariant(const std::vector<Change>& kinds, std::size_t default_steps, std::size_t default_seeds,
                     std::uint32_t default_first = 1) {
  const std::size_t steps = env_number("CACHEDB_SOAK_STEPS", default_steps);
  const std::size_t seeds = env_number("CACHEDB_SOAK_SEEDS", default_seeds);
  const auto first = static_cast<std::uint32_t>(env_number("CACHEDB_SOAK_SEED", default_first));
  Stats stats;
  for (std::uint32_t seed = first; seed < first + seeds; ++seed) {
    const auto failure = run_invariant(seed, kinds, steps, stats);
    if (failure) FAIL_CHECK("kinds " << names(kinds) << "\n" << failure->report);
    if (failure) break;
  }
  MESSAGE(stats.steps << " steps (" << stats.compared << " compared with a fresh ingest), kinds " << names(kinds));
}

}  // namespace

// Five seeds of 60 steps in all (two under a sanitizer: that run is for memory
// errors, this one for the property): the first in the unit suite, which must
// stay fast, the others in stress. scripts/soak-invariant.sh runs the first
// case alone, with its own seeds and steps.
constexpr std::size_t kSteps = 60;
const std::size_t kSeeds = testing::kSanitized ? 2 : 5;

TEST_CASE("the invariant: any sequence of ingests over a changing tree ends where a fresh ingest of it starts") {
  check_invariant(kinds_from(env("CACHEDB_INVARIANT_KINDS", "all")), kSteps, 1, 1);
}

TEST_CASE("the invariant over more seeds: any sequence of ingests ends where a fresh ingest starts" *
          doctest::test_suite("stress")) {
  check_invariant(kinds_from(env("CACHEDB_INVARIANT_KINDS", "all")), kSteps, kSeeds - 1, 2);
}
