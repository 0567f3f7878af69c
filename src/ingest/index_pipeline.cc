#include "ingest/index_pipeline.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "formats/spack_index/index_reader.h"

namespace cachedb {

using spack_index::DocumentSummary;
using spack_index::IndexDependency;
using spack_index::IndexHandler;
using spack_index::IndexRecord;

namespace {

// A batch holds about this much (text and bookkeeping): the writer takes
// records a hundred or so at a time, the batches in flight stay within the
// second-level cache however big the index, and each batch is below malloc's
// mmap threshold, so that a document's batches reuse freed memory instead of
// mapping fresh pages and unmapping them (both slow, on two threads).
constexpr std::size_t kBatchBytes = 64u << 10;
// At most this many batches per document being read (384 KiB), made as
// needed: one being filled, one being written, and the rest let a document
// read ahead keep its reader busy until the writer comes to it (a record of a
// hash met before takes ~90 bytes). With four documents read ahead (IndexRun),
// 6 measured as fast as 8 at 1 GB of indexes and keeps the run's memory flat
// (peak RSS 28.6 MB at 100 MB of indexes, 30.2 MB at 1 GB; with 8: 29.2 and
// 31.4 MB); 4 was slower.
constexpr std::size_t kMaxBatches = 6;

// Records copied out of the reader: their text in one buffer (views into it
// stay valid however many records follow, since a record that does not fit
// goes to the next batch), edges and variants in a vector each.
struct Batch {
  // A record's text fields, one after the other in `text` from `at`; a
  // length of kNull for a view that points nowhere (bound to SQL, a view
  // without data is NULL, one with data is ''). Small, since most records of
  // a document read ahead are a hash and a flag.
  static constexpr int kFields = 8;
  static constexpr std::uint32_t kNull = UINT32_MAX;
  struct Copied {
    std::uint32_t at = 0;
    std::uint32_t length[kFields];
    std::uint32_t first_dependency = 0, dependencies = 0, first_variant = 0, variants = 0;
    bool in_buildcache = true, described = true, compiler_by_dependency = false;
  };
  std::unique_ptr<char[]> text = std::make_unique_for_overwrite<char[]>(kBatchBytes);
  std::size_t capacity = kBatchBytes, used = 0;
  std::size_t cost = 0;  // text and bookkeeping, the measure of "full"
  std::vector<Copied> records;
  std::vector<IndexDependency> dependencies;
  std::vector<std::string_view> variants;

  std::string_view keep(std::string_view s) {
    if (s.data() == nullptr) return {};
    char* at = text.get() + used;
    if (!s.empty()) std::memcpy(at, s.data(), s.size());
    used += s.size();
    return {at, s.size()};
  }
  std::uint32_t keep_field(std::string_view s) {
    if (s.data() == nullptr) return kNull;
    keep(s);
    return static_cast<std::uint32_t>(s.size());
  }

  std::string_view hash(const Copied& c) const {
    return c.length[0] == kNull ? std::string_view() : std::string_view(text.get() + c.at, c.length[0]);
  }

  // The record as the reader showed it, but its variants and dependencies.
  IndexRecord record(const Copied& c) const {
    std::string_view fields[kFields];
    const char* at = text.get() + c.at;
    for (int i = 0; i < kFields; ++i) {
      if (c.length[i] == kNull) continue;
      fields[i] = {at, c.length[i]};
      at += c.length[i];
    }
    IndexRecord r;
    r.hash = fields[0];
    r.package = fields[1];
    r.version = fields[2];
    r.compiler = fields[3];
    r.compiler_hash = fields[4];
    r.os = fields[5];
    r.platform = fields[6];
    r.target = fields[7];
    r.in_buildcache = c.in_buildcache;
    r.described = c.described;
    r.compiler_by_dependency = c.compiler_by_dependency;
    return r;
  }

  // Emptied for the next records; one that grew for a huge record gives the
  // memory back, so that peak memory is that of one record, not of every batch.
  void reset() {
    if (cost > 2 * kBatchBytes) {
      *this = Batch();
      return;
    }
    used = cost = 0;
    records.clear();
    dependencies.clear();
    variants.clear();
  }

  // Room for a record of `n` bytes of text, in a batch that holds nothing yet.
  void make_room(std::size_t n) {
    if (n <= capacity) return;
    text = std::make_unique_for_overwrite<char[]>(n);
    capacity = n;
  }
};

}  // namespace

struct PipelineState::Batches {
  std::vector<std::unique_ptr<Batch>> all;
};

// Reader threads and the jobs waiting for one: a job is handed to an idle
// thread, or to a thread started for it.
struct PipelineState::Readers {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::function<void()>> jobs;
  std::size_t idle = 0;  // threads waiting for a job
  bool stop = false;
  std::vector<std::thread> threads;

