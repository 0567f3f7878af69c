// The invariant with pages and build-cache indexes together: after any
// sequence of page runs and index runs, with --prune, --force and
// --replace-release-kind or not, over pages and indexes that change between
// nights, the database answers exactly as a fresh ingest of the final input
// does: the page tree first, then the last index run's inputs, in the same
// order, with its --replace-release-kind.
//
// A generator (std::mt19937, fixed seeds) keeps a small universe per seed:
// some ten hashes (compiler nodes, specs whose compiler is an edge to a node,
// an annotation or none, with edges between them; hashes only pages list),
// four releases that hold pages, indexes or both in turn, and eight unrelated
// "filler" indexes that sit between the related ones in the listing, so that
// the four documents an index run reads ahead are related ones or not. An
// index describes a hash as every other index does (a DAG hash is the address
// of its description); a page may say otherwise, of the index and of other
// pages. Each night applies a few changes, then runs pages and at most one
// index run, in some order, into the database that has seen every night.
//
// When the two should agree is decided by a model of what each run stores:
// for each (release, package) page and (release, stack) index, the bytes (and
// for an index the path) of the version stored. The model runs every ingest
// on an abstract database (a file rejected as corrupt, or because its release
// is of the other kind, keeps what was stored; --prune and
// --replace-release-kind remove what they remove); whenever the model of the
// incremental database and the model of a fresh ingest of the current input
// store the same versions, the two real databases are compared. The model's
// count of rejections is checked against every run's too.
//
// Compared: the analysts' views and name tables, what index_ingest_test's
// state() reads besides (specs kept as dependencies only, stacks over every
// release, compilers waiting for a node), and then the sources stored, the
// pages' words kept (spec_claim, contested), each index's listings and which
// page holds a spec in each page release.
//
// Deterministic: a failure prints its seed, night and the changes and runs of
// every night, and the line that replays it. CACHEDB_SOAK_STEPS (nights),
// CACHEDB_SOAK_SEEDS and CACHEDB_SOAK_SEED replay or scale it
// (CACHEDB_SOAK_MIXED=1 bash scripts/soak-invariant.sh NIGHTS SEEDS FIRST).
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

#include "index_builder.h"
#include "ingest/index_ingest.h"
#include "ingest/ingester.h"
#include "page_builder.h"
#include "spack_index_support.h"
#include "storage/database.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;
using testing::IndexSpec;

namespace {

std::string env(const char* name, const std::string& otherwise = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : otherwise;
}

std::size_t env_number(const char* name, std::size_t otherwise) {
  const std::string v = env(name);
  return v.empty() ? otherwise : static_cast<std::size_t>(std::stoull(v));
}

// CACHEDB_MIXED_AVOID: what the generator leaves out, comma-separated, to
// look past a failure while it is being fixed: nodes-on-pages (no page lists a compiler node),
// nodes-described-otherwise (a page lists a node only as the indexes describe
// it, under its own package), dup-index (no (release, stack) named twice).
std::string avoid_list() { return env("CACHEDB_MIXED_AVOID"); }
bool avoid(const std::string& what) {
  static const std::string list = "," + avoid_list() + ",";
  return list.find("," + what + ",") != std::string::npos;
}

const std::vector<std::string> kReleases = {"develop", "v1.0", "v1.1", "v2.0"};
const std::string kFillRelease = "zfill";
constexpr int kFillers = 8;
const std::vector<std::string> kPackages = {"cmake", "hdf5", "openssl", "py-numpy", "zlib"};
const std::vector<std::string> kStacks = {"e4s", "ml", "radiuss", "tutorial"};
const std::vector<std::string> kOses = {"rhel8", "ubuntu22.04", "ubuntu24.04"};
const std::vector<std::string> kTargets = {"neoverse_v2", "x86_64_v3", "zen4"};
const std::vector<std::string> kVersions = {"1.0", "1.2.3", "2.0"};

// What a page says of a hash (its package is the page's title).
struct PageDesc {
  std::string version, compiler, os, target;  // compiler "none": no key
  std::vector<std::string> variants;
};

// One hash of the universe.
struct Hash {
  std::string hash, name;  // name: a short label for the history ("n0", "s3", "p1", "f2")
  bool indexed = true;     // indexes list it (with `spec`); else pages only
  IndexSpec spec;          // its one description in every index (in_buildcache set per listing)
  PageDesc page;           // what a page that agrees with the indexes says
};

// A hash as one page lists it.
struct Listing {
  std::size_t hash = 0;
  std::vector<std::string> stacks;
  std::optional<PageDesc> own;  // this page's own word, differing; else it agrees
  std::optional<std::int64_t> size;
  std::string tarball;
};

struct PageFile {
  std::vector<Listing> specs;
  bool corrupt = false;
  std::string corrupt_text;
};

struct Record {
  std::size_t hash = 0;
  int cached = 1;  // in_buildcache: 1 true, 0 false, -1 no key
};

struct IndexFile {
  std::vector<Record> records;
  int version = 8;
  bool gz = false;
  int cut = 0;  // corrupt: cut to this many thousandths of its bytes (1..995); 0: whole
  bool missing = false;  // its file gone, the listing still naming it
  bool broken() const { return cut || missing; }
};

using Key = std::pair<std::string, std::string>;  // (release, package) or (release, stack)

// One input of the listing: an index, its second file (the same (release,
// stack) named twice), or a filler.
struct Entry {
  std::string release, stack;
  bool dup = false;
  bool operator==(const Entry&) const = default;
};

// What a database stores, as the model sees it: the version of each page and index.
struct Abstract {
  std::map<Key, std::string> pages;    // (release, package) -> bytes
  std::map<Key, std::string> indexes;  // (release, stack) -> path, newline, bytes
  bool operator==(const Abstract&) const = default;
};

struct Counts {
  std::int64_t rejected = 0;
  bool prune_refused = false;
};


class Universe {
 public:
  Universe(fs::path root, std::uint32_t seed) : root_(std::move(root)), rng_(seed) {
    fs::create_directories(root_ / "tree" / "_cache");
    fs::create_directories(root_ / "idx");
    make_hashes(seed);
    for (int f = 0; f < kFillers; ++f) {
      IndexFile file;
      fill(file);
      fillers_[{kFillRelease, "f" + std::to_string(f)}] = file;
      write_index_file({kFillRelease, "f" + std::to_string(f)}, false);
      listing_.push_back({kFillRelease, "f" + std::to_string(f), false});
    }
  }

  std::mt19937& rng() { return rng_; }
  fs::path tree() const { return root_ / "tree"; }
  const fs::path& root() const { return root_; }
  bool force_replace_indexes = false, force_replace_pages = false;

  // The first night: two releases of pages, two of indexes.
  std::string initial() {
    std::string out = "initial:";
    std::vector<std::string> releases = kReleases;
    std::shuffle(releases.begin(), releases.end(), rng_);
    for (int r = 0; r < 2; ++r)
      for (int p = 0, n = 1 + static_cast<int>(pick(3)); p < n; ++p)
        if (auto d = add_page(releases[static_cast<std::size_t>(r)])) out += " " + *d + ";";
    for (int r = 2; r < 4; ++r) out += " " + index_release(releases[static_cast<std::size_t>(r)]) + ";";
    reorder();
    return out;
  }

