// libFuzzer target: the build-cache index reader on arbitrary bytes (plain,
// or gzip and zstd when the bytes begin with their magic). An index is read or
// rejected with IndexParseError, or StreamError when it cannot be decoded;
// anything else (a crash, a sanitizer report, an exception of another type, a
// hang) is a bug. What is read must be what the database may store: each text
// within its limit, valid UTF-8, no NUL; and document_done() comes once, after
// the last record, counting them.
//
// Whether an index is accepted must not depend on what was read before it: a
// handler that knows some hashes already (wants_description() false, as the
// ingest's writer says for hashes another index described) gets the same
// records in the same order, or the same rejection at the same place; and so
// does a reader given the specs an earlier read checked (checked_specs.h),
// which passes over those whose bytes come again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "formats/spack_index/byte_stream.h"
#include "formats/spack_index/checked_specs.h"
#include "formats/spack_index/index_error.h"
#include "formats/spack_index/index_reader.h"
#include "formats/spack_index/variant_text.h"
#include "parsing/text_limits.h"

namespace {

namespace index = cachedb::spack_index;
namespace limits = cachedb::limits;

// Says which property failed, for whoever reads the artifact's report.
[[noreturn]] void broken(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "read_index_fuzzer: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void require_storable(std::string_view text, std::size_t max_bytes) {
  if (auto problem = cachedb::text_problem(text, max_bytes)) broken("a text the database may not store", text);
}

enum class Describe { every, every_other, none };

class Collect : public index::IndexHandler {
 public:
  // `whole`: the outcome names each described record's compiler and the late
  // compilers too (only reads that describe the same records compare them).
  Collect(Describe describe, bool whole) : describe_(describe), whole_(whole) {}

  bool wants_description(std::string_view) override {
    return describe_ == Describe::every || (describe_ == Describe::every_other && ++asked_ % 2 == 1);
  }

  void record(const index::IndexRecord& r) override {
    if (done_) broken("a record after document_done()");
    if (r.hash.empty()) broken("a record without a hash");
    require_storable(r.hash, limits::kHash);
    listed.push_back(std::string(r.hash) + (r.in_buildcache ? " +" : " -"));
    if (!r.described) return;
    if (whole_) listed.back() += " " + std::string(r.compiler);
    for (auto s : {r.package, r.version, r.os, r.platform, r.target}) require_storable(s, limits::kName);
    // name@version, each of them within its limit (stored apart).
    require_storable(r.compiler, 2 * limits::kName + 1);
    if (r.package.empty()) broken("a record without a package", r.hash);
    std::string_view previous;
    for (const auto& v : r.variants) {
      // Quoted as Spack prints it (json.dumps escapes, \uXXXX) a value may
      // grow up to six times: the limit holds to the text as given.
      require_storable(v, 7 * limits::kVariant + 3);
      if (v.empty()) broken("an empty variant", r.hash);
      const std::string_view name = index::variant_name(v);
      if (name < previous) broken("variants out of order", v);
      previous = name;
    }
    for (const auto& d : r.dependencies) {
      if (d.hash.empty()) broken("an edge without a hash", r.hash);
      require_storable(d.hash, limits::kHash);
      require_storable(d.name, limits::kName);
    }
  }

  void document_done(const index::DocumentSummary& summary) override {
    if (done_) broken("document_done() twice");
    done_ = true;
    if (summary.records != listed.size()) broken("a record count that is not the records'");
    if (summary.specs_checked_before > summary.records) broken("more specs passed over than records");
    for (const auto& late : summary.late_compilers) {
      require_storable(late.label, 2 * limits::kName + 1);
      if (whole_) listed.push_back("late " + late.hash + " " + late.label);
    }
  }

  bool done() const { return done_; }
  std::vector<std::string> listed;

 private:
  Describe describe_;
  bool whole_;
  unsigned asked_ = 0;
  bool done_ = false;
};

// The records read (hash and whether in the build cache), or the rejection.
std::vector<std::string> outcome(const std::uint8_t* data, std::size_t size, Describe describe,
                                 index::CheckedSpecs* checked = nullptr, bool whole = true) {
  Collect handler(describe, whole);
  auto source = index::memory_source(reinterpret_cast<const char*>(data), size, "fuzz.json");
  try {
    index::read_index(*source, handler, checked);
  } catch (const index::IndexParseError& e) {
    return {"rejected", std::to_string(e.offset()), e.path(), e.reason()};
  } catch (const index::StreamError& e) {
    return {"undecodable", e.what()};
  }
  if (!handler.done()) broken("read without document_done()");
  return std::move(handler.listed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (outcome(data, size, Describe::every, nullptr, false) != outcome(data, size, Describe::every_other, nullptr, false))
    broken("read differently when some hashes were known already");
  const auto plain = outcome(data, size, Describe::every);
  // The same bytes again: each spec the first read passed is taken as read by the others.
  index::CheckedSpecs checked;
  if (plain != outcome(data, size, Describe::every, &checked)) broken("read differently when keeping the specs read");
  for (Describe d : {Describe::every_other, Describe::none})
    if (outcome(data, size, d, &checked) != outcome(data, size, d)) broken("read differently when specs were read before");
  return 0;
}
