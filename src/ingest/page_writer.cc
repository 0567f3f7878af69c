#include "ingest/page_writer.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "ingest/spec_claims.h"
#include "parsing/compiler.h"
#include "parsing/variant.h"
#include "error.h"
#include "storage/bulk_load.h"
#include "storage/interner.h"
#include "storage/sources.h"
#include "storage/writer_statements.h"
#include "util/fingerprint.h"

namespace cachedb {
namespace {

// Joins `items` with `sep` into `out` (reused, so no allocation once warm).
std::string_view join(const TextList& items, char sep, std::string& out) {
  if (items.size() == 1) return items[0];
  out.clear();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out.append(items[i]);
  }
  return out;
}

struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, TransparentHash, std::equal_to<>>;

// The caches below speed up lookups the database can always answer; they are
// emptied when full, so that memory does not grow with the corpus.
constexpr std::size_t kMaxCached = 1u << 16;

template <typename Map, typename K, typename V>
void remember(Map& cache, K&& key, V value) {
  if (cache.size() >= kMaxCached) cache.clear();
  cache.emplace(std::forward<K>(key), std::move(value));
}

}  // namespace

struct PageWriter::Impl {
  SQLite::Database& db;
  WriterStatements sql{db};
  // The writer finds a page's stored specs through spec_by_package.
  DeferredIndexes deferred{db, {"spec_by_package"}};
  // Packages are not cached: a page looks its package up once, and pages come
  // release after release, so a cache would need every package (41k at 1M
  // spec rows, ~2 MB) to be of any use; the lookup costs ~1% of the writer.
  Interner releases{db, "release"}, packages{db, "package", /*cached=*/false}, oss{db, "os"},
      platforms{db, "platform"}, targets{db, "target"}, stacks{db, "stack"};
  // Variant sets are not cached by their members' ids: variant_sets_by_text
  // answers nearly every lookup, and the table the rest.
  StringMap<std::int64_t> compilers, variants, stack_sets;
  StringMap<std::int64_t> compilers_by_text;
  // The lists of stacks and variants, keyed by the page's raw text: most specs
  // repeat a list seen just before, and one lookup then replaces one per item.
  FingerprintMap<std::int64_t> stack_sets_by_text, variant_sets_by_text;

  // The page's release_spec rows are inserted in groups as its specs are
  // stored, up to kRowsPerInsert rows per INSERT: one statement's start, cursor
  // and end for many rows. Statements for each count are prepared when first
  // needed. A group is kRowsHeld rows at most, so that a page of a million
  // specs does not hold a million rows (88 MB) besides its own records.
  static constexpr std::size_t kRowsHeld = 64 * WriterStatements::kRowsPerInsert;
  struct PageRow {
    std::int64_t spec, stack_set, package, compiler, os, platform, target;
    std::optional<std::int64_t> size;
    std::string_view tarball;  // empty when the page gives none; in the page's text
  };
  std::vector<PageRow> page_rows;
  void insert_page_rows(std::int64_t release_id, std::int64_t page_id) {
    sql.release_spec_inserts().insert_all(std::span<const PageRow>(page_rows), [&](auto& insert, const PageRow& r) {
      insert(release_id)(r.spec)(page_id)(r.stack_set)(r.package)(r.compiler)(r.os)(r.platform)(r.target)(r.size);
      if (r.tarball.empty()) insert(nullptr);
      else insert(r.tarball);
    });
  }

  // What pages that disagree about a hash say of it (see spec_claims.h).
  SpecClaims claims{sql};

  // Scratch space reused for every set key, so interning allocates nothing.
  std::string key_buffer, text_buffer, version_buffer;
  std::vector<std::int64_t> id_buffer;

  explicit Impl(SQLite::Database& d) : db(d) {}

  // Called before any statement that finds release_spec rows by spec: during a
  // bulk load that index is missing, and a scan per statement would cost more
  // than building every index now.
  void need_indexes() { deferred.build(); }

  // Looks `key` up in `cache` (unless null), then with `select`, else calls `create`.
  template <typename Create>
  std::int64_t intern(StringMap<std::int64_t>* cache, Statement& select, std::string_view key,
                      Create&& create) {
    if (cache)
      if (auto it = cache->find(key); it != cache->end()) return it->second;
    std::optional<std::int64_t> found;
    if (auto row = select(key); row.next()) found = row.int64(0);
    if (!found) {
      create();
      found = db.getLastInsertRowid();
    }
    const std::int64_t id = *found;
    if (cache) remember(*cache, std::string(key), id);
    return id;
  }

