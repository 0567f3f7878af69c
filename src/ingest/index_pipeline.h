#pragma once
// Reading an index and writing it take about as long as each other, each on
// one core. The pipeline parses on worker threads while the calling thread
// writes: a reader's records are copied into a few fixed batches that go
// round between the threads, so memory stays the same whatever the size of
// the index, and the handler sees exactly what read_index would show it, in
// the same order, on the calling thread. Once the documents after the first
// hold mostly hashes met before, reading is the slower side: the next
// documents are then read while this one is written, each on a worker of
// its own (IndexRun reads four ahead).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "formats/spack_index/byte_stream.h"
#include "formats/spack_index/checked_specs.h"
#include "formats/spack_index/index_record.h"
#include "ingest/spec_id_cache.h"

namespace cachedb {

// What the pipeline remembers across the documents of one run: the hashes it
// has handed out described. The readers ask whether a record's description
// is wanted on their own threads, where the handler cannot be asked; a hash a
// handler was given described (and kept) needs no second description.
// Several documents may be read at once (BackgroundRead), so every call takes
// a lock: the table's is shared by those who only ask, which is every record
// of every document, where only the few records described remember (1 GB of
// indexes: 3.17 -> 3.11 s against one lock for all).
//
// Forget everything (forget_all) whenever the handler drops specs it was
// given: the pipeline does so itself when a document fails on either side,
// since the handler then rolls the document back, and when a document read
// is dropped undelivered (its descriptions will never be stored). A document being read
// ahead meanwhile may have left out descriptions the handler no longer has:
// read it again from its start (IndexRun does).
class PipelineState {
 public:
  PipelineState();
  ~PipelineState();
  PipelineState(const PipelineState&) = delete;
  PipelineState& operator=(const PipelineState&) = delete;

  // In the table the writer keeps spec ids in (spec_id_cache.h): bounded, and
  // a hash that is not Spack's (32 base32 characters) is never remembered, so
  // it is always described.
  //
  // Documents are numbered in the order their reading starts, which is the
  // order they are written in; a document trusts only the descriptions of
  // itself and of the documents before it (a document read ahead is written
  // after this one, so what it describes is not stored yet when this one is
  // written).
  std::uint64_t next_document();
  bool described_before(std::string_view hash, std::uint64_t document) const;
  void remember_described(std::string_view hash, std::uint64_t document);
  void forget_all();
  // How many times forget_all() was called: a reader started before a
  // forgetting may have relied on what was forgotten.
  std::uint64_t generation() const;
  std::size_t size() const;

  // The memory of the batches, kept from one document to the next: a run
  // then allocates it once, not once per index. One pool per document being
  // read.
  struct Batches;
  std::unique_ptr<Batches> take_batches();
  void give_back(std::unique_ptr<Batches> batches);

  // Runs `job` on one of the state's reader threads: one left idle by an
  // earlier document, else a new one, so that a job never waits for another.
  // The threads are kept until the state goes: a run of 105 indexes started
  // a thread for each, ~72 us of CPU each on the benchmarks' hypervisor, and
  // a new thread waited 1-3 ms there before it first ran. Returns false when
  // no thread can be started. Every job must have ended before the state is
  // destroyed (BackgroundRead waits for its own).
  bool run_on_reader(std::function<void()> job);

  // The specs the run's readers have checked, shared by all of them: a
  // record met again in a later index is not read again
  // (spack_index/checked_specs.h). Never forgotten: what was checked stays
  // checked whatever the handler keeps.
  spack_index::CheckedSpecs& checked_specs() { return checked_specs_; }

 private:
  mutable std::mutex mutex_;         // all but the table
  mutable std::shared_mutex table_;  // described_; taken before mutex_ where both are
  SpecIdCache described_;
  std::uint64_t generation_ = 0, documents_ = 0;
  std::vector<std::unique_ptr<Batches>> spare_;
  spack_index::CheckedSpecs checked_specs_;
  // Last: its threads are joined before the rest goes.
  struct Readers;
  std::unique_ptr<Readers> readers_;
};

// One document read as spack_index::read_index reads it, the reading and
// parsing on one of the state's reader threads from the constructor on
// (PipelineState::run_on_reader), so that a caller
// can start the next document's reading before it writes this one. deliver()
// calls downstream.record() for each record, in order, then
// downstream.document_done(), on the calling thread.
// downstream.wants_description() is never called: `state` answers it.
//
// A bad index throws what read_index throws (the same type, offset, path and
// message) once the records before the error have been handed to
// downstream. When downstream throws, the reader is stopped and its
// exception goes through as it is. Either way `state` is forgotten. The
// reading has ended whenever deliver() returns or throws, and when the
// object is destroyed (the reading is then stopped). Without a second thread
// (a process limit), deliver() reads on the calling thread.
class BackgroundRead {
 public:
  // Where the document is read: on a worker thread, or by deliver() on the
  // calling thread, which is what a process that cannot start a thread gets
  // (and what its tests ask for).
  enum class On { worker, calling_thread };
  BackgroundRead(spack_index::ByteSource& source, PipelineState& state, On on = On::worker);
  ~BackgroundRead();
  BackgroundRead(const BackgroundRead&) = delete;
  BackgroundRead& operator=(const BackgroundRead&) = delete;

  void deliver(spack_index::IndexHandler& downstream);
  // The same; while no records are ready (the reader is behind), `idle()` is
  // called on the calling thread for as long as it returns true (there is
  // more of it): a short piece of other work each time, done while the
  // writer would otherwise wait.
  void deliver(spack_index::IndexHandler& downstream, const std::function<bool()>& idle);
  // The state's generation when the reading started: when it has changed
  // since, read the document again (a new BackgroundRead), and every
  // document started after it too.
  std::uint64_t generation() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// BackgroundRead(source, state).deliver(downstream).
void read_index_in_background(spack_index::ByteSource& source, spack_index::IndexHandler& downstream,
                              PipelineState& state);

}  // namespace cachedb
