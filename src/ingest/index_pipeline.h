#pragma once
// Reading an index and writing it take about as long as each other, each on
// one core. The pipeline parses on a second thread while the calling thread
// writes: the reader's records are copied into a few fixed batches that go
// round between the two threads, so memory stays the same whatever the size
// of the index, and the handler sees exactly what read_index would show it,
// in the same order, on the calling thread.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "formats/spack_index/byte_stream.h"
#include "formats/spack_index/index_record.h"
#include "ingest/spec_id_cache.h"

namespace cachedb {

// What the pipeline remembers across the documents of one run: the hashes it
// has handed out described. The reader asks whether a record's description
// is wanted on its own thread, where the handler cannot be asked; a hash a
// handler was given described (and kept) needs no second description.
//
// Forget everything (forget_all) whenever the handler drops specs it was
// given: the pipeline does so itself when a document fails on either side,
// since the handler then rolls the document back.
class PipelineState {
 public:
  PipelineState();
  ~PipelineState();
  PipelineState(const PipelineState&) = delete;
  PipelineState& operator=(const PipelineState&) = delete;

  // In the table the writer keeps spec ids in (spec_id_cache.h): bounded, and
  // a hash that is not Spack's (32 base32 characters) is never remembered, so
  // it is always described.
  bool described_before(std::string_view hash) const { return described_.contains(hash); }
  void remember_described(std::string_view hash) { described_.insert(hash, 1); }
  void forget_all() { described_.clear(); }
  std::size_t size() const { return described_.size(); }

  // The memory of the batches, kept from one document to the next: a run
  // then allocates it once, not once per index.
  struct Batches;
  Batches& batches() { return *batches_; }

 private:
  SpecIdCache described_;
  std::unique_ptr<Batches> batches_;
};

// Reads one document as spack_index::read_index does, the reading and
// parsing on a worker thread, and calls downstream.record() for each record,
// in order, then downstream.document_done(), on the calling thread.
// downstream.wants_description() is never called: `state` answers it.
//
// A bad index throws what read_index throws (the same type, offset, path and
// message) once the records before the error have been handed to
// downstream. When downstream throws, the reader is stopped and its
// exception goes through as it is. Either way `state` is forgotten. The
// worker thread has ended whenever this returns. `state` must not be used
// by another thread meanwhile.
void read_index_in_background(spack_index::ByteSource& source, spack_index::IndexHandler& downstream,
                              PipelineState& state);

}  // namespace cachedb
