#include "ingest/page_writer.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "parsing/compiler.h"
#include "parsing/variant.h"
#include "error.h"
#include "storage/interner.h"
#include "storage/statement.h"

namespace cachedb {
namespace {

std::string join(const std::vector<std::string_view>& items, char sep) {
  std::string out;
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

}  // namespace

std::string content_fingerprint(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("fnv1a64:{:016x}:{}", h, bytes.size());
}

struct PageWriter::Impl {
  SQLite::Database& db;
  Interner releases{db, "release"}, packages{db, "package"}, oss{db, "os"},
      platforms{db, "platform"}, targets{db, "target"}, stacks{db, "stack"};
  StringMap<std::int64_t> compilers, variants, stack_sets;

  Statement page_by_key{db, "SELECT id, content_hash FROM page WHERE release_id = ? AND package_id = ?"};
  Statement page_by_content{db, "SELECT release_id, package_id FROM page WHERE content_hash = ? LIMIT 1"};
  Statement page_insert{db,
      "INSERT INTO page(release_id, package_id, path, content_hash, meta, ingested_at) VALUES (?, ?, ?, ?, ?, ?)"};
  Statement page_update{db,
      "UPDATE page SET path = ?, content_hash = ?, meta = ?, ingested_at = ? WHERE id = ?"};
  Statement page_delete{db, "DELETE FROM page WHERE id = ?"};
  Statement page_specs{db, "SELECT spec_id FROM release_spec WHERE page_id = ?"};
  Statement page_unlink{db, "DELETE FROM release_spec WHERE page_id = ?"};
  Statement spec_by_hash{db,
      "SELECT id, package_id, compiler_id, os_id, platform_id, target_id, version FROM spec WHERE hash = ?"};
  Statement spec_insert{db,
      "INSERT INTO spec(hash, package_id, version, compiler_id, os_id, platform_id, target_id, size, tarball) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"};
  Statement spec_update{db,
      "UPDATE spec SET package_id = ?, version = ?, compiler_id = ?, os_id = ?, platform_id = ?, target_id = ?, "
      "size = ?, tarball = ? WHERE id = ?"};
  Statement spec_forget_details{db, "DELETE FROM spec_variant WHERE spec_id = ?"};
  Statement spec_forget_versions{db, "DELETE FROM spec_version WHERE spec_id = ?"};
  Statement spec_delete_orphan{db,
      "DELETE FROM spec WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM release_spec WHERE spec_id = ?1)"};
  Statement spec_version_insert{db, "INSERT OR IGNORE INTO spec_version(spec_id, version) VALUES (?, ?)"};
  Statement spec_variant_insert{db, "INSERT OR IGNORE INTO spec_variant(spec_id, variant_id) VALUES (?, ?)"};
  Statement release_spec_upsert{db,
      "INSERT INTO release_spec(release_id, spec_id, page_id, stack_set_id, package_id, compiler_id, os_id, "
      "platform_id, target_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(release_id, spec_id) DO UPDATE SET page_id = excluded.page_id, stack_set_id = excluded.stack_set_id"};
  // Keeps the fact table's copy of a spec's dimensions equal to the spec's.
  Statement release_spec_refresh{db,
      "UPDATE release_spec SET (package_id, compiler_id, os_id, platform_id, target_id) = "
      "(SELECT package_id, compiler_id, os_id, platform_id, target_id FROM spec WHERE id = ?1) WHERE spec_id = ?1"};
  Statement compiler_select{db, "SELECT id FROM compiler WHERE label = ?"};
  Statement compiler_insert{db, "INSERT INTO compiler(label, name, version) VALUES (?, ?, ?)"};
  Statement variant_select{db, "SELECT id FROM variant WHERE text = ?"};
  Statement variant_insert{db, "INSERT INTO variant(text, name, propagate, exact) VALUES (?, ?, ?, ?)"};
  Statement variant_value_insert{db, "INSERT INTO variant_value(variant_id, position, value) VALUES (?, ?, ?)"};
  Statement stack_set_select{db, "SELECT id FROM stack_set WHERE key = ?"};
  Statement stack_set_insert{db, "INSERT INTO stack_set(key) VALUES (?)"};
  Statement stack_set_member_insert{db,
      "INSERT OR IGNORE INTO stack_set_member(stack_set_id, stack_id) VALUES (?, ?)"};

  explicit Impl(SQLite::Database& d) : db(d) {}

