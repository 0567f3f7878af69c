// Build-cache indexes stored through `cachedb ingest --index`: what the views
// and matrices show of them (worked out by hand), dependencies, compilers,
// in_buildcache, compression and stdin, mirrors and listings, rejections,
// and a release read from one kind of source.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>

#include "index_builder.h"
#include "ingest/ingester.h"
#include "page_builder.h"
#include "ingest/index_ingest.h"
#include "ingest/index_writer.h"
#include "formats/spack_index/byte_stream.h"
#include "formats/spack_index/index_error.h"
#include "storage/transaction.h"
#include "report/matrix.h"
#include "report/spec_filter.h"
#include "report/spec_list.h"
#include "report/render.h"
#include "spack_index_support.h"
#include "storage/database.h"
#include "storage/embedded_sql.h"
#include "storage/migrations.h"
#include "storage/unused_names.h"
#include "test_support.h"

using namespace cachedb;
using testing::compiler_edge;
using testing::dag_hash;
using testing::IndexSpec;

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// An in-memory database at the latest schema: the tests below make many.
// A copy of one migrated database, so that the migrations run once.
SQLite::Database memory_db() {
  static SQLite::Database migrated = [] {
    SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
    migrate(db);
    return db;
  }();
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
  SQLite::Backup(db, migrated).executeStep();
  return db;
}

std::string one(SQLite::Database& db, const std::string& sql) {
  std::string rows = testing::dump_rows(db, {sql.c_str()});
  return rows.substr(0, rows.size() - 3);  // less the "--\n" that ends each query's rows
}

// Each index's row as the next run recognizes it: its path, fingerprint and
// size, in one column (dump_rows prints the first column of each row).
const char* const kSources =
    "SELECT path || ' ' || content_hash || ' ' || file_size FROM source ORDER BY release_id, key_id";

const std::string kGcc = dag_hash("gcc13"), kZlib = dag_hash("zlib"), kSsl = dag_hash("openssl"),
                  kCuda = dag_hash("cuda"), kPy = dag_hash("pytorch");

IndexSpec gcc() {
  IndexSpec s{kGcc, "gcc", "13.2.0"};
  s.in_buildcache = false;  // an external compiler: a dependency only
  return s;
}
IndexSpec zlib() {
  IndexSpec s{kZlib, "zlib", "1.3.1"};
  s.parameters = {{"shared", "true"}, {"optimize", "false"}};
  s.dependencies = {compiler_edge(kGcc)};
  return s;
}
IndexSpec openssl() {
  IndexSpec s{kSsl, "openssl", "3.4.0"};
  s.target_dict = true;
  s.dependencies = {compiler_edge(kGcc), {kZlib, "zlib", {"build", "link"}, {"zlib-api"}}};
  return s;
}
IndexSpec cuda() {
  IndexSpec s{kCuda, "cuda", "12.4.0", "rhel9", "linux", "aarch64"};
  s.annotated_compiler = "gcc@=11.4.0";
  return s;
}
IndexSpec pytorch() {
  IndexSpec s{kPy, "py-torch", "2.5.1", "ubuntu24.04", "linux", "zen4"};
  s.in_buildcache = std::nullopt;  // absent counts as true
  s.parameters = {{"cuda_arch", "[\"80\", \"90\"]"}};
  s.dependencies = {compiler_edge(kGcc), {kCuda, "cuda", {"build", "link", "run"}, {}}};
  return s;
}

// v1.0: root lists every binary; e4s zlib and openssl; ml cuda and py-torch,
// with zlib as a dependency only. The compiler node comes last in root, after
// the specs it built.
struct Tree {
  testing::TempDir dir;
  std::filesystem::path root = dir / "root.json", e4s = dir / "e4s.json", ml = dir / "ml.json";
  Tree() {
    auto not_cached = [](IndexSpec s) {
      s.in_buildcache = false;
      return s;
    };
    write(root, testing::index_json({zlib(), openssl(), cuda(), pytorch(), gcc()}));
    write(e4s, testing::index_json({gcc(), zlib(), openssl()}, 9));
    write(ml, testing::index_json({cuda(), not_cached(zlib()), gcc(), pytorch()}));
  }
  std::vector<IndexInput> inputs(const std::string& release = "v1.0") const {
    return {{root.string(), release, "root", {}}, {e4s.string(), release, "e4s", {}}, {ml.string(), release, "ml", {}}};
  }
};

std::string matrix_csv(SQLite::Database& db, const std::string& name, bool include_root = false) {
  MatrixOptions mo;
  mo.include_root = include_root;
  std::string out = render(run_matrix(db, name, mo), {Format::Csv, true, false});
  for (auto at = out.find("\r\n"); at != std::string::npos; at = out.find("\r\n", at)) out.erase(at, 1);
  return out;
}

}  // namespace

TEST_CASE("into an empty database, a hash that is not Spack's is looked up again, not taken for new") {
  // The writer's cache of spec ids holds only Spack's hashes: one it cannot
  // hold is asked of the database each time an index describes it.
  testing::TempDir dir;
  IndexSpec odd{"not-a-spack-hash", "odd", "1.0"};
  write(dir / "root.json", testing::index_json({zlib(), odd, gcc()}));
  write(dir / "e4s.json", testing::index_json({odd, zlib()}));
  write(dir / "ml.json", testing::index_json({odd}));
  auto db = memory_db();
  const auto s = ingest_indexes(db, {{(dir / "root.json").string(), "v1.0", "root", {}},
                                     {(dir / "e4s.json").string(), "v1.0", "e4s", {}},
                                     {(dir / "ml.json").string(), "v1.0", "ml", {}}},
                                {});
  CHECK(s.rejections.empty());
  CHECK(one(db, "SELECT count(*) FROM spec WHERE hash = 'not-a-spack-hash'") == "1\n");
  CHECK(one(db, "SELECT group_concat(stack, ',') FROM (SELECT stack FROM spec_stacks "
                "WHERE hash = 'not-a-spack-hash' ORDER BY 1)") == "e4s,ml,root\n");
}

TEST_CASE("indexes of two stacks and root: the matrix worked out by hand") {
  Tree t;
  auto db = memory_db();
  const auto s = ingest_indexes(db, t.inputs(), {});
  CHECK(s.pages_added == 3);
  CHECK(s.rejections.empty());
  // e4s: zlib and openssl (x86_64_v3); ml: cuda (aarch64), py-torch (zen4);
  // zlib is only a dependency in ml, gcc a dependency only everywhere.
  CHECK(matrix_csv(db, "stacks-by-target") ==
        "stack,aarch64,x86_64_v3,zen4,total\n"
        "e4s,0,2,0,2\n"
        "ml,1,0,1,2\n"
        "total,1,2,1,4\n");
  CHECK(testing::contains(matrix_csv(db, "stacks-by-target", true), "root,1,2,1,4\n"));
  CHECK(matrix_csv(db, "compilers-by-os") ==
        "compiler,rhel9,ubuntu24.04,total\n"
        "gcc@11.4.0,1,0,1\n"
        "gcc@13.2.0,0,3,3\n"
        "total,1,3,4\n");
  // The same normalization as pages: compilers, variants in Spack's syntax, dict targets by name.
  CHECK(one(db, "SELECT release || ' ' || package || ' ' || version || ' ' || compiler || ' ' || os || ' ' || "
                "target FROM specs ORDER BY package") ==
        "v1.0 cuda 12.4.0 gcc@11.4.0 rhel9 aarch64\n"
        "v1.0 openssl 3.4.0 gcc@13.2.0 ubuntu24.04 x86_64_v3\n"
        "v1.0 py-torch 2.5.1 gcc@13.2.0 ubuntu24.04 zen4\n"
        "v1.0 zlib 1.3.1 gcc@13.2.0 ubuntu24.04 x86_64_v3\n");
  CHECK(one(db, "SELECT package || ' ' || variant FROM spec_variants ORDER BY 1") ==
        "py-torch cuda_arch:=80,90\npy-torch cuda_arch:=80,90\nzlib +shared\nzlib ~optimize\n");
  CHECK(one(db, "SELECT stack || ' ' || package FROM spec_stacks WHERE stack <> 'root' ORDER BY 1") ==
        "e4s openssl\ne4s zlib\nml cuda\nml py-torch\n");
  // gcc is kept as a dependency target: a spec row, in no release.
  CHECK(one(db, "SELECT count(*) FROM spec WHERE hash = '" + kGcc + "'") == "1\n");
  CHECK(one(db, "SELECT count(*) FROM specs WHERE package = 'gcc'") == "0\n");
  CHECK(one(db, "SELECT package || '>' || dependency || '@' || ifnull(dep_version, '?') || ' ' || deptypes || "
                "' [' || virtuals || ']' FROM dependencies ORDER BY 1") ==
        "openssl>gcc@13.2.0 build [c,cxx]\n"
        "openssl>zlib@1.3.1 build,link [zlib-api]\n"
        "py-torch>cuda@12.4.0 build,link,run []\n"
        "py-torch>gcc@13.2.0 build [c,cxx]\n"
        "zlib>gcc@13.2.0 build [c,cxx]\n");
  CHECK(one(db, "PRAGMA foreign_key_check") == "");
}

TEST_CASE("an installs key given twice: its last record says whether the binary is in the build cache") {
  // Spack reads an index with Python's json module, which keeps the last of
  // a key given twice; a mirror's tool may write such a file.
  testing::TempDir dir;
  IndexSpec dependency_only = zlib();
  dependency_only.in_buildcache = false;
  // Filler enough to put the two records in different batches of the writer
  // (16,384 records): the second must win there too.
  std::vector<IndexSpec> far_apart{zlib()};
  for (int i = 0; i < 17000; ++i) {
    IndexSpec s{dag_hash(fmt::format("filler{}", i)), "filler", "1.0"};
    s.in_buildcache = false;
    far_apart.push_back(s);
  }
  far_apart.push_back(dependency_only);
  write(dir / "last-in.json", testing::index_json({dependency_only, openssl(), zlib(), gcc()}));
  write(dir / "last-out.json", testing::index_json({zlib(), openssl(), dependency_only, gcc()}));
  write(dir / "far.json", testing::index_json(far_apart));
  for (const auto& expected : std::vector<std::pair<std::string, std::string>>{
           {"last-in.json", "openssl\nzlib\n"}, {"last-out.json", "openssl\n"}, {"far.json", ""}}) {
    // (Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.)
    const std::string& file = expected.first;
    const std::string& binaries = expected.second;
    CAPTURE(file);
    auto db = memory_db();
    REQUIRE(ingest_indexes(db, {{(dir / file).string(), "v1.0", "e4s", {}}}, {}).rejections.empty());
    CHECK(one(db, "SELECT package FROM specs ORDER BY 1") == binaries);
    // The same from a database that held the other word before.
    auto again = memory_db();
    REQUIRE(ingest_indexes(again, {{(dir / "last-in.json").string(), "v1.0", "e4s", {}}}, {}).rejections.empty());
    REQUIRE(ingest_indexes(again, {{(dir / file).string(), "v1.0", "e4s", {}}}, {}).rejections.empty());
    CHECK(one(again, "SELECT package FROM specs ORDER BY 1") == binaries);
    const char* listed = "SELECT hash || ' ' || in_buildcache FROM index_listing JOIN spec ON spec.id = spec_id ORDER BY 1";
    CHECK(testing::dump_rows(again, {listed}) == testing::dump_rows(db, {listed}));
  }
}

// An installs key given twice among many records of one batch: its last
// record still says whether the binary is in the build cache (the listing's
// sort keeps the records of one hash in their order).
TEST_CASE("an installs key given twice with many records between: the last word counts in any batch") {
  testing::TempDir dir;
  IndexSpec dependency_only = zlib();
  dependency_only.in_buildcache = false;
  for (const int between : {20, 100, 1000}) {
    CAPTURE(between);
    for (const bool last_in : {false, true}) {
      CAPTURE(last_in);
      std::vector<IndexSpec> specs{last_in ? dependency_only : zlib()};
      for (int i = 0; i < between; ++i) {
        IndexSpec s{dag_hash(fmt::format("between{}", i)), "filler", "1.0"};
        s.in_buildcache = false;
        specs.push_back(s);
      }
      specs.push_back(last_in ? zlib() : dependency_only);
      specs.push_back(gcc());
      write(dir / "i.json", testing::index_json(specs));
      auto db = memory_db();
      REQUIRE(ingest_indexes(db, {{(dir / "i.json").string(), "v1.0", "e4s", {}}}, {}).rejections.empty());
      CHECK(one(db, "SELECT count(*) FROM specs WHERE package = 'zlib'") == (last_in ? "1\n" : "0\n"));
    }
  }
}

TEST_CASE("dependencies are stored once per spec, however many releases and stacks list it") {
  Tree t;
  auto db = memory_db();
  auto inputs = t.inputs("v1.0");
  for (auto& in : t.inputs("v1.1")) inputs.push_back(in);
  REQUIRE(ingest_indexes(db, inputs, {}).rejections.empty());
  CHECK(one(db, "SELECT count(*) FROM dependency") == "5\n");
  CHECK(one(db, "SELECT count(*) FROM specs") == "8\n");
  CHECK(one(db, "SELECT count(*) FROM spec") == "5\n");
}

TEST_CASE("compiler rules: annotations, the build dependency providing c/cxx/fortran (before or after), none") {
  testing::TempDir dir;
  // A compiler package no list knows, its node before some users and after others.
  const std::string cc = dag_hash("acmecc"), early = dag_hash("early"), late = dag_hash("late"),
                    plain = dag_hash("plain"), fort = dag_hash("fort");
  IndexSpec acme{cc, "acme-cc", "2.1"};
  IndexSpec a{early, "early", "1"};
  a.dependencies = {compiler_edge(cc, "acme-cc")};
  IndexSpec b{late, "late", "1"};
  b.dependencies = {compiler_edge(cc, "acme-cc")};
  IndexSpec f{fort, "fort", "1"};
  f.dependencies = {{cc, "acme-cc", {"build"}, {"fortran"}}};
  IndexSpec n{plain, "plain", "1"};
  n.dependencies = {{cc, "acme-cc", {"link"}, {"c"}}};  // not a build dependency: not its compiler
  write(dir / "i.json", testing::index_json({b, acme, a, f, n}));
  auto db = memory_db();
  REQUIRE(ingest_indexes(db, {{(dir / "i.json").string(), "r", "s", {}}}, {}).rejections.empty());
  CHECK(one(db, "SELECT package || ' ' || compiler FROM specs ORDER BY 1") ==
        "acme-cc none\nearly acme-cc@2.1\nfort acme-cc@2.1\nlate acme-cc@2.1\nplain none\n");
}

TEST_CASE("list: %clang is llvm and clang, as Spack 1.0 reads %clang; and the other way round") {
  testing::TempDir dir;
  const std::string llvm = dag_hash("llvm18"), after = dag_hash("after"), before = dag_hash("before"),
                    other = dag_hash("other");
  IndexSpec compiler{llvm, "llvm", "18.1.8"};
  compiler.in_buildcache = false;
  IndexSpec a{after, "zlib", "1.3.1"};  // Spack 1.0: the compiler is a dependency, package llvm
  a.dependencies = {compiler_edge(llvm, "llvm")};
  IndexSpec b{before, "zlib", "1.3"};  // before 1.0: compiler clang
  b.annotated_compiler = "clang@=17.0.6";
  IndexSpec g = zlib();
  g.hash = other;
  write(dir / "i.json", testing::index_json({compiler, a, b, g, gcc()}));
  auto db = memory_db();
  REQUIRE(ingest_indexes(db, {{(dir / "i.json").string(), "r", "s", {}}}, {}).rejections.empty());
  auto listed = [&](const std::vector<std::string>& words) {
    std::vector<std::string> out;
    list_specs(db, parse_spec_filter(words), {}, [&](const ListedSpec& s) { out.push_back(fmt::format("{}%{}", s.version, s.compiler)); });
    return out;
  };
  using Lines = std::vector<std::string>;
  CHECK(listed({"zlib", "%clang"}) == Lines{"1.3%clang@17.0.6", "1.3.1%llvm@18.1.8"});
  CHECK(listed({"zlib", "%llvm"}) == Lines{"1.3%clang@17.0.6", "1.3.1%llvm@18.1.8"});
  CHECK(listed({"zlib", "%clang@18"}) == Lines{"1.3.1%llvm@18.1.8"});
  CHECK(listed({"zlib", "%gcc"}) == Lines{"1.3.1%gcc@13.2.0"});
  CHECK(listed({"zlib", "%oneapi"}).empty());
}

