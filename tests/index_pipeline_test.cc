// Reading an index on a second thread: the handler sees what read_index
// would show it (records, summary, errors), the reader stops when the handler
// fails, and the hashes handed out described are remembered across documents.
#include <doctest/doctest.h>

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include <fmt/format.h>

#include "error.h"
#include "formats/spack_index/index_error.h"
#include "formats/spack_index/index_reader.h"
#include "index_builder.h"
#include "ingest/index_pipeline.h"
#include "spack_index_support.h"
#include "test_support.h"

using namespace cachedb::spack_index;
using cachedb::PipelineState;
using cachedb::read_index_in_background;

namespace {

// Every part of a record as the handler saw it; a view without data (which
// SQL binds as NULL, not '') is kept apart from an empty one.
struct Seen {
  std::vector<std::optional<std::string>> texts;
  std::size_t variants = 0, dependencies = 0;
  bool in_buildcache = true, described = true;
  bool operator==(const Seen&) const = default;
};

std::optional<std::string> text(std::string_view v) {
  if (v.data() == nullptr) return std::nullopt;
  return std::string(v);
}

Seen seen(const IndexRecord& r) {
  Seen s;
  for (std::string_view v : {r.hash, r.package, r.version, r.compiler, r.compiler_hash, r.os, r.platform, r.target})
    s.texts.push_back(text(v));
  for (const std::string& v : r.variants) s.texts.push_back(v);
  for (const IndexDependency& d : r.dependencies)
    for (std::string_view v : {d.hash, d.name, d.deptypes, d.virtuals}) s.texts.push_back(text(v));
  s.variants = r.variants.size();
  s.dependencies = r.dependencies.size();
  s.in_buildcache = r.in_buildcache;
  s.described = r.described;
  return s;
}

std::string summary_text(const DocumentSummary& s) {
  std::string out = fmt::format("v{} records={} json={} raw={} {}", s.database_version, s.records, s.json_bytes,
                                s.raw_bytes, s.compression);
  for (const auto& late : s.late_compilers) out += fmt::format(" {}={}", late.hash, late.label);
  return out;
}

// What a handler was given, and how the document ended.
struct Outcome {
  std::vector<Seen> records;
  std::string summary;  // empty when document_done was not called
  std::string error;    // the exception's type and message, its offset and path for a bad index
  int asked = 0;        // wants_description calls
};

struct Recorder : IndexHandler {
  Outcome& out;
  std::optional<std::size_t> throw_at;  // the record whose record() call fails
  explicit Recorder(Outcome& o) : out(o) {}
  bool wants_description(std::string_view) override {
    ++out.asked;
    return true;
  }
  void record(const IndexRecord& r) override {
    if (throw_at && out.records.size() == *throw_at) throw cachedb::Error("the disk is full");
    out.records.push_back(seen(r));
  }
  void document_done(const DocumentSummary& s) override { out.summary = summary_text(s); }
};

std::string error_text(const std::exception& e) {
  std::string out = fmt::format("{}: {}", typeid(e).name(), e.what());
  if (auto* bad = dynamic_cast<const IndexParseError*>(&e))
    out += fmt::format(" @{} {} ({})", bad->offset(), bad->path(), bad->reason());
  return out;
}

// read_index itself; the pipeline with its worker thread; the pipeline
// without one, as in a process that cannot start a thread.
enum class Way { direct, pipeline, no_thread };

Outcome read_with(Way way, ByteSource& source, PipelineState& state, std::optional<std::size_t> throw_at = {}) {
  Outcome out;
  Recorder r(out);
  r.throw_at = throw_at;
  try {
    if (way == Way::direct) read_index(source, r);
    else if (way == Way::pipeline) read_index_in_background(source, r, state);
    else cachedb::BackgroundRead(source, state, cachedb::BackgroundRead::On::calling_thread).deliver(r);
  } catch (const std::exception& e) {
    out.error = error_text(e);
  }
  return out;
}

Outcome read_with(Way way, const std::string& bytes, PipelineState& state) {
  auto source = memory_source(bytes.data(), bytes.size(), "index");
  return read_with(way, *source, state);
}

void check_same(const Outcome& direct, const Outcome& piped) {
  REQUIRE(piped.records.size() == direct.records.size());
  // The first record that differs, if any.
  // (Not a structured binding: clang 14 cannot capture one in doctest's lambdas.)
  const auto d = std::mismatch(direct.records.begin(), direct.records.end(), piped.records.begin()).first;
  CHECK_MESSAGE(d == direct.records.end(), "record ", d - direct.records.begin(), " differs");
  CHECK(piped.summary == direct.summary);
  CHECK(piped.error == direct.error);
  // The reader's thread never asks the handler, which lives on another.
  CHECK(piped.asked == 0);
}

// An index big enough to fill many batches, with every kind of record: late
// and early compilers, dict targets, variants, edges, in_buildcache false or
// left out, annotated compilers.
std::string big_index(int records) {
  std::vector<testing::IndexSpec> specs;
  const std::string early = testing::dag_hash("gccearly"), late = testing::dag_hash("gcclate");
  specs.push_back({.hash = early, .package = "gcc", .version = "13.3.0"});
  for (int i = 0; i < records; ++i) {
    testing::IndexSpec s{.hash = testing::dag_hash(fmt::format("spec{}n", i)),
                         .package = fmt::format("package-{}", i % 97),
                         .version = fmt::format("{}.{}", i % 7, i % 13)};
    s.target_dict = i % 3 == 0;
    if (i % 11 == 0) s.in_buildcache = false;
    if (i % 17 == 0) s.in_buildcache = std::nullopt;
    if (i % 19 == 0) s.annotated_compiler = "clang@17.0.1";
    s.parameters = {{"shared", i % 2 ? "true" : "false"}, {"build_system", "\"cmake\""},
                    {"libs", "[\"shared\", \"static\"]"}};
    s.dependencies.push_back(testing::compiler_edge(i % 2 ? early : late));
    for (int d = 1; d <= i % 4 && d <= i; ++d)
      s.dependencies.push_back({testing::dag_hash(fmt::format("spec{}n", i - d)), fmt::format("package-{}", (i - d) % 97),
                                {"build", "link"}, d == 1 ? std::vector<std::string>{"mpi"} : std::vector<std::string>{}});
    specs.push_back(std::move(s));
  }
  specs.push_back({.hash = late, .package = "gcc", .version = "14.2.0"});
  return testing::index_json(specs, 8);
}

// An index without end, made as it is read; reading more than `limit` bytes
// of it fails, so that a reader that is never stopped fails the test rather
// than hang it.
class EndlessIndex : public ByteSource {
 public:
  explicit EndlessIndex(std::uint64_t limit) : limit_(limit) {
    pending_ = R"({"database": {"version": "8", "installs": {)";
  }
  std::size_t read(char* buf, std::size_t n) override {
    if (served_ >= limit_) throw cachedb::Error("read on and on");
    if (pos_ == pending_.size()) next_record();
    n = std::min(n, pending_.size() - pos_);
    std::copy_n(pending_.data() + pos_, n, buf);
    pos_ += n;
    served_ += n;
    return n;
  }
  const std::string& name() const override { return name_; }
  std::uint64_t served() const { return served_; }

