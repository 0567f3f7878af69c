#include "ingest/page_writer.h"

#include <algorithm>
#include <array>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <SQLiteCpp/Statement.h>
#include <xxhash.h>

#include "ingest/spec_claims.h"
#include "parsing/compiler.h"
#include "parsing/variant.h"
#include "error.h"
#include "storage/interner.h"
#include "storage/statement.h"

namespace cachedb {
namespace {

// Joins `items` with `sep` into `out` (reused, so no allocation once warm).
std::string_view join(std::span<const std::string_view> items, char sep, std::string& out) {
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

// A list of texts, by a 128-bit fingerprint of its text: a cache entry is 16
// bytes of key whatever the list's length (a spec's variants can be a few
// hundred bytes, and there are tens of thousands of distinct lists).
struct Fingerprint {
  std::uint64_t low, high;
  bool operator==(const Fingerprint&) const = default;
};
struct FingerprintHash {
  std::size_t operator()(const Fingerprint& f) const { return static_cast<std::size_t>(f.low); }
};
template <typename V>
using FingerprintMap = std::unordered_map<Fingerprint, V, FingerprintHash>;

template <typename Map, typename K, typename V>
void remember(Map& cache, K&& key, V value) {
  if (cache.size() >= kMaxCached) cache.clear();
  cache.emplace(std::forward<K>(key), std::move(value));
}

}  // namespace

struct PageWriter::Impl {
  SQLite::Database& db;
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

  Statement page_by_key{db, "SELECT id, content_hash FROM page WHERE release_id = ? AND package_id = ?"};
  Statement page_insert{db,
      "INSERT INTO page(release_id, package_id, path, content_hash, file_size, file_mtime_ns, ingested_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (release_id, package_id) DO NOTHING"};
  Statement page_update{db,
      "UPDATE page SET path = ?, content_hash = ?, file_size = ?, file_mtime_ns = ?, ingested_at = ? WHERE id = ?"};
  Statement page_restamp{db,
      "UPDATE page SET path = ?, file_size = ?, file_mtime_ns = ? WHERE release_id = ? AND package_id = ?"};
  Statement page_delete{db, "DELETE FROM page WHERE id = ?"};
  Statement page_specs{db, "SELECT spec_id FROM release_spec WHERE page_id = ?"};
  Statement page_unlink{db, "DELETE FROM release_spec WHERE page_id = ?"};
  Statement spec_by_hash{db,
      "SELECT id, package_id, compiler_id, os_id, platform_id, target_id, version, variant_set_id, "
      "all_stack_set_id, contested FROM spec WHERE hash = ?"};
  // Inserts nothing when the hash is stored: sqlite3_changes() tells.
  Statement spec_insert{db,
      "INSERT INTO spec(hash, package_id, version, compiler_id, os_id, platform_id, target_id, "
      "variant_set_id, all_stack_set_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING"};
  Statement specs_of_package{db,
      "SELECT id, package_id, compiler_id, os_id, platform_id, target_id, version, variant_set_id, "
      "all_stack_set_id, contested, hash FROM spec WHERE package_id = ? LIMIT ?"};
  Statement spec_set_all_stacks{db, "UPDATE spec SET all_stack_set_id = ? WHERE id = ?"};
  Statement spec_stack_sets{db, "SELECT DISTINCT stack_set_id FROM release_spec WHERE spec_id = ?"};
  Statement stack_set_members{db, "SELECT stack_id FROM stack_set_member WHERE stack_set_id = ?"};
  Statement spec_forget_versions{db, "DELETE FROM spec_version WHERE spec_id = ?"};
  Statement spec_is_listed{db, "SELECT 1 FROM release_spec WHERE spec_id = ? LIMIT 1"};
  Statement spec_delete{db, "DELETE FROM spec WHERE id = ?"};
  Statement spec_version_insert{db, "INSERT OR IGNORE INTO spec_version(spec_id, version) VALUES (?, ?)"};
  // The page's release_spec rows are inserted together once its specs are
  // stored, up to kRowsPerInsert rows per INSERT: one statement's start, cursor
  // and end for many rows. Statements for each count are prepared when first needed.
  static constexpr std::size_t kRowsPerInsert = 16;
  struct PageRow {
    std::int64_t spec, stack_set, package, compiler, os, platform, target;
    std::optional<std::int64_t> size;
    std::string_view tarball;  // empty when the page gives none; in the page's text
  };
  std::vector<PageRow> page_rows;
  std::array<std::unique_ptr<Statement>, kRowsPerInsert + 1> release_spec_inserts;

