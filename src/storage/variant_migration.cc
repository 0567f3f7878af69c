#include "storage/variant_migration.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "error.h"
#include "parsing/variant.h"
#include "storage/statement.h"

namespace cachedb {
namespace {

// How cachedb before version 9 read an index's list back: quotes around one
// value, commas inside them part of it. (None unbalanced: it wrote them.)
std::optional<std::vector<std::string>> old_values(std::string_view value) {
  std::vector<std::string> out(1);
  char quote = 0;
  for (const char ch : value) {
    if (quote) {
      if (ch == quote) quote = 0;
      else out.back() += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
    } else if (ch == ',') {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  if (quote) return std::nullopt;
  return out;
}

// The text Spack prints for a variant cachedb wrote before version 9, when
// it differs: `name`, its separator (=, ==, :=) and the values joined, quoted
// as Spack quotes them. Nothing for booleans and texts Spack prints as they are.
std::optional<std::string> as_spack_prints(std::string_view text) {
  if (text.empty() || text[0] == '+' || text[0] == '~') return std::nullopt;
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  const std::size_t name_end = text[eq - 1] == ':' ? eq - 1 : eq;
  std::size_t value_at = eq + 1;
  if (name_end == eq && value_at < text.size() && text[value_at] == '=') ++value_at;  // k==v
  const std::string_view name = text.substr(0, name_end);
  const auto values = old_values(text.substr(value_at));
  if (!values) return std::nullopt;
  std::string joined;
  for (std::size_t i = 0; i < values->size(); ++i) {
    if (i) joined += ',';
    joined += printed_value(name, (*values)[i]);
  }
  std::string out(text.substr(0, value_at));
  out += quoted_value(joined);
  if (out == text) return std::nullopt;
  return out;
}

struct Statements {
  explicit Statements(SQLite::Database& db)
      : variant_by_text(db, "SELECT id FROM variant WHERE text = ?"),
        variant_insert(db, "INSERT INTO variant(text, name, propagate, exact) VALUES (?, ?, ?, ?)"),
        values_of(db, "SELECT value FROM variant_value WHERE variant_id = ? ORDER BY position"),
        values_delete(db, "DELETE FROM variant_value WHERE variant_id = ?"),
        value_insert(db, "INSERT INTO variant_value(variant_id, position, value) VALUES (?, ?, ?)"),
        sets_of(db, "SELECT DISTINCT variant_set_id FROM variant_set_member WHERE variant_id = ?"),
        members_of(db, "SELECT variant_id FROM variant_set_member WHERE variant_set_id = ?"),
        set_by_key(db, "SELECT id FROM variant_set WHERE key = ?"),
        set_insert(db, "INSERT INTO variant_set(key) VALUES (?)"),
        member_insert(db, "INSERT INTO variant_set_member(variant_set_id, variant_id) VALUES (?, ?)"),
        move_specs(db, "UPDATE spec SET variant_set_id = ? WHERE variant_set_id = ? "
                       "AND id IN (SELECT spec_id FROM index_listing)"),
        set_used(db, "SELECT 1 FROM spec WHERE variant_set_id = ?1 UNION ALL "
                     "SELECT 1 FROM spec_claim WHERE variant_set_id = ?1 LIMIT 1"),
        set_delete_members(db, "DELETE FROM variant_set_member WHERE variant_set_id = ?"),
        set_delete(db, "DELETE FROM variant_set WHERE id = ?"),
        variant_used(db, "SELECT 1 FROM variant_set_member WHERE variant_id = ? LIMIT 1"),
        variant_delete(db, "DELETE FROM variant WHERE id = ?") {}
  Statement variant_by_text, variant_insert, values_of, values_delete, value_insert, sets_of, members_of, set_by_key,
      set_insert, member_insert, move_specs, set_used, set_delete_members, set_delete, variant_used, variant_delete;
};

void write_values(Statements& sql, std::int64_t variant, const std::vector<std::string>& values) {
  sql.values_delete(variant).exec();
  for (std::size_t i = 0; i < values.size(); ++i)
    sql.value_insert(variant, static_cast<std::int64_t>(i), values[i]).exec();
}

std::int64_t variant_id(SQLite::Database& db, Statements& sql, const std::string& text) {
  if (auto row = sql.variant_by_text(text); row.next()) return row.int64(0);
  const Variant v = parse_variant(text);
  sql.variant_insert(text, v.name, v.propagate ? 1 : 0, v.exact ? 1 : 0).exec();
  const std::int64_t id = db.getLastInsertRowid();
  write_values(sql, id, v.values);
  return id;
}

std::int64_t set_id(SQLite::Database& db, Statements& sql, std::vector<std::int64_t> members) {
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  std::string key;
  for (auto m : members) key += std::to_string(m) + ",";
  if (auto row = sql.set_by_key(key); row.next()) return row.int64(0);
  sql.set_insert(key).exec();
  const std::int64_t id = db.getLastInsertRowid();
  for (auto m : members) sql.member_insert(id, m).exec();
  return id;
}

}  // namespace

void rewrite_variants_as_spack_prints(SQLite::Database& db) {
  Statements sql(db);
  // The variants of specs an index lists, and what Spack prints for them.
  std::map<std::int64_t, std::int64_t> renamed;  // old variant id -> new
  {
    std::vector<std::pair<std::int64_t, std::string>> rewritten;
    Statement of_indexes(db,
                         "SELECT DISTINCT v.id, v.text FROM variant v "
                         "JOIN variant_set_member m ON m.variant_id = v.id "
                         "JOIN spec s ON s.variant_set_id = m.variant_set_id "
                         "WHERE s.id IN (SELECT spec_id FROM index_listing) ORDER BY 1");
    for (auto row = of_indexes(); row.next();)
      if (auto text = as_spack_prints(row.text(1))) rewritten.emplace_back(row.int64(0), std::move(*text));
    for (const auto& [old_id, text] : rewritten) renamed[old_id] = variant_id(db, sql, text);
  }
  // Each set holding one: the specs an index lists move to the set with the
  // new variants (a page's specs keep theirs, as the page wrote them).
  std::vector<std::int64_t> sets;
  for (const auto& entry : renamed)
    for (auto row = sql.sets_of(entry.first); row.next();) sets.push_back(row.int64(0));
  std::sort(sets.begin(), sets.end());
  sets.erase(std::unique(sets.begin(), sets.end()), sets.end());
  for (const auto set : sets) {
    std::vector<std::int64_t> members;
    for (auto row = sql.members_of(set); row.next();) {
      const auto it = renamed.find(row.int64(0));
      members.push_back(it == renamed.end() ? row.int64(0) : it->second);
    }
    const std::int64_t moved_to = set_id(db, sql, members);
    if (moved_to == set) continue;
    sql.move_specs(moved_to, set).exec();
    if (!sql.set_used(set).next()) {
      sql.set_delete_members(set).exec();
      sql.set_delete(set).exec();
    }
  }
  for (const auto& entry : renamed)
    if (!sql.variant_used(entry.first).next()) {
      sql.values_delete(entry.first).exec();
      sql.variant_delete(entry.first).exec();
    }
  // Every variant's values, read from its text as Spack reads it now.
  std::vector<std::pair<std::int64_t, std::vector<std::string>>> changed;
  {
    Statement all(db, "SELECT id, text FROM variant ORDER BY 1");
    for (auto row = all(); row.next();) {
      std::vector<std::string> values;
      try {
        values = parse_variant(row.text(1)).values;
      } catch (const ParseError&) {
        continue;  // stored, so read once; left as it is
      }
      std::vector<std::string> stored;
      for (auto v = sql.values_of(row.int64(0)); v.next();) stored.emplace_back(v.text(0));
      if (stored != values) changed.emplace_back(row.int64(0), std::move(values));
    }
  }
  for (const auto& [id, values] : changed) write_values(sql, id, values);
  spdlog::info("variants as Spack prints them: {} rewritten, {} read again", renamed.size(), changed.size());
}

}  // namespace cachedb