  ~Readers() {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    ready.notify_all();
    for (auto& t : threads) t.join();
  }

  bool run(std::function<void()> job) {
    std::unique_lock lock(mutex);
    jobs.push_back(std::move(job));
    if (idle >= jobs.size()) {
      lock.unlock();
      ready.notify_one();
      return true;
    }
    try {
      threads.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      jobs.pop_back();
      return false;
    }
    return true;
  }

  void work() {
    pthread_setname_np(pthread_self(), "cachedb-reader");  // tells the threads apart in perf and top
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex);
        ++idle;
        ready.wait(lock, [&] { return stop || !jobs.empty(); });
        --idle;
        if (jobs.empty()) return;  // stopped
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
    }
  }
};

PipelineState::PipelineState() = default;
PipelineState::~PipelineState() = default;

bool PipelineState::run_on_reader(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (!readers_) readers_ = std::make_unique<Readers>();
  }
  return readers_->run(std::move(job));
}

// The table holds, per hash, 1 + the first document that described it.
std::uint64_t PipelineState::next_document() {
  std::lock_guard lock(mutex_);
  return documents_++;
}
bool PipelineState::described_before(std::string_view hash, std::uint64_t document) const {
  std::shared_lock lock(table_);
  const auto first = described_.find(hash);
  return first && static_cast<std::uint64_t>(*first) <= document + 1;
}
void PipelineState::remember_described(std::string_view hash, std::uint64_t document) {
  std::lock_guard lock(table_);
  const auto first = described_.find(hash);
  if (!first || static_cast<std::uint64_t>(*first) > document + 1)
    described_.insert(hash, static_cast<std::int64_t>(document + 1));
}
void PipelineState::forget_all() {
  std::lock_guard table(table_);
  std::lock_guard lock(mutex_);
  described_.clear();
  ++generation_;
}
std::uint64_t PipelineState::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}
std::size_t PipelineState::size() const {
  std::shared_lock lock(table_);
  return described_.size();
}
std::unique_ptr<PipelineState::Batches> PipelineState::take_batches() {
  std::lock_guard lock(mutex_);
  if (spare_.empty()) return std::make_unique<Batches>();
  auto b = std::move(spare_.back());
  spare_.pop_back();
  return b;
}
void PipelineState::give_back(std::unique_ptr<Batches> batches) {
  std::lock_guard lock(mutex_);
  spare_.push_back(std::move(batches));
}

namespace {

// Thrown on the reader's thread, through read_index, once the calling thread
// has stopped taking records.
struct Stopped {};

// The batches and the two queues they go round: empty ones to the reader,
// full ones to the writer.
class Exchange {
 public:
  explicit Exchange(PipelineState::Batches& batches) : batches_(batches) {
    for (auto& b : batches.all) {
      b->reset();  // a document that failed may have left records behind
      empty_.push_back(b.get());
    }
  }

  // --- the reader's side ---
  // An empty batch; nullptr once the writer has stopped.
  Batch* take_empty() {
    std::unique_lock lock(mutex_);
    if (empty_.empty() && batches_.all.size() < kMaxBatches) {
      batches_.all.push_back(std::make_unique<Batch>());
      return batches_.all.back().get();
    }
    empty_ready_.wait(lock, [&] { return !empty_.empty() || stopped(); });
    if (stopped()) return nullptr;
    Batch* b = empty_.back();
    empty_.pop_back();
    return b;
  }
  void hand_over(Batch* b) {
    {
      std::lock_guard lock(mutex_);
      full_.push_back(b);
    }
    full_ready_.notify_one();
  }
  // No more batches will come.
  void finish() {
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    full_ready_.notify_one();
  }

  // --- the writer's side ---
  // The next full batch, in order; nullptr once the reader has finished and
  // all were taken. Until one is ready, `idle()` is called (outside the lock)
  // while it says it has more to do.
  Batch* take_full(const std::function<bool()>& idle) {
    std::unique_lock lock(mutex_);
    for (bool more = static_cast<bool>(idle); more && full_.empty() && !finished_;) {
      lock.unlock();
      more = idle();
      lock.lock();
    }
    full_ready_.wait(lock, [&] { return !full_.empty() || finished_; });
    if (full_.empty()) return nullptr;
    Batch* b = full_.front();
    full_.pop_front();
    return b;
  }
  void give_back(Batch* b) {
    b->reset();
    {
      std::lock_guard lock(mutex_);
      empty_.push_back(b);
    }
    empty_ready_.notify_one();
  }
  void stop() {
    {
      // Under the lock, so that a reader about to wait sees it.
      std::lock_guard lock(mutex_);
      stopped_.store(true, std::memory_order_relaxed);
    }
    empty_ready_.notify_all();
  }
  bool stopped() const { return stopped_.load(std::memory_order_relaxed); }