  // Applies one change and says what it did.
  std::string change() {
    for (int attempt = 0; attempt < 200; ++attempt) {
      // A corrupt file is compared with nothing until it is repaired (or its release pruned): repair soon.
      int kind = static_cast<int>(pick(22));
      if (any_corrupt() && chance(0.4)) kind = 20;
      if (auto done = apply(kind)) return *done;
    }
    return "nothing applicable";
  }

  void maybe_reorder(std::string& history) {
    if (chance(0.35)) {
      reorder();
      history += "    (listing reordered)\n";
    }
  }

  // Fillers rewritten, so that they are read (an unchanged index takes no place among those read ahead).
  void refresh_fillers() {
    for (auto& [key, file] : fillers_)
      if (chance(0.5)) {
        fill(file);
        write_index_file(key, false);
      }
  }

  // The inputs of an index run: the listing, in its order.
  std::vector<IndexInput> inputs() const {
    std::vector<IndexInput> out;
    for (const auto& e : listing_) out.push_back({index_path(e).string(), e.release, e.stack, {}, {}, {}});
    return out;
  }

  std::string listing_text() const {
    std::string out;
    for (const auto& e : listing_) {
      if (!out.empty()) out += ' ';
      out += e.release + "/" + e.stack + (e.dup ? "(dup)" : "");
    }
    return out;
  }

  // --- the model of what a run stores ---

  Counts model_pages(Abstract& a, const IngestOptions& o) const {
    Counts c;
    std::map<std::string, bool> takes;  // release -> whether it takes pages this run
    std::set<Key> seen;
    for (const auto& [key, f] : pages_) {  // the walk's order: (release, package) by bytes
      if (f.corrupt) {
        ++c.rejected;
        continue;
      }
      const std::string& release = key.first;
      auto [it, first] = takes.try_emplace(release, true);
      if (first && holds(a.indexes, release)) {
        if (o.replace_release_kind) erase_release(a.indexes, release);
        else it->second = false;
      }
      if (!it->second) {
        ++c.rejected;
        continue;
      }
      a.pages[key] = text_on_disk(page_path(key));
      seen.insert(key);
    }
    if (o.prune) {
      if (c.rejected && !o.force) {
        c.prune_refused = true;
      } else {
        for (auto it = a.pages.begin(); it != a.pages.end();) {
          // Every page is read from the one tree given: a page whose file left it goes, in any release.
          if (!seen.count(it->first) && !pages_.count(it->first))
            it = a.pages.erase(it);
          else ++it;
        }
      }
    }
    return c;
  }