 private:
  void next_record() {
    const std::string one = testing::index_json(
        {{.hash = testing::dag_hash(fmt::format("endless{}n", count_)), .package = "endless"}});
    const std::size_t begin = one.find('\n'), end = one.rfind("\n}}}");
    pending_ = (count_++ ? "," : "") + one.substr(begin, end - begin);
    pos_ = 0;
  }
  std::string pending_, name_ = "endless";
  std::size_t pos_ = 0;
  std::uint64_t served_ = 0, limit_;
  int count_ = 0;
};

}  // namespace

TEST_CASE("index pipeline: the fixtures of every database version read as read_index reads them, plain and gzip") {
  for (const char* name : {"db-v6.json", "db-v7.json", "db-v8.json", "db-v9.json"}) {
    CAPTURE(name);
    const std::string plain = testing::read_file(testing::fixture(std::string("index/") + name).string());
    for (const std::string& bytes : {plain, testing::gzip(plain)}) {
      PipelineState state;
      const Outcome direct = read_with(Way::direct, bytes, state);
      REQUIRE(!direct.records.empty());
      REQUIRE(direct.error.empty());
      check_same(direct, read_with(Way::pipeline, bytes, state));
      PipelineState fresh;
      check_same(direct, read_with(Way::no_thread, bytes, fresh));
    }
  }
}

