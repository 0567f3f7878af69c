#include "ingest/index_writer.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <sqlite3.h>
#include <SQLiteCpp/Exception.h>

#include "error.h"
#include "formats/spack_index/index_reader.h"
#include "ingest/dependency_compilers.h"
#include "ingest/index_pipeline.h"
#include "ingest/spec_claims.h"
#include "ingest/spec_id_cache.h"
#include "parsing/compiler.h"
#include "parsing/variant.h"
#include "storage/bulk_load.h"
#include "storage/index_statements.h"
#include "storage/interner.h"
#include "storage/transaction.h"
#include "storage/writer_statements.h"
#include "util/fingerprint.h"

namespace cachedb {
namespace {

using spack_index::DocumentSummary;
using spack_index::IndexRecord;

// Ids of the values an index names. They are cached, so after a document is
// rolled back the whole set is made afresh: a cached id may be of a row that
// is gone. Each cache holds at most kMaxCached ids, and is emptied when full:
// the values an index repeats (package names, compilers, common variants) are
// few, and the many that are not (variant sets: one per few specs) are
// looked up once or twice, so that a bigger cache only makes the memory of a
// run grow with what it reads (4,096 against 65,536: peak RSS 0.8 MB less at
// 1 GB of indexes, the same at 100 MB, no slower). But package names: every
// edge names its dependency's package, and a release's indexes name more
// packages than 4,096 (Spack has ~8,000; the benchmark's 1 GB names 12,809),
// so that a cache of 4,096 was emptied again and again, and edges looked
// their packages up in the table (16,384: 1 GB 2.67 → 2.64 s, peak RSS +0.7 MB).
struct Ids {
  static constexpr std::size_t kMaxCached = 4096, kMaxPackages = 16384;
  Ids(SQLite::Database& d, WriterStatements& s) : db(d), sql(s) {}
  SQLite::Database& db;
  WriterStatements& sql;
  Interner releases{db, "release", true, kMaxCached}, packages{db, "package", true, kMaxPackages},
      oss{db, "os", true, kMaxCached}, platforms{db, "platform", true, kMaxCached},
      targets{db, "target", true, kMaxCached}, stacks{db, "stack", true, kMaxCached};
  // By a fingerprint of the text (util/fingerprint.h): the key of a set of a
  // spec's variants is a few hundred bytes, and held 4,096 times was a
  // megabyte of a 1 GB run's memory that a 100 MB run does not use.
  using TextIds = FingerprintMap<std::int64_t>;
  TextIds compilers, variants, stack_sets, variant_sets;
  // Specs by hash, met in this run: their edges are stored.
  SpecIdCache specs;
  std::string key;

  template <typename Create>
  std::int64_t cached(TextIds& cache, Statement& select, std::string_view text, Create&& create) {
    const Fingerprint key = fingerprint_of(text);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    std::optional<std::int64_t> found;
    if (auto row = select(text); row.next()) found = row.int64(0);
    const std::int64_t id = found ? *found : create();
    if (cache.size() >= kMaxCached) cache.clear();
    cache.emplace(key, id);
    return id;
  }

  // "gcc@10.2.1", "gcc" or "none", as pages show compilers.
  std::int64_t compiler(std::string_view text) {
    return cached(compilers, sql.compiler_select, text, [&] {
      const Compiler c = parse_compiler(text);
      const std::string label = c.label();
      if (auto row = sql.compiler_select(label); row.next()) return row.int64(0);
      sql.compiler_insert(label, c.name, c.version).exec();
      return db.getLastInsertRowid();
    });
  }

  std::int64_t variant(std::string_view text) {
    return cached(variants, sql.variant_select, text, [&] {
      const Variant v = parse_variant(text);
      sql.variant_insert(text, v.name, v.propagate ? 1 : 0, v.exact ? 1 : 0).exec();
      const std::int64_t id = db.getLastInsertRowid();
      for (std::size_t i = 0; i < v.values.size(); ++i)
        sql.variant_value_insert(id, static_cast<std::int64_t>(i), v.values[i]).exec();
      return id;
    });
  }

  // A set of ids through a *_set table, keyed as the page writer keys it
  // (the member ids sorted, each followed by a comma).
  std::int64_t set(std::vector<std::int64_t>& ids, TextIds& cache, Statement& select, Statement& insert,
                   Statement& member) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    key.clear();
    for (auto id : ids) {
      char digits[24];
      const auto end = std::to_chars(digits, digits + sizeof digits, id).ptr;
      key.append(digits, end);
      key += ',';
    }
    return cached(cache, select, key, [&] {
      insert(key).exec();
      const std::int64_t set_id = db.getLastInsertRowid();
      for (auto id : ids) member(set_id, id).exec();
      return set_id;
    });
  }
  std::int64_t stack_set(std::vector<std::int64_t>& ids) {
    return set(ids, stack_sets, sql.stack_set_select, sql.stack_set_insert, sql.stack_set_member_insert);
  }
  // The stack set of a spec in no release (WriterStatements::kNoReleaseStacks).
  std::int64_t no_release_set() {
    key = WriterStatements::kNoReleaseStacks;
    return cached(stack_sets, sql.stack_set_select, key, [&] {
      sql.stack_set_insert(key).exec();
      return db.getLastInsertRowid();
    });
  }
  std::int64_t variant_set(std::span<const std::string> texts, std::vector<std::int64_t>& ids) {
    ids.clear();
    for (const auto& t : texts) ids.push_back(variant(t));
    return set(ids, variant_sets, sql.variant_set_select, sql.variant_set_insert, sql.variant_set_member_insert);
  }
};

}  // namespace