  Counts model_indexes(Abstract& a, const std::vector<IndexInput>& in, const IndexIngestOptions& o) const {
    Counts c;
    for (std::size_t at = 0; at < in.size(); ++at) {
      const IndexInput& i = in[at];
      // A (release, stack) named again later in the run: only the last is read.
      if (std::any_of(in.begin() + static_cast<std::ptrdiff_t>(at) + 1, in.end(), [&](const IndexInput& later) {
            return !i.stack.empty() && later.release == i.release && later.stack == i.stack;
          }))
        continue;
      if (holds(a.pages, i.release)) {
        if (o.replace_release_kind) {
          erase_release(a.pages, i.release);
        } else {
          ++c.rejected;
          continue;
        }
      }
      // Cut short, or gone since the run it was named in.
      if (corrupt_index(i.path) || !on_disk_.count(i.path)) {
        ++c.rejected;
        continue;
      }
      a.indexes[{i.release, i.stack}] = i.path + "\n" + text_on_disk(i.path);
    }
    if (o.prune) {
      if (c.rejected && !o.force) {
        c.prune_refused = true;
      } else {
        std::set<Key> named;
        for (const auto& i : in) named.insert({i.release, i.stack});
        for (auto it = a.indexes.begin(); it != a.indexes.end();) {
          if (!named.count(it->first)) it = a.indexes.erase(it);
          else ++it;
        }
      }
    }
    return c;
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <typename T>
  const T& any(const std::vector<T>& v) {
    return v[pick(v.size())];
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  template <typename M>
  static bool holds(const M& m, const std::string& release) {
    auto it = m.lower_bound({release, ""});
    return it != m.end() && it->first.first == release;
  }
  template <typename M>
  static void erase_release(M& m, const std::string& release) {
    for (auto it = m.lower_bound({release, ""}); it != m.end() && it->first.first == release;) it = m.erase(it);
  }

  // --- the universe ---

  void make_hashes(std::uint32_t seed) {
    const std::string s = std::to_string(seed);
    auto make = [&](const std::string& name) {
      Hash h;
      h.name = name;
      char salt[16];
      std::snprintf(salt, sizeof salt, "%06x", static_cast<unsigned>(rng_() & 0xffffff));
      h.hash = testing::dag_hash(name + "q" + salt + "s" + s);
      return h;
    };
    // Two compiler nodes.
    const std::vector<std::pair<std::string, std::string>> nodes = {{"gcc", "13.2.0"},
                                                                     {chance(0.5) ? "gcc" : "llvm", "11.4.0"}};
    for (std::size_t n = 0; n < nodes.size(); ++n) {
      Hash h = make("n" + std::to_string(n));
      h.spec = IndexSpec{h.hash, nodes[n].first, nodes[n].second, any(kOses), "linux", any(kTargets)};
      nodes_.push_back(hashes_.size());
      hashes_.push_back(h);
    }
    // Seven specs: a compiler by edge, by annotation (or both), or none; edges to earlier specs.
    std::vector<std::size_t> specs;
    for (int i = 0; i < 7; ++i) {
      Hash h = make("s" + std::to_string(i));
      IndexSpec spec{h.hash, any(kPackages), any(kVersions), any(kOses), "linux", any(kTargets)};
      spec.target_dict = chance(0.2);
      if (chance(0.5)) spec.parameters.push_back({"shared", chance(0.5) ? "true" : "false"});
      if (chance(0.3)) spec.parameters.push_back({"mpi", chance(0.5) ? "true" : "false"});
      if (chance(0.25)) spec.parameters.push_back({"cuda_arch", "[\"80\", \"90\"]"});
      if (chance(0.25)) spec.parameters.push_back({"build_type", "\"Release\""});
      const double c = std::uniform_real_distribution<double>(0, 1)(rng_);
      if (c < 0.45) {
        const std::size_t node = any(nodes_);
        spec.dependencies.push_back(testing::compiler_edge(hashes_[node].hash, hashes_[node].spec.package));
      } else if (c < 0.7) {
        spec.annotated_compiler = chance(0.5) ? "gcc@=11.4.0" : "clang@=17.0.0";
      } else if (c < 0.8) {
        const std::size_t node = any(nodes_);
        spec.dependencies.push_back(testing::compiler_edge(hashes_[node].hash, hashes_[node].spec.package));
        spec.annotated_compiler = "gcc@=12.1.0";
      }
      for (std::size_t d : specs)
        if (chance(0.25))
          spec.dependencies.push_back({hashes_[d].hash, hashes_[d].spec.package,
                                       chance(0.5) ? std::vector<std::string>{"build", "link"}
                                                   : std::vector<std::string>{"link", "run"},
                                       chance(0.3) ? std::vector<std::string>{"blas"} : std::vector<std::string>{}});
      if (chance(0.1)) spec.dependencies.push_back({testing::dag_hash("ghost" + s), "ghost", {"run"}, {}});
      h.spec = spec;
      specs.push_back(hashes_.size());
      hashes_.push_back(h);
    }
    // What an agreeing page says of each: as the index is shown, its compiler's node there.
    for (auto& h : hashes_) {
      const IndexSpec& x = h.spec;
      h.page.version = x.version;
      h.page.os = x.os;
      h.page.target = x.target;
      h.page.compiler = "none";
      for (const auto& e : x.dependencies)
        if (!e.virtuals.empty() && e.virtuals[0] == "c")
          for (const auto& n : hashes_)
            if (n.hash == e.hash) h.page.compiler = n.spec.package + "@" + n.spec.version;
      if (x.annotated_compiler) h.page.compiler = *x.annotated_compiler;
      for (const auto& [name, value] : x.parameters) {
        if (value == "true") h.page.variants.push_back("+" + name);
        else if (value == "false") h.page.variants.push_back("~" + name);
        // A list, as Spack 1.0 prints it and the indexes here (v8, v9) give it.
        else if (value[0] == '[') h.page.variants.push_back(name + ":=80,90");
        else h.page.variants.push_back(name + "=Release");
      }
    }
    // Two hashes only pages list.
    for (int i = 0; i < 2; ++i) {
      Hash h = make("p" + std::to_string(i));
      h.indexed = false;
      h.page = PageDesc{any(kVersions), chance(0.5) ? "gcc@11.4.0" : "none", any(kOses), any(kTargets), {"+x"}};
      hashes_.push_back(h);
    }
    // The fillers' own hashes.
    for (int i = 0; i < 6; ++i) {
      Hash h = make("f" + std::to_string(i));
      h.spec = IndexSpec{h.hash, "filler", std::to_string(i), "rhel8", "linux", "x86_64_v3"};
      fill_hashes_.push_back(hashes_.size());
      hashes_.push_back(h);
    }
  }

  std::vector<std::size_t> indexed_hashes() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < hashes_.size(); ++i)
      if (hashes_[i].indexed && hashes_[i].spec.package != "filler") out.push_back(i);
    return out;
  }
  std::vector<std::size_t> page_hashes() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < hashes_.size(); ++i)
      if (hashes_[i].spec.package != "filler") out.push_back(i);
    return out;
  }
  // Whether a page may list it so (CACHEDB_MIXED_AVOID).
  bool may_list(const Key& page, const Listing& l) const {
    if (!is_node(l.hash)) return true;
    if (avoid("nodes-on-pages")) return false;
    if (avoid("nodes-described-otherwise")) return page.second == hashes_[l.hash].spec.package && !l.own;
    return true;
  }
  // A package for a page: now and then a compiler's, whose page may list a node as the indexes describe it.
  std::string page_package() {
    if (chance(0.15)) return hashes_[any(nodes_)].spec.package;
    return any(kPackages);
  }
  bool is_node(std::size_t i) const { return std::find(nodes_.begin(), nodes_.end(), i) != nodes_.end(); }

  void fill(IndexFile& f) {
    f.records.clear();
    for (std::size_t h : fill_hashes_)
      if (chance(0.35)) f.records.push_back({h, chance(0.8) ? 1 : 0});
    if (f.records.empty()) f.records.push_back({any(fill_hashes_), 1});
    f.version = chance(0.5) ? 8 : 9;
  }

  // --- files ---

  fs::path page_path(const Key& k) const { return testing::page_path(tree(), k.first, k.second); }
  fs::path index_path(const Entry& e) const {
    return root_ / "idx" / e.release / (e.stack + (e.dup ? ".dup.json" : ".json"));
  }
  std::string text_on_disk(const fs::path& p) const {
    auto it = on_disk_.find(p.string());
    return it == on_disk_.end() ? std::string() : it->second;
  }
  bool corrupt_index(const std::string& path) const { return corrupt_.count(path) > 0; }

  // A night's changes, one second apart: a rewrite of the same size in the
  // same clock tick would be taken as unchanged, as make and rsync take it.
  void write_file(const fs::path& p, const std::string& bytes) {
    fs::create_directories(p.parent_path());
    testing::write_text(p, bytes);
    const timespec times[2] = {{clock_, 0}, {clock_, 0}};
    ++clock_;
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
    on_disk_[p.string()] = bytes;
  }
  void remove_file(const fs::path& p) {
    fs::remove(p);
    on_disk_.erase(p.string());
    corrupt_.erase(p.string());
  }

  std::string page_text(const Key& k, const PageFile& f) const {
    testing::CachePage page(k.first, k.second);
    for (const auto& l : f.specs) {
      const PageDesc& d = l.own ? *l.own : hashes_[l.hash].page;
      testing::SpecEntry e(hashes_[l.hash].hash);
      if (d.compiler != "none") e.compiler(d.compiler);
      e.versions({d.version}).os(d.os).target(d.target).variants(d.variants).stacks(l.stacks);
      e.size(l.size ? std::to_string(*l.size) : "\"-\"");
      if (!l.tarball.empty()) e.tarball(l.tarball);
      page.spec(e);
    }
    return page.text();
  }
  void write_page(const Key& k) {
    const PageFile& f = pages_.at(k);
    write_file(page_path(k), f.corrupt ? f.corrupt_text : page_text(k, f));
  }

  IndexFile& index_file(const Entry& e) {
    if (e.release == kFillRelease) return fillers_.at({e.release, e.stack});
    return (e.dup ? dups_ : indexes_).at({e.release, e.stack});
  }
  void write_index_file(const Key& k, bool dup) {
    const Entry e{k.first, k.second, dup};
    const IndexFile& f = index_file(e);
    std::vector<IndexSpec> specs;
    for (const auto& r : f.records) {
      IndexSpec s = hashes_[r.hash].spec;
      s.in_buildcache = r.cached < 0 ? std::nullopt : std::optional<bool>(r.cached == 1);
      specs.push_back(s);
    }
    std::string bytes = testing::index_json(specs, f.version);
    if (f.gz) bytes = testing::gzip(bytes);
    const fs::path p = index_path(e);
    if (f.cut) {
      // Never the whole document: at most its last three bytes (the closing braces) gone.
      bytes.resize(std::min(bytes.size() * static_cast<std::size_t>(f.cut) / 1000, bytes.size() - 3));
      corrupt_.insert(p.string());
    } else {
      corrupt_.erase(p.string());
    }
    write_file(p, bytes);
  }

  std::string records_text(const IndexFile& f) const {
    std::string out = "[";
    for (const auto& r : f.records)
      out += (out.size() > 1 ? " " : "") + hashes_[r.hash].name +
             (r.cached == 1 ? "" : r.cached == 0 ? ":dep" : ":nokey");
    return out + "] v" + std::to_string(f.version) + (f.gz ? " gz" : "") + (f.cut ? " CUT" : "");
  }
  std::string page_listing_text(const PageFile& f) const {
    std::string out = "[";
    for (const auto& l : f.specs) {
      out += (out.size() > 1 ? " " : "") + hashes_[l.hash].name;
      if (l.own) out += "(" + l.own->compiler + "," + l.own->os + "," + l.own->version + ")";
    }
    return out + "]";
  }

  // --- listing ---

  void add_entry(const Entry& e) {
    if (std::find(listing_.begin(), listing_.end(), e) != listing_.end()) return;
    listing_.insert(listing_.begin() + static_cast<std::ptrdiff_t>(pick(listing_.size() + 1)), e);
  }
  void remove_entry(const Entry& e) {
    listing_.erase(std::remove(listing_.begin(), listing_.end(), e), listing_.end());
  }

  // The related inputs shuffled (or by release), the fillers between them, 0 to 5 at a time.
  void reorder() {
    std::vector<Entry> related, fillers;
    for (const auto& e : listing_) (e.release == kFillRelease ? fillers : related).push_back(e);
    std::shuffle(related.begin(), related.end(), rng_);
    if (chance(0.3))
      std::stable_sort(related.begin(), related.end(),
                       [](const Entry& a, const Entry& b) { return a.release < b.release; });
    std::shuffle(fillers.begin(), fillers.end(), rng_);
    std::vector<Entry> out;
    std::size_t f = 0;
    for (const auto& e : related) {
      for (std::size_t n = pick(6); n > 0 && f < fillers.size(); --n) out.push_back(fillers[f++]);
      out.push_back(e);
    }
    const bool at_front = chance(0.5);
    std::vector<Entry> rest(fillers.begin() + static_cast<std::ptrdiff_t>(f), fillers.end());
    if (at_front) out.insert(out.begin(), rest.begin(), rest.end());
    else out.insert(out.end(), rest.begin(), rest.end());
    listing_ = out;
  }

  bool any_corrupt() const {
    if (!corrupt_.empty()) return true;
    for (const auto& [k, f] : indexes_)
      if (f.missing) return true;
    return std::any_of(pages_.begin(), pages_.end(), [](const auto& p) { return p.second.corrupt; });
  }

  // --- pieces of changes ---

  std::vector<std::string> random_stacks() {
    std::vector<std::string> out;
    for (const auto& s : kStacks)
      if (chance(0.3)) out.push_back(s);
    out.push_back("root");
    return out;
  }

  PageDesc differing(std::size_t hash) {
    PageDesc d = hashes_[hash].page;
    switch (pick(5)) {
      case 0: d.os = d.os == "rhel9" ? "sles15" : "rhel9"; break;
      case 1: d.compiler = d.compiler == "gcc@9.9.9" ? "gcc@8.8.8" : "gcc@9.9.9"; break;
      case 2: d.version = "0.9"; break;
      case 3: d.target = "aarch64"; break;
      case 4: d.variants.push_back("+debug"); break;
    }
    return d;
  }

  Listing listing_of(std::size_t hash, double differ = 0.3) {
    Listing l;
    l.hash = hash;
    l.stacks = random_stacks();
    if (chance(differ)) l.own = differing(hash);
    if (chance(0.8)) l.size = std::uniform_int_distribution<std::int64_t>(1000, 99999)(rng_);
    if (chance(0.5)) l.tarball = "https://binaries.example/" + hashes_[hash].hash + "-" + std::to_string(pick(100));
    return l;
  }

  static bool lists(const PageFile& f, std::size_t hash) {
    return std::any_of(f.specs.begin(), f.specs.end(), [&](const Listing& l) { return l.hash == hash; });
  }

  std::optional<std::string> add_page(const std::string& release) {
    const Key k{release, page_package()};
    if (pages_.count(k)) return std::nullopt;
    PageFile f;
    const auto pool = page_hashes();
    for (int i = 0, n = 1 + static_cast<int>(pick(3)); i < n; ++i) {
      const std::size_t h = any(pool);
      if (lists(f, h)) continue;
      Listing l = listing_of(h);
      if (may_list(k, l)) f.specs.push_back(l);
    }
    pages_[k] = f;
    write_page(k);
    return "page " + k.first + "/" + k.second + " " + page_listing_text(f);
  }

  std::string index_release(const std::string& release) {
    std::string out = "indexes of " + release + ":";
    std::vector<std::string> stacks = {"root"};
    for (const auto& s : kStacks)
      if (chance(0.4) && stacks.size() < 5) stacks.push_back(s);
    if (stacks.size() == 1) stacks.push_back(any(kStacks));
    for (const auto& s : stacks) out += " " + write_index({release, s});
    return out;
  }

  std::string write_index(const Key& k) {
    IndexFile f;
    const auto pool = indexed_hashes();
    for (int i = 0, n = 1 + static_cast<int>(pick(5)); i < n; ++i) {
      const std::size_t h = any(pool);
      if (std::none_of(f.records.begin(), f.records.end(), [&](const Record& r) { return r.hash == h; }))
        f.records.push_back({h, chance(0.7) ? 1 : chance(0.67) ? 0 : -1});
    }
    f.version = chance(0.5) ? 8 : 9;
    f.gz = chance(0.2);
    indexes_[k] = f;
    write_index_file(k, false);
    add_entry({k.first, k.second, false});
    return k.second + records_text(f);
  }

  std::vector<Key> keys_of(const std::map<Key, IndexFile>& m) const {
    std::vector<Key> out;
    for (const auto& [k, f] : m) out.push_back(k);
    return out;
  }
  std::vector<Key> page_keys() const {
    std::vector<Key> out;
    for (const auto& [k, f] : pages_) out.push_back(k);
    return out;
  }
  std::vector<std::pair<Key, std::size_t>> page_listings() const {
    std::vector<std::pair<Key, std::size_t>> out;
    for (const auto& [k, f] : pages_)
      if (!f.corrupt)
        for (const auto& l : f.specs) out.emplace_back(k, l.hash);
    return out;
  }

  void remove_page_file(const Key& k) {
    remove_file(page_path(k));
    pages_.erase(k);
    if (chance(0.5)) {
      std::error_code ec;
      fs::remove(page_path(k).parent_path(), ec);
    }
  }
  void remove_index_file(const Key& k, bool dup) {
    remove_file(index_path({k.first, k.second, dup}));
    (dup ? dups_ : indexes_).erase(k);
    remove_entry({k.first, k.second, dup});
  }

  std::string mutate_index(IndexFile& f) {
    std::string what;
    const auto pool = indexed_hashes();
    for (int i = 0, n = 1 + static_cast<int>(pick(2)); i < n; ++i) {
      switch (pick(6)) {
        case 0: {
          const std::size_t h = any(pool);
          if (std::none_of(f.records.begin(), f.records.end(), [&](const Record& r) { return r.hash == h; })) {
            f.records.insert(f.records.begin() + static_cast<std::ptrdiff_t>(pick(f.records.size() + 1)),
                             {h, chance(0.7) ? 1 : 0});
            what += " +" + hashes_[h].name;
          }
          break;
        }
        case 1:
          if (!f.records.empty()) {
            const auto at = pick(f.records.size());
            what += " -" + hashes_[f.records[at].hash].name;
            f.records.erase(f.records.begin() + static_cast<std::ptrdiff_t>(at));
          }
          break;
        case 2:
          if (!f.records.empty()) {
            auto& r = f.records[pick(f.records.size())];
            r.cached = r.cached == 1 ? 0 : 1;
            what += " " + hashes_[r.hash].name + (r.cached ? " cached" : " dependency-only");
          }
          break;
        case 3:
          std::shuffle(f.records.begin(), f.records.end(), rng_);
          what += " reordered";
          break;
        case 4:
          f.version = f.version == 8 ? 9 : 8;
          what += " version " + std::to_string(f.version);
          break;
        case 5:
          f.gz = !f.gz;
          what += f.gz ? " gzipped" : " plain";
          break;
      }
    }
    return what;
  }

  std::string mutate_page(const Key& k, PageFile& f) {
    std::string what;
    const auto pool = page_hashes();
    for (int i = 0, n = 1 + static_cast<int>(pick(2)); i < n; ++i) {
      switch (pick(6)) {
        case 0: {
          const std::size_t h = any(pool);
          const Listing l = listing_of(h);
          if (!lists(f, h) && f.specs.size() < 5 && may_list(k, l)) {
            f.specs.push_back(l);
            what += " +" + hashes_[h].name;
          }
          break;
        }
        case 1:
          if (!f.specs.empty()) {
            const auto at = pick(f.specs.size());
            what += " -" + hashes_[f.specs[at].hash].name;
            f.specs.erase(f.specs.begin() + static_cast<std::ptrdiff_t>(at));
          }
          break;
        case 2:
          if (!f.specs.empty()) {
            auto& l = f.specs[pick(f.specs.size())];
            l.stacks = random_stacks();
            what += " stacks of " + hashes_[l.hash].name;
          }
          break;
        case 3:
          if (!f.specs.empty()) {
            auto& l = f.specs[pick(f.specs.size())];
            const auto was = l.own;
            if (l.own) l.own.reset();
            else l.own = differing(l.hash);
            if (!may_list(k, l)) {
              l.own = was;
              break;
            }
            what += " " + hashes_[l.hash].name + (l.own ? " described otherwise" : " agreeing");
          }
          break;
        case 4:
          if (!f.specs.empty()) {
            auto& l = f.specs[pick(f.specs.size())];
            l.size = l.size ? std::optional<std::int64_t>(*l.size + 1) : 42;
            what += " size of " + hashes_[l.hash].name;
          }
          break;
        case 5:
          std::reverse(f.specs.begin(), f.specs.end());
          what += " reordered";
          break;
      }
    }
    return what;
  }

  // --- the changes ---

  std::optional<std::string> apply(int kind) {
    switch (kind) {
      case 0:
      case 1: {
        auto d = add_page(any(kReleases));
        if (!d) return std::nullopt;
        return "add-page: " + *d;
      }
      case 2: {  // remove-page
        if (pages_.empty()) return std::nullopt;
        const Key k = any(page_keys());
        remove_page_file(k);
        return "remove-page: " + k.first + "/" + k.second;
      }
      case 3:
      case 4: {  // rewrite-page
        if (pages_.empty()) return std::nullopt;
        const Key k = any(page_keys());
        PageFile& f = pages_.at(k);
        if (f.corrupt) return std::nullopt;
        const std::string what = mutate_page(k, f);
        write_page(k);
        return "rewrite-page: " + k.first + "/" + k.second + what + " -> " + page_listing_text(f);
      }
      case 5: {  // move-hash-package: a hash leaves one package's page for another's, in the same release
        const auto all = page_listings();
        if (all.empty()) return std::nullopt;
        const auto& chosen = any(all);
        const Key from = chosen.first;
        const std::size_t h = chosen.second;
        const Key to{from.first, page_package()};
        if (to == from || (pages_.count(to) && (pages_.at(to).corrupt || lists(pages_.at(to), h))))
          return std::nullopt;
        PageFile& f = pages_.at(from);
        Listing l = *std::find_if(f.specs.begin(), f.specs.end(), [&](const Listing& x) { return x.hash == h; });
        if (!may_list(to, l)) return std::nullopt;
        f.specs.erase(std::remove_if(f.specs.begin(), f.specs.end(), [&](const Listing& x) { return x.hash == h; }),
                      f.specs.end());
        std::string what = "move-hash-package: " + hashes_[h].name + " from " + from.first + "/" + from.second;
        if (f.specs.empty() && chance(0.5)) {
          remove_page_file(from);
          what += " (its page removed)";
        } else {
          write_page(from);
        }
        pages_[to].specs.push_back(l);
        write_page(to);
        return what + " to " + to.first + "/" + to.second;
      }
      case 6: {  // share-hash-release: a hash one release's page lists, another release's page lists too
        const auto all = page_listings();
        if (all.empty()) return std::nullopt;
        const auto& chosen = any(all);
        const Key from = chosen.first;
        const std::size_t h = chosen.second;
        const Key to{any(kReleases), chance(0.6) ? from.second : page_package()};
        if (to.first == from.first || (pages_.count(to) && (pages_.at(to).corrupt || lists(pages_.at(to), h))))
          return std::nullopt;
        const Listing l = listing_of(h, 0.5);
        if (!may_list(to, l)) return std::nullopt;
        pages_[to].specs.push_back(l);
        write_page(to);
        return "share-hash-release: " + hashes_[h].name + " of " + from.first + "/" + from.second + " also on " +
               to.first + "/" + to.second + " " + page_listing_text(pages_.at(to));
      }
      case 7: {  // page-lists-index-hash: a page lists a hash an index lists, agreeing or not
        std::vector<std::size_t> listed;
        for (const auto& [k, f] : indexes_)
          for (const auto& r : f.records)
            listed.push_back(r.hash);
        if (listed.empty()) return std::nullopt;
        const std::size_t h = any(listed);
        const Key to{any(kReleases), is_node(h) && chance(0.5) ? hashes_[h].spec.package : page_package()};
        if (pages_.count(to) && (pages_.at(to).corrupt || lists(pages_.at(to), h))) return std::nullopt;
        const Listing l = listing_of(h, 0.5);
        if (!may_list(to, l)) return std::nullopt;
        pages_[to].specs.push_back(l);
        write_page(to);
        return "page-lists-index-hash: " + to.first + "/" + to.second + " " + page_listing_text(pages_.at(to));
      }
      case 8: {  // corrupt-page
        if (pages_.empty() || !chance(0.3)) return std::nullopt;
        const Key k = any(page_keys());
        PageFile& f = pages_.at(k);
        if (f.corrupt) return std::nullopt;
        f.corrupt = true;
        const std::string good = page_text(k, f);
        f.corrupt_text = chance(0.5) ? good.substr(0, good.size() / 2) : "---\nlayout: cache\n{{ junk\n";
        write_page(k);
        return "corrupt-page: " + k.first + "/" + k.second;
      }
      case 9:
      case 10: {  // write-index: a new index, or one written anew
        const Key k{any(kReleases), chance(0.3) ? "root" : any(kStacks)};
        return "write-index: " + k.first + "/" + write_index(k);
      }
      case 11:
      case 12: {  // rewrite-index
        if (indexes_.empty()) return std::nullopt;
        const Key k = any(keys_of(indexes_));
        IndexFile& f = indexes_.at(k);
        if (f.broken()) return std::nullopt;
        const std::string what = mutate_index(f);
        write_index_file(k, false);
        return "rewrite-index: " + k.first + "/" + k.second + what + " -> " + records_text(f);
      }
      case 13: {  // remove-index
        if (indexes_.empty()) return std::nullopt;
        const Key k = any(keys_of(indexes_));
        remove_index_file(k, false);
        return "remove-index: " + k.first + "/" + k.second;
      }
      case 14: {  // corrupt-index
        if (indexes_.empty() || !chance(0.5)) return std::nullopt;
        const Key k = any(keys_of(indexes_));
        IndexFile& f = indexes_.at(k);
        if (f.broken()) return std::nullopt;
        f.cut = 1 + static_cast<int>(pick(995));
        write_index_file(k, false);
        return "corrupt-index: " + k.first + "/" + k.second + " cut at " + std::to_string(f.cut) + "/1000";
      }
      case 15: {  // dup-index: the same (release, stack) named twice in the listing, or no longer
        if (avoid("dup-index")) return std::nullopt;
        if (!dups_.empty() && chance(0.4)) {
          const Key k = any(keys_of(dups_));
          remove_index_file(k, true);
          return "dup-index: " + k.first + "/" + k.second + " named once again";
        }
        if (indexes_.empty()) return std::nullopt;
        const Key k = any(keys_of(indexes_));
        if (dups_.count(k) || indexes_.at(k).broken()) return std::nullopt;
        IndexFile f = indexes_.at(k);
        if (chance(0.6)) mutate_index(f);
        dups_[k] = f;
        write_index_file(k, true);
        add_entry({k.first, k.second, true});
        return "dup-index: " + k.first + "/" + k.second + " named twice, the second file " + records_text(f);
      }
      case 16: {  // compiler-node: a node comes to an index, or leaves every index
        const std::size_t node = any(nodes_);
        if (chance(0.5)) {
          std::string what;
          for (auto& [k, f] : indexes_) {
            const auto before = f.records.size();
            f.records.erase(std::remove_if(f.records.begin(), f.records.end(),
                                           [&](const Record& r) { return r.hash == node; }),
                            f.records.end());
            if (f.records.size() != before && !f.broken()) {
              write_index_file(k, false);
              what += " " + k.first + "/" + k.second;
            }
          }
          if (what.empty()) return std::nullopt;
          return "compiler-node: " + hashes_[node].name + " leaves" + what;
        }
        if (indexes_.empty()) return std::nullopt;
        const Key k = any(keys_of(indexes_));
        IndexFile& f = indexes_.at(k);
        if (f.broken() ||
            std::any_of(f.records.begin(), f.records.end(), [&](const Record& r) { return r.hash == node; }))
          return std::nullopt;
        f.records.insert(f.records.begin() + static_cast<std::ptrdiff_t>(pick(f.records.size() + 1)),
                         {node, chance(0.8) ? 0 : 1});
        write_index_file(k, false);
        return "compiler-node: " + hashes_[node].name + " comes to " + k.first + "/" + k.second + " " +
               records_text(f);
      }
      case 17: {  // switch-to-indexes: a release of pages read from indexes (its pages left in the tree or not)
        std::vector<std::string> candidates;
        for (const auto& r : kReleases)
          if (holds(pages_, r) && !holds(indexes_, r)) candidates.push_back(r);
        if (candidates.empty()) return std::nullopt;
        const std::string r = any(candidates);
        std::string what = "switch-to-indexes: " + index_release(r);
        if (chance(0.5)) {
          for (const auto& k : page_keys())
            if (k.first == r) remove_page_file(k);
          what += " (its pages removed)";
        } else {
          what += " (its pages left in the tree)";
        }
        force_replace_indexes = true;
        return what;
      }
      case 18: {  // switch-to-pages: a release of indexes read from pages (its indexes left in the listing or not)
        std::vector<std::string> candidates;
        for (const auto& r : kReleases)
          if (holds(indexes_, r)) candidates.push_back(r);
        if (candidates.empty()) return std::nullopt;
        const std::string r = any(candidates);
        std::string what = "switch-to-pages: " + r + ":";
        for (int i = 0, n = 1 + static_cast<int>(pick(2)); i < n; ++i)
          if (auto d = add_page(r)) what += " " + *d + ";";
        if (!holds(pages_, r)) return std::nullopt;
        if (chance(0.7)) {
          for (const auto& k : keys_of(indexes_))
            if (k.first == r) remove_index_file(k, false);
          for (const auto& k : keys_of(dups_))
            if (k.first == r) remove_index_file(k, true);
          what += " (its indexes removed)";
        } else {
          what += " (its indexes left in the listing)";
        }
        force_replace_pages = true;
        return what;
      }
      case 19: {  // touch-index: the same bytes written again
        if (indexes_.empty()) return std::nullopt;
        const Key k = any(keys_of(indexes_));
        if (indexes_.at(k).missing) return std::nullopt;
        write_index_file(k, false);
        return "touch-index: " + k.first + "/" + k.second;
      }
      case 21: {  // index-file-missing: the listing names a file that is not there
        if (indexes_.empty() || !chance(0.4)) return std::nullopt;
        const Key k = any(keys_of(indexes_));
        IndexFile& f = indexes_.at(k);
        if (f.broken()) return std::nullopt;
        f.missing = true;
        remove_file(index_path({k.first, k.second, false}));
        return "index-file-missing: " + k.first + "/" + k.second + " (still listed)";
      }
      case 20: {  // repair: a corrupt page or index written whole again, or removed
        for (auto& [key, f] : pages_)
          if (f.corrupt) {
            const Key k = key;
            if (chance(0.2)) {
              remove_page_file(k);
              return "repair: the corrupt page " + k.first + "/" + k.second + " removed";
            }
            f.corrupt = false;
            write_page(k);
            return "repair: page " + k.first + "/" + k.second + " written whole";
          }
        for (auto& [key, f] : indexes_)
          if (f.broken()) {
            const Key k = key;
            if (chance(0.2)) {
              remove_index_file(k, false);
              return "repair: the corrupt index " + k.first + "/" + k.second + " removed";
            }
            f.cut = 0;
            f.missing = false;
            write_index_file(k, false);
            return "repair: index " + k.first + "/" + k.second + " written whole";
          }
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  fs::path root_;
  std::mt19937 rng_;
  std::vector<Hash> hashes_;
  std::vector<std::size_t> nodes_, fill_hashes_;
  std::map<Key, PageFile> pages_;
  std::map<Key, IndexFile> indexes_, dups_, fillers_;
  std::vector<Entry> listing_;
  std::map<std::string, std::string> on_disk_;  // path -> bytes
  std::set<std::string> corrupt_;               // index files cut short
  std::int64_t clock_ = 1767225600;             // 2026-01-01
};

// --- Comparing ---------------------------------------------------------------

std::string state(SQLite::Database& db) { return testing::dump_ingest_state(db); }

// What the tables hold besides: the sources, the pages' words kept, each
// index's listings, the page holding a spec in each page release.
std::string more_state(SQLite::Database& db) {
  return testing::dump_rows(
      db,
      {"SELECT 'source ' || s.kind || '|' || r.name || '|' || CASE s.kind WHEN 'page' THEN (SELECT name FROM "
       "package WHERE id = s.key_id) ELSE (SELECT name FROM stack WHERE id = s.key_id) END || '|' || s.path || '|' "
       "|| s.content_hash || '|' || ifnull(s.file_size, '?') FROM source s JOIN release r ON r.id = s.release_id "
       "ORDER BY 1",
       "SELECT 'spec ' || hash || '|' || contested || '|' || version FROM spec ORDER BY 1",
       "SELECT 'spec_version ' || s.hash || '|' || v.version FROM spec_version v JOIN spec s ON s.id = v.spec_id "
       "ORDER BY 1",
       "SELECT 'claim ' || s.hash || '|' || r.name || '|' || kp.name || '|' || p.name || '|' || c.version || '|' || "
       "cc.label || '|' || o.name || '|' || pl.name || '|' || t.name || '|' || ifnull((SELECT group_concat(text, ' ') "
       "FROM (SELECT v.text FROM variant_set_member m JOIN variant v ON v.id = m.variant_id WHERE m.variant_set_id = "
       "c.variant_set_id ORDER BY 1)), '') || '|' || ifnull((SELECT group_concat(name, ',') FROM (SELECT st.name FROM "
       "stack_set_member m JOIN stack st ON st.id = m.stack_id WHERE m.stack_set_id = c.stack_set_id ORDER BY 1)), "
       "'') || '|' || quote(c.size) || '|' || quote(c.tarball) FROM spec_claim c JOIN spec s ON s.id = c.spec_id "
       "JOIN source src ON src.id = c.source_id JOIN release r ON r.id = src.release_id JOIN package kp ON kp.id = "
       "src.key_id JOIN package p ON p.id = c.package_id JOIN compiler cc ON cc.id = c.compiler_id JOIN os o ON "
       "o.id = c.os_id JOIN platform pl ON pl.id = c.platform_id JOIN target t ON t.id = c.target_id ORDER BY 1",
       "SELECT 'listing ' || r.name || '|' || st.name || '|' || s.hash || '|' || l.in_buildcache FROM index_listing "
       "l JOIN source src ON src.id = l.source_id JOIN release r ON r.id = src.release_id JOIN stack st ON st.id = "
       "src.key_id JOIN spec s ON s.id = l.spec_id ORDER BY 1",
       "SELECT 'held ' || r.name || '|' || s.hash || '|' || p.name FROM release_spec rs JOIN source src ON src.id = "
       "rs.source_id JOIN release r ON r.id = rs.release_id JOIN spec s ON s.id = rs.spec_id JOIN package p ON p.id "
       "= src.key_id WHERE src.kind = 'page' ORDER BY 1",
       "SELECT 'redescribe ' || count(*) FROM index_redescribe"});
}

std::string strip(std::string out, const fs::path& root) {
  const std::string prefix = root.string() + "/";
  for (std::size_t at; (at = out.find(prefix)) != std::string::npos;) out.erase(at, prefix.size());
  return out;
}

std::string difference(const std::string& incremental, const std::string& fresh) {
  return testing::lines_in_one_only(incremental, fresh, 16);
}

struct QuietLogs {
  spdlog::level::level_enum was = spdlog::get_level();
  QuietLogs() { spdlog::set_level(spdlog::level::off); }
  ~QuietLogs() { spdlog::set_level(was); }
};

struct Stats {
  std::size_t nights = 0, runs = 0, compared = 0;
};

struct Failure {
  std::string report;
};

std::string pages_options_text(const IngestOptions& o) {
  std::string out = "[pages";
  if (o.prune) out += " --prune";
  if (o.force) out += " --force";
  if (o.replace_release_kind) out += " --replace-release-kind";
  if (o.stream_specs_from == 0) out += " (streamed)";
  return out + "]";
}

std::string index_options_text(const IndexIngestOptions& o) {
  std::string out = "[indexes";
  if (o.prune) out += " --prune";
  if (o.force) out += " --force";
  if (o.replace_release_kind) out += " --replace-release-kind";
  if (o.hash_ahead == IndexIngestOptions::HashAhead::before_reading) out += " (hashed before reading)";
  if (o.hash_ahead == IndexIngestOptions::HashAhead::off) out += " (no hashing ahead)";
  return out + "]";
}

// `nights` nights from `seed`; the first disagreement, or nothing.
std::optional<Failure> run_mixed(std::uint32_t seed, std::size_t nights, Stats& stats) {
  QuietLogs quiet;
  testing::TempDir dir;
  Universe u(dir / "in", seed);
  auto db = open_database(dir / "incremental.sqlite", OpenMode::ReadWrite);
  Abstract model;  // what the incremental database stores
  std::vector<IndexInput> last_inputs;  // the last index run's, for the fresh ingest
  bool last_replace = false;
  std::string history;
  auto& rng = u.rng();
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };

  for (std::size_t night = 1; night <= nights; ++night) {
    ++stats.nights;
    u.force_replace_indexes = u.force_replace_pages = false;
    history += "  night " + std::to_string(night) + ":\n";
    if (night == 1) {
      history += "    " + u.initial() + "\n";
    } else {
      for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) history += "    " + u.change() + "\n";
    }
    u.refresh_fillers();
    u.maybe_reorder(history);
    auto fail = [&](const std::string& what) {
      return Failure{"seed " + std::to_string(seed) + ", night " + std::to_string(night) + ": " + what +
                     "\nreplay: " + (avoid_list().empty() ? "" : "CACHEDB_MIXED_AVOID=" + avoid_list() + " ") +
                     "CACHEDB_SOAK_SEED=" + std::to_string(seed) +
                     " CACHEDB_SOAK_SEEDS=1 CACHEDB_SOAK_STEPS=" + std::to_string(night) + "\nnights:\n" + history};
    };

    // The runs: pages and indexes in either order, one of them, or pages twice around the indexes.
    std::vector<char> plan;
    switch (rng() % 20) {
      case 0: case 1: case 2: case 3: case 4: case 5: case 6: plan = {'p', 'i'}; break;
      case 7: case 8: case 9: case 10: case 11: plan = {'i', 'p'}; break;
      case 12: case 13: case 14: plan = {'i'}; break;
      case 15: case 16: plan = {'p'}; break;
      default: plan = {'p', 'i', 'p'}; break;
    }
    if (u.force_replace_indexes && std::find(plan.begin(), plan.end(), 'i') == plan.end()) plan.push_back('i');
    bool pages_replaced = false;
    for (char run : plan) {
      ++stats.runs;
      if (run == 'p') {
        IngestOptions o;
        o.prune = chance(0.6);
        o.force = o.prune && chance(0.25);
        o.replace_release_kind = (u.force_replace_pages && !pages_replaced) || chance(0.15);
        pages_replaced = pages_replaced || o.replace_release_kind;
        o.threads = 1 + static_cast<unsigned>(rng() % 2);
        if (chance(0.3)) o.stream_specs_from = 0;
        history += "    " + pages_options_text(o) + "\n";
        const Counts want = u.model_pages(model, o);
        const IngestSummary s = ingest(db, {u.tree()}, o);
        if (s.pages_rejected != want.rejected || s.prune_refused != want.prune_refused)
          return fail("the pages run rejected " + std::to_string(s.pages_rejected) + " pages (prune refused: " +
                      std::to_string(s.prune_refused) + "), the model " + std::to_string(want.rejected) + " (" +
                      std::to_string(want.prune_refused) + ")");
      } else {
        IndexIngestOptions o;
        o.prune = chance(0.6);
        o.force = o.prune && chance(0.25);
        o.replace_release_kind = u.force_replace_indexes || chance(0.7);
        const auto h = rng() % 4;
        o.hash_ahead = h == 0 ? IndexIngestOptions::HashAhead::before_reading
                       : h == 1 ? IndexIngestOptions::HashAhead::off
                                : IndexIngestOptions::HashAhead::idle;
        const auto in = u.inputs();
        history += "    " + index_options_text(o) + " " + u.listing_text() + "\n";
        const Counts want = u.model_indexes(model, in, o);
        const IngestSummary s = ingest_indexes(db, in, o);
        if (s.pages_rejected != want.rejected || s.prune_refused != want.prune_refused)
          return fail("the index run rejected " + std::to_string(s.pages_rejected) + " indexes (prune refused: " +
                      std::to_string(s.prune_refused) + "), the model " + std::to_string(want.rejected) + " (" +
                      std::to_string(want.prune_refused) + ")");
        last_inputs = in;
        last_replace = o.replace_release_kind;
      }
    }

    // A fresh ingest of the input as it stands: the pages, then the last index run's inputs.
    Abstract fresh_model;
    IngestOptions fresh_pages;
    IndexIngestOptions fresh_indexes;
    fresh_indexes.replace_release_kind = last_replace;
    const Counts fresh_pages_want = u.model_pages(fresh_model, fresh_pages);
    const Counts fresh_indexes_want = u.model_indexes(fresh_model, last_inputs, fresh_indexes);
    if (!(fresh_model == model)) continue;
    ++stats.compared;
    auto fresh = open_database(":memory:", OpenMode::ReadWrite);
    const IngestSummary fp = ingest(fresh, {u.tree()}, fresh_pages);
    const IngestSummary fi = last_inputs.empty() ? IngestSummary{} : ingest_indexes(fresh, last_inputs, fresh_indexes);
    if (fp.pages_rejected != fresh_pages_want.rejected || fi.pages_rejected != fresh_indexes_want.rejected)
      return fail("the fresh ingest rejected " + std::to_string(fp.pages_rejected) + " pages and " +
                  std::to_string(fi.pages_rejected) + " indexes, the model " +
                  std::to_string(fresh_pages_want.rejected) + " and " + std::to_string(fresh_indexes_want.rejected));
    const std::string mine = strip(state(db), u.root()), theirs = strip(state(fresh), u.root());
    if (mine != theirs)
      return fail("the database differs from a fresh ingest of the same input (state()):\n" +
                  difference(mine, theirs) + "  and besides:\n" +
                  difference(strip(more_state(db), u.root()), strip(more_state(fresh), u.root())));
    const std::string more_mine = strip(more_state(db), u.root()), more_theirs = strip(more_state(fresh), u.root());
    if (more_mine != more_theirs)
      return fail("the database's tables differ from a fresh ingest's (its views agree):\n" +
                  difference(more_mine, more_theirs));
  }
  return std::nullopt;
}