 private:
  PipelineState::Batches& batches_;
  std::mutex mutex_;
  std::condition_variable empty_ready_, full_ready_;
  std::vector<Batch*> empty_;
  std::deque<Batch*> full_;
  bool finished_ = false;
  std::atomic<bool> stopped_{false};
};

// The handler read_index sees on the reader's thread: copies each record
// into the batch being filled, and hands batches over as they fill.
class Copier : public IndexHandler {
 public:
  Copier(Exchange& exchange, PipelineState& state, std::uint64_t document)
      : exchange_(exchange), state_(state), document_(document) {}

  bool wants_description(std::string_view hash) override { return !state_.described_before(hash, document_); }

  void record(const IndexRecord& r) override {
    if (exchange_.stopped()) throw Stopped{};
    const std::string_view fields[Batch::kFields] = {r.hash, r.package,       r.version, r.compiler,
                                                     r.compiler_hash, r.os, r.platform, r.target};
    std::size_t text = 0;
    for (auto f : fields) text += f.size();
    for (const auto& v : r.variants) text += v.size();
    for (const auto& d : r.dependencies) text += d.hash.size() + d.name.size() + d.deptypes.size() + d.virtuals.size();
    if (batch_ && !batch_->records.empty() && batch_->used + text > batch_->capacity) hand_over();
    if (!batch_ && !(batch_ = exchange_.take_empty())) throw Stopped{};
    Batch& b = *batch_;
    b.make_room(text);

    Batch::Copied& c = b.records.emplace_back();
    c.at = static_cast<std::uint32_t>(b.used);
    for (int i = 0; i < Batch::kFields; ++i) c.length[i] = b.keep_field(fields[i]);
    c.in_buildcache = r.in_buildcache;
    c.described = r.described;
    c.compiler_by_dependency = r.compiler_by_dependency;
    c.first_variant = static_cast<std::uint32_t>(b.variants.size());
    c.variants = static_cast<std::uint32_t>(r.variants.size());
    for (const auto& v : r.variants) b.variants.push_back(b.keep(v));
    c.first_dependency = static_cast<std::uint32_t>(b.dependencies.size());
    for (const auto& d : r.dependencies)
      b.dependencies.push_back({b.keep(d.hash), b.keep(d.name), b.keep(d.deptypes), b.keep(d.virtuals)});
    c.dependencies = static_cast<std::uint32_t>(r.dependencies.size());

    b.cost += text + sizeof(Batch::Copied) + r.variants.size() * sizeof(std::string_view) +
              r.dependencies.size() * sizeof(IndexDependency);
    if (r.described) state_.remember_described(r.hash, document_);
    if (b.cost >= kBatchBytes) hand_over();
  }

  void document_done(const DocumentSummary& s) override { summary = s; }

  // The records copied since the last batch was handed over.
  void hand_over() {
    if (!batch_) return;
    exchange_.hand_over(batch_);
    batch_ = nullptr;
  }

  std::optional<DocumentSummary> summary;

 private:
  Exchange& exchange_;
  PipelineState& state_;
  const std::uint64_t document_;
  Batch* batch_ = nullptr;
};

// The reader's thread: whatever read_index throws is kept for the calling
// thread, after the records read before it.
void read_into(spack_index::ByteSource& source, Copier& copier, Exchange& exchange, std::exception_ptr& error,
               spack_index::CheckedSpecs& checked) {
  try {
    spack_index::read_index(source, copier, &checked);
  } catch (const Stopped&) {
  } catch (...) {
    error = std::current_exception();
  }
  copier.hand_over();
  exchange.finish();
}

// The writer's side of one batch: the handler sees each record as the reader
// handed it out, views and spans included.
class Deliverer {
 public:
  explicit Deliverer(IndexHandler& downstream) : downstream_(downstream) {}

  void deliver(const Batch& b) {
    // The handler hears of each hash a few records before the record: what it
    // keeps by hash (a table bigger than the caches) is then fetched while it
    // handles the records before (1 GB of indexes: the writer's lookups of
    // spec ids were 5% of its time, nearly all of it waiting on memory).
    constexpr std::size_t kAhead = 8;
    const std::size_t n = b.records.size();
    for (std::size_t i = 0; i < std::min(kAhead, n); ++i) downstream_.coming(b.hash(b.records[i]));
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) downstream_.coming(b.hash(b.records[i + kAhead]));
      const Batch::Copied& c = b.records[i];
      IndexRecord r = b.record(c);
      // The handler is given std::strings for variants, as the reader gives
      // them: kept from record to record, so that they allocate only while
      // growing to the longest.
      if (variants_.size() < c.variants) variants_.resize(c.variants);
      for (std::size_t i = 0; i < c.variants; ++i) variants_[i].assign(b.variants[c.first_variant + i]);
      r.variants = {variants_.data(), c.variants};
      r.dependencies = {b.dependencies.data() + c.first_dependency, c.dependencies};
      downstream_.record(r);
    }
  }

 private:
  IndexHandler& downstream_;
  std::vector<std::string> variants_;
};