  Statement& release_spec_insert(std::size_t rows) {
    auto& st = release_spec_inserts[rows];
    if (!st) {
      std::string sql =
          "INSERT INTO release_spec(release_id, spec_id, page_id, stack_set_id, package_id, compiler_id, os_id, "
          "platform_id, target_id, size, tarball) VALUES ";
      for (std::size_t i = 0; i < rows; ++i)
        sql += i ? ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
      st = std::make_unique<Statement>(db, sql);
    }
    return *st;
  }

  void insert_page_rows(std::int64_t release_id, std::int64_t page_id) {
    for (std::size_t at = 0; at < page_rows.size(); at += kRowsPerInsert) {
      const std::size_t n = std::min(kRowsPerInsert, page_rows.size() - at);
      Statement& st = release_spec_insert(n);
      int p = 0;
      for (std::size_t i = at; i < at + n; ++i) {
        const PageRow& r = page_rows[i];
        st.bind(++p, release_id);
        st.bind(++p, r.spec);
        st.bind(++p, page_id);
        st.bind(++p, r.stack_set);
        st.bind(++p, r.package);
        st.bind(++p, r.compiler);
        st.bind(++p, r.os);
        st.bind(++p, r.platform);
        st.bind(++p, r.target);
        if (r.size) st.bind(++p, *r.size);
        else st.bind_null(++p);
        if (r.tarball.empty()) st.bind_null(++p);
        else st.bind(++p, r.tarball);
      }
      st.exec();
    }
  }
  // What pages that disagree about a hash say of it (see spec_claims.h).
  SpecClaims claims{db};
  Statement compiler_select{db, "SELECT id FROM compiler WHERE label = ?"};
  Statement compiler_insert{db, "INSERT INTO compiler(label, name, version) VALUES (?, ?, ?)"};
  Statement variant_select{db, "SELECT id FROM variant WHERE text = ?"};
  Statement variant_insert{db, "INSERT INTO variant(text, name, propagate, exact) VALUES (?, ?, ?, ?)"};
  Statement variant_value_insert{db, "INSERT INTO variant_value(variant_id, position, value) VALUES (?, ?, ?)"};
  Statement variant_set_select{db, "SELECT id FROM variant_set WHERE key = ?"};
  Statement variant_set_insert{db, "INSERT INTO variant_set(key) VALUES (?)"};
  Statement variant_set_member_insert{db,
      "INSERT OR IGNORE INTO variant_set_member(variant_set_id, variant_id) VALUES (?, ?)"};
  Statement stack_set_select{db, "SELECT id FROM stack_set WHERE key = ?"};
  Statement stack_set_insert{db, "INSERT INTO stack_set(key) VALUES (?)"};
  Statement stack_set_member_insert{db,
      "INSERT OR IGNORE INTO stack_set_member(stack_set_id, stack_id) VALUES (?, ?)"};

  // Scratch space reused for every set key, so interning allocates nothing.
  std::string key_buffer, text_buffer, version_buffer;
  std::vector<std::int64_t> id_buffer;

  explicit Impl(SQLite::Database& d) : db(d) {}

  // The page cache, in KiB, while finish_bulk_load() builds indexes; also the
  // size of the runs SQLite sorts in memory, so it bounds the build's memory
  // (two runs at a time, one being written by the helper thread). At 2 MiB
  // the build was the peak of a bulk load (1M spec rows: 27 MB, 100k: 24.5);
  // at 1 MiB the loading is (25.5 and 22 MB), for ~1% more time.
  static constexpr int kIndexBuildCacheKiB = 1024;

