#include "storage/migrations.h"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "storage/embedded_sql.h"
#include "storage/statement.h"
#include "storage/transaction.h"
#include "storage/unused_names.h"
#include "storage/variant_migration.h"

namespace cachedb {
namespace {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Embedded files are sorted by name, so the zero-padded numbers come in order.
std::vector<Migration> migrations() {
  std::vector<Migration> out;
  constexpr std::string_view prefix = "migrations/";
  for (const auto& f : embedded_sql()) {
    if (f.name.substr(0, prefix.size()) != prefix) continue;
    auto file = f.name.substr(prefix.size());
    out.push_back({std::stoi(std::string(file.substr(0, 4))), file, f.text});
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i].version != static_cast<int>(i) + 1)
      throw Error(fmt::format("migration {} is out of sequence (expected number {})", out[i].name, i + 1));
  return out;
}

// A database with nothing in it yet is made in one step from
// schema/schema.sql, which every migration applied in order yields exactly
// (schema_test checks it): a new database then costs one transaction, not
// one per migration with the tables that later ones rebuild (11.5 against
// 6.3 ms for a first ingest of nothing). False when the database holds
// something already (another process made it meanwhile, or it is not
// cachedb's): the migrations then run as they would.
bool create_empty(SQLite::Database& db, int latest) {
  Transaction tx(db, Begin::Immediate);
  if (schema_version(db) != 0 || db.execAndGet("SELECT count(*) FROM sqlite_master").getInt64() != 0) return false;
  spdlog::info("creating database schema version {}", latest);
  exec(db, required_sql("schema/schema.sql"));
  exec(db, fmt::format("PRAGMA user_version = {}", latest));
  tx.commit();
  return true;
}

}  // namespace

int latest_schema_version() { return static_cast<int>(migrations().size()); }

int schema_version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

Error newer_schema_error(std::string_view database, int version) {
  return Error(fmt::format("{}: schema version {} is newer than this cachedb understands ({}); use a newer cachedb",
                           database, version, latest_schema_version()));
}

void migrate(SQLite::Database& db, NewDatabase fresh) {
  const auto all = migrations();
  const int current = schema_version(db);
  const int latest = static_cast<int>(all.size());
  if (current > latest) throw newer_schema_error(db.getFilename(), current);
  if (current >= latest) return;
  // Off while migrating, as SQLite's own recipe for changing a table's shape
  // says: a migration that rebuilds a table drops the old one once its rows
  // are copied, and with enforcement on, the drop would first delete (ON
  // DELETE CASCADE) or refuse over every row that refers to it. (It cannot
  // change inside a transaction, so it is set around them.)
  PragmaScope foreign_keys(db, "foreign_keys", "OFF");
  if (current == 0 && fresh == NewDatabase::from_schema && create_empty(db, latest)) return;
  for (const auto& m : all) {
    if (m.version <= current) continue;
    spdlog::info("upgrading database schema to version {} ({})", m.version, m.name);
    // BEGIN IMMEDIATE: two processes upgrading at once must not interleave.
    Transaction tx(db, Begin::Immediate);
    // Another process may have upgraded while this one waited for the lock.
    if (schema_version(db) >= m.version) continue;
    // Sources already to be read again (an upgrade before cleared their checksums) are not the next one's.
    const bool clears_checksums = m.version == 10 || m.version == 12 || m.version == 14 || m.version == 15 || m.version == 16;
    const auto cleared = [&] {
      return db.execAndGet("SELECT count(*) FROM source WHERE content_hash = ''").getInt64();
    };
    const std::int64_t cleared_before = clears_checksums ? cleared() : 0;
    exec(db, m.sql);
    const std::int64_t cleared_now = clears_checksums ? cleared() - cleared_before : 0;
    // A migration whose data step SQL cannot say: it parses Spack's variant syntax.
    if (m.version == 9) rewrite_variants_as_spack_prints(db);
    // Its data step: the statements every run ends with since then; and
    // after 12, which deletes edges, the packages only they named.
    if (m.version == 11 || m.version == 12) delete_unused_names(db);
    // What it leaves for the next ingests to do, where there is something: said once.
    if (m.version == 10) {
      const auto specs = db.execAndGet("SELECT count(*) FROM index_redescribe").getInt64();
      if (specs > 0)
        spdlog::warn("{} hash(es) listed by both cache pages and build-cache indexes are described by the indexes "
                     "from now on: the {} page(s) and index(es) listing them are read again by the next ingest that "
                     "names them",
                     specs, cleared_now);
    }
    if (m.version == 12 && cleared_now > 0) {
      spdlog::warn("{} cache page(s) listing hashes that no build-cache index lists any more, and that kept the "
                   "dependencies an index gave them, are read again by the next ingest that names them",
                   cleared_now);
    }
    if (m.version == 14 && cleared_now > 0) {
      spdlog::warn("build-cache indexes' variants are read as Spack reads them from now on (a list printed "
                   "k:=a,b, a value \"true\" a boolean, a parameter named twice its last): the {} index(es) "
                   "listing specs with such variants are read again by the next ingest that names them",
                   cleared_now);
    }
    if (m.version == 15 && cleared_now > 0) {
      spdlog::warn("build-cache indexes' lists are read as Spack keeps them from now on (sorted, each value once), "
                   "and a few shapes Spack would not read are refused: the {} index(es) stored are read again by "
                   "the next ingest that names them",
                   cleared_now);
    }
    if (m.version == 16 && cleared_now > 0) {
      spdlog::warn("a few shapes of build-cache index that Spack does not write are refused from now on: the {} "
                   "index(es) stored are read again by the next ingest that names them",
                   cleared_now);
    }
    exec(db, fmt::format("PRAGMA user_version = {}", m.version));
    tx.commit();
  }
}

}  // namespace cachedb