// Without a second thread (a process limit), the document is read on this one.
class DirectHandler : public IndexHandler {
 public:
  DirectHandler(IndexHandler& downstream, PipelineState& state, std::uint64_t document)
      : downstream_(downstream), state_(state), document_(document) {}
  bool wants_description(std::string_view hash) override { return !state_.described_before(hash, document_); }
  void record(const IndexRecord& r) override {
    downstream_.record(r);
    if (r.described) state_.remember_described(r.hash, document_);
  }
  void document_done(const DocumentSummary& s) override { downstream_.document_done(s); }

 private:
  IndexHandler& downstream_;
  PipelineState& state_;
  const std::uint64_t document_;
};

}  // namespace

struct BackgroundRead::Impl {
  Impl(spack_index::ByteSource& src, PipelineState& st)
      : source(src), state(st), generation(st.generation()), document(st.next_document()),
        pool(st.take_batches()), exchange(*pool), copier(exchange, st, document) {}

  spack_index::ByteSource& source;
  PipelineState& state;
  const std::uint64_t generation, document;
  std::unique_ptr<PipelineState::Batches> pool;
  Exchange exchange;
  Copier copier;
  std::exception_ptr error;
  bool delivered = false;

  // The reading on a reader thread of the state's, while it has not ended.
  std::mutex reading_mutex;
  std::condition_variable reading_ended;
  bool on_reader = false, reading = false;

  void read() {
    read_into(source, copier, exchange, error, state.checked_specs());
    // Notified under the lock: once it is released, the caller may be gone.
    std::lock_guard lock(reading_mutex);
    reading = false;
    reading_ended.notify_all();
  }
  void wait_for_reader() {
    if (!on_reader) return;
    std::unique_lock lock(reading_mutex);
    reading_ended.wait(lock, [&] { return !reading; });
    on_reader = false;
  }
  void stop_and_join() {
    if (!on_reader) return;
    exchange.stop();
    wait_for_reader();
  }
};

BackgroundRead::BackgroundRead(spack_index::ByteSource& source, PipelineState& state, On on)
    : impl_(std::make_unique<Impl>(source, state)) {
  Impl& m = *impl_;
  if (on == On::calling_thread) return;
  m.on_reader = m.reading = true;
  // No thread: deliver() reads on the calling thread.
  if (!state.run_on_reader([&m] { m.read(); })) m.on_reader = m.reading = false;
}

BackgroundRead::~BackgroundRead() {
  impl_->stop_and_join();
  // Read but never delivered (a document read again after a failure, or a
  // run that stopped): what its reader remembered describing will never be
  // stored, even if the state was forgotten while it still read.
  if (!impl_->delivered) impl_->state.forget_all();
  impl_->state.give_back(std::move(impl_->pool));
}

std::uint64_t BackgroundRead::generation() const { return impl_->generation; }

void BackgroundRead::deliver(IndexHandler& downstream) { deliver(downstream, {}); }

void BackgroundRead::deliver(IndexHandler& downstream, const std::function<bool()>& idle) {
  Impl& m = *impl_;
  if (m.delivered) throw std::logic_error("a document read in the background is delivered once");
  m.delivered = true;
  if (!m.on_reader) {
    DirectHandler direct(downstream, m.state, m.document);
    try {
      spack_index::read_index(m.source, direct, &m.state.checked_specs());
    } catch (...) {
      m.state.forget_all();
      throw;
    }
    return;
  }
  try {
    Deliverer deliverer(downstream);
    while (Batch* b = m.exchange.take_full(idle)) {
      deliverer.deliver(*b);
      m.exchange.give_back(b);
    }
  } catch (...) {
    m.stop_and_join();
    // The handler rolls the document back: what it was given is gone.
    m.state.forget_all();
    throw;
  }
  m.wait_for_reader();
  try {
    if (m.error) std::rethrow_exception(m.error);
    downstream.document_done(*m.copier.summary);
  } catch (...) {
    m.state.forget_all();
    throw;
  }
}

void read_index_in_background(spack_index::ByteSource& source, IndexHandler& downstream, PipelineState& state) {
  BackgroundRead(source, state).deliver(downstream);
}

}  // namespace cachedb