  void forget_caches() {
    for (auto* i : {&releases, &packages, &oss, &platforms, &targets, &stacks}) i->forget();
    compilers.clear();
    variants.clear();
    stack_sets.clear();
  }

  // Looks `key` up in `cache`, then with `select`, else calls `create`.
  template <typename Create>
  std::int64_t intern(StringMap<std::int64_t>& cache, Statement& select, std::string_view key,
                      Create&& create) {
    if (auto it = cache.find(key); it != cache.end()) return it->second;
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
    cache.emplace(std::string(key), id);
    return id;
  }

  std::int64_t compiler_id(std::string_view text) {
    Compiler c = parse_compiler(text);
    const std::string label = c.label();
    return intern(compilers, compiler_select, label,
                  [&] { compiler_insert.with(label, c.name, c.version).exec(); });
  }

  std::int64_t variant_id(std::string_view text) {
    return intern(variants, variant_select, text, [&] {
      Variant v = parse_variant(text);
      variant_insert.with(text, v.name, v.propagate ? 1 : 0, v.exact ? 1 : 0).exec();
      const std::int64_t id = db.getLastInsertRowid();
      for (std::size_t i = 0; i < v.values.size(); ++i)
        variant_value_insert.with(id, static_cast<std::int64_t>(i), v.values[i]).exec();
    });
  }

  std::int64_t stack_set_id(const std::vector<std::string_view>& names) {
    std::vector<std::int64_t> ids;
    ids.reserve(names.size());
    for (auto n : names) ids.push_back(stacks.id(n));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const std::string key = fmt::format("{}", fmt::join(ids, ","));
    return intern(stack_sets, stack_set_select, key, [&] {
      stack_set_insert.with(key).exec();
      const std::int64_t set = db.getLastInsertRowid();
      for (auto id : ids) stack_set_member_insert.with(set, id).exec();
    });
  }

  void write_details(std::int64_t spec_id, const SpecRecord& r) {
    for (auto v : r.versions) spec_version_insert.with(spec_id, v).exec();
    for (auto v : r.variants) spec_variant_insert.with(spec_id, variant_id(v)).exec();
  }

  // The spec's id and dimensions, as the fact table copies them.
  struct SpecIds {
    std::int64_t id, package, compiler, os, platform, target;
  };

  // Inserts or corrects the spec; notes a conflict when an earlier page
  // described the same hash differently.
  SpecIds upsert_spec(const SpecRecord& r, std::int64_t package_id, PageWriteResult& result) {
    const std::string version = join(r.versions, ',');
    const std::int64_t compiler = compiler_id(r.compiler), os = oss.id(r.os),
                       platform = platforms.id(r.platform), target = targets.id(r.target);
    auto bind_attributes = [&](Statement& st, int first) {
      st.bind(first, package_id);
      st.bind(first + 1, version);
      st.bind(first + 2, compiler);
      st.bind(first + 3, os);
      st.bind(first + 4, platform);
      st.bind(first + 5, target);
      if (r.size) st.bind(first + 6, *r.size);
      else st.bind_null(first + 6);
      if (r.tarball.empty()) st.bind_null(first + 7);
      else st.bind(first + 7, r.tarball);
    };

    spec_by_hash.bind(1, r.hash);
    if (spec_by_hash.step()) {
      const std::int64_t id = spec_by_hash.int64(0);
      const bool same = spec_by_hash.int64(1) == package_id &&
                        spec_by_hash.int64(2) == compiler &&
                        spec_by_hash.int64(3) == os &&
                        spec_by_hash.int64(4) == platform &&
                        spec_by_hash.int64(5) == target &&
                        spec_by_hash.text(6) == version;
      spec_by_hash.reset();
      if (!same) {
        // The newest page wins; the disagreement is reported, not hidden.
        result.conflicts.emplace_back(r.hash);
        bind_attributes(spec_update, 1);
        spec_update.bind(9, id);
        spec_update.exec();
        spec_update.reset();
        release_spec_refresh.with(id).exec();
        spec_forget_details.with(id).exec();
        spec_forget_versions.with(id).exec();
        write_details(id, r);
      }
      return {id, package_id, compiler, os, platform, target};
    }
    spec_by_hash.reset();
    spec_insert.bind(1, r.hash);
    bind_attributes(spec_insert, 2);
    spec_insert.exec();
    spec_insert.reset();
    const std::int64_t id = db.getLastInsertRowid();
    write_details(id, r);
    return {id, package_id, compiler, os, platform, target};
  }

