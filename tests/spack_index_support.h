#pragma once
// Helpers for the build-cache index tests: a handler that keeps copies of what
// the reader hands out, and compressors for gzip and zstd fixtures made at run time.
#include <map>
#include <set>
#include <string_view>
#include <string>
#include <vector>

#include "formats/spack_index/index_record.h"

namespace testing {

struct KeptDependency {
  std::string hash, name, deptypes, virtuals;
  bool operator==(const KeptDependency&) const = default;
};

struct KeptRecord {
  std::string hash, package, version, compiler, compiler_hash, os, platform, target;
  std::vector<std::string> variants;
  bool in_buildcache = true;
  std::vector<KeptDependency> dependencies;
  bool described = true;
  bool operator==(const KeptRecord&) const = default;
};

struct KeepingHandler : cachedb::spack_index::IndexHandler {
  std::vector<KeptRecord> records;
  std::map<std::string, std::size_t> by_hash;
  std::set<std::string> known;  // hashes whose description it declines
  cachedb::spack_index::DocumentSummary summary;
  int done = 0;
  bool wants_description(std::string_view hash) override { return !known.contains(std::string(hash)); }
  void record(const cachedb::spack_index::IndexRecord& r) override;
  void document_done(const cachedb::spack_index::DocumentSummary& s) override;
  const KeptRecord& at(const std::string& hash) const { return records.at(by_hash.at(hash)); }
  // The compiler as a database would show it once the document is done: a
  // late compiler's label filled in from the summary.
  std::string compiler(const std::string& hash) const;
};

std::string read_file(const std::string& path);
std::string gzip(const std::string& bytes);
std::string zstd(const std::string& bytes);

}  // namespace testing