TEST_CASE("index pipeline: a big index goes through many batches, record for record") {
  const std::string plain = big_index(1500);
  for (const std::string& bytes : {plain, testing::gzip(plain), testing::zstd(plain)}) {
    PipelineState state;
    const Outcome direct = read_with(Way::direct, bytes, state);
    REQUIRE(direct.records.size() == 1502);
    check_same(direct, read_with(Way::pipeline, bytes, state));
    PipelineState fresh;
    check_same(direct, read_with(Way::no_thread, bytes, fresh));
  }
}

TEST_CASE("index pipeline: each record's hash is announced to the handler shortly before the record, in order") {
  // What the writer prefetches its table of spec ids by: a hint that is late,
  // missing or out of order costs only time, so this is where it is checked.
  struct Announced : IndexHandler {
    std::vector<std::string> announced, records;
    std::size_t most_ahead = 0;
    void coming(std::string_view hash) override {
      announced.emplace_back(hash);
      most_ahead = std::max(most_ahead, announced.size() - records.size());
    }
    void record(const IndexRecord& r) override {
      records.emplace_back(r.hash);
      // Announced already: the hashes heard of so far include this one.
      CHECK(announced.size() >= records.size());
    }
    void document_done(const DocumentSummary&) override {}
  };
  const std::string bytes = big_index(1500);
  PipelineState state;
  Announced a;
  auto source = memory_source(bytes.data(), bytes.size(), "index");
  read_index_in_background(*source, a, state);
  REQUIRE(a.records.size() == 1502);
  CHECK(a.announced == a.records);
  // Ahead by a few records, not by a batch: the hint is for what comes soon.
  CHECK(a.most_ahead >= 2);
  CHECK(a.most_ahead <= 16);
}

TEST_CASE("index pipeline: a bad index fails as read_index fails it, after the same records") {
  const std::string plain = big_index(1500);
  const std::string packed = testing::gzip(plain);
  std::string garbled = plain;
  garbled.insert(garbled.find("\"ref_count\": 0", garbled.size() * 2 / 3), ":");
  std::string mistyped = plain;
  const std::size_t at = mistyped.find("\"platform\": \"linux\"", mistyped.size() / 2);
  mistyped.replace(at, 19, "\"platform\": 1234567");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"cut short", plain.substr(0, plain.size() / 2)},
      {"gzip cut short", packed.substr(0, packed.size() * 3 / 5)},
      {"bad JSON", garbled},
      {"a wrong type", mistyped},
      {"nothing", ""},
  };
  for (const auto& entry : bad) {
    const std::string& what = entry.first;
    const std::string& bytes = entry.second;
    CAPTURE(what);
    PipelineState state;
    const Outcome direct = read_with(Way::direct, bytes, state);
    CAPTURE(direct.error);
    REQUIRE(direct.error.find("IndexParseError") != std::string::npos);
    REQUIRE(direct.summary.empty());
    check_same(direct, read_with(Way::pipeline, bytes, state));
    check_same(direct, read_with(Way::no_thread, bytes, state));
  }
}

TEST_CASE("index pipeline: an input that cannot be read fails with the reader's own exception") {
  // EndlessIndex throws a plain Error once past its limit, mid-document.
  for (std::uint64_t limit : {std::uint64_t{0}, std::uint64_t{100}, std::uint64_t{3} << 20}) {
    CAPTURE(limit);
    PipelineState state;
    EndlessIndex a(limit), b(limit);
    const Outcome direct = read_with(Way::direct, a, state);
    REQUIRE(direct.error.find("read on and on") != std::string::npos);
    check_same(direct, read_with(Way::pipeline, b, state));
  }
}

TEST_CASE("index pipeline: a handler that fails stops the reader, and its exception goes through") {
  for (std::size_t fail_at : {std::size_t{0}, std::size_t{5}, std::size_t{20000}}) {
    CAPTURE(fail_at);
    PipelineState state;
    // The reader would fail with "read on and on" were it not stopped within this.
    EndlessIndex source(std::uint64_t{256} << 20);
    const auto start = std::chrono::steady_clock::now();
    const Outcome out = read_with(Way::pipeline, source, state, fail_at);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(out.error == error_text(cachedb::Error("the disk is full")));
    CHECK(out.records.size() == fail_at);
    CHECK(out.summary.empty());
    // The batches in flight hold a quarter of a megabyte at most: the reader
    // read a little ahead of the failure, nowhere near the limit.
    CHECK(source.served() < (std::uint64_t{32} << 20));
    CHECK(took < std::chrono::seconds(5));
  }
}