struct IndexWriter::Impl : spack_index::IndexHandler {
  SQLite::Database& db;
  WriterStatements sql{db};
  IndexStatements ix{db};
  SpecClaims claims{sql};
  std::unique_ptr<Ids> ids = std::make_unique<Ids>(db, sql);
  // release_spec's indexes stay: its rows are derived, and the indexes kept
  // up, mostly while the writer waits for its readers (derive_step()), where
  // building them at the end is time the run has no other use for.
  // Its indexes built with a 2 MiB sort cache and no helper thread (the
  // hashing of the run's last indexes has the other core then): 100 MB of
  // indexes 239.1 -> 230.1 ms against the page writer's 1 MiB and one helper
  // (1 GB 2.112 -> 2.097 s, within the noise), the heap's peak the same (15.5
  // MB at 1 GB, before the build); with 4 MiB no faster, and the peak moves
  // into the build (18.1 MB); with 8 MiB peak RSS +8 MB.
  DeferredIndexes deferred{db, {"release_spec_by_release", "release_spec_by_spec"}, {2048, 0}};
  bool bulk = false;  // the run began with an empty database, see begin_bulk_load()
  // No document was rolled back: the specs stored are those of documents
  // written whole, each of them kept in ids->specs (unless it says otherwise).
  bool cache_holds_every_spec = true;
  // The reader's second thread, and the hashes it handed out described: the
  // writer's own, or one given (readers begun before the writer was made).
  std::unique_ptr<PipelineState> own_pipeline;
  PipelineState& pipeline;

  // The document being written.
  std::int64_t source_id = 0, release = 0, none_compiler = 0, no_stacks = 0;
  std::uint64_t records = 0;
  std::vector<std::int64_t> id_buffer;
  IndexWriteResult result;

  Impl(SQLite::Database& d, PipelineState* given)
      : db(d),
        own_pipeline(given ? nullptr : std::make_unique<PipelineState>()),
        pipeline(given ? *given : *own_pipeline) {}

  void coming(std::string_view hash) override { ids->specs.prefetch(hash); }

  void record(const IndexRecord& r) override {
    Ids& in = *ids;
    // Most records name a hash stored already (by another stack's index, or
    // another release's): its description and edges are the hash's, stored
    // once, so nothing of it is looked at but the hash.
    std::int64_t spec = 0;
    if (auto known = in.specs.find(r.hash)) {
      spec = *known;
    } else if (!r.described) {
      spec = described_before(r.hash);
    } else {
      bool with_edges = true;
      // Into an empty database, while the cache has held every spec stored
      // since, a hash it does not hold is new: no need to ask (at 1 GB of
      // indexes, 65,000 lookups, most in the first release's root index,
      // which the writer takes alone).
      if (!(bulk && cache_holds_every_spec && in.specs.holds_all()))
        if (auto row = sql.spec_by_hash(r.hash); row.next()) spec = row.int64(0);
      if (spec) {
        write_edges();
        with_edges = !ix.dependency_any(spec).next();  // stored from a page: no edges yet
        // Described by a page alone so far (then it has no edges: an index
        // that gave it some lists it, or they went with its listing): the
        // index describes it (document_done()).
        // Or shared with pages in a database written before an index described
        // such hashes (migration 0010): described again, and no longer waiting
        // whichever way it is described.
        const bool waited = redescribe_waiting && taken_from_redescribe(spec);
        if (waited || (with_edges && !sql.spec_in_index(spec).next())) from_pages.push_back(page_described(spec, r));
      }
      else spec = insert_spec(r);
      if (with_edges) insert_edges(spec, r.dependencies);
      in.specs.insert(r.hash, spec);
    }
    listing.push_back({spec, r.in_buildcache});
    if (listing.size() == kListingBatch) write_listing();
    ++records;
  }

  // What the document lists, written a batch at a time in spec order: the
  // rows of one index are one range of index_listing's key, filled from its
  // start to its end instead of here and there. A hash listed twice (an
  // `installs` key given twice) is listed as its last record says, as
  // Python's json module, Spack's reader, keeps the last of a key: within a
  // batch the sort is stable and the last of equal specs is kept; across
  // batches the append fails at the pair an earlier batch stored, and the
  // batch is written again through the upsert, each pair taking its row's
  // word (those the append stored before it failed take the same again).
  struct Listed {
    std::int64_t spec;
    bool in_buildcache;
  };
  static constexpr std::size_t kListingBatch = 16384;
  std::vector<Listed> listing;
  void write_listing() {
    std::stable_sort(listing.begin(), listing.end(), [](const Listed& a, const Listed& b) { return a.spec < b.spec; });
    std::size_t kept = 0;
    for (std::size_t i = 0; i < listing.size(); ++i)
      if (i + 1 == listing.size() || listing[i + 1].spec != listing[i].spec) listing[kept++] = listing[i];
    listing.resize(kept);
    const auto bind = [&](auto& insert, const Listed& l) { insert(source_id)(l.spec)(l.in_buildcache ? 1 : 0); };
    try {
      ix.listing_append.insert_all(std::span<const Listed>(listing), bind);
    } catch (const SQLite::Exception& e) {
      if (e.getExtendedErrorCode() != SQLITE_CONSTRAINT_PRIMARYKEY) throw;
      ix.listing_upsert.insert_all(std::span<const Listed>(listing), bind);
    }
    listing.clear();
  }

