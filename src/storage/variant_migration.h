#pragma once
// The data step of schema version 9 (migrations/0009_spack_variant_text.sql):
// variants as Spack prints and reads them. Before it, cachedb wrote an
// index's variants quoting each value that held a space, a comma or a quote
// (`languages=c,c++,fortran`, `list='x y',z`), where Spack quotes the joined
// values when anything but letters, digits and `,/_.-` is in them
// (`languages='c,c++,fortran'`) and prints a patch by 7 characters; and it
// read a comma inside quotes as part of a value, where Spack splits there.
// A migration, so frozen as the SQL ones are: it is what turns a database of
// version 8 into one of version 9, whatever later versions do.
#include <SQLiteCpp/Database.h>

namespace cachedb {

// Inside the migration's transaction: the variants of specs an index lists
// are written as Spack prints them (their sets and specs moved to the
// rewritten ones), and every variant's values are read again from its text.
void rewrite_variants_as_spack_prints(SQLite::Database& db);

}  // namespace cachedb