// Specs alike but for their OS are listed as Spack orders OS versions: rhel9
// before rhel10 (not by their text, where "rhel10" < "rhel9").
TEST_CASE("list: one version on rhel8, rhel9 and rhel10 comes in the OS versions' order") {
  testing::TempDir dir;
  std::vector<IndexSpec> specs;
  for (const char* os : {"rhel10", "rhel8", "rhel9"}) {
    IndexSpec s{dag_hash(std::string("zlib") + os), "zlib", "1.3.1", os};
    s.dependencies = {compiler_edge(kGcc)};
    specs.push_back(s);
  }
  specs.push_back(gcc());
  write(dir / "i.json", testing::index_json(specs));
  auto db = memory_db();
  REQUIRE(ingest_indexes(db, {{(dir / "i.json").string(), "r", "s", {}}}, {}).rejections.empty());
  std::vector<std::string> oss;
  list_specs(db, parse_spec_filter({"zlib"}), {}, [&](const ListedSpec& s) { oss.push_back(s.os); });
  CHECK(oss == std::vector<std::string>{"rhel8", "rhel9", "rhel10"});
}

TEST_CASE("list: a patch is found by any start of its sha256, as Spack finds it") {
  testing::TempDir dir;
  const std::string b64(64, 'b'), a64 = "a1" + std::string(62, 'c');
  IndexSpec p{dag_hash("patched"), "foo", "1.0"};
  p.parameters = {{"patches", fmt::format(R"(["{}", "{}"])", b64, a64)}};
  IndexSpec plain{dag_hash("plainfoo"), "foo", "1.1"};
  plain.parameters = {{"build_system", "\"bundle\""}};
  write(dir / "i.json", testing::index_json({p, plain}));
  auto db = memory_db();
  REQUIRE(ingest_indexes(db, {{(dir / "i.json").string(), "r", "s", {}}}, {}).rejections.empty());
  auto versions = [&](const std::vector<std::string>& words) {
    std::string out;
    list_specs(db, parse_spec_filter(words), {}, [&](const ListedSpec& s) { out += s.version + ' '; });
    return out;
  };
  // Stored as Spack prints it: the first 7 characters of each, in the order of their sha256.
  CHECK(one(db, "SELECT DISTINCT variant FROM spec_variants WHERE name = 'patches'") == "patches:=a1ccccc,bbbbbbb\n");
  CHECK(versions({"foo", "patches=bbbbbbb"}) == "1.0 ");
  CHECK(versions({"foo", "patches=b"}) == "1.0 ");
  CHECK(versions({"foo", "patches=a1c"}) == "1.0 ");
  CHECK(versions({"foo", "patches=" + a64}) == "1.0 ");  // the whole sha256, as pasted
  CHECK(versions({"foo", "patches=" + b64, "patches=a1"}) == "1.0 ");
  CHECK(versions({"foo", "patches=c"}).empty());
  CHECK(versions({"foo", "patches=a1cd"}).empty());
  CHECK(versions({"foo", "build_system=b"}).empty());  // other variants: the whole value
  CHECK(versions({"foo", "build_system=bundle"}) == "1.1 ");
}

TEST_CASE("the fixtures of every database version, plain, gzip or zstd, give the same rows") {
  testing::TempDir dir;
  auto plain_db = memory_db();
  auto packed_db = memory_db();
  std::vector<IndexInput> plain, packed;
  for (int v = 6; v <= 9; ++v) {
    const auto f = testing::fixture("index/db-v" + std::to_string(v) + ".json");
    plain.push_back({f.string(), "r", fmt::format("s{}", v), {}});
    const std::string bytes = testing::read_file(f.string());
    const auto packed_path = dir / ("db-v" + std::to_string(v) + ".bin");
    write(packed_path, v % 2 ? testing::gzip(bytes) : testing::zstd(bytes));
    packed.push_back({packed_path.string(), "r", fmt::format("s{}", v), {}});
  }
  REQUIRE(ingest_indexes(plain_db, plain, {}).rejections.empty());
  REQUIRE(ingest_indexes(packed_db, packed, {}).rejections.empty());
  const std::string views = testing::dump_analyst_views(plain_db);
  CHECK(one(plain_db, "SELECT count(*) FROM specs") == "12\n");
  CHECK(views == testing::dump_analyst_views(packed_db));
  CHECK(one(plain_db, "SELECT group_concat(compiler, ' ') FROM (SELECT DISTINCT compiler FROM specs ORDER BY 1)") ==
        one(packed_db, "SELECT group_concat(compiler, ' ') FROM (SELECT DISTINCT compiler FROM specs ORDER BY 1)"));
}

TEST_CASE("a bad index is rejected by file, byte offset and JSON path; the others land") {
  Tree t;
  write(t.dir / "bad.json", "{\"database\": {\"version\": \"8\", \"installs\": {\"" + kZlib +
                                "\": {\"spec\": {\"name\": 7}}}}}");
  auto db = memory_db();
  auto inputs = t.inputs();
  inputs.insert(inputs.begin() + 1, {(t.dir / "bad.json").string(), "v1.0", "bad", {}});
  inputs.push_back({(t.dir / "missing.json").string(), "v1.0", "gone", {}});
  const auto s = ingest_indexes(db, inputs, {});
  REQUIRE(s.rejections.size() == 2);
  CHECK(s.exit_code() == 2);
  CHECK(s.rejections[0].path == (t.dir / "bad.json").string());
  CHECK(testing::contains(s.rejections[0].message, "byte "));
  CHECK(testing::contains(s.rejections[0].message, "$.database.installs." + kZlib));
  CHECK(s.rejections[1].path == (t.dir / "missing.json").string());
  // The others are as if the bad ones were never given.
  auto clean = memory_db();
  REQUIRE(ingest_indexes(clean, t.inputs(), {}).rejections.empty());
  CHECK(testing::dump_analyst_views(db) == testing::dump_analyst_views(clean));
  CHECK(one(db, "SELECT count(*) FROM source WHERE kind = 'index'") == "3\n");
}

TEST_CASE("check reads indexes on several threads: what ingest would reject, told in the inputs' order") {
  Tree t;
  write(t.dir / "bad.json", "{\"database\": {\"version\": \"8\", \"installs\": {\"" + kZlib +
                                "\": {\"spec\": {\"name\": 7}}}}}");
  write(t.dir / "cut.json", testing::index_json({zlib(), openssl()}).substr(0, 100));
  // Four releases of the tree (12 records each), the bad ones among them.
  std::vector<IndexInput> inputs;
  for (const char* release : {"r1", "r2", "r3", "r4"})
    for (auto& in : t.inputs(release)) inputs.push_back(in);
  inputs.insert(inputs.begin() + 1, {(t.dir / "bad.json").string(), "r1", "bad", {}});
  inputs.insert(inputs.begin() + 6, {(t.dir / "missing.json").string(), "r2", "gone", {}});
  IndexInput named_wrong{t.e4s.string(), "r3", "sums", {}};
  named_wrong.expected = {std::string(64, 'a'), "index.json.hash"};
  inputs.insert(inputs.begin() + 9, named_wrong);
  inputs.push_back({(t.dir / "cut.json").string(), "r4", "cut", {}});
  IndexInput unresolved{"mirror/ml", "r4", "ml2", {}};
  unresolved.error = "mirror/ml: no build_cache/index.json nor v3/layout.json";
  inputs.push_back(unresolved);

  auto db = memory_db();
  const auto ingested = ingest_indexes(db, inputs, {});
  REQUIRE(ingested.rejections.size() == 5);
  for (unsigned threads : {1u, 2u, 3u, 16u}) {
    CAPTURE(threads);
    const auto s = check_indexes(inputs, threads);
    CHECK(s.pages_added == 12);
    CHECK(s.specs_added == 4 * 12);
    CHECK(s.pages_rejected == 5);
    CHECK(s.exit_code() == 2);
    REQUIRE(s.rejections.size() == ingested.rejections.size());
    for (std::size_t i = 0; i < s.rejections.size(); ++i) {
      CHECK(s.rejections[i].path == ingested.rejections[i].path);
      CHECK(s.rejections[i].message == ingested.rejections[i].message);
    }
  }
  CHECK(testing::contains(check_indexes(inputs, 2).rejections[2].message, "index.json.hash says " + std::string(64, 'a')));
}

TEST_CASE("into an empty database, indexes hashed ahead of their reading store and reject as read ones do") {
  Tree t;
  write(t.dir / "cut.json", testing::index_json({zlib(), openssl()}).substr(0, 100));
  std::vector<IndexInput> inputs;
  for (const char* release : {"r1", "r2", "r3"})
    for (auto& in : t.inputs(release)) inputs.push_back(in);
  // A sha256 that does not match, past the first few (those are read at once, not hashed ahead).
  IndexInput named_wrong{t.e4s.string(), "r3", "sums", {}};
  named_wrong.expected = {std::string(64, 'a'), "index.json.hash"};
  inputs.insert(inputs.begin() + 6, named_wrong);
  inputs.push_back({(t.dir / "cut.json").string(), "r3", "cut", {}});
  inputs.push_back({(t.dir / "missing.json").string(), "r3", "gone", {}});

  using Ahead = IndexIngestOptions::HashAhead;
  auto run = [&](Ahead ahead, SQLite::Database& db) {
    IndexIngestOptions options;
    options.hash_ahead = ahead;
    return ingest_indexes(db, inputs, options);
  };
  auto read_db = memory_db(), hashed_db = memory_db();
  const auto read = run(Ahead::off, read_db);
  const auto hashed = run(Ahead::before_reading, hashed_db);
  REQUIRE(read.rejections.size() == 3);
  REQUIRE(hashed.rejections.size() == read.rejections.size());
  for (std::size_t i = 0; i < read.rejections.size(); ++i) {
    CHECK(hashed.rejections[i].path == read.rejections[i].path);
    CHECK(hashed.rejections[i].message == read.rejections[i].message);
  }
  CHECK(testing::contains(hashed.rejections[0].message, "index.json.hash says " + std::string(64, 'a')));
  CHECK(hashed.pages_added == read.pages_added);
  CHECK(testing::dump_analyst_views(hashed_db) == testing::dump_analyst_views(read_db));
  // The fingerprints that recognize each index next time are the same.
  CHECK(testing::dump_rows(hashed_db, {kSources}) == testing::dump_rows(read_db, {kSources}));
  // Hashed beside the reading and after it, the same again.
  auto beside_db = memory_db();
  const auto beside = run(Ahead::idle, beside_db);
  REQUIRE(beside.rejections.size() == read.rejections.size());
  for (std::size_t i = 0; i < read.rejections.size(); ++i) CHECK(beside.rejections[i].message == read.rejections[i].message);
  CHECK(testing::dump_analyst_views(beside_db) == testing::dump_analyst_views(read_db));
  CHECK(testing::dump_rows(beside_db, {kSources}) == testing::dump_rows(read_db, {kSources}));
  // And a second run finds every index unchanged, without reading one.
  const auto again = run(Ahead::before_reading, hashed_db);
  CHECK(again.pages_unchanged == read.pages_added);
  CHECK(again.pages_added + again.pages_updated == 0);
}

TEST_CASE("into an empty database, an index read before it was hashed and found wrong at the end: the run is read again") {
  Tree t;
  // First, and small: read at once, while the hashing beside the reading
  // starts from the other end and stops at half of the bytes.
  write(t.dir / "small.json", testing::index_json({zlib()}));
  IndexInput named_wrong{(t.dir / "small.json").string(), "r1", "sums", {}};
  named_wrong.expected = {std::string(64, 'a'), "index.json.hash"};
  std::vector<IndexInput> inputs{named_wrong};
  for (const char* release : {"r1", "r2", "r3"})
    for (auto& in : t.inputs(release)) inputs.push_back(in);

  using Ahead = IndexIngestOptions::HashAhead;
  std::vector<std::string> read_again;
  auto run = [&](Ahead ahead, SQLite::Database& db) {
    IndexIngestOptions options;
    options.hash_ahead = ahead;
    options.on_read_again = [&](const std::string& why) { read_again.push_back(why); };
    return ingest_indexes(db, inputs, options);
  };
  auto checked_db = memory_db(), later_db = memory_db();
  const auto checked = run(Ahead::off, checked_db);
  CHECK(read_again.empty());
  const auto later = run(Ahead::idle, later_db);
  REQUIRE(read_again.size() == 1);
  CHECK(testing::contains(read_again[0], "index.json.hash says " + std::string(64, 'a')));
  // The second reading rejects it as reading it checked does, and stores the rest.
  REQUIRE(later.rejections.size() == 1);
  REQUIRE(checked.rejections.size() == 1);
  CHECK(later.rejections[0].path == checked.rejections[0].path);
  CHECK(later.rejections[0].message == checked.rejections[0].message);
  CHECK(later.pages_added == checked.pages_added);
  CHECK(later.pages_added == 9);
  CHECK(testing::dump_analyst_views(later_db) == testing::dump_analyst_views(checked_db));
  CHECK(testing::dump_rows(later_db, {kSources}) == testing::dump_rows(checked_db, {kSources}));
  // One run in the log, as for any other.
  CHECK(one(later_db, "SELECT count(*) FROM ingest_runs") == "1\n");
  CHECK(one(later_db, "SELECT status FROM ingest_runs") == "rejected\n");

  // With the right sha256 nothing is read twice, and the database is the same.
  read_again.clear();
  inputs[0].expected = {cachedb::spack_index::sha256_file(inputs[0].path).sha256, "index.json.hash"};
  auto right_checked = memory_db(), right_later = memory_db();
  REQUIRE(run(Ahead::off, right_checked).rejections.empty());
  REQUIRE(run(Ahead::idle, right_later).rejections.empty());
  CHECK(read_again.empty());
  CHECK(testing::dump_analyst_views(right_later) == testing::dump_analyst_views(right_checked));
  // Its fingerprint, from the digests it was checked against, recognizes it next time.
  CHECK(testing::dump_rows(right_later, {kSources}) == testing::dump_rows(right_checked, {kSources}));
  CHECK(one(right_later, "SELECT count(*) FROM source WHERE content_hash = ''") == "0\n");
  const auto again = run(Ahead::idle, right_later);
  CHECK(again.pages_unchanged == 10);
  CHECK(again.pages_added + again.pages_updated == 0);

  // A file that is not as the listing found it (its size and time) by the
  // time it is hashed: the run cannot tell what was read from what was
  // hashed, so it reads everything again, checked as it is read.
  read_again.clear();
  inputs[0].stamp = {static_cast<std::int64_t>(std::filesystem::file_size(inputs[0].path)) + 1, 1};
  auto moved_checked = memory_db(), moved_later = memory_db();
  REQUIRE(run(Ahead::off, moved_checked).rejections.empty());
  CHECK(read_again.empty());
  REQUIRE(run(Ahead::idle, moved_later).rejections.empty());
  REQUIRE(read_again.size() == 1);
  CHECK(testing::contains(read_again[0], "small.json: changed while the run read it"));
  CHECK(testing::dump_analyst_views(moved_later) == testing::dump_analyst_views(moved_checked));
  CHECK(testing::dump_rows(moved_later, {kSources}) == testing::dump_rows(moved_checked, {kSources}));
}

namespace {

// What the incremental-equals-fresh comparisons below compare.
std::string state(SQLite::Database& db) { return testing::dump_ingest_state(db); }

std::string fresh_state(const std::vector<IndexInput>& inputs) {
  auto fresh = memory_db();
  REQUIRE(ingest_indexes(fresh, inputs, {}).rejections.empty());
  return state(fresh);
}

}  // namespace