  std::int64_t compiler_id(std::string_view text) {
    if (auto it = compilers_by_text.find(text); it != compilers_by_text.end()) return it->second;
    const std::int64_t id = compiler_id_of(text);
    compilers_by_text.emplace(std::string(text), id);
    return id;
  }

  std::int64_t compiler_id_of(std::string_view text) {
    Compiler c = parse_compiler(text);
    const std::string label = c.label();
    return intern(&compilers, sql.compiler_select, label,
                  [&] { sql.compiler_insert(label, c.name, c.version).exec(); });
  }

  std::int64_t variant_id(std::string_view text) {
    return intern(&variants, sql.variant_select, text, [&] {
      Variant v = parse_variant(text);
      sql.variant_insert(text, v.name, v.propagate ? 1 : 0, v.exact ? 1 : 0).exec();
      const std::int64_t id = db.getLastInsertRowid();
      for (std::size_t i = 0; i < v.values.size(); ++i)
        sql.variant_value_insert(id, static_cast<std::int64_t>(i), v.values[i]).exec();
    });
  }

  // The sorted stack ids of a stack set; there are a few hundred sets at most.
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> stack_set_cache;
  const std::vector<std::int64_t>& stacks_of(std::int64_t set) {
    auto [it, inserted] = stack_set_cache.try_emplace(set);
    if (inserted) {
      for (auto row = sql.stack_set_members(set); row.next();) it->second.push_back(row.int64(0));
      std::sort(it->second.begin(), it->second.end());
    }
    return it->second;
  }

  // The stack set holding the stacks of both sets.
  std::int64_t stack_set_union(std::int64_t a, std::int64_t b) {
    if (a == b) return a;
    const auto &sa = stacks_of(a), &sb = stacks_of(b);
    if (std::includes(sa.begin(), sa.end(), sb.begin(), sb.end())) return a;
    id_buffer.assign(sa.begin(), sa.end());
    id_buffer.insert(id_buffer.end(), sb.begin(), sb.end());
    return id_set(id_buffer, &stack_sets, sql.stack_set_select, sql.stack_set_insert, sql.stack_set_member_insert);
  }

  // Recomputes a spec's stacks over all releases from release_spec, after it
  // left a release or changed stacks there (the union can then shrink).
  void refresh_all_stacks(std::int64_t spec_id) {
    std::int64_t all = 0;
    std::vector<std::int64_t> sets;
    for (auto row = sql.spec_stack_sets(spec_id); row.next();) sets.push_back(row.int64(0));
    for (auto set : sets) all = all ? stack_set_union(all, set) : set;
    // In no release now, and kept because an index lists it (a dependency
    // only): the stack set of a spec in no release, as the index writer gives it.
    if (!all && sql.spec_in_index(spec_id).next()) {
      constexpr auto none = WriterStatements::kNoReleaseStacks;
      all = intern(&stack_sets, sql.stack_set_select, none, [&] { sql.stack_set_insert(none).exec(); });
    }
    if (all) sql.spec_set_all_stacks(all, spec_id).exec();
  }

