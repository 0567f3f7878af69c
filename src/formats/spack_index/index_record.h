#pragma once
// What the index reader hands out: one record per entry of the index's
// `installs`, pushed to a handler as soon as the entry is parsed. Every view
// points into the reader's buffers and is valid only during the call.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachedb::spack_index {

// One dependency edge of a record (a spec's edges are fixed by its hash).
struct IndexDependency {
  std::string_view hash;      // the dependency's DAG hash
  std::string_view name;      // its package name, as the edge names it
  std::string_view deptypes;  // "build,link": comma-separated, in the index's order
  std::string_view virtuals;  // "c,cxx": the virtuals it provides to this spec ("" for none)
};

struct IndexRecord {
  std::string_view hash;  // the `installs` key (authoritative over the node's own hash)
  std::string_view package;
  std::string_view version;
  // "gcc@10.2.1", "gcc" (no version known) or "none". Empty when the compiler is
  // the build dependency `compiler_hash` whose node comes later in the index:
  // DocumentSummary::late_compilers then gives its label.
  std::string_view compiler;
  // The direct build dependency providing c, cxx or fortran (database v8+), or "".
  std::string_view compiler_hash;
  // True when `compiler` is (or, empty, will be) that dependency's: neither
  // the node's own `compiler` nor `annotations.compiler` named one.
  bool compiler_by_dependency = false;
  std::string_view os;
  std::string_view platform;
  std::string_view target;
  // In Spack's syntax as cache pages write them (`+x`, `~x`, `k=v`, `k:=a,b`),
  // sorted by variant name; compiler flags are not variants.
  std::span<const std::string> variants;
  bool in_buildcache = true;
  std::span<const IndexDependency> dependencies;
  // False when the handler said it knows this hash already
  // (IndexHandler::wants_description): then only `hash` and `in_buildcache`
  // are set. The record was checked all the same, so whether an index is
  // accepted never depends on what was read before it.
  bool described = true;
};

// The label of a compiler node that was referenced before it was seen.
struct LateCompiler {
  std::string hash;
  std::string label;  // "gcc@10.2.1"; the edge's package name alone when the index lacks the node
  bool node_seen = false;  // whether the index has the node (else `label` is the edge's name)
};

struct DocumentSummary {
  int database_version = 0;
  std::uint64_t records = 0;
  // Records whose spec was passed over as one checked before (checked_specs.h).
  std::uint64_t specs_checked_before = 0;
  std::uint64_t json_bytes = 0;  // the decompressed JSON text
  std::uint64_t raw_bytes = 0;   // as read (compressed size for gzip/zstd)
  const char* compression = "none";
  std::vector<LateCompiler> late_compilers;
};

// A sink for one index document. The reader calls record() once per install,
// then document_done() once the whole document has been read and checked. When
// the reader throws instead, the document is bad: forget its records (a
// database sink rolls back a savepoint).
class IndexHandler {
 public:
  virtual ~IndexHandler() = default;
  // Asked once per record, as soon as its hash (the installs key) is read:
  // false when the handler has the description of this hash already (a hash
  // fixes its spec), so that the reader need not build it.
  virtual bool wants_description(std::string_view /*hash*/) { return true; }
  // A hint, from a reader that holds records before handing them on: a record
  // of this hash comes soon, so that a handler may start fetching what it
  // keeps of it (ingest/index_pipeline.cc).
  virtual void coming(std::string_view /*hash*/) {}
  virtual void record(const IndexRecord& r) = 0;
  virtual void document_done(const DocumentSummary& summary) = 0;
};

}  // namespace cachedb::spack_index