  // The indexes begin_bulk_load() dropped, by name, with the SQL that builds them.
  std::vector<std::pair<std::string, std::string>> dropped_indexes;

  bool begin_bulk_load() {
    if (!dropped_indexes.empty()) return true;
    if (db.execAndGet("SELECT EXISTS (SELECT 1 FROM page) OR EXISTS (SELECT 1 FROM spec) "
                      "OR EXISTS (SELECT 1 FROM release_spec)")
            .getInt())
      return false;
    // Every index declared with CREATE INDEX on a table the page writer fills,
    // but spec_by_package; UNIQUE constraints (sqlite_autoindex_*) stay too:
    // the writer looks those up.
    SQLite::Statement st(db,
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
        "('page', 'spec', 'spec_version', 'release_spec', 'stack_set_member', 'variant_set_member') "
        "AND name <> 'spec_by_package' ORDER BY name");
    while (st.executeStep()) dropped_indexes.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getString());
    st.reset();
    for (const auto& [name, sql] : dropped_indexes) db.exec(fmt::format("DROP INDEX \"{}\"", name));
    return !dropped_indexes.empty();
  }

  void finish_bulk_load() {
    if (dropped_indexes.empty()) return;
    // CREATE INDEX sorts the table's keys. With temp_store = MEMORY SQLite sorts
    // them all in memory (as much as the index is big: ~90 MB at 1M spec rows);
    // with temporary files it sorts runs of cache_size bytes and merges them,
    // one run on a helper thread while the next is read. So, for the build: a
    // temporary file, a small cache (the index pages are written once, in
    // order) and one helper thread; the connection's settings come back after.
    const auto setting = [&](const char* name) { return db.execAndGet(fmt::format("PRAGMA {}", name)).getInt64(); };
    const std::int64_t temp_store = setting("temp_store"), cache_size = setting("cache_size"),
                       threads = setting("threads");
    struct Restore {
      SQLite::Database& db;
      std::int64_t temp_store, cache_size, threads;
      ~Restore() {
        try {
          db.exec(fmt::format("PRAGMA cache_size = {}; PRAGMA threads = {}", cache_size, threads));
          if (db.execAndGet("PRAGMA temp_store").getInt64() != temp_store)
            db.exec(fmt::format("PRAGMA temp_store = {}", temp_store));
        } catch (...) {
        }
      }
    } restore{db, temp_store, cache_size, threads};
    db.exec(fmt::format("PRAGMA cache_size = -{}; PRAGMA threads = 1", kIndexBuildCacheKiB));
    try {
      db.exec("PRAGMA temp_store = FILE");
    } catch (const SQLite::Exception&) {
      // Refused while the connection has temporary tables or triggers (only a
      // program using the library can have them): the sort stays in memory.
    }
    for (const auto& [name, sql] : dropped_indexes) db.exec(sql);
    dropped_indexes.clear();
  }

  // Called before any statement that finds release_spec rows by spec: during a
  // bulk load that index is missing, and a scan per statement would cost more
  // than building every index now.
  void need_indexes() {
    if (!dropped_indexes.empty()) finish_bulk_load();
  }

  // Looks `key` up in `cache` (unless null), then with `select`, else calls `create`.
  template <typename Create>
  std::int64_t intern(StringMap<std::int64_t>* cache, Statement& select, std::string_view key,
                      Create&& create) {
    if (cache)
      if (auto it = cache->find(key); it != cache->end()) return it->second;
    std::int64_t id;
    select.bind(1, key);
    if (select.step()) {
      id = select.int64(0);
      select.reset();
    } else {
      select.reset();
      create();
      id = db.getLastInsertRowid();
    }
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
    return intern(&compilers, compiler_select, label,
                  [&] { compiler_insert.with(label, c.name, c.version).exec(); });
  }

