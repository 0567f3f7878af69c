#pragma once
// Reads one Spack database JSON (versions 6 to 9), as build caches publish
// it, with RapidJSON's SAX reader from a decompressing stream: no DOM, and no
// more memory for a 1 GB index than for a 1 KB one, but for the compiler nodes
// (see below).
//
// The compiler of a v8+ record is the direct build dependency providing c, cxx
// or fortran, shown as that node's name@version; that node may come later in
// the index. The reader remembers only compiler nodes (hash -> label): nodes
// whose package has been seen providing c/cxx/fortran, that declare such a
// `provided_virtuals` (v9), or that are one of Spack's compiler packages. A
// record whose compiler node has not been seen yet is handed out at once with
// an empty compiler and its compiler_hash; document_done() then lists the
// labels of those late compilers. Compiler nodes are tens per index, so this
// memory does not grow with the index.
#include <string>

#include "formats/spack_index/byte_stream.h"
#include "formats/spack_index/checked_specs.h"
#include "formats/spack_index/index_record.h"

namespace cachedb::spack_index {

// Reads the whole document and pushes every record to `handler`, then calls
// handler.document_done(). Throws IndexParseError (byte offset, JSON path) on
// a bad index, after which the records already pushed must be forgotten;
// Error when the input cannot be read.
// With `checked`, specs kept there are taken as read when their bytes come
// again, and the specs this document passes are kept (checked_specs.h): share
// one across the documents of a run; the outcome is the same without it.
void read_index(ByteSource& source, IndexHandler& handler, CheckedSpecs* checked = nullptr);

// The same, from a file path ("-" for stdin).
void read_index_file(const std::string& path, IndexHandler& handler);

}  // namespace cachedb::spack_index