  // Edges, written many to a statement across specs (a spec has seven or so:
  // a statement each was a statement's start and end per seven rows), their
  // text kept in edge_text until then; all written when the document is.
  struct Edge {
    std::int64_t spec, package;
    std::uint32_t at, hash, deptypes, virtuals;  // where its texts are in edge_text, and their lengths
  };
  std::vector<Edge> edges;
  std::string edge_text;
  void insert_edges(std::int64_t spec, std::span<const spack_index::IndexDependency> of_spec) {
    for (const auto& d : of_spec) {
      edges.push_back({spec, ids->packages.id(d.name), static_cast<std::uint32_t>(edge_text.size()),
                       static_cast<std::uint32_t>(d.hash.size()), static_cast<std::uint32_t>(d.deptypes.size()),
                       static_cast<std::uint32_t>(d.virtuals.size())});
      edge_text.append(d.hash).append(d.deptypes).append(d.virtuals);
    }
    if (edges.size() >= ix.dependency_insert.max_rows()) write_edges();
  }
  void write_edges() {
    const std::string_view text = edge_text;
    ix.dependency_insert.insert_all(std::span<const Edge>(edges), [&](auto& insert, const Edge& e) {
      insert(e.spec)(text.substr(e.at, e.hash))(e.package)(text.substr(e.at + e.hash, e.deptypes))(
          text.substr(e.at + e.hash + e.deptypes, e.virtuals));
    });
    edges.clear();
    edge_text.clear();
  }

  // A hash described earlier in the run, since dropped from the cache.
  std::int64_t described_before(std::string_view hash) {
    if (auto row = sql.spec_by_hash(hash); row.next()) return row.int64(0);
    throw Error(fmt::format("an index record of {} came without its description, and no spec has that hash", hash));
  }

  std::int64_t insert_spec(const IndexRecord& r) {
    Ids& in = *ids;
    const std::int64_t compiler = r.compiler.empty() ? none_compiler : in.compiler(r.compiler);
    const std::int64_t variant_set = in.variant_set(r.variants, id_buffer);
    const std::int64_t package = in.packages.id(r.package), os = in.oss.id(r.os),
                       platform = in.platforms.id(r.platform), target = in.targets.id(r.target);
    ix.spec_insert(r.hash, package, r.version, compiler, os, platform, target, variant_set, no_stacks,
                   r.compiler_by_dependency)
        .exec();
    const std::int64_t spec = db.getLastInsertRowid();
    versions.push_back({spec, std::string(r.version)});
    if (versions.size() == kVersionBatch) write_versions();
    const bool late = r.compiler.empty() && !r.compiler_hash.empty();
    if (late) ix.late_insert(spec, r.compiler_hash).exec();
    if (bulk) keep_dimensions(spec, {package, late ? 0 : compiler, os, platform, target});
    return spec;
  }

  // Into an empty database, the dimensions of the specs the run stored, by
  // spec id (SQLite gives them in order there), each packed in 64 bits: a
  // release row repeats them, and asking the spec table for each of them
  // (1 GB of indexes: 217,000 rows) was a twentieth of the writer's time.
  // 0: not kept (a compiler still to be resolved, an id too big to pack):
  // the table is asked. 8 bytes a spec: 0.5 MB at 1 GB of indexes.
  struct Dimensions {
    std::int64_t package, compiler, os, platform, target;
  };
  static constexpr int kDimensionBits[5] = {22, 12, 10, 8, 12};
  std::vector<std::uint64_t> dimensions;
  std::int64_t dimensions_first = 0;
  void keep_dimensions(std::int64_t spec, const Dimensions& d) {
    // Kept for one run of consecutive ids: after a gap, from the spec after it.
    if (!dimensions.empty() && spec != dimensions_first + static_cast<std::int64_t>(dimensions.size()))
      forget_dimensions();
    if (dimensions.empty()) dimensions_first = spec;
    const std::int64_t values[5] = {d.package, d.compiler, d.os, d.platform, d.target};
    std::uint64_t packed = 0;
    for (int i = 0; i < 5; ++i) {
      if (values[i] <= 0 || values[i] >= (std::int64_t{1} << kDimensionBits[i])) {
        packed = 0;
        break;
      }
      packed = packed << kDimensionBits[i] | static_cast<std::uint64_t>(values[i]);
    }
    dimensions.push_back(packed);
  }
  std::optional<Dimensions> kept_dimensions(std::int64_t spec) const {
    if (spec < dimensions_first || spec - dimensions_first >= static_cast<std::int64_t>(dimensions.size()))
      return std::nullopt;
    std::uint64_t packed = dimensions[static_cast<std::size_t>(spec - dimensions_first)];
    if (packed == 0) return std::nullopt;
    std::int64_t values[5];
    for (int i = 4; i >= 0; --i) {
      values[i] = static_cast<std::int64_t>(packed & ((std::uint64_t{1} << kDimensionBits[i]) - 1));
      packed >>= kDimensionBits[i];
    }
    return Dimensions{values[0], values[1], values[2], values[3], values[4]};
  }
  void forget_dimensions() {
    dimensions.clear();
    dimensions.shrink_to_fit();
    dimensions_first = 0;
  }

  // New specs' versions, written many to a statement (a release's first index
  // stores tens of thousands of specs, each a statement's start and end when
  // written one by one); all written when the document is (document_done).
  static constexpr std::size_t kVersionBatch = 64;
  std::vector<std::pair<std::int64_t, std::string>> versions;
  void write_versions() {
    ix.version_insert.insert_all(std::span<const std::pair<std::int64_t, std::string>>(versions),
                                 [](auto& insert, const auto& v) { insert(v.first)(std::string_view(v.second)); });
    versions.clear();
  }

  void document_done(const DocumentSummary& summary) override {
    result.specs_checked_before = summary.specs_checked_before;
    write_versions();
    write_edges();
    write_listing();
    resolve_late_compilers(summary);
    redescribe_from_pages(summary);
  }