  std::int64_t variant_id(std::string_view text) {
    return intern(&variants, variant_select, text, [&] {
      Variant v = parse_variant(text);
      variant_insert.with(text, v.name, v.propagate ? 1 : 0, v.exact ? 1 : 0).exec();
      const std::int64_t id = db.getLastInsertRowid();
      for (std::size_t i = 0; i < v.values.size(); ++i)
        variant_value_insert.with(id, static_cast<std::int64_t>(i), v.values[i]).exec();
    });
  }

  // The sorted stack ids of a stack set; there are a few hundred sets at most.
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> stack_set_cache;
  const std::vector<std::int64_t>& stacks_of(std::int64_t set) {
    auto [it, inserted] = stack_set_cache.try_emplace(set);
    if (inserted) {
      stack_set_members.bind(1, set);
      while (stack_set_members.step()) it->second.push_back(stack_set_members.int64(0));
      stack_set_members.reset();
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
    return id_set(id_buffer, &stack_sets, stack_set_select, stack_set_insert, stack_set_member_insert);
  }

  // Recomputes a spec's stacks over all releases from release_spec, after it
  // left a release or changed stacks there (the union can then shrink).
  void refresh_all_stacks(std::int64_t spec_id) {
    std::int64_t all = 0;
    spec_stack_sets.bind(1, spec_id);
    std::vector<std::int64_t> sets;
    while (spec_stack_sets.step()) sets.push_back(spec_stack_sets.int64(0));
    spec_stack_sets.reset();
    for (auto set : sets) all = all ? stack_set_union(all, set) : set;
    if (all) spec_set_all_stacks.with(all, spec_id).exec();
  }

  // Interns a set of ids (sorted, deduplicated) through a *_set table.
  std::int64_t id_set(std::vector<std::int64_t>& ids, StringMap<std::int64_t>* cache, Statement& select,
                      Statement& insert, Statement& insert_member) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    key_buffer.clear();
    for (auto id : ids) fmt::format_to(std::back_inserter(key_buffer), "{},", id);
    return intern(cache, select, key_buffer, [&] {
      insert.with(key_buffer).exec();
      const std::int64_t set = db.getLastInsertRowid();
      for (auto id : ids) insert_member.with(set, id).exec();
    });
  }

  // The id of the set of `items`, through a cache keyed by their raw text.
  template <typename Compute>
  std::int64_t set_by_text(FingerprintMap<std::int64_t>& cache, std::span<const std::string_view> items,
                           Compute&& compute) {
    text_buffer.clear();
    for (auto item : items) {
      text_buffer.append(item);
      text_buffer.push_back('\x1f');  // a separator no page text contains
    }
    const XXH128_hash_t h = XXH3_128bits(text_buffer.data(), text_buffer.size());
    const Fingerprint key{h.low64, h.high64};
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    const std::int64_t id = compute();
    remember(cache, key, id);
    return id;
  }

  std::int64_t stack_set_id(std::span<const std::string_view> names) {
    return set_by_text(stack_sets_by_text, names, [&] { return stack_set_id_of(names); });
  }

  std::int64_t variant_set_id(std::span<const std::string_view> texts) {
    return set_by_text(variant_sets_by_text, texts, [&] { return variant_set_id_of(texts); });
  }

  std::int64_t stack_set_id_of(std::span<const std::string_view> names) {
    id_buffer.clear();
    for (auto n : names) id_buffer.push_back(stacks.id(n));
    return id_set(id_buffer, &stack_sets, stack_set_select, stack_set_insert, stack_set_member_insert);
  }

  std::int64_t variant_set_id_of(std::span<const std::string_view> texts) {
    id_buffer.clear();
    for (auto t : texts) id_buffer.push_back(variant_id(t));
    return id_set(id_buffer, nullptr, variant_set_select, variant_set_insert, variant_set_member_insert);
  }