// A document numbered after every one read in these tests: it trusts them all.
constexpr std::uint64_t kLater = 1000;

TEST_CASE("index pipeline: the hashes handed out described are remembered across documents, until one fails") {
  auto index = [](std::vector<std::string> seeds) {
    std::vector<testing::IndexSpec> specs;
    for (const auto& s : seeds) specs.push_back({.hash = testing::dag_hash(s), .package = s});
    return testing::index_json(specs, 8);
  };
  const std::string first = index({"alpha", "beta"}), second = index({"alpha", "gamma"});
  PipelineState state;
  CHECK_FALSE(state.described_before(testing::dag_hash("alpha"), kLater));

  const Outcome one = read_with(Way::pipeline, first, state);
  REQUIRE(one.error.empty());
  CHECK(state.described_before(testing::dag_hash("alpha"), kLater));
  CHECK(state.described_before(testing::dag_hash("beta"), kLater));
  CHECK_FALSE(state.described_before(testing::dag_hash("gamma"), kLater));

  // The second document gets alpha described or not (as the reader honours
  // the answer or not), never anything else undescribed.
  const Outcome two = read_with(Way::pipeline, second, state);
  REQUIRE(two.records.size() == 2);
  CHECK(two.records[1].described);
  CHECK(state.described_before(testing::dag_hash("gamma"), kLater));

  SUBCASE("a bad document: everything is forgotten, as the handler rolls it back") {
    const Outcome bad = read_with(Way::pipeline, second.substr(0, second.size() - 10), state);
    CHECK(bad.error.find("IndexParseError") != std::string::npos);
  }
  SUBCASE("a handler that fails: the same") {
    Outcome out;
    Recorder failing(out);
    failing.throw_at = 1;
    auto source = memory_source(first.data(), first.size(), "first");
    CHECK_THROWS_AS(read_index_in_background(*source, failing, state), cachedb::Error);
  }
  SUBCASE("a handler that fails at the end of the document: the same") {
    struct FailingAtEnd : IndexHandler {
      void record(const IndexRecord&) override {}
      void document_done(const DocumentSummary&) override { throw cachedb::Error("cannot derive"); }
    } failing;
    auto source = memory_source(first.data(), first.size(), "first");
    CHECK_THROWS_WITH_AS(read_index_in_background(*source, failing, state), "cannot derive", cachedb::Error);
  }
  CHECK(state.size() == 0);
  CHECK_FALSE(state.described_before(testing::dag_hash("alpha"), kLater));
  const Outcome again = read_with(Way::pipeline, second, state);
  REQUIRE(again.records.size() == 2);
  CHECK(again.records[0].described);
  CHECK(again.records[1].described);
}

TEST_CASE("index pipeline: read on the calling thread, documents remember and spare descriptions as on a worker") {
  auto index = [](std::vector<std::string> seeds) {
    std::vector<testing::IndexSpec> specs;
    for (const auto& s : seeds) specs.push_back({.hash = testing::dag_hash(s), .package = s});
    return testing::index_json(specs, 8);
  };
  const std::string first = index({"alpha", "beta"}), second = index({"alpha", "gamma"});
  PipelineState state;
  const Outcome one = read_with(Way::no_thread, first, state);
  REQUIRE(one.error.empty());
  CHECK(one.asked == 0);
  CHECK(state.described_before(testing::dag_hash("beta"), kLater));
  const Outcome two = read_with(Way::no_thread, second, state);
  REQUIRE(two.records.size() == 2);
  CHECK_FALSE(two.records[0].described);  // alpha: the first document described it
  CHECK(two.records[1].described);
  CHECK(state.described_before(testing::dag_hash("gamma"), kLater));
  // A bad document is rolled back by its handler: everything is forgotten.
  const Outcome bad = read_with(Way::no_thread, second.substr(0, second.size() - 10), state);
  CHECK(bad.error.find("IndexParseError") != std::string::npos);
  CHECK(state.size() == 0);
}

TEST_CASE("index pipeline: a hash that is not Spack's is never remembered, so always described") {
  PipelineState state;
  state.remember_described("h0", 0);
  state.remember_described(testing::dag_hash("alpha"), 0);
  CHECK_FALSE(state.described_before("h0", kLater));
  CHECK(state.described_before(testing::dag_hash("alpha"), kLater));
  CHECK(state.size() == 1);
}