  // Hashes a page described and this index lists, with the index's word on
  // them: an index describes every hash it lists, whichever came first, and
  // the pages' words are kept as claims where they differ (spec_claims.h),
  // to describe the hash again once no index lists it.
  struct PageDescribed {
    std::int64_t spec = 0, package = 0, os = 0, platform = 0, target = 0, variant_set = 0;
    std::string version, compiler, compiler_hash;  // compiler "" when its node comes later
    bool by_dependency = false;
    std::string hash, package_name;  // for the finding, when the page said otherwise
  };
  std::vector<PageDescribed> from_pages;  // a few, where page and index releases share hashes
  PageDescribed page_described(std::int64_t spec, const IndexRecord& r) {
    Ids& in = *ids;
    PageDescribed d;
    d.spec = spec;
    d.package = in.packages.id(r.package);
    d.os = in.oss.id(r.os);
    d.platform = in.platforms.id(r.platform);
    d.target = in.targets.id(r.target);
    d.variant_set = in.variant_set(r.variants, id_buffer);
    d.version = r.version;
    d.compiler = r.compiler;
    d.compiler_hash = r.compiler_hash;
    d.by_dependency = r.compiler_by_dependency;
    d.hash = r.hash;
    d.package_name = r.package;
    return d;
  }
  void redescribe_from_pages(const DocumentSummary& summary) {
    for (const auto& d : from_pages) {
      std::string label = d.compiler;
      bool waiting = false;  // for a compiler node no index has
      if (label.empty() && !d.compiler_hash.empty()) {
        if (auto node = ix.compiler_node(d.compiler_hash); node.next())
          label = node.text(1).empty() ? std::string(node.text(0)) : fmt::format("{}@{}", node.text(0), node.text(1));
        for (const auto& late : summary.late_compilers)
          if (label.empty() && late.hash == d.compiler_hash) label = late.label, waiting = !late.node_seen;
      }
      if (label.empty()) label = "none";
      const std::int64_t compiler = ids->compiler(label);
      const SpecDescription index_word{d.package, compiler, d.os, d.platform, d.target, d.variant_set, d.version};
      // What of a page's word is reported against the index's: not a
      // compiler whose node no index has yet, which the index names without
      // its version, nor one the page left at `none` (reported_against_index()).
      const auto reported_of = [&](const SpecDescription& page_word) {
        const unsigned differs = description_differences(page_word, index_word);
        return reported_against_index(waiting ? differs & ~SpecConflict::kCompiler : differs,
                                      page_word.compiler == none_compiler);
      };
      SpecDescription shown;  // what the spec shows now
      std::string shown_version;
      {
        auto now = sql.spec_description(d.spec);
        if (!now.next()) throw Error(fmt::format("an index lists spec {}, and no spec has that id", d.spec));
        shown_version = now.text(1);
        shown = {now.int64(0), now.int64(2), now.int64(3), now.int64(4), now.int64(5), now.int64(6), shown_version};
      }
      const unsigned differs = description_differences(shown, index_word);
      unsigned reported = 0;
      bool contested = false;
      if (auto c = sql.spec_contested(d.spec); c.next()) contested = c.int64(0) != 0;
      // Told before: the spec shows what the index says, and an index listed
      // it before this run changed that index (read again, the spec has no
      // edges to tell it was described): the pages' words were set against
      // that description then.
      if (differs || !ix.spec_touched(d.spec).next()) {
        if (contested) {
          // Pages that disagree among themselves: the word of each
          // (spec_claim holds every page's), not only the one the spec shows,
          // which may also be an earlier word of the index itself.
          for (auto claim = sql.claims_of_spec(d.spec); claim.next();)
            reported |= reported_of({claim.int64(4), claim.int64(6), claim.int64(7), claim.int64(8),
                                     claim.int64(9), claim.int64(10), claim.text(5)});
        } else {
          reported = reported_of(shown);  // every page says what the spec shows
        }
      }
      // Reported, as a page read after the index reports it (a finding of
      // this index). Only when a page lists the spec: one waiting since an
      // upgrade (migration 0014) may be described by indexes alone, whose
      // word changed with cachedb's, not a page's.
      if (reported && ix.spec_on_page(d.spec).next())
        result.page_conflicts.push_back({{d.hash, reported}, d.package_name});
      // The pages' words first, while the spec still says what they say.
      if (differs && !contested) claims.contest(d.spec);
      ix.spec_redescribe(d.package, d.version, compiler, d.os, d.platform, d.target, d.variant_set, d.by_dependency,
                         d.spec)
          .exec();
      if (differs) {
        // Its rows in releases read from indexes, stored before (migration 0010's case), follow.
        ix.index_rows_redescribe(d.package, compiler, d.os, d.platform, d.target, d.spec).exec();
        sql.spec_forget_versions(d.spec).exec();
        const std::string_view version = d.version;
        sql.write_versions(d.spec, std::span<const std::string_view>(&version, 1));
      }
      if (waiting) ix.pending_insert(d.spec).exec();
      // Each page's release row takes the index's description; contested
      // while a page says otherwise.
      if (differs || contested) claims.settle(d.spec);
    }
    from_pages.clear();
  }

  // A compiler node met after the specs it built: its name@version as stored
  // (the node is a record of this index, or of one read before); the edge's
  // package name alone when no index has the node, and then the specs wait
  // for one in compiler_pending (settle_dependency_compilers(), when the run ends).
  void resolve_late_compilers(const DocumentSummary& summary) {
    struct Resolved {
      std::string hash, label;
      bool node;
    };
    std::vector<Resolved> labels;  // tens per index
    for (auto row = ix.late_hashes(); row.next();) {
      Resolved r{std::string(row.text(0)), {}, false};
      if (auto node = ix.compiler_node(r.hash); node.next()) {
        r.label = node.text(1).empty() ? std::string(node.text(0)) : fmt::format("{}@{}", node.text(0), node.text(1));
        r.node = true;
      }
      for (const auto& late : summary.late_compilers)
        if (r.label.empty() && late.hash == r.hash) r.label = late.label, r.node = late.node_seen;
      if (r.label.empty()) r.label = "none";
      labels.push_back(std::move(r));
    }
    for (const auto& r : labels) {
      ix.late_apply(ids->compiler(r.label), r.hash).exec();
      if (!r.node) ix.late_pending(r.hash).exec();
    }
    ix.late_clear().exec();
  }