// The weekly case: the oldest release leaves the listing and nothing else
// changed that night, so the run prunes and reads no index. The specs kept
// as dependencies only (the external gcc) keep a stack set that exists.
TEST_CASE("incremental equals fresh: a release pruned in a run that reads no index") {
  Tree t;
  auto old_release = t.inputs("v1.0"), new_release = t.inputs("v2.0");
  std::vector<IndexInput> both = old_release;
  both.insert(both.end(), new_release.begin(), new_release.end());
  auto db = memory_db();
  REQUIRE(ingest_indexes(db, both, {}).rejections.empty());
  IndexIngestOptions prune;
  prune.prune = true;
  const auto s = ingest_indexes(db, new_release, prune);
  REQUIRE(s.rejections.empty());
  CHECK(s.indexes_pruned == old_release.size());
  CHECK(s.pages_unchanged == new_release.size());
  CHECK(one(db, "PRAGMA foreign_key_check") == "");
  CHECK(state(db) == fresh_state(new_release));
}

TEST_CASE("incremental equals fresh: orders, re-ingests, a spec leaving an index, stacks changing") {
  Tree t;
  auto in = t.inputs();
  const std::string want = fresh_state(in);
  // Any order, in one run or one index a run.
  for (const auto& order : std::vector<std::vector<int>>{{2, 0, 1}, {1, 2, 0}}) {
    auto db = memory_db();
    for (int i : order) REQUIRE(ingest_indexes(db, {in[static_cast<std::size_t>(i)]}, {}).rejections.empty());
    CHECK(state(db) == want);
    // Unchanged: recognized without being parsed, and nothing moves.
    const auto again = ingest_indexes(db, in, {});
    CHECK(again.pages_unchanged == 3);
    CHECK(state(db) == want);
  }

  auto db = memory_db();
  REQUIRE(ingest_indexes(db, in, {}).rejections.empty());
  // openssl leaves e4s (root still has it); zlib becomes a binary of ml.
  write(t.e4s, testing::index_json({gcc(), zlib()}));
  write(t.ml, testing::index_json({cuda(), zlib(), gcc(), pytorch()}));
  auto s = ingest_indexes(db, in, {});
  CHECK(s.pages_updated == 2);
  CHECK(s.pages_unchanged == 1);
  CHECK(state(db) == fresh_state(in));
  CHECK(one(db, "SELECT group_concat(stack, ',') FROM (SELECT stack FROM spec_stacks WHERE package = 'zlib' "
                "ORDER BY 1)") == "e4s,ml,root\n");
  CHECK(one(db, "SELECT group_concat(stack, ',') FROM (SELECT stack FROM spec_stacks WHERE package = 'openssl' "
                "ORDER BY 1)") == "root\n");

  // cuda and py-torch leave the release altogether: their rows go, and the specs nothing lists.
  write(t.root, testing::index_json({zlib(), openssl(), gcc()}));
  write(t.ml, testing::index_json({zlib(), gcc()}));
  s = ingest_indexes(db, in, {});
  CHECK(s.specs_removed == 2);
  CHECK(state(db) == fresh_state(in));
  CHECK(one(db, "SELECT count(*) FROM spec WHERE hash IN ('" + kCuda + "', '" + kPy + "')") == "0\n");
  CHECK(one(db, "SELECT count(*) FROM dependency WHERE spec_id NOT IN (SELECT id FROM spec)") == "0\n");

  // A second release sharing the hashes, then the first emptied: the second keeps them.
  auto v2 = t.inputs("v2.0");
  REQUIRE(ingest_indexes(db, v2, {}).rejections.empty());
  for (auto p : {t.root, t.e4s, t.ml}) write(p, testing::index_json({}));
  REQUIRE(ingest_indexes(db, in, {}).rejections.empty());
  write(t.dir / "v2root.json", testing::index_json({zlib(), openssl(), gcc()}));
  write(t.dir / "v2e4s.json", testing::index_json({gcc(), zlib()}));
  write(t.dir / "v2ml.json", testing::index_json({zlib(), gcc()}));
  std::vector<IndexInput> final_set = in;
  final_set.push_back({(t.dir / "v2root.json").string(), "v2.0", "root", {}});
  final_set.push_back({(t.dir / "v2e4s.json").string(), "v2.0", "e4s", {}});
  final_set.push_back({(t.dir / "v2ml.json").string(), "v2.0", "ml", {}});
  CHECK(state(db) == fresh_state(final_set));
  CHECK(one(db, "SELECT count(*) FROM specs WHERE release = 'v1.0'") == "0\n");
  CHECK(one(db, "PRAGMA foreign_key_check") == "");
}

namespace {

// root lists zlib, built by gcc, without gcc's node; e4s lists the node. An
// older spec names its compiler in annotations and has an edge to the node
// too: its compiler is the annotation's, whatever comes or goes.
struct NodeInAnotherIndex {
  testing::TempDir dir;
  std::filesystem::path root = dir / "root.json", e4s = dir / "e4s.json";
  std::vector<IndexInput> both = {{root.string(), "v1", "root", {}}, {e4s.string(), "v1", "e4s", {}}};
  NodeInAnotherIndex() {
    IndexSpec old{dag_hash("old"), "old", "0.9"};
    old.annotated_compiler = "gcc@=11.4.0";
    old.dependencies = {compiler_edge(kGcc)};
    write(root, testing::index_json({zlib(), old}));
    write(e4s, testing::index_json({openssl(), gcc()}));
  }
};

}  // namespace

TEST_CASE("a compiler node in another index, coming later or going: the compiler follows it, in any order") {
  NodeInAnotherIndex t;
  const auto& both = t.both;
  const auto& e4s = t.e4s;
  const std::vector<IndexInput> reversed = {both[1], both[0]};
  const std::string compilers = "SELECT package || ' ' || compiler FROM specs ORDER BY 1";

  // The node in a later index of the same run, or an earlier one: the same.
  const std::string want = fresh_state(both);
  CHECK(want == fresh_state(reversed));
  auto db = memory_db();
  REQUIRE(ingest_indexes(db, both, {}).rejections.empty());
  CHECK(one(db, compilers) == "old gcc@11.4.0\nopenssl gcc@13.2.0\nzlib gcc@13.2.0\n");
  CHECK(one(db, "SELECT count(*) FROM compiler_pending") == "0\n");

  // root alone: only the edge's name is known, and zlib waits for the node.
  auto night = memory_db();
  REQUIRE(ingest_indexes(night, {both[0]}, {}).rejections.empty());
  CHECK(one(night, compilers) == "old gcc@11.4.0\nzlib gcc\n");
  CHECK(one(night, "SELECT s.hash FROM compiler_pending w JOIN spec s ON s.id = w.spec_id") == kZlib + "\n");
  // The next night e4s comes with the node: zlib's compiler is the node's, as in a fresh ingest.
  REQUIRE(ingest_indexes(night, both, {}).rejections.empty());
  CHECK(state(night) == want);
  CHECK(one(night, "SELECT compiler FROM specs WHERE package = 'zlib'") == "gcc@13.2.0\n");

  // Then e4s drops the node (nothing lists it now, so it is deleted): zlib
  // goes back to waiting, as a fresh ingest of what is listed now has it.
  write(e4s, testing::index_json({openssl()}));
  const auto s = ingest_indexes(night, both, {});
  REQUIRE(s.rejections.empty());
  CHECK(one(night, "SELECT count(*) FROM spec WHERE hash = '" + kGcc + "'") == "0\n");
  CHECK(state(night) == fresh_state(both));
  CHECK(one(night, compilers) == "old gcc@11.4.0\nopenssl gcc\nzlib gcc\n");
  CHECK(one(night, "SELECT count(*) FROM compiler_pending") == "2\n");
  // The reports read the fact table's copy of the compiler: it moved too.
  CHECK(testing::contains(matrix_csv(night, "compilers-by-os", true), "\ngcc,"));
  CHECK(!testing::contains(matrix_csv(night, "compilers-by-os", true), "gcc@13.2.0"));
  CHECK(one(night, "PRAGMA foreign_key_check") == "");
}

namespace {

// A database at schema version `version`, made by the released migrations up
// to it, holding the rows of `fresh` (the columns those versions have).
void write_old_version(const std::filesystem::path& path, SQLite::Database& fresh, int version) {
  const std::filesystem::path copy = path.string() + ".fresh";
  {
    SQLite::Database out(copy.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Backup(out, fresh).executeStep();
  }
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  // A test's scratch file: each statement need not wait for the disk (it did, ~2 s a database).
  db.exec("PRAGMA synchronous = OFF");
  db.exec("PRAGMA journal_mode = MEMORY");
  const std::string last = fmt::format("migrations/{:04}", version + 1);
  for (const auto& f : embedded_sql())
    if (f.name.starts_with("migrations/") && f.name < last) db.exec(std::string(f.text));
  db.exec(fmt::format("PRAGMA user_version = {}", version));
  db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId));
  db.exec("ATTACH DATABASE '" + copy.string() + "' AS fresh");
  for (const char* table : {"release", "package", "compiler", "os", "platform", "target", "stack", "stack_set",
                            "stack_set_member", "variant", "variant_value", "variant_set", "variant_set_member",
                            "spec", "spec_version", "source", "release_spec", "spec_claim", "index_listing",
                            "dependency"}) {
    std::string list;
    SQLite::Statement info(db, fmt::format("SELECT name FROM main.pragma_table_info('{}')", table));
    while (info.executeStep()) {
      if (!list.empty()) list += ", ";
      list += info.getColumn(0).getString();
    }
    db.exec(fmt::format("INSERT INTO main.{0}({1}) SELECT {1} FROM fresh.{0}", table, list));
  }
  if (version >= 8) db.exec("INSERT INTO main.compiler_pending SELECT * FROM fresh.compiler_pending");
  db.exec("DETACH DATABASE fresh");
}

}  // namespace

TEST_CASE("a database of schema version 7 with a compiler stuck at the edge's name: migrated, the next ingest "
          "settles it, as fresh") {
  NodeInAnotherIndex t;
  const auto& dir = t.dir;
  const auto& both = t.both;

  // What version 7 stored of root alone (zlib's compiler 'gcc', for good),
  // written into a database made by the released migrations 0001 to 0007.
  auto fresh = memory_db();
  REQUIRE(ingest_indexes(fresh, {both[0]}, {}).rejections.empty());
  const auto path = dir / "v7.db";
  write_old_version(path, fresh, 7);
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
    CHECK(one(db, "SELECT c.label FROM spec s JOIN compiler c ON c.id = s.compiler_id JOIN package p ON "
                  "p.id = s.package_id WHERE p.name = 'zlib'") == "gcc\n");
  }

  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  migrate(db);
  REQUIRE(schema_version(db) == latest_schema_version());
  // The migration tells the compilers a dependency gave (not the annotated
  // one), and the one still waiting for its node; it equals a fresh ingest.
  CHECK(state(db) == state(fresh));
  CHECK(one(db, "SELECT s.hash FROM compiler_pending w JOIN spec s ON s.id = w.spec_id") == kZlib + "\n");
  REQUIRE(ingest_indexes(db, both, {}).rejections.empty());
  CHECK(state(db) == fresh_state(both));
  CHECK(one(db, "SELECT compiler FROM specs WHERE package = 'zlib'") == "gcc@13.2.0\n");
}

TEST_CASE("a database of schema version 8 with variants as cachedb wrote them then: migrated, as fresh") {
  testing::TempDir dir;
  const std::string patch(64, 'e');
  IndexSpec p{dag_hash("pv"), "pv", "1.0"};
  p.parameters = {{"languages", R"(["c", "c++", "fortran"])"}, {"build_type", R"("dm+sm")"},
                  {"list", R"(["x y", "z"])"}, {"patches", "[\"" + patch + "\"]"}, {"shared", "true"},
                  {"libs", R"(["shared", "static"])"}};
  write(dir / "i.json", testing::index_json({p}));
  const std::vector<IndexInput> in = {{(dir / "i.json").string(), "v1", "root", {}}};
  // A page release whose spec has the same gcc languages, as Spack wrote them on the page.
  const auto pages = dir / "pages";
  testing::CachePage("p1", "gcc")
      .spec(testing::SpecEntry(dag_hash("gccpage")).variants({"languages='c,c++,fortran'", "+bootstrap"}))
      .write(pages);
  auto fresh = memory_db();
  REQUIRE(ingest_indexes(fresh, in, {}).rejections.empty());
  REQUIRE(ingest(fresh, {pages}, {}).rejections.empty());
  CHECK(one(fresh, "SELECT group_concat(variant, ' ') FROM (SELECT variant FROM spec_variants WHERE package = "
                   "'pv' GROUP BY variant ORDER BY 1)") ==
        "+shared build_type='dm+sm' languages:='c,c++,fortran' libs:=shared,static list:='x y,z' patches:=eeeeeee\n");

  // As version 8 stored them: lists written k=a,b, the index's values quoted
  // one by one (none here but 'x y'), the patch whole; the page's quoted list one value.
  const auto path = dir / "v8.db";
  write_old_version(path, fresh, 8);
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
    const std::map<std::string, std::pair<std::string, std::vector<std::string>>> before = {
        {"build_type='dm+sm'", {"build_type=dm+sm", {"dm+sm"}}},
        {"languages:='c,c++,fortran'", {"languages=c,c++,fortran", {"c", "c++", "fortran"}}},
        {"libs:=shared,static", {"libs=shared,static", {"shared", "static"}}},
        {"list:='x y,z'", {"list='x y',z", {"x y", "z"}}},
        {"patches:=eeeeeee", {"patches=" + patch, {patch}}}};
    std::vector<std::pair<std::int64_t, std::string>> now;
    {
      SQLite::Statement of_pv(db, "SELECT v.id, v.text FROM spec s JOIN variant_set_member m ON m.variant_set_id = "
                                  "s.variant_set_id JOIN variant v ON v.id = m.variant_id WHERE s.hash = ?");
      of_pv.bind(1, p.hash);
      while (of_pv.executeStep()) now.emplace_back(of_pv.getColumn(0).getInt64(), of_pv.getColumn(1).getString());
    }
    REQUIRE(now.size() == 6);
    std::vector<std::int64_t> members;
    for (const auto& [id, text] : now) {
      auto it = before.find(text);
      if (it == before.end()) {
        members.push_back(id);
        continue;
      }
      SQLite::Statement insert(db, "INSERT INTO variant(text, name) VALUES (?, ?)");
      insert.bind(1, it->second.first);
      insert.bind(2, it->second.first.substr(0, it->second.first.find('=')));
      insert.exec();
      members.push_back(db.getLastInsertRowid());
      for (std::size_t i = 0; i < it->second.second.size(); ++i) {
        SQLite::Statement value(db, "INSERT INTO variant_value VALUES (?, ?, ?)");
        value.bind(1, members.back());
        value.bind(2, static_cast<std::int64_t>(i));
        value.bind(3, it->second.second[i]);
        value.exec();
      }
    }
    std::sort(members.begin(), members.end());
    std::string key;
    for (auto m : members) key += std::to_string(m) + ",";
    db.exec("INSERT INTO variant_set(key) VALUES ('" + key + "')");
    const std::int64_t set = db.getLastInsertRowid();
    for (auto m : members) db.exec(fmt::format("INSERT INTO variant_set_member VALUES ({}, {})", set, m));
    db.exec(fmt::format("UPDATE spec SET variant_set_id = {} WHERE hash = '{}'", set, p.hash));
    // The page's quoted list was one value then.
    db.exec("DELETE FROM variant_value WHERE variant_id = (SELECT id FROM variant WHERE text = "
            "'languages=''c,c++,fortran''')");
    db.exec("INSERT INTO variant_value SELECT id, 0, 'c,c++,fortran' FROM variant WHERE text = "
            "'languages=''c,c++,fortran'''");
    REQUIRE(state(db) != state(fresh));
  }

  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  migrate(db);
  REQUIRE(schema_version(db) == latest_schema_version());
  // Version 9 quoted the values as Spack does; version 14 leaves the index's
  // spec waiting to be described again, its lists k:=a,b, by the next ingest.
  CHECK(one(db, "SELECT group_concat(variant, ' ') FROM (SELECT variant FROM spec_variants WHERE package = "
                "'pv' GROUP BY variant ORDER BY 1)") ==
        "+shared build_type='dm+sm' languages='c,c++,fortran' libs=shared,static list='x y,z' patches=eeeeeee\n");
  // The index's spec and the page's share one languages variant then, of three values.
  CHECK(one(db, "SELECT count(*) || ' ' || (SELECT count(*) FROM variant_value WHERE variant_id = v.id) FROM "
                "variant v WHERE name = 'languages'") == "1 3\n");
  // The old texts went with the set that held them.
  CHECK(one(db, "SELECT count(*) FROM variant WHERE text IN ('build_type=dm+sm', 'list=''x y'',z')") == "0\n");
  CHECK(one(db, "SELECT count(*) FROM variant_set WHERE id NOT IN (SELECT variant_set_id FROM spec)") == "0\n");
  CHECK(one(db, "SELECT count(*) FROM index_redescribe") == "1\n");
  CHECK(one(db, "SELECT content_hash FROM source WHERE kind = 'index'") == "\n");
  // The next ingest of the same inputs reads the index again: as fresh.
  const auto s = ingest_indexes(db, in, {});
  REQUIRE(s.rejections.empty());
  CHECK(s.pages_updated == 1);
  CHECK(state(db) == state(fresh));
  CHECK(one(db, "SELECT group_concat(text || ' ' || (SELECT count(*) FROM variant_value WHERE variant_id = v.id), "
                "'; ') FROM (SELECT * FROM variant WHERE name = 'languages' ORDER BY text) v") ==
        "languages:='c,c++,fortran' 3; languages='c,c++,fortran' 3\n");
  // And the one after it changes nothing.
  REQUIRE(ingest_indexes(db, in, {}).pages_unchanged == 1);
  CHECK(state(db) == state(fresh));
}

