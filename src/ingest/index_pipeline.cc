#include "ingest/index_pipeline.h"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
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
// One being filled, one being written, two waiting: enough for either side
// to run ahead of the other for a moment, no more.
constexpr std::size_t kBatches = 4;

// Records copied out of the reader: their text in one buffer (views into it
// stay valid however many records follow, since a record that does not fit
// goes to the next batch), edges and variants in a vector each.
struct Batch {
  struct Copied {
    IndexRecord record;  // its text views point into `text`; its spans are filled in when handed out
    std::size_t first_dependency = 0, dependencies = 0, first_variant = 0, variants = 0;
  };
  std::unique_ptr<char[]> text = std::make_unique_for_overwrite<char[]>(kBatchBytes);
  std::size_t capacity = kBatchBytes, used = 0;
  std::size_t cost = 0;  // text and bookkeeping, the measure of "full"
  std::vector<Copied> records;
  std::vector<IndexDependency> dependencies;
  std::vector<std::string_view> variants;

  std::string_view keep(std::string_view s) {
    // An empty view keeps whether it points anywhere: bound to SQL, a view
    // without data is NULL, one with data is ''.
    if (s.data() == nullptr) return {};
    char* at = text.get() + used;
    if (!s.empty()) std::memcpy(at, s.data(), s.size());
    used += s.size();
    return {at, s.size()};
  }

  // Emptied for the next records; one that grew for a huge record gives the
  // memory back, so that peak memory is that of one record, not of kBatches.
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

PipelineState::PipelineState() : batches_(std::make_unique<Batches>()) {}
PipelineState::~PipelineState() = default;

namespace {

// Thrown on the reader's thread, through read_index, once the calling thread
// has stopped taking records.
struct Stopped {};

// The batches and the two queues they go round: empty ones to the reader,
// full ones to the writer.
class Exchange {
 public:
  explicit Exchange(PipelineState::Batches& batches) {
    while (batches.all.size() < kBatches) batches.all.push_back(std::make_unique<Batch>());
    for (auto& b : batches.all) {
      b->reset();  // a document that failed may have left records behind
      empty_.push_back(b.get());
    }
  }

  // --- the reader's side ---
  // An empty batch; nullptr once the writer has stopped.
  Batch* take_empty() {
    std::unique_lock lock(mutex_);
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
  // The next full batch, in order; nullptr once the reader has finished and all were taken.
  Batch* take_full() {
    std::unique_lock lock(mutex_);
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
  Copier(Exchange& exchange, PipelineState& state) : exchange_(exchange), state_(state) {}

  bool wants_description(std::string_view hash) override { return !state_.described_before(hash); }

  void record(const IndexRecord& r) override {
    if (exchange_.stopped()) throw Stopped{};
    std::size_t text = r.hash.size() + r.package.size() + r.version.size() + r.compiler.size() +
                       r.compiler_hash.size() + r.os.size() + r.platform.size() + r.target.size();
    for (const auto& v : r.variants) text += v.size();
    for (const auto& d : r.dependencies) text += d.hash.size() + d.name.size() + d.deptypes.size() + d.virtuals.size();
    if (batch_ && !batch_->records.empty() && batch_->used + text > batch_->capacity) hand_over();
    if (!batch_ && !(batch_ = exchange_.take_empty())) throw Stopped{};
    Batch& b = *batch_;
    b.make_room(text);

    Batch::Copied& c = b.records.emplace_back();
    IndexRecord& k = c.record;
    k.hash = b.keep(r.hash);
    k.package = b.keep(r.package);
    k.version = b.keep(r.version);
    k.compiler = b.keep(r.compiler);
    k.compiler_hash = b.keep(r.compiler_hash);
    k.os = b.keep(r.os);
    k.platform = b.keep(r.platform);
    k.target = b.keep(r.target);
    k.in_buildcache = r.in_buildcache;
    k.described = r.described;
    c.first_variant = b.variants.size();
    c.variants = r.variants.size();
    for (const auto& v : r.variants) b.variants.push_back(b.keep(v));
    c.first_dependency = b.dependencies.size();
    for (const auto& d : r.dependencies)
      b.dependencies.push_back({b.keep(d.hash), b.keep(d.name), b.keep(d.deptypes), b.keep(d.virtuals)});
    c.dependencies = r.dependencies.size();

    b.cost += text + sizeof(Batch::Copied) + r.variants.size() * sizeof(std::string_view) +
              r.dependencies.size() * sizeof(IndexDependency);
    if (r.described) state_.remember_described(r.hash);
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
  Batch* batch_ = nullptr;
};

// The reader's thread: whatever read_index throws is kept for the calling
// thread, after the records read before it.
void read_into(spack_index::ByteSource& source, Copier& copier, Exchange& exchange, std::exception_ptr& error) {
  try {
    spack_index::read_index(source, copier);
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
    for (const Batch::Copied& c : b.records) {
      IndexRecord r = c.record;
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
  DirectHandler(IndexHandler& downstream, PipelineState& state) : downstream_(downstream), state_(state) {}
  bool wants_description(std::string_view hash) override { return !state_.described_before(hash); }
  void record(const IndexRecord& r) override {
    downstream_.record(r);
    if (r.described) state_.remember_described(r.hash);
  }
  void document_done(const DocumentSummary& s) override { downstream_.document_done(s); }

 private:
  IndexHandler& downstream_;
  PipelineState& state_;
};

}  // namespace

void read_index_in_background(spack_index::ByteSource& source, IndexHandler& downstream, PipelineState& state) {
  Exchange exchange(state.batches());
  Copier copier(exchange, state);
  std::exception_ptr error;
  std::thread reader;
  try {
    reader = std::thread([&] { read_into(source, copier, exchange, error); });
  } catch (const std::system_error&) {
    DirectHandler direct(downstream, state);
    try {
      spack_index::read_index(source, direct);
    } catch (...) {
      state.forget_all();
      throw;
    }
    return;
  }

  // The reader's thread ends before anything it uses does, whichever way this ends.
  auto stop_and_join = [&] {
    exchange.stop();
    reader.join();
  };
  try {
    Deliverer deliverer(downstream);
    while (Batch* b = exchange.take_full()) {
      deliverer.deliver(*b);
      exchange.give_back(b);
    }
  } catch (...) {
    stop_and_join();
    // The handler rolls the document back: what it was given is gone.
    state.forget_all();
    throw;
  }
  reader.join();
  try {
    if (error) std::rethrow_exception(error);
    downstream.document_done(*copier.summary);
  } catch (...) {
    state.forget_all();
    throw;
  }
}

}  // namespace cachedb