  // The release rows of every release the run wrote an index of, derived
  // from all its indexes and written where they differ from the stored ones;
  // then the stacks over all releases of the specs whose rows changed, and
  // the specs nothing holds any more are deleted. Once per run: a spec listed
  // by root and two stacks is derived once, not three times.
  void finish() {
    // The derivation sorts every listing of a release, and a bulk load every
    // release row: in runs of a small cache, not in memory as large as them.
    PragmaScope cache(db, "cache_size", fmt::format("-{}", kSortCacheKiB));
    std::sort(releases_written.begin(), releases_written.end());
    releases_written.erase(std::unique(releases_written.begin(), releases_written.end()), releases_written.end());
    finish_early_derivation();
    for (auto r : releases_written) derive_release(r);
    releases_written.clear();
    // Specs nothing holds are deleted below: a hash is described again after.
    pipeline.forget_all();
    if (bulk) {
      if (!restacking) restack_all();
      stop_restacking();
    } else {
      for (auto q = ix.touched_specs(); q.next();) refresh(q.int64(0));
      ix.touched_clear().exec();
      // A spec waiting to be described again (migration 0010) that no index
      // lists now is the pages' (refresh()): it waits for nothing.
      if (ix.redescribe_any().next()) ix.redescribe_unlisted().exec();
    }
    // Once the specs nothing holds are deleted: a compiler node may have come or gone.
    settle_dependency_compilers(db, &settled_findings);
  }
  std::vector<Finding> settled_findings;  // of the last finish()

  // What one spec's release row should be: from the indexes listing it in
  // the build cache (their keys are its stacks; the first of them holds it).
  struct Derived {
    std::int64_t spec = 0, source = 0;
    std::vector<std::int64_t> stacks;
  };
  // And what it is.
  struct Stored {
    std::int64_t spec = 0, source = 0, stack_set = 0;
  };

  // One pass over both, by spec: the release's rows as its indexes say now,
  // and as stored (none in a bulk load: the database was empty). In a bulk
  // load, a slice at a time: the specs after `after`, at most `limit` of
  // them. Returns the last spec derived, 0 once the release is done.
  std::int64_t derive_release(std::int64_t release_id, std::int64_t after = 0,
                              std::size_t limit = std::numeric_limits<std::size_t>::max()) {
    if (!bulk && (after || limit != std::numeric_limits<std::size_t>::max()))
      throw std::logic_error("a release's rows are derived in slices only into an empty database");
    std::optional<Statement::Use> stored;
    Stored now;
    bool more = false;
    auto next_stored = [&] {
      more = stored && stored->next();
      if (more) now = {stored->int64(0), stored->int64(1), stored->int64(2)};
    };
    if (!bulk) stored.emplace(ix.release_rows(release_id));
    next_stored();
    auto drop = [&] {
      ix.release_row_delete(now.source, now.spec).exec();
      touched(now.spec);
      ++specs_removed;
    };
    Derived row;
    auto flush = [&] {
      if (!row.spec) return;
      while (more && now.spec < row.spec) drop(), next_stored();
      const std::int64_t set = ids->stack_set(row.stacks);
      if (more && now.spec == row.spec) {
        if (now.source != row.source) {
          ix.release_row_delete(now.source, now.spec).exec();
          insert_release_row(release_id, row, set);
        } else if (now.stack_set != set) {
          ix.release_row_restack(set, now.source, now.spec).exec();
          touched(row.spec);
        }
        next_stored();
      } else {
        insert_release_row(release_id, row, set);
        ++specs_added;
      }
      row.stacks.clear();
    };
    // The release's indexes, each read in spec order, merged: the specs in
    // order, each with the indexes listing it (root first, then by stack name).
    struct Cursor {
      std::int64_t source, stack, spec = 0;
      Statement::Use use;
      bool more = true;
      void next() {
        more = use.next();
        if (more) spec = use.int64(0);
      }
    };
    std::vector<Cursor> cursors;
    {
      std::vector<std::pair<std::int64_t, std::int64_t>> indexes;  // source, stack
      for (auto q = ix.release_indexes(release_id); q.next();) indexes.emplace_back(q.int64(0), q.int64(1));
      cursors.reserve(indexes.size());
      for (std::size_t i = 0; i < indexes.size(); ++i) {
        cursors.push_back(
            {indexes[i].first, indexes[i].second, 0, ix.listed_in_buildcache(i)(indexes[i].first, after)});
        cursors.back().next();
      }
    }
    std::size_t derived = 0;
    for (;; ++derived) {
      row.spec = 0;
      for (const auto& c : cursors)
        if (c.more && (!row.spec || c.spec < row.spec)) row.spec = c.spec;
      if (!row.spec) break;
      if (derived == limit) return after;  // the next slice starts after it
      row.source = 0;
      for (auto& c : cursors) {
        if (!c.more || c.spec != row.spec) continue;
        row.stacks.push_back(c.stack);
        if (!row.source) row.source = c.source;  // the first listing it holds it (index_release_indexes.sql)
        c.next();
      }
      flush();
      after = row.spec;
    }
    while (more) drop(), next_stored();
    write_release_rows();
    return 0;
  }