TEST_CASE("into an empty database the indexes are built at the end: every index, the rows a run into a full one makes") {
  Tree t;
  auto in = t.inputs();
  auto db = memory_db();
  REQUIRE(ingest_indexes(db, in, {}).rejections.empty());
  SQLite::Database reference(":memory:", SQLite::OPEN_READWRITE);
  migrate(reference);
  CHECK(testing::schema_objects(db, "type = 'index'") == testing::schema_objects(reference, "type = 'index'"));
  CHECK(one(db, "PRAGMA integrity_check") == "ok\n");

  // The same indexes into a database that holds another release already.
  auto full = memory_db();
  REQUIRE(ingest_indexes(full, {in[2]}, {}).rejections.empty());
  REQUIRE(ingest_indexes(full, in, {}).rejections.empty());
  CHECK(state(full) == state(db));
}

// An index whose file was touched but not changed: found unchanged by its
// bytes (not read again), and its new stamp kept, so that the next run
// finds it unchanged by its stamp alone.
TEST_CASE("an index touched but not changed: unchanged by its bytes, its new stamp kept") {
  Tree t;
  auto db = memory_db();
  REQUIRE(ingest_indexes(db, t.inputs(), {}).rejections.empty());
  const char* mtime = "SELECT file_mtime_ns FROM source WHERE path LIKE '%e4s.json'";
  const std::string before = one(db, mtime);
  std::filesystem::last_write_time(t.e4s, std::filesystem::last_write_time(t.e4s) + std::chrono::hours(1));
  const auto s = ingest_indexes(db, t.inputs(), {});
  CHECK(s.pages_unchanged == 3);
  CHECK(s.pages_updated == 0);
  CHECK(one(db, mtime) != before);
}

TEST_CASE("a re-ingest counts the (release, spec) pairs gained and lost, not their difference") {
  Tree t;
  auto db = memory_db();
  auto s = ingest_indexes(db, t.inputs(), {});
  CHECK(s.specs_added == 4);  // zlib, openssl, cuda, py-torch; gcc is a dependency only
  CHECK(s.specs_removed == 0);
  // py-torch leaves the release and openssl's new build comes in its place.
  IndexSpec openssl2 = openssl();
  openssl2.hash = dag_hash("openssl-2");
  write(t.root, testing::index_json({zlib(), openssl(), openssl2, cuda(), gcc()}));
  write(t.ml, testing::index_json({cuda(), zlib(), gcc()}));
  s = ingest_indexes(db, t.inputs(), {});
  CHECK(s.specs_added == 1);
  CHECK(s.specs_removed == 1);
  CHECK(state(db) == fresh_state(t.inputs()));
}