  // Interns a set of ids (sorted, deduplicated) through a *_set table.
  std::int64_t id_set(std::vector<std::int64_t>& ids, StringMap<std::int64_t>* cache, Statement& select,
                      Statement& insert, Statement& insert_member) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    key_buffer.clear();
    for (auto id : ids) fmt::format_to(std::back_inserter(key_buffer), "{},", id);
    return intern(cache, select, key_buffer, [&] {
      insert(key_buffer).exec();
      const std::int64_t set = db.getLastInsertRowid();
      for (auto id : ids) insert_member(set, id).exec();
    });
  }

  // The id of the set of `items`, through a cache keyed by their raw text.
  template <typename Compute>
  std::int64_t set_by_text(FingerprintMap<std::int64_t>& cache, const TextList& items,
                           Compute&& compute) {
    text_buffer.clear();
    for (auto item : items) {
      text_buffer.append(item);
      text_buffer.push_back('\x1f');  // a separator no page text contains
    }
    // A list of texts by a fingerprint of its text: there are tens of thousands of distinct lists.
    const Fingerprint key = fingerprint_of(text_buffer);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    const std::int64_t id = compute();
    remember(cache, key, id);
    return id;
  }

  std::int64_t stack_set_id(const TextList& names) {
    return set_by_text(stack_sets_by_text, names, [&] { return stack_set_id_of(names); });
  }

  std::int64_t variant_set_id(const TextList& texts) {
    return set_by_text(variant_sets_by_text, texts, [&] { return variant_set_id_of(texts); });
  }

  std::int64_t stack_set_id_of(const TextList& names) {
    id_buffer.clear();
    for (auto n : names) id_buffer.push_back(stacks.id(n));
    return id_set(id_buffer, &stack_sets, sql.stack_set_select, sql.stack_set_insert, sql.stack_set_member_insert);
  }

  std::int64_t variant_set_id_of(const TextList& texts) {
    id_buffer.clear();
    for (auto t : texts) id_buffer.push_back(variant_id(t));
    return id_set(id_buffer, nullptr, sql.variant_set_select, sql.variant_set_insert, sql.variant_set_member_insert);
  }

  void write_versions(std::int64_t spec_id, const SpecRecord& r) {
    for (auto v : r.versions) sql.spec_version_insert(spec_id, v).exec();
  }

  // The spec's id and dimensions, as the fact table copies them.
  struct SpecIds {
    std::int64_t id, package, compiler, os, platform, target;
    bool contested = false;  // no row now: settled once the page is written
  };

  // Stores the spec when its hash is new. A page that says of a stored hash
  // what the database says, about a hash no page disputes, gives the release
  // its row at once (nearly every spec of every page). Otherwise the hash is
  // contested: the page's word goes to spec_claim, and the spec is settled
  // once the page is written. A different description is noted as a conflict
  // for the findings.
  SpecIds upsert_spec(const SpecRecord& r, std::int64_t page_id, std::int64_t package_id, std::int64_t stack_set,
                      PageWriteResult& result) {
    const std::string_view version = join(r.versions, ',', version_buffer);
    const std::int64_t compiler = compiler_id(r.compiler), os = oss.id(r.os),
                       platform = platforms.id(r.platform), target = targets.id(r.target),
                       variant_set = variant_set_id(r.variants);

    // A spec this package's pages stored before: no statement to find it.
    // Otherwise the insert itself tells whether the hash is new; only a hash
    // stored by another package's page is then looked up.
    StoredSpec fetched;
    const StoredSpec* stored = package_spec(r.hash);
    if (!stored) {
      auto insert = sql.spec_insert(r.hash, package_id, version, compiler, os, platform, target, variant_set, stack_set);
      insert.exec();
      if (insert.changes() > 0) {
        const std::int64_t id = db.getLastInsertRowid();
        write_versions(id, r);
        return SpecIds{id, package_id, compiler, os, platform, target};
      }
      auto row = sql.spec_by_hash(r.hash);
      if (!row.next()) throw Error(fmt::format("spec {} is neither new nor stored", r.hash));
      stored_version_buffer.clear();
      fetched = stored_spec(row, 9, stored_version_buffer);
      stored = &fetched;
    }
    const std::int64_t id = stored->id;
    const unsigned differs = description_differences(
        {stored->package, stored->compiler, stored->os, stored->platform, stored->target, stored->variant_set,
         stored->version},
        {package_id, compiler, os, platform, target, variant_set, version});
    // A hash a build-cache index lists is described by the index (the hash
    // fixes the spec): a page that says otherwise is reported and its word
    // kept as a claim (SpecClaims::settle leaves the index's description),
    // so that the page describes the hash again once no index lists it.
    if (!differs && !stored->contested) {
      // Every page listing it agrees, and each is its package's page in its
      // release: this one, of the same package, is alone in its release.
      if (const std::int64_t wider = stack_set_union(stored->all_stacks, stack_set); wider != stored->all_stacks)
        sql.spec_set_all_stacks(wider, id).exec();
      return SpecIds{id, stored->package, stored->compiler, stored->os, stored->platform, stored->target};
    }
    // The disagreement is reported, not hidden; which word counts is the rule's.
    // Not a compiler this page leaves at `none` where an index names it
    // (reported_against_index()); nor one an index names by its package alone
    // until the node of its version comes (compiler_pending), which an index
    // read after this page does not set against it either.
    if (differs) {
      unsigned reported = differs;
      if (differs & SpecConflict::kCompiler) {
        if (sql.spec_compiler_pending(id).next())
          reported &= ~SpecConflict::kCompiler;
        else if (parse_compiler(r.compiler).label() == "none" && sql.spec_in_index(id).next())
          reported = reported_against_index(reported, true);
      }
      if (reported) result.conflicts.push_back({std::string(r.hash), reported});
    }
    need_indexes();
    if (!stored->contested) claims.contest(id);
    Claim claim{package_id, compiler, os, platform, target, variant_set, std::string(version), stack_set, r.size,
                std::nullopt};
    if (!r.tarball.empty()) claim.tarball = std::string(r.tarball);
    claims.add(id, page_id, claim);
    to_settle.push_back(id);
    return SpecIds{id, 0, 0, 0, 0, 0, true};
  }

  // Contested specs a page wrote or retracted claims on, settled once it is written.
  std::vector<std::int64_t> to_settle;

  // Settles the contested specs noted; their stacks over releases follow.
  void settle_contested() {
    std::sort(to_settle.begin(), to_settle.end());
    to_settle.erase(std::unique(to_settle.begin(), to_settle.end()), to_settle.end());
    for (auto id : to_settle)
      if (claims.settle(id)) refresh_all_stacks(id);
    to_settle.clear();
  }

  // A spec as stored, for comparison with what a page says of its hash.
  struct StoredSpec {
    std::int64_t id = 0, package = 0, compiler = 0, os = 0, platform = 0, target = 0, variant_set = 0,
                 all_stacks = 0;
    bool contested = false;
    std::string_view version;
  };

  // Reads columns (id, package_id, compiler_id, os_id, platform_id, target_id,
  // version, variant_set_id, all_stack_set_id) and `contested` from its column;
  // the version is appended to `text`.
  static StoredSpec stored_spec(const Statement::Use& st, int contested, std::string& text) {
    StoredSpec s{st.int64(0), st.int64(1), st.int64(2), st.int64(3), st.int64(4), st.int64(5), st.int64(7),
                 st.int64(8), st.int64(contested) != 0, {}};
    const std::string_view v = st.text(6);
    const std::size_t at = text.size();
    text.append(v);
    s.version = std::string_view(text).substr(at, v.size());  // fixed up by the caller if `text` grows
    return s;
  }

  // The specs stored for the package of the page being written, sorted by
  // hash: a page mostly lists again what the package's page in another
  // release listed, and one range read of spec_by_package replaces a lookup
  // by hash per spec. Kept for one page only, so it is as large as a package.
  struct PackageSpec {
    StoredSpec spec;
    std::size_t hash_at, hash_len, version_at;
  };
  std::vector<PackageSpec> package_specs;
  std::string package_text, stored_version_buffer;

  // 0 for a package added just now, which has no specs yet. A package that
  // stores many more specs than the page lists, or more than any real package
  // (kMostPackageSpecs), is not read (its specs are then found by hash): the
  // memory this takes stays bounded (a page of a million specs, written again,
  // took 176 MB here).
  static constexpr std::size_t kMostPackageSpecs = 65536;
  void load_package_specs(std::int64_t package_id, std::size_t page_specs) {
    package_specs.clear();
    package_text.clear();
    if (!package_id) return;
    const std::size_t most = std::min(2 * page_specs + 1024, kMostPackageSpecs);
    auto row = sql.specs_of_package(package_id, static_cast<std::int64_t>(most + 1));
    while (row.next()) {
      if (package_specs.size() == most) {
        package_specs.clear();
        package_text.clear();
        return;
      }
      PackageSpec p;
      const std::string_view hash = row.text(10);
      p.hash_at = package_text.size();
      p.hash_len = hash.size();
      package_text.append(hash);
      p.version_at = package_text.size();
      p.spec = stored_spec(row, 9, package_text);
      package_specs.push_back(p);
    }
    // Views into package_text, now that it no longer grows.
    for (auto& p : package_specs) p.spec.version = std::string_view(package_text).substr(p.version_at, p.spec.version.size());
    // Most packages have a handful of specs, searched faster in a row than sorted.
    if (package_specs.size() > kLinearSearch)
      std::sort(package_specs.begin(), package_specs.end(),
                [&](const PackageSpec& a, const PackageSpec& b) { return hash_of(a) < hash_of(b); });
  }
  static constexpr std::size_t kLinearSearch = 16;

  std::string_view hash_of(const PackageSpec& p) const {
    return std::string_view(package_text).substr(p.hash_at, p.hash_len);
  }

  const StoredSpec* package_spec(std::string_view hash) const {
    if (package_specs.size() <= kLinearSearch) {
      for (const auto& p : package_specs)
        if (hash_of(p) == hash) return &p.spec;
      return nullptr;
    }
    auto it = std::lower_bound(package_specs.begin(), package_specs.end(), hash,
                               [&](const PackageSpec& p, std::string_view h) { return hash_of(p) < h; });
    return it != package_specs.end() && hash_of(*it) == hash ? &it->spec : nullptr;
  }

  std::vector<std::int64_t> specs_of_page(std::int64_t page_id) {
    std::vector<std::int64_t> ids;
    for (auto row = sql.specs_of_source(page_id); row.next();) ids.push_back(row.int64(0));
    return ids;
  }

  // Deletes the specs among `ids` that no release lists any more, but the
  // contested ones, which settle_contested() saw to. (Done by hand: the ingest
  // connection runs without foreign-key enforcement, see ingester.cc.)
  void delete_orphans(const std::vector<std::int64_t>& ids, const std::vector<std::int64_t>& settled) {
    for (auto id : ids) {
      if (std::binary_search(settled.begin(), settled.end(), id)) continue;
      // Kept by an index (an index run that unlisted it decides at its end).
      if (sql.spec_is_listed(id).next() || sql.spec_index_described(id).next()) continue;
      sql.delete_spec(id);
    }
  }

  PageKey key(const Page& page) {
    PageKey k;
    k.release_id = releases.id(page.release);
    k.package_id = packages.id(page.package, &k.new_package);
    return k;
  }

  // The page stored under `key`, if any: its id, and what writing a page of
  // `content_hash` there is: a Duplicate (another file of this run gave it,
  // its id true in `met`), Unchanged (the same bytes) or Updated.
  struct Stored {
    std::int64_t page_id;
    PageStatus status;
  };
  std::optional<Stored> stored_under(const PageKey& key, std::string_view content_hash, const std::vector<bool>& met) {
    auto stored = sql.source_by_key(kPageKind, key.release_id, key.package_id);
    if (!stored.next()) return std::nullopt;
    const std::int64_t page_id = stored.int64(0);
    if (static_cast<std::uint64_t>(page_id) < met.size() && met[static_cast<std::uint64_t>(page_id)])
      return Stored{page_id, PageStatus::Duplicate};
    return Stored{page_id, stored.text(1) == content_hash ? PageStatus::Unchanged : PageStatus::Updated};
  }

  PageWriteResult write(const Page& page, const PageKey& key, std::string_view path, std::string_view content_hash,
                        const FileStamp& stamp, std::string_view now, const std::vector<bool>& met,
                        const SpecChunks& chunks) {
    PageWriteResult result;
    result.release_id = key.release_id;
    result.package_id = key.package_id;
    const bool new_package = key.new_package;

    // Most pages are new: the insert finds out, and only a page stored before
    // is looked up.
    std::unordered_set<std::int64_t> before;
    std::int64_t page_id = 0;
    auto insert = sql.source_insert(kPageKind, result.release_id, result.package_id, path, content_hash, stamp.size,
                                    stamp.mtime_ns, now);
    insert.exec();
    if (insert.changes() > 0) {
      result.status = PageStatus::Added;
      page_id = result.page_id = db.getLastInsertRowid();
    } else {
      const auto stored = stored_under(key, content_hash, met);
      if (!stored) throw Error(fmt::format("page {}/{} is neither new nor stored", page.release, page.package));
      page_id = result.page_id = stored->page_id;
      result.status = stored->status;
      if (result.status != PageStatus::Updated) return result;  // a Duplicate, or Unchanged
      need_indexes();
      auto old = specs_of_page(page_id);
      before.insert(old.begin(), old.end());
      sql.source_unlink(page_id).exec();
      for (auto id : claims.retract(page_id)) {
        before.insert(id);
        to_settle.push_back(id);
      }
      sql.source_update(path, content_hash, stamp.size, stamp.mtime_ns, now, page_id).exec();
    }

    load_package_specs(new_package ? 0 : result.package_id, page.spec_count);
    std::vector<std::int64_t> listed;  // the page's specs, for a replaced page's refresh below
    if (result.status == PageStatus::Updated) listed.reserve(page.spec_count);
    page_rows.clear();
    auto take = [&](const SpecList& specs) {
      for (const auto& r : specs) {
        const std::int64_t stack_set = stack_set_id(r.stacks);
        const SpecIds spec = upsert_spec(r, page_id, result.package_id, stack_set, result);
        if (before.erase(spec.id) == 0) ++result.specs_added;
        if (spec.contested) continue;
        page_rows.push_back(
            {spec.id, stack_set, spec.package, spec.compiler, spec.os, spec.platform, spec.target, r.size, r.tarball});
        if (result.status == PageStatus::Updated) listed.push_back(spec.id);
        // No spec of the page looks up another's row (a hash is listed once on a page).
        if (page_rows.size() == kRowsHeld) {
          insert_page_rows(result.release_id, page_id);
          page_rows.clear();
        }
      }
    };
    if (!page.streamed) {
      take(page.specs);
    } else {
      if (!chunks) throw Error(fmt::format("page {}/{} was streamed, and no specs were given", page.release, page.package));
      chunks(take);
    }
    insert_page_rows(result.release_id, page_id);
    result.specs_removed = static_cast<std::int64_t>(before.size());
    forget(std::vector<std::int64_t>(before.begin(), before.end()));
    // A replaced page may have taken stacks away from specs it still lists;
    // their union over releases is computed afresh.
    for (auto id : listed) refresh_all_stacks(id);
    return result;
  }

  // After a page's rows are written: settles the contested specs it touched,
  // deletes the specs among `left` (those it no longer lists) that no page
  // lists any more, and recomputes the stacks over releases of the others.
  void forget(const std::vector<std::int64_t>& left) {
    std::vector<std::int64_t> settled = to_settle;
    std::sort(settled.begin(), settled.end());
    settle_contested();
    delete_orphans(left, settled);
    for (auto id : left)
      if (!std::binary_search(settled.begin(), settled.end(), id)) refresh_all_stacks(id);
  }
};