  // Deriving while reading, in a bulk load: a release whose every index is
  // written (release_complete()) is derived a slice of kSliceSpecs specs at a
  // time whenever the reader is behind the writer (derive_step(), the
  // pipeline's idle work), so that finish() finds most releases derived.
  // (1 GB of indexes: the derivation, 0.3 s at the end of the run, is done
  // on the time the writer used to spend waiting.)
  //
  // Slices run inside a document's savepoint: when the document fails, what
  // they wrote is rolled back with it, and finish() derives every release
  // again from nothing (a bulk load's release rows are all derived by it).
  static constexpr std::size_t kSliceSpecs = 256;
  std::deque<std::int64_t> complete;            // releases to derive, not begun
  std::int64_t deriving = 0, derived_after = 0;  // the release begun, and its last spec derived
  std::vector<std::int64_t> derived_early;      // releases done
  std::size_t slices_in_document = 0;
  bool early_void = false;
  std::int64_t releases_derived_early = 0;  // in the last finish()

  // One slice; whether there is more to derive.
  bool derive_step() {
    if (!bulk || early_void) return false;
    if (!deriving) {
      if (complete.empty()) return false;
      deriving = complete.front();
      complete.pop_front();
      derived_after = 0;
    }
    ++slices_in_document;
    try {
      derived_after = derive_release(deriving, derived_after, kSliceSpecs);
    } catch (const SQLite::Exception&) {
      throw;  // the database's: the run fails
    } catch (const std::exception&) {
      // Not the document's fault: finish() derives again, and fails the run there.
      early_void = true;
      return false;
    }
    if (!derived_after) {
      derived_early.push_back(deriving);
      deriving = 0;
    }
    return deriving || !complete.empty();
  }

  // The release begun is derived to its end, and releases_written is left
  // with the releases not derived (those not begun among them); or, when a
  // document rolled some of the early derivation back, all of it is undone
  // and every release is derived again.
  void finish_early_derivation() {
    releases_derived_early = early_void ? 0 : static_cast<std::int64_t>(derived_early.size());
    if (early_void) {
      stop_restacking();  // restack_all() writes every spec's stacks again
      exec(db, "DELETE FROM release_spec");
      release_rows.clear();
      specs_added = 0;
    } else {
      if (deriving) {
        derive_release(deriving, derived_after);
        std::erase(releases_written, deriving);
      }
      for (auto r : derived_early) std::erase(releases_written, r);
    }
    complete.clear();
    derived_early.clear();
    deriving = derived_after = 0;
    early_void = false;
  }

  std::int64_t specs_added = 0, specs_removed = 0;  // (release, spec) pairs gained and lost
  std::vector<std::int64_t> releases_written;       // of the documents written or removed

  // Release rows to insert, written many to a statement (a release of an
  // index has as many as it has specs).
  struct ReleaseRow {
    std::int64_t release, spec, source, stack_set, package, compiler, os, platform, target;
  };
  static constexpr std::size_t kReleaseRowBatch = 1024;
  std::vector<ReleaseRow> release_rows;

  void insert_release_row(std::int64_t release_id, const Derived& d, std::int64_t stack_set) {
    Dimensions dims;
    if (auto kept = kept_dimensions(d.spec)) {
      dims = *kept;
    } else {
      auto row = ix.spec_dimensions(d.spec);
      if (!row.next()) throw Error(fmt::format("an index lists spec {}, and no spec has that id", d.spec));
      dims = {row.int64(0), row.int64(1), row.int64(2), row.int64(3), row.int64(4)};
    }
    release_rows.push_back(
        {release_id, d.spec, d.source, stack_set, dims.package, dims.compiler, dims.os, dims.platform, dims.target});
    touched(d.spec);
    add_stacks(d.spec, stack_set);  // into an empty database only (restacking)
    if (release_rows.size() == kReleaseRowBatch) write_release_rows();
  }
  void write_release_rows() {
    ix.release_row_insert.insert_all(std::span<const ReleaseRow>(release_rows),
                                          [](auto& insert, const ReleaseRow& r) {
                                            insert(r.release)(r.spec)(r.source)(r.stack_set)(r.package)(r.compiler)(
                                                r.os)(r.platform)(r.target)(nullptr)(nullptr);
                                          });
    release_rows.clear();
  }

  // Into an empty database, each spec's stacks over every release
  // (spec.all_stack_set_id) are kept up as its releases are derived, most of
  // them while the writer waits for its readers (derive_step()), instead of
  // in a pass over every release row once the last is derived (restack_all():
  // 1 GB of indexes, 56 ms at the end of the run with the other core idle;
  // the run 2.25 -> 2.14 s). At the end, only the specs whose stacks the last
  // release adds to are written.
  // The union so far by spec id (ids start at 1 in an empty database; 0: in
  // no release yet), 4 bytes a spec, for the first 4M specs (16 MB). Beyond
  // them, or after a rollback, the run falls back on restack_all(), which
  // writes every spec's union again.
  std::vector<std::uint32_t> stacks_so_far;
  bool restacking = false;
  std::unordered_map<std::uint64_t, std::int64_t> unions;  // of two sets, the lower id first
  // Each stack set's stacks, read once (hundreds of sets); restack_all() uses them too.
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> stacks_of;
  static constexpr std::int64_t kMaxRestacked = std::int64_t{1} << 22;