// The first index (lowest id) listing a spec holds its release row, also once
// it starts listing a spec another index held: the row moves to it, so that
// when that other index is pruned no row is left held by an index that is
// gone (state() ends with foreign_key_check), and no pair is counted gained or lost.
TEST_CASE("a spec root starts listing, then its stack pruned: the row moves to root, neither gained nor lost") {
  Tree t;
  write(t.root, testing::index_json({zlib(), gcc()}));
  auto db = open_database(t.dir / "db.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest_indexes(db, t.inputs(), {}).rejections.empty());
  write(t.root, testing::index_json({zlib(), openssl(), gcc()}));
  auto s = ingest_indexes(db, t.inputs(), {});
  REQUIRE(s.rejections.empty());
  CHECK(s.specs_added == 0);
  IndexIngestOptions prune;
  prune.prune = true;
  const std::vector<IndexInput> without_e4s{{t.root.string(), "v1.0", "root", {}}, {t.ml.string(), "v1.0", "ml", {}}};
  s = ingest_indexes(db, without_e4s, prune);
  CHECK(s.indexes_pruned == 1);
  CHECK(s.specs_added == 0);
  CHECK(s.specs_removed == 0);
  CHECK(state(db) == fresh_state(without_e4s));
}

TEST_CASE("a hash shared by an index release and a page release: the index describes it, neither loses it") {
  Tree t;
  auto db = memory_db();
  REQUIRE(ingest_indexes(db, t.inputs(), {}).rejections.empty());
  // Another release's page lists zlib with another compiler, and gcc (a dependency only in the indexes).
  const auto tree = t.dir / "pages";
  testing::CachePage("p1", "zlib")
      .spec(testing::SpecEntry(kZlib).compiler("gcc@9.9.9").stacks({"root"}))
      .spec(testing::SpecEntry(kGcc).compiler("gcc@9.9.9").stacks({"root"}))
      .write(tree);
  auto s = ingest(db, {tree}, {});
  CHECK(s.rejections.empty());
  CHECK(s.findings.size() == 2);  // both hashes described otherwise: reported, not followed
  CHECK(one(db, "SELECT release || ' ' || compiler FROM specs WHERE hash = '" + kZlib + "' ORDER BY 1") ==
        "p1 gcc@13.2.0\nv1.0 gcc@13.2.0\n");
  // The page drops both: the index still lists them.
  testing::CachePage("p1", "zlib").spec(testing::SpecEntry(kSsl).stacks({"root"})).write(tree);
  s = ingest(db, {tree}, {});
  CHECK(s.rejections.empty());
  CHECK(one(db, "SELECT count(*) FROM spec WHERE hash IN ('" + kZlib + "', '" + kGcc + "')") == "2\n");
  CHECK(one(db, "SELECT count(*) FROM specs WHERE release = 'v1.0'") == "4\n");
  CHECK(one(db, "SELECT count(*) FROM index_listing WHERE spec_id NOT IN (SELECT id FROM spec)") == "0\n");
  CHECK(one(db, "PRAGMA foreign_key_check") == "");
}

TEST_CASE("a hash in a page release and an index release: the index describes it, in either order, and when the "
          "index goes the page's word is back") {
  Tree t;
  const auto tree = t.dir / "pages";
  // p1's page says zlib otherwise (another compiler and OS), and lists gcc alike... as the page writes it.
  testing::CachePage("p1", "zlib")
      .spec(testing::SpecEntry(kZlib).compiler("gcc@9.9.9").os("rhel8").stacks({"root"}))
      .write(tree);
  const auto in = t.inputs();
  auto index_first = memory_db();
  REQUIRE(ingest_indexes(index_first, in, {}).rejections.empty());
  REQUIRE(ingest(index_first, {tree}, {}).rejections.empty());
  auto page_first = memory_db();
  REQUIRE(ingest(page_first, {tree}, {}).rejections.empty());
  REQUIRE(ingest_indexes(page_first, in, {}).rejections.empty());
  const std::string zlib = "SELECT release || ' ' || compiler || ' ' || os FROM specs WHERE hash = '" + kZlib +
                           "' ORDER BY 1";
  CHECK(one(index_first, zlib) == "p1 gcc@13.2.0 ubuntu24.04\nv1.0 gcc@13.2.0 ubuntu24.04\n");
  const std::string claims = "SELECT s.contested || ' ' || count(c.spec_id) FROM spec s LEFT JOIN spec_claim c ON "
                             "c.spec_id = s.id WHERE s.hash = '" + kZlib + "'";
  CHECK(one(index_first, claims) == "1 1\n");  // the page's word, kept
  CHECK(state(page_first) == state(index_first));
  CHECK(one(page_first, claims) == "1 1\n");

  // The indexes stop listing zlib: the page's word describes it again, as a
  // fresh ingest of what is left gives, edges and all.
  write(t.root, testing::index_json({openssl(), cuda(), pytorch(), gcc()}));
  write(t.e4s, testing::index_json({gcc(), openssl()}, 9));
  write(t.ml, testing::index_json({cuda(), gcc(), pytorch()}));
  auto fresh = memory_db();
  REQUIRE(ingest(fresh, {tree}, {}).rejections.empty());
  REQUIRE(ingest_indexes(fresh, in, {}).rejections.empty());
  for (auto* db : {&index_first, &page_first}) {
    REQUIRE(ingest_indexes(*db, in, {}).rejections.empty());
    CHECK(one(*db, zlib) == "p1 gcc@9.9.9 rhel8\n");
    CHECK(state(*db) == state(fresh));
    CHECK(one(*db, "SELECT count(*) FROM dependency d JOIN spec s ON s.id = d.spec_id WHERE s.hash = '" + kZlib +
                       "'") == "0\n");
    CHECK(one(*db, claims) == "0 0\n");
    CHECK(one(*db, "PRAGMA foreign_key_check") == "");
  }
}

TEST_CASE("a database of schema version 9 in which the page or the index read first described a hash both list: "
          "migrated, the next ingests describe it as fresh") {
  Tree t;
  const auto tree = t.dir / "pages";
  testing::CachePage("p1", "zlib")
      .spec(testing::SpecEntry(kZlib).compiler("gcc@9.9.9").os("rhel8").stacks({"root"}))
      .write(tree);
  // And a spec with no edges that one index lists, which the page describes alike.
  const std::string leaf = dag_hash("leaf");
  write(t.dir / "leaf.json", testing::index_json({IndexSpec{leaf, "leaf", "1.0"}}));
  testing::CachePage("p1", "leaf")
      .spec(testing::SpecEntry(leaf).compiler("none").os("ubuntu24.04").target("x86_64_v3").versions({"1.0"})
                .variants({}).stacks({"root"}))
      .write(tree);
  auto in = t.inputs();
  in.push_back({(t.dir / "leaf.json").string(), "v2", "root", {}});
  auto fresh = memory_db();
  REQUIRE(ingest(fresh, {tree}, {}).rejections.empty());
  REQUIRE(ingest_indexes(fresh, in, {}).rejections.empty());
  // state() and the pages' words kept (spec_claim), which it does not show.
  const auto described = [](SQLite::Database& db) {
    return state(db) + one(db, "SELECT s.hash || ' ' || s.contested || ' ' || c.source_id || ' ' || cc.label || "
                               "' ' || o.name FROM spec_claim c JOIN spec s ON s.id = c.spec_id "
                               "JOIN compiler cc ON cc.id = c.compiler_id JOIN os o ON o.id = c.os_id ORDER BY 1");
  };
  // And nothing left waiting (the table is new in version 10).
  const auto full_state = [&](SQLite::Database& db) {
    return described(db) + one(db, "SELECT 'waiting to be described again: ' || count(*) FROM index_redescribe");
  };
  const std::string want = full_state(fresh);
  REQUIRE(testing::contains(want, kZlib + " 1 "));  // the page's word, kept
  const std::string zlib_id = "(SELECT id FROM spec WHERE hash = '" + kZlib + "')";
  // What an earlier cachedb left. The page first: its word described zlib
  // everywhere, the index release's rows too, and no claim was kept. The
  // index first: the page's word was dropped.
  const std::map<std::string, std::string> old_states = {
      {"page first",
       "UPDATE spec SET compiler_id = (SELECT id FROM compiler WHERE label = 'gcc@9.9.9'), os_id = (SELECT id FROM "
       "os WHERE name = 'rhel8'), target_id = (SELECT id FROM target WHERE name = 't'), contested = 0, "
       "compiler_by_dependency = 0 WHERE id = " + zlib_id + ";"
       "UPDATE release_spec SET compiler_id = (SELECT id FROM compiler WHERE label = 'gcc@9.9.9'), os_id = (SELECT "
       "id FROM os WHERE name = 'rhel8'), target_id = (SELECT id FROM target WHERE name = 't') WHERE spec_id = " +
       zlib_id + "; DELETE FROM spec_claim"},
      {"index first", "UPDATE spec SET contested = 0 WHERE id = " + zlib_id + "; DELETE FROM spec_claim"},
  };
  // Plain names, not a structured binding: clang before 16 cannot capture one (CAPTURE does).
  for (const auto& entry : old_states) {
    const std::string& order = entry.first;
    const std::string& old_state = entry.second;
    const auto path = t.dir / ("v9-" + order + ".db");
    write_old_version(path, fresh, 9);
    SQLite::Database old(path.string(), SQLite::OPEN_READWRITE);
    old.exec(old_state);
    REQUIRE(described(old) != described(fresh));
    for (const bool pages_again_first : {false, true}) {
      CAPTURE(order);
      CAPTURE(pages_again_first);
      // A copy in memory: the runs below commit without waiting for a disk.
      SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
      SQLite::Backup(db, old).executeStep();
      migrate(db);
      REQUIRE(schema_version(db) == latest_schema_version());
      CHECK(one(db, "SELECT s.hash FROM index_redescribe x JOIN spec s ON s.id = x.spec_id ORDER BY 1") ==
            std::min(leaf, kZlib) + "\n" + std::max(leaf, kZlib) + "\n");
      // Every source listing them is read again: the four indexes and the two pages.
      CHECK(one(db, "SELECT count(*) FROM source WHERE content_hash = ''") == "6\n");
      const auto read_indexes = [&] {
        const auto s = ingest_indexes(db, in, {});
        REQUIRE(s.rejections.empty());
        CHECK(s.pages_unchanged == 0);
        CHECK(one(db, "SELECT count(*) FROM index_redescribe") == "0\n");
      };
      const auto read_pages = [&] {
        const auto s = ingest(db, {tree}, {});
        REQUIRE(s.rejections.empty());
        CHECK(s.pages_unchanged == 0);
      };
      if (pages_again_first) {
        read_pages();
        read_indexes();
      } else {
        read_indexes();
        // The page's word, the spec's description, was kept as the index took over.
        if (order == "page first") CHECK(full_state(db) == want);
        // The page read again gives its word back where it was dropped.
        read_pages();
      }
      CHECK(full_state(db) == want);
      CHECK(one(db, "SELECT release || ' ' || compiler || ' ' || os FROM specs WHERE hash = '" + kZlib +
                        "' ORDER BY 1") == "p1 gcc@13.2.0 ubuntu24.04\nv1.0 gcc@13.2.0 ubuntu24.04\n");
      // From then on nothing is read again.
      CHECK(ingest_indexes(db, in, {}).pages_unchanged == 4);
      CHECK(ingest(db, {tree}, {}).pages_unchanged == 2);
      CHECK(full_state(db) == want);
      CHECK(one(db, "PRAGMA foreign_key_check") == "");
    }
  }

  // Or the one index listing the leaf goes (pruned from the listing) before
  // it is read again: the page describes the leaf, which waits for nothing.
  const auto path = t.dir / "v9-pruned.db";
  write_old_version(path, fresh, 9);
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  migrate(db);
  IndexIngestOptions prune;
  prune.prune = true;
  const auto s = ingest_indexes(db, t.inputs(), prune);
  REQUIRE(s.rejections.empty());
  CHECK(s.indexes_pruned == 1);
  auto without_leaf = memory_db();
  REQUIRE(ingest(without_leaf, {tree}, {}).rejections.empty());
  REQUIRE(ingest_indexes(without_leaf, t.inputs(), {}).rejections.empty());
  CHECK(full_state(db) == full_state(without_leaf));
  CHECK(one(db, "SELECT count(*) FROM index_redescribe") == "0\n");
}

TEST_CASE("a hash two page releases disagree about and an index lists: any order, any removal, as fresh") {
  Tree t;
  const auto tree = t.dir / "pages";
  testing::CachePage("p1", "zlib").spec(testing::SpecEntry(kZlib).compiler("gcc@9.9.9").stacks({"root"})).write(tree);
  testing::CachePage("p2", "zlib").spec(testing::SpecEntry(kZlib).compiler("gcc@8.8.8").stacks({"root"})).write(tree);
  const auto in = t.inputs();
  const auto fresh_of = [&](bool pages, bool indexes) {
    auto db = memory_db();
    if (pages) REQUIRE(ingest(db, {tree}, {}).rejections.empty());
    if (indexes) REQUIRE(ingest_indexes(db, in, {}).rejections.empty());
    return state(db);
  };
  const std::string both = fresh_of(true, true);
  auto page_first = memory_db(), index_first = memory_db();
  REQUIRE(ingest(page_first, {tree}, {}).rejections.empty());
  REQUIRE(ingest_indexes(page_first, in, {}).rejections.empty());
  REQUIRE(ingest_indexes(index_first, in, {}).rejections.empty());
  REQUIRE(ingest(index_first, {tree}, {}).rejections.empty());
  CHECK(state(page_first) == both);
  CHECK(state(index_first) == both);
  CHECK(one(page_first, "SELECT DISTINCT compiler FROM specs WHERE hash = '" + kZlib + "'") == "gcc@13.2.0\n");
  // Then the indexes drop zlib: the pages' rule again (the release that sorts
  // last, p2, describes it), as pages alone give it.
  write(t.root, testing::index_json({openssl(), gcc()}));
  write(t.e4s, testing::index_json({gcc(), openssl()}, 9));
  write(t.ml, testing::index_json({gcc()}));
  for (auto* db : {&page_first, &index_first}) {
    REQUIRE(ingest_indexes(*db, in, {}).rejections.empty());
    CHECK(state(*db) == fresh_of(true, true));
    CHECK(one(*db, "SELECT DISTINCT compiler FROM specs WHERE hash = '" + kZlib + "'") == "gcc@8.8.8\n");
  }
}

TEST_CASE("a page and indexes sharing a hash: a compiler node arriving later, or the page pruned, as fresh") {
  testing::TempDir dir;
  const std::string k = dag_hash("kk"), g = dag_hash("gcc1230"), other = dag_hash("other");
  IndexSpec kk{k, "kk", "1.0"};
  kk.dependencies = {compiler_edge(g)};
  IndexSpec node{g, "gcc", "12.3.0"};
  node.in_buildcache = false;
  write(dir / "a.json", testing::index_json({kk}));
  write(dir / "b.json", testing::index_json({node}));
  const IndexInput a{(dir / "a.json").string(), "r1", "a", {}}, b{(dir / "b.json").string(), "r1", "b", {}};
  const auto pages = dir / "pages";
  // The page says what the index says once gcc's node is there (kk@1.0, gcc@12.3.0, ...).
  testing::CachePage("p1", "kk")
      .spec(testing::SpecEntry(k).versions({"1.0"}).compiler("gcc@12.3.0").os("ubuntu24.04").target("x86_64_v3")
                .stacks({"root"}))
      .write(pages);
  testing::CachePage("p1", "other").spec(testing::SpecEntry(other).stacks({"root"})).write(pages);
  // And a hash the page says otherwise about (another OS): contested, the page's word a claim.
  const std::string k2 = dag_hash("kk2");
  IndexSpec kk2{k2, "kk2", "2.0"};
  kk2.annotated_compiler = "gcc@=11.1";
  write(dir / "c.json", testing::index_json({kk2}));
  const IndexInput c{(dir / "c.json").string(), "r1", "c", {}};
  testing::CachePage("p1", "kk2")
      .spec(testing::SpecEntry(k2).versions({"2.0"}).compiler("gcc@11.1").os("rhel8").stacks({"e4s"}))
      .write(pages);
  // The node after kk's index, or before it: the page agrees either way in the end.
  auto node_later = memory_db(), node_first = memory_db();
  REQUIRE(ingest(node_later, {pages}, {}).rejections.empty());
  const auto a_later = ingest_indexes(node_later, {a}, {});
  REQUIRE(a_later.rejections.empty());
  // kk's compiler is only 'gcc' until gcc's node comes: no disagreement said.
  CHECK(a_later.findings.empty());
  REQUIRE(ingest_indexes(node_later, {b}, {}).rejections.empty());
  REQUIRE(ingest(node_first, {pages}, {}).rejections.empty());
  REQUIRE(ingest_indexes(node_first, {b}, {}).rejections.empty());
  REQUIRE(ingest_indexes(node_first, {a}, {}).rejections.empty());
  // The index read after the page that says otherwise: a finding of the index.
  const auto c_later = ingest_indexes(node_later, {c}, {});
  REQUIRE(c_later.rejections.empty());
  REQUIRE(c_later.findings.size() == 1);
  CHECK(c_later.findings[0].kind == "hash_conflict");
  CHECK(c_later.findings[0].hash == k2);
  CHECK(c_later.findings[0].package == "kk2");
  CHECK(c_later.findings[0].release == "r1");
  CHECK(c_later.findings[0].path == c.path);
  CHECK(testing::contains(c_later.findings[0].message, "with a different os, target; this build-cache index describes it"));
  CHECK(one(node_later, "SELECT kind || ' ' || hash FROM ingest_findings") == "hash_conflict " + k2 + "\n");
  REQUIRE(ingest_indexes(node_first, {c}, {}).rejections.empty());
  CHECK(state(node_later) == state(node_first));
  CHECK(one(node_later, "SELECT contested FROM spec WHERE hash = '" + k + "'") == "0\n");
  CHECK(one(node_later, "SELECT hash || ' ' || contested FROM spec_claim JOIN spec ON spec.id = spec_id") ==
        k2 + " 1\n");

  // kk's and kk2's pages go (pruned) while the indexes still list them: as a
  // fresh ingest of the pages left and the indexes.
  std::filesystem::remove_all(pages / "_cache" / "p1" / "kk");
  std::filesystem::remove_all(pages / "_cache" / "p1" / "kk2");
  IngestOptions prune;
  prune.prune = true;
  REQUIRE(ingest(node_later, {pages}, prune).rejections.empty());
  auto fresh = memory_db();
  REQUIRE(ingest(fresh, {pages}, {}).rejections.empty());
  REQUIRE(ingest_indexes(fresh, {a, b, c}, {}).rejections.empty());
  CHECK(state(node_later) == state(fresh));
  CHECK(one(node_later, "SELECT contested FROM spec WHERE hash = '" + k2 + "'") == "0\n");
}

// An index names a compiler by its package alone ("gcc") until the node of
// its version comes; a page read meanwhile that names the version is not set
// against that, as an index read after the page does not set it either.
TEST_CASE("a page naming the compiler an index has only by its package, its node on a page: compared once it comes") {
  testing::TempDir dir;
  const std::string k = dag_hash("kseven"), k8 = dag_hash("keight"), g = dag_hash("gcc1410");
  IndexSpec kseven{k, "kseven", "1.0"}, keight{k8, "keight", "1.0"};
  kseven.dependencies = keight.dependencies = {compiler_edge(g)};
  write(dir / "a.json", testing::index_json({kseven, keight}));  // without gcc's node
  const std::vector<IndexInput> in{{(dir / "a.json").string(), "r1", "root", {}}};
  const auto pages = dir / "pages";
  const auto entry = [](const std::string& hash, const std::string& version, const std::string& compiler) {
    return testing::SpecEntry(hash).versions({version}).compiler(compiler).os("ubuntu24.04").target("x86_64_v3")
        .stacks({"root"});
  };
  // kseven's page names the node's version, keight's another.
  testing::CachePage("p1", "kseven").spec(entry(k, "1.0", "gcc@14.1.0")).write(pages);
  testing::CachePage("p1", "keight").spec(entry(k8, "1.0", "gcc@13.0.0")).write(pages);
  testing::CachePage("p1", "gcc").spec(entry(g, "14.1.0", "none")).write(pages);
  const auto said = [](const IngestSummary& s) {
    std::string out;
    for (const auto& f : s.findings) out += f.package + " " + f.hash + "\n";
    return out;
  };
  auto page_first = memory_db(), index_first = memory_db();
  REQUIRE(ingest(page_first, {pages}, {}).findings.empty());
  CHECK(said(ingest_indexes(page_first, in, {})) == "keight " + k8 + "\n");
  REQUIRE(ingest_indexes(index_first, in, {}).findings.empty());
  CHECK(one(index_first, "SELECT compiler FROM specs WHERE hash = '" + k + "'") == "gcc\n");
  // The pages' words are not set against `gcc`; once the node comes (from a
  // page of this run), against what it names.
  const auto page_after = ingest(index_first, {pages}, {});
  REQUIRE(page_after.findings.size() == 1);
  CHECK(page_after.findings[0].hash == k8);
  CHECK(testing::contains(page_after.findings[0].path, "keight"));
  CHECK(testing::contains(page_after.findings[0].message, "a different compiler; a build-cache index"));
  CHECK(testing::contains(page_after.findings[0].message, "node now names gcc@14.1.0"));
  CHECK(state(page_first) == state(index_first));
  CHECK(one(index_first, "SELECT DISTINCT compiler FROM specs WHERE hash = '" + k + "'") == "gcc@14.1.0\n");
  // Told once: the pages read again change nothing and say nothing.
  CHECK(ingest(index_first, {pages}, {}).findings.empty());
}

// The node comes in a page run that replaces a release's indexes with pages:
// the compilers settled as the indexes go are set against the pages all the same.
TEST_CASE("a compiler named by its package alone, its node on a page of a run that replaces an index release") {
  testing::TempDir dir;
  const std::string k = dag_hash("keight"), g = dag_hash("gcc1410");
  IndexSpec keight{k, "keight", "1.0"};
  keight.dependencies = {compiler_edge(g)};
  write(dir / "a.json", testing::index_json({keight}));  // without gcc's node
  const std::vector<IndexInput> in{{(dir / "a.json").string(), "r1", "root", {}},
                                   {(dir / "a.json").string(), "r2", "root", {}}};
  const auto pages = dir / "pages";
  const auto entry = [](const std::string& hash, const std::string& version, const std::string& compiler) {
    return testing::SpecEntry(hash).versions({version}).compiler(compiler).os("ubuntu24.04").target("x86_64_v3")
        .stacks({"root"});
  };
  testing::CachePage("p1", "keight").spec(entry(k, "1.0", "gcc@13.0.0")).write(pages);
  auto db = memory_db();
  REQUIRE(ingest(db, {pages}, {}).findings.empty());
  REQUIRE(ingest_indexes(db, in, {}).findings.empty());
  CHECK(one(db, "SELECT DISTINCT compiler FROM specs WHERE hash = '" + k + "'") == "gcc\n");
  // gcc's node on a page (p1 is walked first), and r1 read from pages now.
  testing::CachePage("p1", "gcc").spec(entry(g, "14.1.0", "none")).write(pages);
  testing::CachePage("r1", "other").spec(entry(dag_hash("other"), "1.0", "none")).write(pages);
  IngestOptions replace;
  replace.replace_release_kind = true;
  const auto s = ingest(db, {pages}, replace);
  REQUIRE(s.rejections.empty());
  CHECK(one(db, "SELECT DISTINCT compiler FROM specs WHERE hash = '" + k + "'") == "gcc@14.1.0\n");
  REQUIRE(s.findings.size() == 1);
  CHECK(s.findings[0].hash == k);
  CHECK(testing::contains(s.findings[0].message, "a different compiler"));
}

// Spack 1.0's pages say `none` of every spec's compiler (compilers became
// dependencies); an index of the same hash names it by its build dependency.
// The page does not say otherwise, so nothing is reported of the compiler,
// whichever came first; what the page does say otherwise still is.
TEST_CASE("a Spack 1.0 page (compiler none) and an index naming the compiler by dependency: no compiler conflict") {
  testing::TempDir dir;
  const std::string k = dag_hash("kk"), k2 = dag_hash("kk2"), k3 = dag_hash("kk3"), k4 = dag_hash("kk4"),
                    k5 = dag_hash("kk5"), g = dag_hash("gcc1230");
  // kk4 has no dependencies: no compiler, and no edges to tell that an index described it.
  IndexSpec kk{k, "kk", "1.0"}, kk2{k2, "kk2", "2.0"}, kk3{k3, "kk3", "3.0"}, kk4{k4, "kk4", "4.0"},
      kk5{k5, "kk5", "5.0"}, node{g, "gcc", "12.3.0"};
  kk.dependencies = kk2.dependencies = kk3.dependencies = kk5.dependencies = {compiler_edge(g)};
  node.in_buildcache = false;
  write(dir / "a.json", testing::index_json({node, kk, kk2, kk3, kk4, kk5}));
  const std::vector<IndexInput> in{{(dir / "a.json").string(), "r1", "root", {}}};
  const auto pages = dir / "pages";
  const auto entry = [](const std::string& hash, const std::string& version, const std::string& compiler,
                        const std::string& os) {
    return testing::SpecEntry(hash).versions({version}).compiler(compiler).os(os).target("x86_64_v3").stacks({"root"});
  };
  // kk as the index has it but the compiler; kk2 on another OS as well; kk3
  // named with another compiler by an older release's page, which the page
  // shown (p1 sorts last) does not say.
  testing::CachePage("p1", "kk").spec(entry(k, "1.0", "none", "ubuntu24.04")).write(pages);
  testing::CachePage("p1", "kk2").spec(entry(k2, "2.0", "none", "rhel8")).write(pages);
  testing::CachePage("p0", "kk3").spec(entry(k3, "3.0", "gcc@=9.9.9", "ubuntu24.04")).write(pages);
  testing::CachePage("p1", "kk3").spec(entry(k3, "3.0", "none", "ubuntu24.04")).write(pages);
  testing::CachePage("p1", "kk4").spec(entry(k4, "4.0", "none", "rhel8")).write(pages);
  // kk5 shown as the index has it, an older release's page on another OS.
  testing::CachePage("p0", "kk5").spec(entry(k5, "5.0", "gcc@12.3.0", "rhel8")).write(pages);
  testing::CachePage("p1", "kk5").spec(entry(k5, "5.0", "gcc@12.3.0", "ubuntu24.04")).write(pages);
  const auto said = [](const IngestSummary& s) {
    std::vector<std::string> lines;
    for (const auto& f : s.findings) {
      REQUIRE(f.kind == "hash_conflict");
      const auto with = f.message.find("with a different ");
      REQUIRE(with != std::string::npos);
      lines.push_back(f.package + " " + f.message.substr(with, f.message.find(';') - with));
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  };
  auto page_first = memory_db(), index_first = memory_db();
  // Between pages alone, `none` and a compiler do disagree: no index names it.
  CHECK(said(ingest(page_first, {pages}, {})) == "kk3 with a different compiler\nkk5 with a different os\n");
  const auto index_after = ingest_indexes(page_first, in, {});
  REQUIRE(index_after.rejections.empty());
  REQUIRE(ingest_indexes(index_first, in, {}).findings.empty());
  const auto page_after = ingest(index_first, {pages}, {});
  REQUIRE(page_after.rejections.empty());
  // kk2's OS, and kk3's compiler as p0 names it, whichever came first; the
  // index's finding names each hash once.
  const std::string both = "kk2 with a different os\nkk3 with a different compiler\nkk4 with a different os\n"
                           "kk5 with a different os\n";
  CHECK(said(index_after) == both);
  CHECK(said(page_after) == both);
  // The index read again, changed elsewhere: told once, not at every update.
  write(dir / "a.json",
        testing::index_json({node, kk, kk2, kk3, kk4, kk5, IndexSpec{dag_hash("more"), "more", "1"}}));
  CHECK(said(ingest_indexes(page_first, in, {})) == "");
  write(dir / "a.json", testing::index_json({node, kk, kk2, kk3, kk4, kk5}));
  CHECK(said(ingest_indexes(page_first, in, {})) == "");
  REQUIRE(ingest_indexes(index_first, in, {}).findings.empty());
  for (const auto& f : page_after.findings)
    if (f.hash == k3) CHECK(testing::contains(f.path, "p0"));
  // What is stored is as before: the index's word, the pages' kept as claims.
  CHECK(state(page_first) == state(index_first));
  CHECK(one(page_first, "SELECT release || ' ' || compiler FROM specs WHERE hash = '" + k + "' ORDER BY 1") ==
        "p1 gcc@12.3.0\nr1 gcc@12.3.0\n");
  CHECK(one(index_first, "SELECT group_concat(label, ' ') FROM (SELECT cc.label FROM spec_claim c "
                         "JOIN compiler cc ON cc.id = c.compiler_id ORDER BY 1)") ==
        "gcc@12.3.0 gcc@12.3.0 gcc@9.9.9 none none none none\n");
  // A page naming another compiler is still a disagreement.
  testing::CachePage("p1", "kk").spec(entry(k, "1.0", "gcc@=9.9.9", "ubuntu24.04")).write(pages);
  CHECK(said(ingest(index_first, {pages}, {})) == "kk with a different compiler\n");
  // The index read again says kk4 otherwise: set against the page's word,
  // not against what the index said before.
  kk4.os = "rhel8";
  write(dir / "a.json", testing::index_json({node, kk, kk2, kk3, kk4, kk5}));
  CHECK(said(ingest_indexes(page_first, in, {})) == "");
  kk4.version = "4.1";
  write(dir / "a.json", testing::index_json({node, kk, kk2, kk3, kk4, kk5}));
  CHECK(said(ingest_indexes(page_first, in, {})) == "kk4 with a different versions\n");
}

TEST_CASE("indexes read ahead of one that fails are read again: what the failed one described is gone") {
  // A describes 300 specs and then breaks off; B to E, read while A is
  // written, list the same specs. Had their readers been trusted, they would
  // have left out the descriptions A gave, and been rejected for lacking them.
  std::vector<IndexSpec> specs;
  for (int i = 0; i < 300; ++i)
    // Appended, not "spec" + ...: there GCC 12 warns of an overlap that cannot be (-Wrestrict).
    specs.push_back({.hash = dag_hash(std::string("spec").append(std::to_string(i))),
                     .package = std::string("p").append(std::to_string(i))});
  const std::string whole = testing::index_json(specs, 8);
  Tree t;
  write(t.dir / "a.json", whole.substr(0, whole.size() - 8));
  std::vector<IndexInput> inputs = {{(t.dir / "a.json").string(), "v1.0", "a", {}}};
  for (std::string stack : {"b", "c", "d", "e"}) {
    write(t.dir / (stack + ".json"), whole);
    inputs.push_back({(t.dir / (stack + ".json")).string(), "v1.0", stack, {}});
  }
  // The readers race: a few runs, each into a new database.
  for (int run = 0; run < 5; ++run) {
    auto db = memory_db();
    const auto s = ingest_indexes(db, inputs, {});
    REQUIRE(s.rejections.size() == 1);
    CHECK(s.rejections[0].path == (t.dir / "a.json").string());
    CHECK(one(db, "SELECT count(*) FROM specs WHERE release = 'v1.0'") == "300\n");
    CHECK(state(db) == fresh_state({inputs.begin() + 1, inputs.end()}));
    CHECK(one(db, "SELECT count(*) FROM index_listing") == "1200\n");
  }
}

namespace {

// Bytes from memory, 4 KiB at a time and slowly: the writer waits for this
// reader, and derives meanwhile what it may.
class SlowSource : public spack_index::ByteSource {
 public:
  SlowSource(std::string bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {}
  std::size_t read(char* buf, std::size_t n) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    n = std::min({n, std::size_t{4096}, bytes_.size() - at_});
    std::memcpy(buf, bytes_.data() + at_, n);
    at_ += n;
    return n;
  }
  const std::string& name() const override { return name_; }

 private:
  std::string bytes_, name_;
  std::size_t at_ = 0;
};

// `n` specs of their own, the first of them depending on the second.
std::vector<IndexSpec> own_specs(const std::string& seed, int n) {
  std::vector<IndexSpec> specs;
  for (int i = 0; i < n; ++i)
    specs.push_back({.hash = dag_hash(seed + std::to_string(i)), .package = seed + std::to_string(i % 37)});
  specs[0].dependencies = {{specs[1].hash, specs[1].package, {"build", "link"}, {}}};
  return specs;
}

struct Document {
  std::filesystem::path path;
  std::string release, stack;
  bool slow = false;
};

// The documents written by an IndexWriter into an empty database, each
// release said complete after its last document: what IndexRun does, with
// slow readers where asked. Documents that fail are left out.
struct BulkLoad {
  std::string state;
  IndexWriter::Totals totals;
  int rejected = 0;
};
BulkLoad bulk_load(const std::vector<Document>& docs) {
  auto db = memory_db();
  BulkLoad out;
  cachedb::Transaction tx(db);
  IndexWriter w(db);
  REQUIRE(w.begin_bulk_load());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const Document& d = docs[i];
    const std::string bytes = testing::read_text(d.path);
    std::unique_ptr<spack_index::ByteSource> source =
        d.slow ? std::make_unique<SlowSource>(bytes, d.path.string())
               : spack_index::memory_source(bytes.data(), bytes.size(), d.path.string());
    const auto release = w.release_id(d.release);
    try {
      w.write(*source, release, w.stack_id(d.stack), d.path.string(), "", {}, "2026-12-03T00:00:00Z");
    } catch (const spack_index::IndexParseError&) {
      ++out.rejected;
    }
    if (i + 1 == docs.size() || docs[i + 1].release != d.release) w.release_complete(release);
  }
  out.totals = w.finish();
  w.finish_bulk_load();
  delete_unused_names(db);  // as the run does after them
  tx.commit();
  out.state = state(db);
  return out;
}

// One run per release: nothing is derived before its run ends.
std::string run_per_release(const std::vector<Document>& docs) {
  auto db = memory_db();
  for (std::size_t i = 0; i < docs.size();) {
    std::vector<IndexInput> run;
    for (const auto& release = docs[i].release; i < docs.size() && docs[i].release == release; ++i)
      run.push_back({docs[i].path.string(), docs[i].release, docs[i].stack, {}});
    REQUIRE(ingest_indexes(db, run, {}).rejections.empty());
  }
  return state(db);
}

}  // namespace

TEST_CASE("into an empty database, a release's rows are derived while the next indexes are read, as at the end") {
  // v1's specs are many slices' worth (256 specs a slice); v2 shares half of
  // them, and its slow reader leaves the writer time to derive v1 meanwhile.
  testing::TempDir dir;
  auto v1 = own_specs("a", 1000), v2 = own_specs("b", 300), e4s = own_specs("a", 400);
  v2.insert(v2.end(), v1.begin(), v1.begin() + 500);
  write(dir / "v1root.json", testing::index_json(v1));
  write(dir / "v1e4s.json", testing::index_json(e4s, 9));
  write(dir / "v2root.json", testing::index_json(v2));
  std::vector<Document> docs = {{dir / "v1root.json", "v1.0", "root"},
                                {dir / "v1e4s.json", "v1.0", "e4s"},
                                {dir / "v2root.json", "v2.0", "root", true}};
  const auto load = bulk_load(docs);
  CHECK(load.rejected == 0);
  CHECK(load.totals.releases_derived_early == 1);  // v1; v2, the last, at the end
  CHECK(load.totals.specs_added == 1000 + 800);
  CHECK(load.state == run_per_release(docs));
  CHECK(load.state.find("v1.0") != std::string::npos);
}

TEST_CASE("into an empty database, each spec's stacks over every release grow as releases are derived, early and "
          "at the end") {
  // v1 and v2 are derived while the slow indexes after them are read; v3,
  // the last, at the end: it adds the stack x to specs whose stacks over the
  // releases before were written already, and leaves others as they were.
  testing::TempDir dir;
  auto v1 = own_specs("a", 1000);
  auto v2 = own_specs("b", 300);
  v2.insert(v2.end(), v1.begin(), v1.begin() + 500);
  write(dir / "v1root.json", testing::index_json(v1));
  write(dir / "v1e4s.json", testing::index_json(std::vector<IndexSpec>(v1.begin(), v1.begin() + 400), 9));
  write(dir / "v2root.json", testing::index_json(v2));
  write(dir / "v2ml.json", testing::index_json(std::vector<IndexSpec>(v1.begin() + 200, v1.begin() + 700)));
  write(dir / "v3root.json", testing::index_json(std::vector<IndexSpec>(v1.begin(), v1.begin() + 100)));
  write(dir / "v3x.json", testing::index_json(std::vector<IndexSpec>(v1.begin() + 50, v1.begin() + 150)));
  std::vector<Document> docs = {{dir / "v1root.json", "v1.0", "root"}, {dir / "v1e4s.json", "v1.0", "e4s"},
                                {dir / "v2root.json", "v2.0", "root", true}, {dir / "v2ml.json", "v2.0", "ml", true},
                                {dir / "v3root.json", "v3.0", "root", true}, {dir / "v3x.json", "v3.0", "x", true}};
  const auto load = bulk_load(docs);
  CHECK(load.rejected == 0);
  CHECK(load.totals.releases_derived_early == 2);
  CHECK(load.state == run_per_release(docs));
  auto stacks_of = [&](const IndexSpec& s) {
    const auto at = load.state.find(s.hash + " ");
    REQUIRE(at != std::string::npos);
    const auto line = load.state.substr(at, load.state.find('\n', at) - at);
    return line.substr(line.rfind(' ') + 1);
  };
  CHECK(stacks_of(v1[60]) == "e4s,root,x");      // v1 e4s and root, v2 root, v3 root and x
  CHECK(stacks_of(v1[250]) == "e4s,ml,root");    // v1 e4s and root, v2 root and ml
  CHECK(stacks_of(v1[120]) == "e4s,root,x");     // x alone adds to it in v3
  CHECK(stacks_of(v1[800]) == "root");           // v1 root only
  CHECK(stacks_of(v2[0]) == "root");             // v2 root only
}

TEST_CASE("into an empty database, an index that fails rolls back what was derived while it was read: "
          "every release is derived again") {
  testing::TempDir dir;
  auto v1 = own_specs("a", 1000), v2 = own_specs("b", 300);
  v2.insert(v2.end(), v1.begin(), v1.begin() + 500);
  write(dir / "v1root.json", testing::index_json(v1));
  write(dir / "v2root.json", testing::index_json(v2));
  const std::string whole = testing::index_json(own_specs("c", 500));
  write(dir / "v2bad.json", whole.substr(0, whole.size() - 8));  // breaks off at the end, after v1 is derived
  std::vector<Document> docs = {{dir / "v1root.json", "v1.0", "root"},
                                {dir / "v2bad.json", "v2.0", "bad", true},
                                {dir / "v2root.json", "v2.0", "root", true}};
  const auto load = bulk_load(docs);
  CHECK(load.rejected == 1);
  CHECK(load.totals.releases_derived_early == 0);  // v1's derivation was rolled back with v2bad
  CHECK(load.totals.specs_added == 1000 + 800);
  CHECK(load.state == run_per_release({docs[0], docs[2]}));

  SUBCASE("part of it derived before the index that fails, part while it is read") {
    // v0 takes tens of slices; the small index after it, read slowly, lets
    // the first of them be derived (and kept), the failing one the rest.
    auto v0 = own_specs("z", 6000);
    write(dir / "v0root.json", testing::index_json(v0));
    write(dir / "v2small.json", testing::index_json(own_specs("d", 3)));
    std::vector<Document> more = {{dir / "v0root.json", "v0.1", "root"},
                                  {dir / "v2small.json", "v2.0", "small", true},
                                  docs[1],
                                  docs[2]};
    const auto partly = bulk_load(more);
    CHECK(partly.rejected == 1);
    CHECK(partly.totals.releases_derived_early == 0);
    CHECK(partly.totals.specs_added == 6000 + 803);
    CHECK(partly.state == run_per_release({more[0], more[1], more[3]}));
  }
}

TEST_CASE("into an empty database, a hash described again after an index failed is found, not stored twice") {
  // root stores zlib-ng and libressl (hashes of Spack's alphabet, which the
  // writer's cache of spec ids keeps); the broken index after it rolls back,
  // and the run forgets what it knew of them; e4s describes them again, and
  // the writer must find them stored, not insert them (a spec id taken from
  // an insert that did nothing would be another spec's).
  IndexSpec z{dag_hash("zlibng"), "zlib-ng", "2.2.1"}, o{dag_hash("libressl"), "libressl", "3.9.0"};
  o.dependencies = {{z.hash, z.package, {"build", "link"}, {}}};
  testing::TempDir dir;
  const std::string whole = testing::index_json({z, o});
  write(dir / "root.json", whole);
  write(dir / "broken.json", whole.substr(0, whole.size() - 8));
  write(dir / "e4s.json", testing::index_json({o, z}, 9));
  const std::vector<IndexInput> inputs = {{(dir / "root.json").string(), "v1.0", "root", {}},
                                          {(dir / "broken.json").string(), "v1.0", "broken", {}},
                                          {(dir / "e4s.json").string(), "v1.0", "e4s", {}}};
  auto db = memory_db();
  const auto s = ingest_indexes(db, inputs, {});
  REQUIRE(s.rejections.size() == 1);
  CHECK(s.rejections[0].path == (dir / "broken.json").string());
  CHECK(state(db) == fresh_state({inputs[0], inputs[2]}));
  CHECK(one(db, "SELECT count(*) FROM spec") == "2\n");
  CHECK(one(db, "SELECT count(*) FROM dependency") == "1\n");
  CHECK(one(db, "SELECT group_concat(stack, ',') FROM (SELECT stack FROM spec_stacks WHERE package = 'zlib-ng' "
                "ORDER BY 1)") == "e4s,root\n");
}

TEST_CASE("into a database that does not exist yet, the first index is read while it is made: the same database") {
  Tree t;
  const auto in = t.inputs();
  const std::string want = fresh_state(in);
  auto memory = memory_db();
  REQUIRE(ingest_indexes(memory, in, {}).rejections.empty());
  const std::string want_sources = testing::dump_rows(memory, {kSources});

  const auto path = t.dir / "new.sqlite";
  IndexHeadStart head(in, path);
  REQUIRE(head.begun());
  CHECK_FALSE(head.taken());
  auto db = open_database(path, OpenMode::ReadWrite);
  const auto s = ingest_indexes(db, in, {}, &head);
  CHECK(head.taken());
  CHECK(s.rejections.empty());
  CHECK(s.pages_added == 3);
  CHECK(state(db) == want);
  // Checked against its digests at the end, as any index read before it was hashed: recognized next time.
  CHECK(testing::dump_rows(db, {kSources}) == want_sources);
  const auto again = ingest_indexes(db, in, {});
  CHECK(again.pages_unchanged == 3);

  // A database that holds something now: nothing is begun.
  IndexHeadStart existing(in, path);
  CHECK_FALSE(existing.begun());
  // Nor for an empty listing, stdin, or an input that was not found.
  CHECK_FALSE(IndexHeadStart({}, t.dir / "other.sqlite").begun());
  CHECK_FALSE(IndexHeadStart({{"-", "v1.0", "root", {}}}, t.dir / "other.sqlite").begun());
  std::vector<IndexInput> missing{{(t.dir / "missing.json").string(), "v1.0", "root", "no such file"}};
  CHECK_FALSE(IndexHeadStart(missing, t.dir / "other.sqlite").begun());
}

TEST_CASE("a reading begun before the database was opened, into one that holds indexes by then: stopped, the run as "
          "without it") {
  Tree t;
  const auto in = t.inputs();
  const auto path = t.dir / "made-meanwhile.sqlite";
  IndexHeadStart head(in, path);
  REQUIRE(head.begun());
  auto db = open_database(path, OpenMode::ReadWrite);
  // Another program stores root and e4s meanwhile.
  REQUIRE(ingest_indexes(db, {in[0], in[1]}, {}).rejections.empty());
  const auto s = ingest_indexes(db, in, {}, &head);
  CHECK_FALSE(head.taken());
  CHECK(s.rejections.empty());
  CHECK(s.pages_unchanged == 2);
  CHECK(s.pages_added == 1);
  CHECK(state(db) == fresh_state(in));
}

TEST_CASE("a reading begun before the database was opened: a bad first index is rejected as without it; with the "
          "hashing off it is stopped") {
  Tree t;
  write(t.dir / "bad.json", "{\"database\": {\"version\": \"8\", \"installs\": {\"" + kZlib +
                                "\": {\"spec\": {\"name\": 7}}}}}");
  auto in = t.inputs();
  in.insert(in.begin(), {(t.dir / "bad.json").string(), "v1.0", "bad", {}});
  auto plain = memory_db();
  const auto without = ingest_indexes(plain, in, {});
  REQUIRE(without.rejections.size() == 1);

  IndexHeadStart head(in, t.dir / "bad-first.sqlite");
  REQUIRE(head.begun());
  auto db = open_database(t.dir / "bad-first.sqlite", OpenMode::ReadWrite);
  const auto s = ingest_indexes(db, in, {}, &head);
  CHECK(head.taken());
  REQUIRE(s.rejections.size() == 1);
  CHECK(s.rejections[0].path == without.rejections[0].path);
  CHECK(s.rejections[0].message == without.rejections[0].message);
  CHECK(s.pages_added == 3);
  CHECK(testing::dump_analyst_views(db) == testing::dump_analyst_views(plain));

  // A run that hashes nothing ahead checks each index as it reads it: what was begun unchecked is not used.
  const auto good = t.inputs();
  IndexHeadStart unused(good, t.dir / "off.sqlite");
  REQUIRE(unused.begun());
  auto off_db = open_database(t.dir / "off.sqlite", OpenMode::ReadWrite);
  IndexIngestOptions off;
  off.hash_ahead = IndexIngestOptions::HashAhead::off;
  REQUIRE(ingest_indexes(off_db, good, off, &unused).rejections.empty());
  CHECK_FALSE(unused.taken());
  CHECK(state(off_db) == fresh_state(good));
}

TEST_CASE("a first index begun before the database was opened and found wrong against its sha256 at the end: the run "
          "is read again, and rejects it as checking it while reading does") {
  Tree t;
  auto in = t.inputs();
  in[0].expected = {std::string(64, 'a'), "index.json.hash"};
  auto checked = memory_db();
  IndexIngestOptions off;
  off.hash_ahead = IndexIngestOptions::HashAhead::off;
  const auto want = ingest_indexes(checked, in, off);
  REQUIRE(want.rejections.size() == 1);

  std::vector<std::string> read_again;
  IndexIngestOptions options;
  options.on_read_again = [&](const std::string& why) { read_again.push_back(why); };
  IndexHeadStart head(in, t.dir / "wrong-sum.sqlite");
  REQUIRE(head.begun());
  auto db = open_database(t.dir / "wrong-sum.sqlite", OpenMode::ReadWrite);
  const auto s = ingest_indexes(db, in, options, &head);
  CHECK(head.taken());
  REQUIRE(read_again.size() == 1);
  CHECK(testing::contains(read_again[0], "index.json.hash says " + std::string(64, 'a')));
  REQUIRE(s.rejections.size() == 1);
  CHECK(s.rejections[0].message == want.rejections[0].message);
  CHECK(s.pages_added == 2);
  CHECK(testing::dump_analyst_views(db) == testing::dump_analyst_views(checked));
}

// A hash an index listed (with its edges) that tonight's run unlists, then
// another index lists again, while a page release that listed it is replaced
// by indexes in between: the index describes it, as in a fresh ingest. The
// replaced release's index comes between the two, or after both; the pages
// disagree with the index (the hash contested) or agree (the replaced release
// its only page).
TEST_CASE("a hash unlisted, its page release replaced by indexes, then listed again in one run: as fresh") {
  for (const bool agree : {false, true}) {
    for (const bool replaced_between : {true, false}) {
     for (int others = 0; others <= 5; ++others) {
      CAPTURE(agree);
      CAPTURE(replaced_between);
      CAPTURE(others);
      testing::TempDir dir;
      const auto pages = dir / "pages";
      const auto page_of = [&](const char* release, const char* os, const char* compiler) {
        testing::CachePage(release, "zlib")
            .spec(testing::SpecEntry(kZlib).versions({"1.3.1"}).compiler(compiler).os(os).target("x86_64")
                      .variants({"~optimize", "+shared"}).stacks({"root"}))
            .write(pages);
      };
      if (agree) {
        page_of("x1", "ubuntu24.04", "gcc@13.2.0");
      } else {
        page_of("p2", "rhel8", "gcc@8.8.8");
        page_of("x1", "sles15", "gcc@9.9.9");
      }
      const auto at = [&](const char* name) { return (dir / name).string(); };
      IndexSpec dependency_only = zlib();
      dependency_only.in_buildcache = false;
      write(at("i1-before.json"), testing::index_json({gcc(), dependency_only}));
      write(at("i1.json"), testing::index_json({gcc()}));
      write(at("i2.json"), testing::index_json({gcc(), zlib()}));
      write(at("x1.json"), testing::index_json({gcc()}));
      write(at("other.json"), testing::index_json({cuda()}));
      const IndexInput i1{at("i1.json"), "i1", "s1", {}}, i2{at("i2.json"), "i2", "s1", {}},
          x1{at("x1.json"), "x1", "root", {}};
      // Others between them: x1's index read ahead of the others, or not.
      std::vector<IndexInput> night2{i1};
      if (!replaced_between) night2.push_back(i2);
      for (int f = 0; f < others; ++f) night2.push_back({at("other.json"), "i3", fmt::format("f{}", f), {}});
      night2.push_back(x1);
      if (replaced_between) night2.push_back(i2);
      IndexIngestOptions replace;
      replace.replace_release_kind = true;

      auto db = memory_db();
      REQUIRE(ingest(db, {pages}, {}).rejections.empty());
      REQUIRE(ingest_indexes(db, {{at("i1-before.json"), "i1", "s1", {}}}, {}).rejections.empty());
      REQUIRE(ingest_indexes(db, night2, replace).rejections.empty());

      auto fresh = memory_db();
      REQUIRE(ingest(fresh, {pages}, {}).rejections.empty());
      REQUIRE(ingest_indexes(fresh, night2, replace).rejections.empty());
      CHECK(state(db) == state(fresh));
      CHECK(one(db, "SELECT DISTINCT os || ' ' || compiler FROM specs WHERE hash = '" + kZlib + "'") ==
            "ubuntu24.04 gcc@13.2.0\n");
      CHECK(one(db, "SELECT count(*) FROM dependency d JOIN spec s ON s.id = d.spec_id WHERE s.hash = '" + kZlib +
                        "'") == "1\n");
     }
    }
  }
}

// What cachedb before schema version 10 left when an index stopped listing a
// hash a page still listed: the hash kept its edges, and the index's
// description where the index was read first (the page's word dropped).
// Upgraded, the next page run describes it as a fresh ingest does, whether
// the page is unchanged, changed or pruned.
TEST_CASE("an old database's spec with edges no index lists: upgraded, a page run describes it as fresh") {
  for (const std::string next : {"unchanged", "changed", "pruned"}) {
    CAPTURE(next);
    testing::TempDir dir;
    const auto pages = dir / "pages";
    const auto page = [&](const char* os) {
      testing::CachePage("p1", "zlib")
          .spec(testing::SpecEntry(kZlib).versions({"1.3.1"}).compiler("gcc@13.2.0").os(os).target("x86_64_v3")
                    .variants({"~optimize", "+shared"}).stacks({"root"}))
          .write(pages);
      testing::CachePage("p1", "other").spec(testing::SpecEntry(kSsl).stacks({"root"})).write(pages);
    };
    page("rhel8");
    write(dir / "i1-before.json", testing::index_json({gcc(), zlib()}));
    write(dir / "i1.json", testing::index_json({gcc()}));
    const IndexInput before{(dir / "i1-before.json").string(), "i1", "s1", {}},
        after{(dir / "i1.json").string(), "i1", "s1", {}};
    auto now = memory_db();
    REQUIRE(ingest(now, {pages}, {}).rejections.empty());
    REQUIRE(ingest_indexes(now, {before}, {}).rejections.empty());
    const std::string zlib_id = "(SELECT id FROM spec WHERE hash = '" + kZlib + "')";
    now.exec("CREATE TABLE kept_edges AS SELECT dependency_hash, package_id, deptypes, virtuals FROM dependency "
             "WHERE spec_id = " + zlib_id);
    REQUIRE(ingest_indexes(now, {after}, {}).rejections.empty());
    // The edges kept, and the index's OS on the spec and its release row, as the index was read first.
    now.exec("INSERT INTO dependency(spec_id, dependency_hash, package_id, deptypes, virtuals) SELECT " + zlib_id +
             ", * FROM kept_edges");
    now.exec("DROP TABLE kept_edges");
    // And one to a package nothing else names, which goes with it.
    now.exec("INSERT INTO package(name) VALUES ('only-an-edge')");
    now.exec("INSERT INTO dependency(spec_id, dependency_hash, package_id, deptypes, virtuals) SELECT " + zlib_id +
             ", '" + dag_hash("edge") + "', id, 'link', '' FROM package WHERE name = 'only-an-edge'");
    const std::string ubuntu = "(SELECT id FROM os WHERE name = 'ubuntu24.04')";
    now.exec("UPDATE spec SET os_id = " + ubuntu + ", contested = 0 WHERE id = " + zlib_id);
    now.exec("UPDATE release_spec SET os_id = " + ubuntu + " WHERE spec_id = " + zlib_id);
    now.exec("DELETE FROM spec_claim");
    const auto path = dir / "v9.db";
    write_old_version(path, now, 9);
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
    migrate(db);
    CHECK(one(db, "SELECT count(*) FROM dependency WHERE spec_id = " + zlib_id) == "0\n");
    CHECK(one(db, "SELECT count(*) FROM package WHERE name = 'only-an-edge'") == "0\n");
    IngestOptions options;
    if (next == "pruned") {
      std::filesystem::remove_all(pages / "_cache" / "p1" / "zlib");
      options.prune = true;
    } else if (next == "changed") {
      page("sles15");
    }
    REQUIRE(ingest(db, {pages}, options).rejections.empty());
    auto fresh = memory_db();
    REQUIRE(ingest(fresh, {pages}, {}).rejections.empty());
    REQUIRE(ingest_indexes(fresh, {after}, {}).rejections.empty());
    CHECK(state(db) == state(fresh));
    // And an index that lists it again describes it, edges and all.
    REQUIRE(ingest_indexes(db, {before}, {}).rejections.empty());
    REQUIRE(ingest_indexes(fresh, {before}, {}).rejections.empty());
    CHECK(state(db) == state(fresh));
  }
}

namespace {
// A gcc@11.4.0 node, a dependency only (not in the build cache), and zz built by it.
std::pair<IndexSpec, IndexSpec> node_and_spec_it_built(const std::string& node, const std::string& spec) {
  IndexSpec n{node, "gcc", "11.4.0"};
  n.in_buildcache = false;
  IndexSpec z{spec, "zz", "1.0"};
  z.dependencies = {compiler_edge(node)};
  return {n, z};
}
}  // namespace

// A compiler node that a page lists otherwise (under the package hdf5) and an
// index lists after the spec it built: the index describes the node, so the
// spec's compiler is the node's gcc@11.4.0 whatever was read first, wherever
// the node's index is listed; and once the node leaves the indexes, as a
// fresh ingest of the page and the indexes left.
TEST_CASE("a compiler node a page lists otherwise: the compiler of the spec it built does not depend on the order") {
  testing::TempDir dir;
  const std::string node = dag_hash("gcc11"), spec = dag_hash("zz");
  const auto [n, z] = node_and_spec_it_built(node, spec);
  const auto at = [&](const char* name) { return (dir / name).string(); };
  write(at("zn.json"), testing::index_json({z, n}));
  write(at("z.json"), testing::index_json({z}));
  write(at("n.json"), testing::index_json({n}));
  const IndexInput zn{at("zn.json"), "i1", "root", {}}, z_only{at("z.json"), "i1", "root", {}},
      n_only{at("n.json"), "i1", "e4s", {}};
  const auto pages = dir / "pages";
  testing::CachePage("p1", "hdf5")
      .spec(testing::SpecEntry(node).versions({"11.4.0"}).os("ubuntu24.04").target("x86_64_v3").stacks({"root"}))
      .write(pages);
  const std::string compiler = "SELECT DISTINCT compiler FROM specs WHERE hash = '" + spec + "'";

  // The page first, or the index.
  auto page_first = memory_db(), index_first = memory_db();
  REQUIRE(ingest(page_first, {pages}, {}).rejections.empty());
  REQUIRE(ingest_indexes(page_first, {zn}, {}).rejections.empty());
  REQUIRE(ingest_indexes(index_first, {zn}, {}).rejections.empty());
  REQUIRE(ingest(index_first, {pages}, {}).rejections.empty());
  CHECK(one(index_first, compiler) == "gcc@11.4.0\n");
  CHECK(one(page_first, compiler) == "gcc@11.4.0\n");
  CHECK(state(page_first) == state(index_first));

  // The node's index listed before the spec's, or after it.
  auto node_before = memory_db(), node_after = memory_db();
  REQUIRE(ingest(node_before, {pages}, {}).rejections.empty());
  REQUIRE(ingest_indexes(node_before, {n_only, z_only}, {}).rejections.empty());
  REQUIRE(ingest(node_after, {pages}, {}).rejections.empty());
  REQUIRE(ingest_indexes(node_after, {z_only, n_only}, {}).rejections.empty());
  CHECK(one(node_before, compiler) == one(node_after, compiler));
  CHECK(state(node_before) == state(node_after));

  // The node leaves the indexes (the spec's index no longer lists it): the
  // page's word on the node, and so on the compiler, as fresh.
  REQUIRE(ingest_indexes(index_first, {z_only}, {}).rejections.empty());
  auto fresh = memory_db();
  REQUIRE(ingest(fresh, {pages}, {}).rejections.empty());
  REQUIRE(ingest_indexes(fresh, {z_only}, {}).rejections.empty());
  CHECK(one(index_first, compiler) == "hdf5@11.4.0\n");
  CHECK(state(index_first) == state(fresh));
}

// What cachedb before schema version 13 could leave: a spec whose compiler is
// a dependency keeping the label its node had when the spec was stored
// (hdf5@11.4.0, a page's word on the node), after an index described the node
// as gcc. Upgraded, the next ingest reads the label off the node again, even
// one that finds every index unchanged.
TEST_CASE("an old database's spec with its compiler node's old label: upgraded, the next ingest relabels it") {
  testing::TempDir dir;
  const std::string node = dag_hash("gcc11"), spec = dag_hash("zz");
  const auto [n, z] = node_and_spec_it_built(node, spec);
  write(dir / "zn.json", testing::index_json({z, n}));
  const IndexInput zn{(dir / "zn.json").string(), "i1", "root", {}};
  const auto pages = dir / "pages";
  testing::CachePage("p1", "hdf5")
      .spec(testing::SpecEntry(node).versions({"11.4.0"}).os("ubuntu24.04").target("x86_64_v3").stacks({"root"}))
      .write(pages);
  auto now = memory_db();
  REQUIRE(ingest(now, {pages}, {}).rejections.empty());
  REQUIRE(ingest_indexes(now, {zn}, {}).rejections.empty());
  const std::string compiler = "SELECT DISTINCT compiler FROM specs WHERE hash = '" + spec + "'";
  REQUIRE(one(now, compiler) == "gcc@11.4.0\n");
  const std::string fresh_state = state(now);
  // The label as version 12 could leave it, on the spec and its release row.
  now.exec("INSERT INTO compiler(label, name, version) VALUES ('hdf5@11.4.0', 'hdf5', '11.4.0')");
  const std::string stale = "(SELECT id FROM compiler WHERE label = 'hdf5@11.4.0')",
                    z_id = "(SELECT id FROM spec WHERE hash = '" + spec + "')";
  now.exec("UPDATE spec SET compiler_id = " + stale + " WHERE id = " + z_id);
  now.exec("UPDATE release_spec SET compiler_id = " + stale + " WHERE spec_id = " + z_id);
  REQUIRE(one(now, compiler) == "hdf5@11.4.0\n");
  const auto path = dir / "v12.db";
  write_old_version(path, now, 12);
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  migrate(db);
  CHECK(one(db, "SELECT count(*) FROM compiler_pending WHERE spec_id = " + z_id) == "1\n");
  const auto s = ingest_indexes(db, {zn}, {});
  REQUIRE(s.rejections.empty());
  CHECK(s.pages_updated == 1);  // read again, as every index is after version 15
  CHECK(one(db, compiler) == "gcc@11.4.0\n");
  CHECK(one(db, "SELECT count(*) FROM compiler_pending") == "0\n");
  CHECK(state(db) == fresh_state);
}

// What cachedb before schema version 14 stored of an index's list: `k=a,b`,
// the text a page of a release before Spack 1.0 gives the same hash. So a
// spec a page lists too agreed with it (no claim, not contested), where a
// fresh ingest now describes it `k:=a,b` and keeps the page's word. Upgraded,
// the next ingest of the indexes describes such specs again, whether a page
// lists them or not: as fresh.
TEST_CASE("an old database's index lists written k=a,b: upgraded, the next index ingest writes k:=a,b, as fresh") {
  testing::TempDir dir;
  IndexSpec h = zlib(), j{dag_hash("jj"), "jj", "2.0"}, k{dag_hash("kk"), "kk", "3.0"};
  h.parameters.emplace_back("libs", R"(["shared", "static"])");
  j.parameters = h.parameters;
  j.dependencies = {compiler_edge(kGcc)};
  // A parameter named twice, which version 13 kept both of.
  k.parameters = {{"shared", "true"}, {"shared", "false"}};
  write(dir / "i.json", testing::index_json({gcc(), h, j, k}));
  // Two indexes list them: the first read again is not the last that does.
  const std::vector<IndexInput> in = {{(dir / "i.json").string(), "i1", "root", {}},
                                      {(dir / "i.json").string(), "i1", "e4s", {}}};
  const auto pages = dir / "pages";
  testing::CachePage("p1", "zlib")
      .spec(testing::SpecEntry(kZlib).versions({"1.3.1"}).compiler("gcc@13.2.0").os("ubuntu24.04")
                .target("x86_64_v3").variants({"libs=shared,static", "+shared", "~optimize"}).stacks({"root"}))
      .write(pages);
  auto now = memory_db();
  REQUIRE(ingest(now, {pages}, {}).rejections.empty());
  REQUIRE(ingest_indexes(now, in, {}).rejections.empty());
  const std::string variants = "SELECT group_concat(variant, ' ') FROM (SELECT DISTINCT variant FROM spec_variants "
                               "WHERE package = 'jj' ORDER BY 1)";
  REQUIRE(one(now, variants) == "+shared libs:=shared,static ~optimize\n");
  REQUIRE(one(now, "SELECT contested FROM spec WHERE hash = '" + kZlib + "'") == "1\n");
  const std::string fresh = state(now);

  // As version 13 stored it: both specs take the page's variants, which the page agreed with.
  now.exec("UPDATE spec SET variant_set_id = (SELECT variant_set_id FROM spec_claim), contested = 0 "
           "WHERE package_id IN (SELECT id FROM package WHERE name IN ('zlib', 'jj'))");
  now.exec("DELETE FROM spec_claim");
  REQUIRE(one(now, variants) == "+shared libs=shared,static ~optimize\n");
  now.exec("INSERT OR IGNORE INTO variant(text, name) VALUES ('~shared', 'shared')");
  now.exec("INSERT OR IGNORE INTO variant_value SELECT id, 0, 'false' FROM variant WHERE text = '~shared'");
  now.exec("INSERT INTO variant_set(key) SELECT group_concat(id, ',') || ',' FROM "
           "(SELECT id FROM variant WHERE text IN ('+shared', '~shared') ORDER BY id)");
  now.exec("INSERT INTO variant_set_member SELECT (SELECT max(id) FROM variant_set), id FROM variant "
           "WHERE text IN ('+shared', '~shared')");
  now.exec("UPDATE spec SET variant_set_id = (SELECT max(id) FROM variant_set) "
           "WHERE package_id = (SELECT id FROM package WHERE name = 'kk')");
  REQUIRE(one(now, "SELECT group_concat(variant, ' ') FROM spec_variants WHERE package = 'kk'") ==
          "+shared ~shared\n");
  const auto path = dir / "v13.db";
  write_old_version(path, now, 13);
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  migrate(db);
  CHECK(one(db, "SELECT count(*) FROM index_redescribe") == "3\n");
  CHECK(one(db, "SELECT kind || ' ' || (content_hash = '') FROM source ORDER BY kind") ==
        "index 1\nindex 1\npage 0\n");
  const auto s = ingest_indexes(db, in, {});
  REQUIRE(s.rejections.empty());
  CHECK(s.pages_updated == 2);
  CHECK(one(db, variants) == "+shared libs:=shared,static ~optimize\n");
  CHECK(state(db) == fresh);
  // A disagreement with a page is found for the spec a page lists, as a fresh
  // ingest finds it; none for those only indexes describe, whose text changed
  // with cachedb's, not with any page.
  std::string conflicts;
  for (const auto& f : s.findings) conflicts += f.kind + " " + f.package + " " + f.hash + "\n";
  CHECK(conflicts == "hash_conflict zlib " + kZlib + "\n");
  // A page run after it changes nothing.
  REQUIRE(ingest(db, {pages}, {}).rejections.empty());
  CHECK(state(db) == fresh);
}

// What cachedb before schema version 15 stored of an index's list given out
// of order or with a value twice: the values as given (`l:=z,a,a`), where
// Spack keeps, and cachedb now stores, a sorted set (`l:=a,z`).
TEST_CASE("an old database's index lists kept as given: upgraded, the next index ingest sorts them, as fresh") {
  testing::TempDir dir;
  IndexSpec h = zlib(), j{dag_hash("jj"), "jj", "2.0"};
  h.parameters.emplace_back("l", R"(["z", "a", "a"])");
  j.parameters = {{"libs", R"(["shared", "static"])"}};
  write(dir / "i.json", testing::index_json({gcc(), h, j}));
  write(dir / "e.json", testing::index_json({gcc(), j}));
  const std::vector<IndexInput> in = {{(dir / "i.json").string(), "i1", "root", {}},
                                      {(dir / "e.json").string(), "i1", "e4s", {}}};
  auto now = memory_db();
  REQUIRE(ingest_indexes(now, in, {}).rejections.empty());
  const std::string variants = "SELECT group_concat(variant, ' ') FROM (SELECT DISTINCT variant FROM spec_variants "
                               "WHERE package = 'zlib' ORDER BY 1)";
  REQUIRE(one(now, variants) == "+shared l:=a,z ~optimize\n");
  const std::string fresh = state(now);

  // As version 14 stored it.
  now.exec("INSERT INTO variant(text, name, exact) VALUES ('l:=z,a,a', 'l', 1)");
  now.exec("INSERT INTO variant_value SELECT id, 0, 'z' FROM variant WHERE text = 'l:=z,a,a'");
  now.exec("INSERT INTO variant_value SELECT id, 1, 'a' FROM variant WHERE text = 'l:=z,a,a'");
  now.exec("INSERT INTO variant_value SELECT id, 2, 'a' FROM variant WHERE text = 'l:=z,a,a'");
  now.exec("INSERT INTO variant_set(key) SELECT group_concat(id, ',') || ',' FROM (SELECT id FROM variant "
           "WHERE text IN ('+shared', '~optimize', 'l:=z,a,a') ORDER BY id)");
  now.exec("INSERT INTO variant_set_member SELECT (SELECT max(id) FROM variant_set), id FROM variant "
           "WHERE text IN ('+shared', '~optimize', 'l:=z,a,a')");
  now.exec("UPDATE spec SET variant_set_id = (SELECT max(id) FROM variant_set) "
           "WHERE package_id = (SELECT id FROM package WHERE name = 'zlib')");
  REQUIRE(one(now, variants) == "+shared l:=z,a,a ~optimize\n");
  const auto path = dir / "v14.db";
  write_old_version(path, now, 14);
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  migrate(db);
  // zlib waits to be described again; jj, whose list was in order, does not.
  CHECK(one(db, "SELECT group_concat(p.name) FROM index_redescribe x JOIN spec s ON s.id = x.spec_id "
                "JOIN package p ON p.id = s.package_id") == "zlib\n");
  CHECK(one(db, "SELECT count(*) FROM source WHERE kind = 'index' AND content_hash = ''") == "2\n");
  const auto s = ingest_indexes(db, in, {});
  REQUIRE(s.rejections.empty());
  CHECK(s.pages_updated == 2);  // each read again
  CHECK(s.findings.empty());
  CHECK(one(db, variants) == "+shared l:=a,z ~optimize\n");
  CHECK(state(db) == fresh);
  // And the night after, each is unchanged again.
  const auto again = ingest_indexes(db, in, {});
  CHECK(again.pages_unchanged == 2);
  CHECK(state(db) == fresh);
}

// A release row is held (source_id) by the release's root index when it
// lists the spec, else by the first index by stack name that does: not by the
// index stored first, which would make the database depend on the order its
// indexes came in, in one run or over several nights.
TEST_CASE("a release row is held by the root index, else the first stack by name, whatever order they came in") {
  testing::TempDir dir;
  IndexSpec only_stacks{dag_hash("only-stacks"), "xz", "5.4"};
  write(dir / "root.json", testing::index_json({gcc(), zlib()}));
  write(dir / "e4s.json", testing::index_json({gcc(), zlib(), only_stacks}));
  write(dir / "ml.json", testing::index_json({gcc(), only_stacks}));
  const IndexInput root{(dir / "root.json").string(), "r1", "root", {}},
      e4s{(dir / "e4s.json").string(), "r1", "e4s", {}}, ml{(dir / "ml.json").string(), "r1", "ml", {}};
  const std::string held = "SELECT group_concat(line, ' ') FROM (SELECT p.name || ':' || st.name AS line "
                           "FROM release_spec r JOIN source src ON src.id = r.source_id "
                           "JOIN stack st ON st.id = src.key_id JOIN spec s ON s.id = r.spec_id "
                           "JOIN package p ON p.id = s.package_id ORDER BY 1)";
  const std::string fresh = fresh_state({root, e4s, ml});
  for (const auto& order : std::vector<std::vector<std::vector<IndexInput>>>{
           {{ml, e4s, root}}, {{ml}, {e4s}, {root}}, {{e4s}, {ml, root}}, {{root, ml}, {e4s}}}) {
    auto db = memory_db();
    for (const auto& run : order) REQUIRE(ingest_indexes(db, run, {}).rejections.empty());
    CHECK(one(db, held) == "xz:e4s zlib:root\n");  // gcc, an external, is in no release
    CHECK(state(db) == fresh);
  }
  // A database that version 15 left holding rows by the index stored first:
  // upgraded, they are held as a fresh ingest holds them, and every index is
  // read again by the next ingest (this version refuses shapes that one read).
  auto now = memory_db();
  REQUIRE(ingest_indexes(now, {ml, e4s, root}, {}).rejections.empty());
  // (The indexes stored in the order ml, e4s, root: the first listing xz is ml's, zlib e4s's.)
  for (const auto& [package, stack] : {std::pair{"xz", "ml"}, std::pair{"zlib", "e4s"}})
    now.exec(fmt::format("UPDATE release_spec SET source_id = (SELECT src.id FROM source src JOIN stack st "
                         "ON st.id = src.key_id WHERE st.name = '{}') WHERE spec_id IN (SELECT s.id FROM spec s "
                         "JOIN package p ON p.id = s.package_id WHERE p.name = '{}')",
                         stack, package));
  REQUIRE(one(now, held) == "xz:ml zlib:e4s\n");
  const auto path = dir / "v15.db";
  write_old_version(path, now, 15);
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  migrate(db);
  CHECK(one(db, held) == "xz:e4s zlib:root\n");
  CHECK(one(db, "SELECT count(*) FROM source WHERE kind = 'index' AND content_hash = ''") == "3\n");
  const auto s = ingest_indexes(db, {root, e4s, ml}, {});
  REQUIRE(s.rejections.empty());
  CHECK(s.pages_updated == 3);
  CHECK(state(db) == fresh);
}

// One hash in a v7 and a v8 index (Spack 1.0 keeps converted older specs in
// its v8 database): one description, whichever index is read first.
TEST_CASE("a hash in a v7 and a v8 index: its list k:=a,b whichever is read first") {
  testing::TempDir dir;
  IndexSpec h = zlib();
  h.parameters.emplace_back("libs", R"(["shared", "static"])");
  write(dir / "v7.json", testing::index_json({gcc(), h}, 7));
  write(dir / "v8.json", testing::index_json({gcc(), h}, 8));
  const IndexInput v7{(dir / "v7.json").string(), "old", "root", {}}, v8{(dir / "v8.json").string(), "new", "root", {}};
  auto old_first = memory_db(), new_first = memory_db(), nightly = memory_db();
  REQUIRE(ingest_indexes(old_first, {v7, v8}, {}).rejections.empty());
  REQUIRE(ingest_indexes(new_first, {v8, v7}, {}).rejections.empty());
  REQUIRE(ingest_indexes(nightly, {v8}, {}).rejections.empty());
  REQUIRE(ingest_indexes(nightly, {v7, v8}, {}).rejections.empty());
  CHECK(one(old_first, "SELECT DISTINCT variant FROM spec_variants WHERE name = 'libs'") == "libs:=shared,static\n");
  CHECK(state(old_first) == state(new_first));
  CHECK(state(nightly) == state(old_first));
}

// One (release, stack) named twice in a run: the last input is read, as a
// listing does, and what only the first listed does not stay behind, whether
// the first was stored the night before (found unchanged) or not.
TEST_CASE("one (release, stack) named twice in a run: the last is read, as fresh") {
  testing::TempDir dir;
  const std::string n = dag_hash("nn"), z = dag_hash("zz");
  const auto at = [&](const char* name) { return (dir / name).string(); };
  write(at("a.json"), testing::index_json({IndexSpec{n, "nn", "1.0"}}));
  write(at("b.json"), testing::index_json({IndexSpec{z, "zz", "1.0"}}));
  const IndexInput a{at("a.json"), "r1", "s1", {}}, b{at("b.json"), "r1", "s1", {}};
  auto nightly = memory_db();
  REQUIRE(ingest_indexes(nightly, {a}, {}).rejections.empty());
  const auto s = ingest_indexes(nightly, {a, b}, {});
  REQUIRE(s.rejections.empty());
  CHECK(s.pages_updated == 1);
  auto fresh = memory_db();
  REQUIRE(ingest_indexes(fresh, {a, b}, {}).rejections.empty());
  CHECK(one(fresh, "SELECT count(*) FROM spec WHERE hash = '" + n + "'") == "0\n");
  CHECK(state(nightly) == state(fresh));
  CHECK(state(fresh) == fresh_state({b}));
}

// A compiler node only a page lists, described anew by a page given as bytes
// (ingest_bytes, the fuzzers' way in): the spec it built follows within that
// run, as a page read from a tree makes it follow.
TEST_CASE("a compiler node a page describes anew through ingest_bytes: the spec it built follows in that run") {
  testing::TempDir dir;
  const std::string node = dag_hash("gcc12"), spec = dag_hash("zz");
  IndexSpec z{spec, "zz", "1.0"};
  z.dependencies = {compiler_edge(node)};
  write(dir / "z.json", testing::index_json({z}));
  const IndexInput in{(dir / "z.json").string(), "i1", "root", {}};
  const auto page = [&](const char* version) {
    return testing::CachePage("p1", "gcc")
        .spec(testing::SpecEntry(node).versions({version}).os("ubuntu24.04").target("x86_64_v3").stacks({"root"}));
  };
  auto db = memory_db();
  REQUIRE(ingest(db, {page("12.3.0").write(dir / "tree")}, {}).rejections.empty());
  REQUIRE(ingest_indexes(db, {in}, {}).rejections.empty());
  const std::string compiler = "SELECT DISTINCT compiler FROM specs WHERE hash = '" + spec + "'";
  REQUIRE(one(db, compiler) == "gcc@12.3.0\n");
  REQUIRE(ingest_bytes(db, "_cache/p1/gcc/specs.md", page("12.4.0").text(), {}).rejections.empty());
  CHECK(one(db, compiler) == "gcc@12.4.0\n");
  CHECK(one(db, "SELECT count(*) FROM compiler_pending") == "0\n");
}