  std::vector<std::int64_t> specs_of_page(std::int64_t page_id) {
    std::vector<std::int64_t> ids;
    page_specs.bind(1, page_id);
    while (page_specs.step()) ids.push_back(page_specs.int64(0));
    page_specs.reset();
    return ids;
  }

  // Deletes the specs among `ids` that no release lists any more.
  void delete_orphans(const std::vector<std::int64_t>& ids) {
    for (auto id : ids) spec_delete_orphan.with(id).exec();
  }

  PageWriteResult write(const Page& page, std::string_view path, std::string_view content_hash,
                        std::string_view now) {
    PageWriteResult result;
    result.release_id = releases.id(page.release);
    result.package_id = packages.id(page.package);

    std::int64_t page_id = 0;
    page_by_key.bind(1, result.release_id);
    page_by_key.bind(2, result.package_id);
    if (page_by_key.step()) {
      page_id = page_by_key.int64(0);
      const bool same = page_by_key.text(1) == content_hash;
      page_by_key.reset();
      if (same) return result;  // Unchanged
    } else {
      page_by_key.reset();
    }

    std::unordered_set<std::int64_t> before;
    if (page_id) {
      result.status = PageStatus::Updated;
      auto old = specs_of_page(page_id);
      before.insert(old.begin(), old.end());
      page_unlink.with(page_id).exec();
      page_update.with(path, content_hash, page.meta.json, now, page_id).exec();
    } else {
      result.status = PageStatus::Added;
      page_insert.with(result.release_id, result.package_id, path, content_hash, page.meta.json, now).exec();
      page_id = db.getLastInsertRowid();
    }

    for (const auto& r : page.specs) {
      const SpecIds spec = upsert_spec(r, result.package_id, result);
      release_spec_upsert
          .with(result.release_id, spec.id, page_id, stack_set_id(r.stacks), spec.package, spec.compiler, spec.os,
                spec.platform, spec.target)
          .exec();
      if (before.erase(spec.id) == 0) ++result.specs_added;
    }
    result.specs_removed = static_cast<std::int64_t>(before.size());
    delete_orphans({before.begin(), before.end()});
    return result;
  }
};

// Undoes the page's savepoint after a failure. After a full disk or an I/O
// error SQLite has already rolled back the whole transaction, savepoint and
// all: then there is nothing to undo, and trying would replace the error that
// says what happened with "no such savepoint".
static void undo_savepoint(SQLite::Database& db) noexcept {
  if (sqlite3_get_autocommit(db.getHandle())) return;
  try {
    db.exec("ROLLBACK TO page");
    db.exec("RELEASE page");
  } catch (...) {
    // The caller's exception is the one that explains the failure.
  }
}

PageWriter::PageWriter(SQLite::Database& db) : impl_(std::make_unique<Impl>(db)) {}
PageWriter::~PageWriter() = default;

std::optional<KnownPage> PageWriter::find_by_content(std::string_view content_hash) {
  auto& st = impl_->page_by_content;
  st.bind(1, content_hash);
  std::optional<KnownPage> out;
  if (st.step()) out = KnownPage{st.int64(0), st.int64(1)};
  st.reset();
  return out;
}

PageWriteResult PageWriter::write(const Page& page, std::string_view path, std::string_view content_hash,
                                  std::string_view now) {
  impl_->db.exec("SAVEPOINT page");
  try {
    auto result = impl_->write(page, path, content_hash, now);
    impl_->db.exec("RELEASE page");
    return result;
  } catch (...) {
    undo_savepoint(impl_->db);
    // Ids cached during the undone savepoint may no longer exist.
    impl_->forget_caches();
    throw;
  }
}

std::int64_t PageWriter::remove(std::int64_t page_id) {
  impl_->db.exec("SAVEPOINT page");
  try {
    auto old = impl_->specs_of_page(page_id);
    impl_->page_delete.with(page_id).exec();  // release_spec rows go with it (ON DELETE CASCADE)
    impl_->delete_orphans(old);
    impl_->db.exec("RELEASE page");
    return static_cast<std::int64_t>(old.size());
  } catch (...) {
    undo_savepoint(impl_->db);
    impl_->forget_caches();
    throw;
  }
}

}  // namespace cachedb