  void add_stacks(std::int64_t spec, std::int64_t set) {
    if (!restacking) return;
    constexpr std::int64_t kMaxSet = std::numeric_limits<std::uint32_t>::max();
    if (spec <= 0 || spec >= kMaxRestacked || set <= 0 || set > kMaxSet) {
      stop_restacking();
      return;
    }
    const auto at = static_cast<std::size_t>(spec);
    if (stacks_so_far.size() <= at) {
      // Grown a step at a time, not doubled: its memory follows the specs stored.
      constexpr std::size_t kStep = 16384;
      stacks_so_far.reserve((at / kStep + 1) * kStep);
      stacks_so_far.resize(at + 1);
    }
    const std::int64_t before = stacks_so_far[at];
    const std::int64_t after = before ? union_of(before, set) : set;
    if (after == before) return;
    if (after > kMaxSet) {
      stop_restacking();
      return;
    }
    stacks_so_far[at] = static_cast<std::uint32_t>(after);
    sql.spec_set_all_stacks(after, spec).exec();
  }
  std::int64_t union_of(std::int64_t a, std::int64_t b) {
    if (a == b) return a;
    if (a > b) std::swap(a, b);
    const std::uint64_t key = static_cast<std::uint64_t>(a) << 32 | static_cast<std::uint64_t>(b);
    if (auto it = unions.find(key); it != unions.end()) return it->second;
    std::vector<std::int64_t> both = stacks_in(a);
    const auto& more = stacks_in(b);
    both.insert(both.end(), more.begin(), more.end());
    const std::int64_t u = ids->stack_set(both);
    unions.emplace(key, u);
    return u;
  }
  const std::vector<std::int64_t>& stacks_in(std::int64_t set) {
    auto [it, first] = stacks_of.try_emplace(set);
    if (first)
      for (auto m = sql.stack_set_members(set); m.next();) it->second.push_back(m.int64(0));
    return it->second;
  }
  void stop_restacking() {
    restacking = false;
    stacks_so_far.clear();
    stacks_so_far.shrink_to_fit();
    unions.clear();
    stacks_of.clear();
  }

  // Its stacks over all releases are derived again when the run ends.
  void touched(std::int64_t spec) {
    if (!bulk) ix.touch(spec).exec();
  }

  // A spec's stacks over every release; deleted when nothing holds it.
  void refresh(std::int64_t spec) {
    // An index described it (every spec touched was listed by one), none lists
    // it now, and a page does: the pages describe it again, as they would
    // have alone. Pages give no edges.
    if (!sql.spec_in_index(spec).next() && ix.spec_on_page(spec).next()) {
      ix.dependency_delete_of_spec(spec).exec();
      ix.pending_delete(spec).exec();
      ix.spec_page_compiler(spec).exec();
      bool contested = false;
      if (auto c = sql.spec_contested(spec); c.next()) contested = c.int64(0) != 0;
      if (contested) claims.settle(spec);
    }
    id_buffer.clear();
    for (auto q = ix.spec_all_stacks(spec); q.next();) id_buffer.push_back(q.int64(0));
    if (!id_buffer.empty()) {
      sql.spec_set_all_stacks(ids->stack_set(id_buffer), spec).exec();
      return;
    }
    if (ix.spec_is_kept(spec).next()) {
      // Not no_stacks: a run that prunes and reads no index began no document.
      sql.spec_set_all_stacks(ids->no_release_set(), spec).exec();
      return;
    }
    ix.dependency_delete_of_spec(spec).exec();
    sql.delete_spec(spec);
  }

  // refresh() for every spec at once, after a bulk load: every spec is new,
  // stored in no release, and one pass over the release rows by spec gives
  // the stacks of those that are in one (the lookups refresh() makes per spec
  // would need the indexes a bulk load builds only at the end).
  void restack_all() {
    std::int64_t spec = 0;
    id_buffer.clear();
    auto flush = [&] {
      if (spec) sql.spec_set_all_stacks(ids->stack_set(id_buffer), spec).exec();
      id_buffer.clear();
    };
    for (auto q = ix.stack_sets_of_specs(); q.next();) {
      if (q.int64(0) != spec) {
        flush();
        spec = q.int64(0);
      }
      const auto& stacks = stacks_in(q.int64(1));
      id_buffer.insert(id_buffer.end(), stacks.begin(), stacks.end());
    }
    flush();
  }

  // Whether specs wait in index_redescribe (migration 0010), asked once a run.
  bool redescribe_waiting = false, redescribe_asked = false;

  bool taken_from_redescribe(std::int64_t spec) {
    auto take = ix.redescribe_take(spec);
    take.exec();
    return take.changes() > 0;
  }

  void begin_document(std::int64_t release_id) {
    if (!redescribe_asked) {
      redescribe_waiting = !bulk && ix.redescribe_any().next();
      redescribe_asked = true;
    }
    release = release_id;
    records = 0;
    from_pages.clear();
    listing.clear();
    versions.clear();
    edges.clear();
    edge_text.clear();
    result = {};
    slices_in_document = 0;
    none_compiler = ids->compiler("none");
    no_stacks = ids->no_release_set();
  }

  // An index and what it listed; its release is derived again by finish(),
  // and the specs only it held are deleted there.
  void remove_index(std::int64_t source, std::int64_t release_id) {
    ix.listing_touch(source).exec();
    ix.listing_delete(source).exec();
    sql.source_delete(source).exec();
    releases_written.push_back(release_id);
  }

  // After a rollback, nothing cached may be trusted.
  void forget_cached() {
    if (slices_in_document) early_void = true;
    stop_restacking();
    forget_dimensions();
    cache_holds_every_spec = false;
    pipeline.forget_all();
    ids = std::make_unique<Ids>(db, sql);
  }
};

IndexWriter::IndexWriter(SQLite::Database& db, PipelineState* pipeline)
    : impl_(std::make_unique<Impl>(db, pipeline)) {}
IndexWriter::~IndexWriter() = default;

std::int64_t IndexWriter::release_id(std::string_view release) { return impl_->ids->releases.id(release); }
std::int64_t IndexWriter::stack_id(std::string_view stack) { return impl_->ids->stacks.id(stack); }