// Runs `default_seeds`, or, when CACHEDB_SOAK_SEED or CACHEDB_SOAK_SEEDS is
// set, the seeds from CACHEDB_SOAK_SEED (1) on; fails the test case at the
// first disagreement (CACHEDB_SOAK_KEEP_GOING: at each, going on).
void check_mixed(std::size_t default_nights, const std::vector<std::uint32_t>& default_seeds) {
  const std::size_t nights = env_number("CACHEDB_SOAK_STEPS", default_nights);
  std::vector<std::uint32_t> seeds = default_seeds;
  if (!env("CACHEDB_SOAK_SEED").empty() || !env("CACHEDB_SOAK_SEEDS").empty()) {
    const auto first = static_cast<std::uint32_t>(env_number("CACHEDB_SOAK_SEED", 1));
    seeds.clear();
    for (std::size_t i = 0, n = env_number("CACHEDB_SOAK_SEEDS", 1); i < n; ++i)
      seeds.push_back(first + static_cast<std::uint32_t>(i));
  }
  const bool keep_going = !env("CACHEDB_SOAK_KEEP_GOING").empty();
  Stats stats;
  std::size_t failed = 0;
  for (const std::uint32_t seed : seeds) {
    const auto failure = run_mixed(seed, nights, stats);
    if (!failure) continue;
    ++failed;
    FAIL_CHECK(failure->report);
    if (!keep_going) break;
  }
  MESSAGE(stats.nights << " nights, " << stats.runs << " runs, " << stats.compared
                       << " compared with a fresh ingest; seeds failed: " << failed);
}

}  // namespace

TEST_SUITE_BEGIN("stress");

// Ten seeds of 40 nights, some 10 s (two seeds under a sanitizer).
// scripts/soak-invariant.sh (CACHEDB_SOAK_MIXED=1) runs it alone, with its
// own seeds and nights.
TEST_CASE("the invariant, pages and indexes: any sequence of page and index runs ends where a fresh ingest of "
          "the same input starts") {
  const std::vector<std::uint32_t> seeds = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  check_mixed(40, testing::kSanitized ? std::vector<std::uint32_t>(seeds.begin(), seeds.begin() + 2) : seeds);
}

TEST_SUITE_END();