  void write_versions(std::int64_t spec_id, const SpecRecord& r) {
    for (auto v : r.versions) spec_version_insert.with(spec_id, v).exec();
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
      spec_insert.with(r.hash, package_id, version, compiler, os, platform, target, variant_set, stack_set).exec();
      if (sqlite3_changes(db.getHandle()) > 0) {
        const std::int64_t id = db.getLastInsertRowid();
        write_versions(id, r);
        return SpecIds{id, package_id, compiler, os, platform, target};
      }
      spec_by_hash.bind(1, r.hash);
      if (!spec_by_hash.step()) {
        spec_by_hash.reset();
        throw Error(fmt::format("spec {} is neither new nor stored", r.hash));
      }
      stored_version_buffer.clear();
      fetched = stored_spec(spec_by_hash, 9, stored_version_buffer);
      spec_by_hash.reset();
      stored = &fetched;
    }
    const std::int64_t id = stored->id;
    const unsigned differs = (stored->package != package_id ? SpecConflict::kPackage : 0u) |
                             (stored->compiler != compiler ? SpecConflict::kCompiler : 0u) |
                             (stored->os != os ? SpecConflict::kOs : 0u) |
                             (stored->platform != platform ? SpecConflict::kPlatform : 0u) |
                             (stored->target != target ? SpecConflict::kTarget : 0u) |
                             (stored->version != version ? SpecConflict::kVersions : 0u) |
                             (stored->variant_set != variant_set ? SpecConflict::kVariants : 0u);
    if (!differs && !stored->contested) {
      // Every page listing it agrees, and each is its package's page in its
      // release: this one, of the same package, is alone in its release.
      if (const std::int64_t wider = stack_set_union(stored->all_stacks, stack_set); wider != stored->all_stacks)
        spec_set_all_stacks.with(wider, id).exec();
      return SpecIds{id, stored->package, stored->compiler, stored->os, stored->platform, stored->target};
    }
    // The disagreement is reported, not hidden; which word counts is the rule's.
    if (differs) result.conflicts.push_back({std::string(r.hash), differs});
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
  static StoredSpec stored_spec(const Statement& st, int contested, std::string& text) {
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
  // stores many more specs than the page lists is not read (its specs are
  // then found by hash): the memory this takes stays proportional to the page.
  void load_package_specs(std::int64_t package_id, std::size_t page_specs) {
    package_specs.clear();
    package_text.clear();
    if (!package_id) return;
    const std::size_t most = 2 * page_specs + 1024;
    specs_of_package.bind(1, package_id);
    specs_of_package.bind(2, static_cast<std::int64_t>(most + 1));
    while (specs_of_package.step()) {
      if (package_specs.size() == most) {
        specs_of_package.reset();
        package_specs.clear();
        package_text.clear();
        return;
      }
      PackageSpec p;
      const std::string_view hash = specs_of_package.text(10);
      p.hash_at = package_text.size();
      p.hash_len = hash.size();
      package_text.append(hash);
      p.version_at = package_text.size();
      p.spec = stored_spec(specs_of_package, 9, package_text);
      package_specs.push_back(p);
    }
    specs_of_package.reset();
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
    page_specs.bind(1, page_id);
    while (page_specs.step()) ids.push_back(page_specs.int64(0));
    page_specs.reset();
    return ids;
  }

  // Deletes the specs among `ids` that no release lists any more, but the
  // contested ones, which settle_contested() saw to. (Done by hand: the ingest
  // connection runs without foreign-key enforcement, see ingester.cc.)
  void delete_orphans(const std::vector<std::int64_t>& ids, const std::vector<std::int64_t>& settled) {
    for (auto id : ids) {
      if (std::binary_search(settled.begin(), settled.end(), id)) continue;
      const bool listed = spec_is_listed.with(id).step();
      spec_is_listed.reset();
      if (listed) continue;
      spec_forget_versions.with(id).exec();
      spec_delete.with(id).exec();
    }
  }

  PageKey key(const Page& page) {
    PageKey k;
    k.release_id = releases.id(page.release);
    k.package_id = packages.id(page.package, &k.new_package);
    return k;
  }

  PageWriteResult write(const Page& page, const PageKey& key, std::string_view path, std::string_view content_hash,
                        const FileStamp& stamp, std::string_view now, const std::vector<bool>& met) {
    PageWriteResult result;
    result.release_id = key.release_id;
    result.package_id = key.package_id;
    const bool new_package = key.new_package;

    // Most pages are new: the insert finds out, and only a page stored before
    // is looked up.
    std::unordered_set<std::int64_t> before;
    std::int64_t page_id = 0;
    page_insert.with(result.release_id, result.package_id, path, content_hash, stamp.size, stamp.mtime_ns, now).exec();
    if (sqlite3_changes(db.getHandle()) > 0) {
      result.status = PageStatus::Added;
      page_id = result.page_id = db.getLastInsertRowid();
    } else {
      page_by_key.bind(1, result.release_id);
      page_by_key.bind(2, result.package_id);
      if (!page_by_key.step()) {
        page_by_key.reset();
        throw Error(fmt::format("page {}/{} is neither new nor stored", page.release, page.package));
      }
      page_id = result.page_id = page_by_key.int64(0);
      const bool same = page_by_key.text(1) == content_hash;
      page_by_key.reset();
      if (static_cast<std::uint64_t>(page_id) < met.size() && met[static_cast<std::uint64_t>(page_id)]) {
        result.status = PageStatus::Duplicate;
        return result;
      }
      if (same) return result;  // Unchanged
      result.status = PageStatus::Updated;
      need_indexes();
      auto old = specs_of_page(page_id);
      before.insert(old.begin(), old.end());
      page_unlink.with(page_id).exec();
      for (auto id : claims.retract(page_id)) {
        before.insert(id);
        to_settle.push_back(id);
      }
      page_update.with(path, content_hash, stamp.size, stamp.mtime_ns, now, page_id).exec();
    }

    load_package_specs(new_package ? 0 : result.package_id, page.specs.size());
    std::vector<std::int64_t> listed;  // the page's specs, for a replaced page's refresh below
    if (result.status == PageStatus::Updated) listed.reserve(page.specs.size());
    page_rows.clear();
    for (const auto& r : page.specs) {
      const std::int64_t stack_set = stack_set_id(r.stacks);
      const SpecIds spec = upsert_spec(r, page_id, result.package_id, stack_set, result);
      if (before.erase(spec.id) == 0) ++result.specs_added;
      if (spec.contested) continue;
      page_rows.push_back(
          {spec.id, stack_set, spec.package, spec.compiler, spec.os, spec.platform, spec.target, r.size, r.tarball});
      if (result.status == PageStatus::Updated) listed.push_back(spec.id);
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
                                  const std::vector<bool>& met) {
  return impl_->write(page, key, path, content_hash, stamp, now, met);
}

PageWriter::StoredPage PageWriter::stored_page(std::int64_t page_id) {
  SQLite::Statement st(impl_->db,
                       "SELECT r.name, p.name, pg.path FROM page pg JOIN release r ON r.id = pg.release_id "
                       "JOIN package p ON p.id = pg.package_id WHERE pg.id = ?");
  st.bind(1, page_id);
  if (!st.executeStep()) throw Error(fmt::format("page {} is not stored", page_id));
  return {st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString()};
}

void PageWriter::restamp(const KnownPage& page, std::string_view path, const FileStamp& stamp) {
  impl_->page_restamp.with(path, stamp.size, stamp.mtime_ns, page.release_id, page.package_id).exec();
}

std::int64_t PageWriter::remove(std::int64_t page_id) {
  impl_->need_indexes();
  auto old = impl_->specs_of_page(page_id);
  impl_->page_unlink.with(page_id).exec();
  for (auto id : impl_->claims.retract(page_id)) {
    if (std::find(old.begin(), old.end(), id) == old.end()) old.push_back(id);
    impl_->to_settle.push_back(id);
  }
  impl_->page_delete.with(page_id).exec();
  impl_->forget(old);
  return static_cast<std::int64_t>(old.size());
}

bool PageWriter::begin_bulk_load() { return impl_->begin_bulk_load(); }

void PageWriter::finish_bulk_load() { impl_->finish_bulk_load(); }

}  // namespace cachedb