TEST_CASE("index pipeline: a document trusts the descriptions of itself and of the documents started before it") {
  PipelineState state;
  const std::string x = testing::dag_hash("alpha");
  state.remember_described(x, 3);
  CHECK_FALSE(state.described_before(x, 2));
  CHECK(state.described_before(x, 3));
  CHECK(state.described_before(x, 4));
  state.remember_described(x, 1);  // an earlier document described it too
  CHECK(state.described_before(x, 1));
  state.remember_described(x, 5);  // a later one does not move it back
  CHECK(state.described_before(x, 2));
}

// Bytes from memory, the first read waiting until the test opens the gate.
class GatedSource : public ByteSource {
 public:
  explicit GatedSource(const std::string& bytes) : inner_(memory_source(bytes.data(), bytes.size(), "gated")) {}
  std::size_t read(char* buf, std::size_t n) override {
    std::unique_lock lock(mutex_);
    opened_.wait(lock, [&] { return open_; });
    return inner_->read(buf, n);
  }
  const std::string& name() const override { return inner_->name(); }
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

TEST_CASE("index pipeline: a document read ahead never spares an earlier document a description") {
  std::vector<testing::IndexSpec> specs;
  for (const char* s : {"alpha", "beta", "gamma"}) specs.push_back({.hash = testing::dag_hash(s), .package = s});
  const std::string bytes = testing::index_json(specs, 8);
  PipelineState state;
  // The first document's reading starts first but waits; the second is read
  // (and remembered) whole before the first reads a byte.
  GatedSource first(bytes);
  cachedb::BackgroundRead one(first, state);
  // Opened however the test ends, before `one` stops its reader and joins it.
  struct Opener {
    GatedSource& gate;
    ~Opener() { gate.open(); }
  } opener{first};
  auto second = memory_source(bytes.data(), bytes.size(), "second");
  cachedb::BackgroundRead two(*second, state);
  Outcome out_two;
  Recorder rec_two(out_two);
  two.deliver(rec_two);
  REQUIRE(out_two.records.size() == 3);
  first.open();
  Outcome out_one;
  Recorder rec_one(out_one);
  one.deliver(rec_one);
  REQUIRE(out_one.records.size() == 3);
  for (const auto& r : out_one.records) CHECK(r.described);
}

TEST_CASE("index pipeline: the documents of a state are read on threads it keeps, not one per document") {
  // Which thread reads each document: its source is read on it. Kernel
  // thread ids, which are not handed out again soon (a pthread_t is, with
  // the stack of a thread that ended).
  struct ThreadNoting : ByteSource {
    std::unique_ptr<ByteSource> inner;
    std::set<pid_t>& threads;
    ThreadNoting(std::unique_ptr<ByteSource> i, std::set<pid_t>& t) : inner(std::move(i)), threads(t) {}
    std::size_t read(char* buf, std::size_t n) override {
      threads.insert(gettid());
      return inner->read(buf, n);
    }
    const std::string& name() const override { return inner->name(); }
  };
  std::vector<testing::IndexSpec> specs;
  for (const char* seed : {"alpha", "beta", "gamma"}) specs.push_back({.hash = testing::dag_hash(seed), .package = seed});
  const std::string bytes = testing::index_json(specs, 8);
  PipelineState state;
  std::set<pid_t> threads;
  constexpr int kDocuments = 30;
  for (int i = 0; i < kDocuments; ++i) {
    ThreadNoting source(memory_source(bytes.data(), bytes.size(), "index"), threads);
    Outcome out;
    Recorder recorder(out);
    read_index_in_background(source, recorder, state);
    REQUIRE(out.records.size() == 3);
    REQUIRE(out.error.empty());
  }
  CHECK(threads.count(gettid()) == 0);  // read on other threads
  // One thread would do, as each document ends before the next begins; a
  // thread still on its way back from a document when the next one comes
  // makes another.
  CHECK(threads.size() < kDocuments / 3);
}

TEST_CASE("index pipeline: a reader thread is named cachedb-reader, for top -H and perf") {
  cachedb::PipelineState state;
  std::mutex m;
  std::condition_variable cv;
  std::optional<std::string> name;
  REQUIRE(state.run_on_reader([&] {
    char buf[16] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    std::lock_guard lock(m);
    name = buf;
    cv.notify_all();
  }));
  std::unique_lock lock(m);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return name.has_value(); }));
  CHECK(*name == "cachedb-reader");
}
