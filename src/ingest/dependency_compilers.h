#pragma once
// Specs whose compiler is a dependency (database v8 on: the build dependency
// providing c, cxx or fortran) are labelled with that node's name and version
// ('gcc@10.2.1'). When no stored index has the node, only the edge's package
// name is known ('gcc'), and the spec waits in compiler_pending; a spec
// deleted puts the specs it was the compiler of back there (a trigger,
// schema/schema.sql). settle_dependency_compilers(), at the end of every
// ingest run, gives each waiting spec the label its node now allows, so that
// what a spec's compiler reads does not depend on which index came first.
#include <cstdint>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "formats/finding.h"

namespace cachedb {

// Returns how many specs' compilers changed. The caller owns the transaction.
// A compiler now named by a node (`gcc@14.1.0` where it was `gcc`, or where
// the node was described anew) is set against what the pages listing the
// spec say of it, as a page read after it would be: each page that names
// another compiler (not `none`) is a `hash_conflict` in `findings`, when given.
std::int64_t settle_dependency_compilers(SQLite::Database& db, std::vector<Finding>* findings = nullptr);

}  // namespace cachedb