PageWriter::PageWriter(SQLite::Database& db) : impl_(std::make_unique<Impl>(db)) {}
PageWriter::~PageWriter() = default;

PageKey PageWriter::key(const Page& page) { return impl_->key(page); }

PageWriteResult PageWriter::write(const Page& page, const PageKey& key, std::string_view path,
                                  std::string_view content_hash, const FileStamp& stamp, std::string_view now,
                                  const std::vector<bool>& met, const SpecChunks& specs) {
  return impl_->write(page, key, path, content_hash, stamp, now, met, specs);
}

bool PageWriter::will_write(const PageKey& key, std::string_view content_hash, const std::vector<bool>& met) {
  if (key.new_package) return true;
  const auto stored = impl_->stored_under(key, content_hash, met);
  return !stored || stored->status == PageStatus::Updated;
}

PageWriter::StoredPage PageWriter::stored_page(std::int64_t page_id) {
  PageNames names = page_names(impl_->db, page_id);
  return {std::move(names.release), std::move(names.package), std::move(names.path)};
}

void PageWriter::restamp(const KnownPage& page, std::string_view path, const FileStamp& stamp) {
  impl_->sql.source_restamp(path, stamp.size, stamp.mtime_ns, page.page_id).exec();
}

std::int64_t PageWriter::remove(std::int64_t page_id) {
  impl_->need_indexes();
  auto old = impl_->specs_of_page(page_id);
  impl_->sql.source_unlink(page_id).exec();
  for (auto id : impl_->claims.retract(page_id)) {
    if (std::find(old.begin(), old.end(), id) == old.end()) old.push_back(id);
    impl_->to_settle.push_back(id);
  }
  impl_->sql.source_delete(page_id).exec();
  impl_->forget(old);
  return static_cast<std::int64_t>(old.size());
}

bool PageWriter::begin_bulk_load() { return impl_->deferred.drop_if_empty(); }

void PageWriter::finish_bulk_load() { impl_->deferred.build(); }

}  // namespace cachedb