std::optional<StoredIndex> IndexWriter::stored(std::int64_t release_id, std::int64_t stack_id) {
  auto row = impl_->ix.index_source(release_id, stack_id);
  if (!row.next()) return std::nullopt;
  StoredIndex s;
  s.id = row.int64(0);
  s.content_hash = row.text(1);
  s.path = row.text(2);
  s.stamp = {row.optional_int64(3).value_or(-1), row.optional_int64(4).value_or(-1)};
  return s;
}

void IndexWriter::set_content_hash(std::int64_t source_id, std::string_view content_hash) {
  impl_->ix.source_set_hash(content_hash, source_id).exec();
}

void IndexWriter::restamp(std::int64_t source_id, std::string_view path, const FileStamp& stamp) {
  impl_->sql.source_restamp(path, stamp.size, stamp.mtime_ns, source_id).exec();
}

PipelineState& IndexWriter::pipeline() { return impl_->pipeline; }

IndexWriteResult IndexWriter::write(spack_index::ByteSource& source, std::int64_t release_id, std::int64_t stack_id,
                                    std::string_view path, std::string_view content_hash, const FileStamp& stamp,
                                    std::string_view now) {
  BackgroundRead read(source, impl_->pipeline);
  return write(read, source, release_id, stack_id, path, content_hash, stamp, now);
}

IndexWriteResult IndexWriter::write(BackgroundRead& read, spack_index::ByteSource& source, std::int64_t release_id,
                                    std::int64_t stack_id, std::string_view path, std::string_view content_hash,
                                    const FileStamp& stamp, std::string_view now) {
  Impl& w = *impl_;
  if (read.generation() != w.pipeline.generation())
    throw std::logic_error("an index read before the writer forgot what it was told is written");
  Savepoint document(w.db, "index_document");
  try {
    w.begin_document(release_id);
    IndexStatus status = IndexStatus::Added;
    auto insert = w.sql.source_insert(kIndexKind, release_id, stack_id, path, content_hash, stamp.size,
                                      stamp.mtime_ns, now);
    insert.exec();
    if (insert.changes() > 0) {
      w.source_id = w.db.getLastInsertRowid();
    } else {
      status = IndexStatus::Updated;
      auto row = w.sql.source_by_key(kIndexKind, release_id, stack_id);
      if (!row.next()) throw Error("an index is neither new nor stored");
      w.source_id = row.int64(0);
      // What it listed before may be held by nothing when it ends.
      w.ix.listing_touch(w.source_id).exec();
      w.ix.listing_delete(w.source_id).exec();
      w.sql.source_update(path, content_hash, stamp.size, stamp.mtime_ns, now, w.source_id).exec();
    }
    read.deliver(w, [&w] { return w.derive_step(); });
    source.finished();
    document.release();
    w.releases_written.push_back(release_id);
    IndexWriteResult r = w.result;
    r.source_id = w.source_id;
    r.status = status;
    r.records = w.records;
    return r;
  } catch (...) {
    // The savepoint rolls back (scratch tables included) as the scope ends.
    w.forget_cached();
    throw;
  }
}

void IndexWriter::release_complete(std::int64_t release_id) {
  Impl& w = *impl_;
  if (!w.bulk || w.early_void) return;
  if (w.deriving == release_id || std::find(w.complete.begin(), w.complete.end(), release_id) != w.complete.end() ||
      std::find(w.derived_early.begin(), w.derived_early.end(), release_id) != w.derived_early.end())
    return;
  w.complete.push_back(release_id);
}

bool IndexWriter::begin_bulk_load() {
  impl_->bulk = impl_->deferred.drop_if_empty();
  impl_->stop_restacking();
  impl_->restacking = impl_->bulk;
  return impl_->bulk;
}

void IndexWriter::finish_bulk_load() {
  impl_->deferred.build();
  impl_->bulk = false;
}

IndexWriter::Totals IndexWriter::finish() {
  impl_->finish();
  Totals t{impl_->specs_added, impl_->specs_removed, impl_->releases_derived_early,
           std::move(impl_->settled_findings)};
  impl_->specs_added = impl_->specs_removed = 0;
  impl_->settled_findings.clear();
  return t;
}

std::int64_t IndexWriter::remove_release(std::int64_t release_id, std::vector<Finding>& findings) {
  Impl& w = *impl_;
  w.begin_document(release_id);
  std::vector<std::int64_t> sources;
  for (auto row = w.ix.source_ids_of_release(kIndexKind, release_id); row.next();) sources.push_back(row.int64(0));
  for (auto id : sources) w.remove_index(id, release_id);
  const std::int64_t removed = w.specs_removed;
  w.releases_written.push_back(release_id);  // derived again even when it held no index
  w.finish();
  findings.insert(findings.end(), w.settled_findings.begin(), w.settled_findings.end());
  w.settled_findings.clear();
  return w.specs_removed - removed;
}

std::vector<std::string> IndexWriter::remove_unnamed(const std::set<std::pair<std::string, std::string>>& named) {
  Impl& w = *impl_;
  struct Unnamed {
    std::int64_t source, release;
    std::string label;
  };
  std::vector<Unnamed> gone;
  for (auto row = w.ix.stored_indexes(); row.next();) {
    std::string release(row.text(2)), stack(row.text(3));
    if (!named.count({release, stack})) gone.push_back({row.int64(0), row.int64(1), release + "/" + stack});
  }
  std::vector<std::string> labels;
  for (auto& g : gone) {
    w.remove_index(g.source, g.release);
    labels.push_back(std::move(g.label));
  }
  return labels;
}

}  // namespace cachedb
