// The build-cache index reader: database versions 6 to 9, the compiler rules,
// targets, variants, in_buildcache, compression, and bad indexes.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "formats/spack_index/index_error.h"
#include "formats/spack_index/index_reader.h"
#include "index_builder.h"
#include "spack_index_support.h"
#include "parsing/variant.h"
#include "test_support.h"

using namespace cachedb::spack_index;
using testing::KeepingHandler;

namespace {

// `known`: the hashes whose description the handler declines; `checked`:
// the specs read before (checked_specs.h).
KeepingHandler read_text(const std::string& text, const std::string& name = "test",
                         const std::set<std::string>& known = {}, CheckedSpecs* checked = nullptr) {
  KeepingHandler h;
  h.known = known;
  auto src = memory_source(text.data(), text.size(), name);
  read_index(*src, h, checked);
  return h;
}

KeepingHandler read_fixture(const std::string& name) {
  KeepingHandler h;
  read_index_file(testing::fixture("index/" + name).string(), h);
  return h;
}

// The error a bad index raises.
IndexParseError error_of(const std::string& text, const std::set<std::string>& known = {},
                         CheckedSpecs* checked = nullptr) {
  try {
    read_text(text, "test", known, checked);
  } catch (const IndexParseError& e) {
    return e;
  }
  FAIL("the index was accepted");
  return IndexParseError(0, "", "");
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

}  // namespace

TEST_CASE("spack index v6: _hash, a dict target, the node's compiler, flags are not variants") {
  auto h = read_fixture("db-v6.json");
  CHECK(h.done == 1);
  CHECK(h.summary.database_version == 6);
  REQUIRE(h.records.size() == 2);
  const auto& b = h.at("k3lz7zq4ofkcvvbcxbwv2plwdm5yayku");
  CHECK(b.package == "bzip2");
  CHECK(b.version == "1.0.8");
  CHECK(b.compiler == "gcc@9.4.0");
  CHECK(b.os == "centos7");
  CHECK(b.platform == "linux");
  CHECK(b.target == "haswell");
  CHECK(join(b.variants) == "~debug +pic +shared");
  CHECK(b.in_buildcache);
  REQUIRE(b.dependencies.size() == 1);
  CHECK(b.dependencies[0].hash == "p2vvz7ccf4d6dywxxh5wfdjgp5yiyfhb");
  CHECK(b.dependencies[0].name == "diffutils");
  CHECK(b.dependencies[0].deptypes == "build");
  CHECK(b.dependencies[0].virtuals == "");
  const auto& d = h.at("p2vvz7ccf4d6dywxxh5wfdjgp5yiyfhb");
  CHECK(d.target == "x86_64");
  CHECK(d.variants.empty());
  CHECK(d.dependencies.empty());
}

TEST_CASE("spack index v7: edges carry deptypes and virtuals, lists are k:=a,b, in_buildcache false is kept") {
  auto h = read_fixture("db-v7.json");
  CHECK(h.summary.database_version == 7);
  REQUIRE(h.records.size() == 2);
  const auto& cuda = h.at("qz5c2hhmvnlw4fcg3wxbhxgjvssgqsjk");
  CHECK_FALSE(cuda.in_buildcache);
  CHECK(cuda.target == "x86_64_v3");
  CHECK(join(cuda.variants) == "~allow-unsupported-compilers build_system=generic ~dev");
  const auto& nccl = h.at("d4mh6y3ytzcdxw2sl3jhnl2ycqw7o6ak");
  CHECK(nccl.in_buildcache);
  CHECK(nccl.compiler == "gcc@11.4.0");
  CHECK(nccl.target == "zen3");
  CHECK(join(nccl.variants) == "build_system=makefile +cuda cuda_arch:=80,90 ~rocm");
  REQUIRE(nccl.dependencies.size() == 2);
  CHECK(nccl.dependencies[0].name == "cuda");
  CHECK(nccl.dependencies[0].deptypes == "build,link,run");
  CHECK(nccl.dependencies[1].name == "gmake");
}

TEST_CASE("spack index v8: each compiler rule") {
  auto h = read_fixture("db-v8.json");
  CHECK(h.summary.database_version == 8);
  CHECK(h.records.size() == 7);
  // The c/cxx provider comes later in the file: handed out late, resolved at the end.
  const auto& zstd = h.at("a6ebs3uovvq6s3ucyjrspyp7fjm3kcxj");
  CHECK(zstd.compiler == "");
  CHECK(zstd.compiler_hash == "v4mhsxnsbq4ndlhdbsizpbpunaxcyycr");
  CHECK(h.compiler("a6ebs3uovvq6s3ucyjrspyp7fjm3kcxj") == "gcc@13.3.0");
  CHECK(zstd.target == "neoverse_v2");
  CHECK(join(zstd.variants) == "build_system=makefile compression:=lz4,lzma,zlib libs:=shared,static ~programs");
  CHECK(zstd.dependencies.size() == 3);
  // The provider already seen: resolved at once.
  CHECK(h.at("m7ktwggcfcerplanm3xrczfdljm6jxjx").compiler == "gcc@13.3.0");
  // A node converted from an older spec file: its annotation.
  CHECK(h.at("j2yxjgbr3ipvedn6ipsg2bqevxezsyzq").compiler == "gcc@12.3.0");
  CHECK(h.at("j2yxjgbr3ipvedn6ipsg2bqevxezsyzq").compiler_hash == "");
  // Only a fortran provider, a package no list names, later in the file.
  CHECK(h.compiler("o3ftzwhqvlxjymmgivpfwcbqxbtcpkie") == "flang@19.1.7");
  CHECK(join(h.at("o3ftzwhqvlxjymmgivpfwcbqxbtcpkie").variants) ==
        "build_system=cmake build_type=Release generator=make +shared");
  // No compiler dependency at all.
  CHECK(h.at("rdp2vs3wowhc5y7dfvtxz7ljf3d6zjx5").compiler == "none");
  // An external compiler: not in the build cache, kept as a dependency target.
  const auto& gcc = h.at("v4mhsxnsbq4ndlhdbsizpbpunaxcyycr");
  CHECK_FALSE(gcc.in_buildcache);
  CHECK(gcc.target == "aarch64");
  CHECK(h.summary.late_compilers.size() == 2);
}

TEST_CASE("spack index v9: provided_virtuals marks a compiler node met before its users") {
  auto h = read_fixture("db-v9.json");
  CHECK(h.summary.database_version == 9);
  CHECK(h.records.size() == 3);
  const auto& ssl = h.at("c3ul6qovqyoyy6qdjdqaul6vayhrjbkq");
  CHECK(ssl.compiler == "acme-cc@2.1");
  CHECK(join(ssl.variants) == "build_system=generic certs=mozilla ~docs +shared");
  REQUIRE(ssl.dependencies.size() == 2);
  CHECK(ssl.dependencies[1].virtuals == "zlib-api");
  CHECK(ssl.dependencies[1].deptypes == "build,link");
  CHECK(h.summary.late_compilers.empty());
}

TEST_CASE("spack index: a compiler node of an unknown package met before its users keeps its name") {
  // Not a known compiler package, no provided_virtuals (v8): the reader cannot
  // know it is a compiler when it passes, and says what the edge says.
  auto h = read_text(R"({"database": {"version": "8", "installs": {
    "aaaa": {"spec": {"name": "odd-cc", "version": "1.0"}},
    "bbbb": {"spec": {"name": "x", "version": "2", "dependencies": [
       {"name": "odd-cc", "hash": "aaaa", "parameters": {"deptypes": ["build"], "virtuals": ["cxx"]}}]}}}}})");
  CHECK(h.compiler("bbbb") == "odd-cc");
}

TEST_CASE("spack index: a compiler dict labels the record, whatever its annotations say") {
  // No real v8 node has both; the README says which one counts.
  auto h = read_text(R"({"database": {"version": "8", "installs": {
    "aaaa": {"spec": {"name": "x", "version": "1", "compiler": {"name": "gcc", "version": "12.2.0"},
                      "annotations": {"original_specfile_version": 4, "compiler": "clang@=17.0.6"}}}}}})");
  CHECK(h.compiler("aaaa") == "gcc@12.2.0");
}

// Spack 1.0 may take c, cxx and fortran from different compilers (a %c=llvm
// %fortran=gcc build): the c provider names the compiler. A node's edges come
// sorted by name, so that a fortran provider, or a build dependency providing
// other virtuals, may come before it; a virtual is a whole item of the list
// ("lapack" holds a 'c' and is no compiler).
TEST_CASE("spack index: the compiler is the build dependency providing c, else cxx, else fortran, whatever comes first") {
  auto h = read_text(R"({"database": {"version": "8", "installs": {
    "gccc": {"spec": {"name": "gcc", "version": "14.2.0"}},
    "llvm": {"spec": {"name": "llvm", "version": "19.1.0"}},
    "blas": {"spec": {"name": "amdblis", "version": "5.0"}},
    "both": {"spec": {"name": "x", "version": "1", "dependencies": [
      {"name": "amdblis", "hash": "blas", "parameters": {"deptypes": ["build", "link"], "virtuals": ["blas", "lapack"]}},
      {"name": "gcc", "hash": "gccc", "parameters": {"deptypes": ["build"], "virtuals": ["fortran"]}},
      {"name": "llvm", "hash": "llvm", "parameters": {"deptypes": ["build"], "virtuals": ["c", "cxx"]}}]}},
    "cxxf": {"spec": {"name": "y", "version": "1", "dependencies": [
      {"name": "gcc", "hash": "gccc", "parameters": {"deptypes": ["build"], "virtuals": ["fortran"]}},
      {"name": "llvm", "hash": "llvm", "parameters": {"deptypes": ["build"], "virtuals": ["cxx"]}}]}},
    "nocc": {"spec": {"name": "z", "version": "1", "dependencies": [
      {"name": "amdblis", "hash": "blas", "parameters": {"deptypes": ["build", "link"], "virtuals": ["blas", "lapack"]}}]}}}}})");
  CHECK(h.compiler("both") == "llvm@19.1.0");
  CHECK(h.at("both").compiler_hash == "llvm");
  CHECK(h.compiler("cxxf") == "llvm@19.1.0");
  CHECK(h.compiler("nocc") == "none");
  CHECK(h.summary.late_compilers.empty());
}

// Nodes of database versions 6 and 7 name their compiler: a dict, or (some
// old nodes) one string; a version may be absent. It labels the record as a
// page would show it, before any dependency rule.
TEST_CASE("spack index v6/v7: the node's compiler as a string or a dict without a version") {
  auto h = read_text(R"({"database": {"version": "7", "installs": {
    "gccc": {"spec": {"name": "gcc", "version": "13.2.0"}},
    "aaaa": {"spec": {"name": "x", "version": "1", "compiler": "gcc@=9.4.0"}},
    "bbbb": {"spec": {"name": "y", "version": "1", "compiler": "intel", "dependencies": [
      {"name": "gcc", "hash": "gccc", "parameters": {"deptypes": ["build"], "virtuals": ["c"]}}]}},
    "cccc": {"spec": {"name": "z", "version": "1", "compiler": {"name": "nvhpc"}}}}}})");
  CHECK(h.compiler("aaaa") == "gcc@9.4.0");
  CHECK(h.compiler("bbbb") == "intel");
  CHECK(h.compiler("cccc") == "nvhpc");
}

TEST_CASE("spack index: the installs key is the hash; repeated edges are one edge") {
  auto h = read_text(R"({"database": {"version": 7, "installs": {
    "key1": {"spec": {"name": "p", "version": "1", "hash": "other", "dependencies": [
      {"name": "q", "hash": "qq", "parameters": {"deptypes": ["build"], "virtuals": ["blas"]}},
      {"name": "q", "hash": "qq", "parameters": {"deptypes": ["link"], "virtuals": ["lapack"]}}]}}}}})");
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].hash == "key1");
  REQUIRE(h.records[0].dependencies.size() == 1);
  CHECK(h.records[0].dependencies[0].deptypes == "build,link");
  CHECK(h.records[0].dependencies[0].virtuals == "blas,lapack");
  CHECK(h.records[0].in_buildcache);
}

// v6 nodes listed an edge once per deptype; a hash named three times is still
// one edge, with every deptype and virtual of the three.
TEST_CASE("spack index: an edge repeated three times or more is one edge") {
  auto h = read_text(R"({"database": {"version": "6", "installs": {
    "key1": {"spec": {"name": "p", "version": "1", "dependencies": [
      {"name": "q", "hash": "qq", "type": ["build"]},
      {"name": "r", "hash": "rr", "type": ["link"]},
      {"name": "q", "hash": "qq", "type": ["link"]},
      {"name": "q", "hash": "qq", "type": ["run"]},
      {"name": "q", "hash": "qq", "type": ["test"]}]}}}}})");
  REQUIRE(h.records.size() == 1);
  REQUIRE(h.records[0].dependencies.size() == 2);
  CHECK(h.records[0].dependencies[0].hash == "qq");
  CHECK(h.records[0].dependencies[0].deptypes == "build,link,run,test");
  CHECK(h.records[0].dependencies[1].hash == "rr");
}

// As Spack reads a node's parameters: a value reading true or false (in any
// case) is a boolean variant, and of a key given twice the last counts, as
// Python's json keeps it.
TEST_CASE("spack index: parameters as Spack reads them, booleans written as strings and keys given twice") {
  auto h = read_text(R"({"database": {"version": "8", "installs": {
    "k": {"spec": {"name": "p", "parameters": {"a": "true", "b": "False", "c": "TRUE", "d": "truth", "e": ["true"],
      "shared": true, "libs": ["a"], "shared": false, "libs": ["b", "c"], "x": "1", "x": true}}}}}})");
  REQUIRE(h.records.size() == 1);
  CHECK(join(h.records[0].variants) == "+a ~b +c d=truth e:=true libs:=b,c ~shared +x");
  // A null or an empty list is no variant: last, it leaves none of its name.
  h = read_text(R"({"database": {"version": "8", "installs": {
    "k": {"spec": {"name": "p", "parameters": {"a": "x", "a": [], "b": "y", "b": null, "c": null, "c": "z",
      "d": [], "d": ["w"], "e": []}}}}}})");
  CHECK(join(h.records[0].variants) == "c=z d:=w");
  CHECK(error_of(R"({"database": {"version": "8", "installs": {"k": {"spec": {"name": "p",
    "parameters": {"": "x"}}}}}})").reason() == "a parameter without a name");
  // Names Spack's syntax cannot write, which would read back as another name.
  for (const std::string name : {"=k", "a=b", "k:", "+x", "~x"}) {
    CAPTURE(name);
    for (const std::string value : {"\"v\"", "null", "[\"a\"]", "true"}) {
      const auto e = error_of(R"({"database": {"version": "8", "installs": {"k": {"spec": {"name": "p",
        "parameters": {")" + name + "\": " + value + "}}}}}}");
      CHECK(e.reason() == "a variant name cannot hold '=', start with '+' or '~', or end with ':'");
      CHECK(e.path() == "$.database.installs.k.spec.parameters['" + name + "']");
    }
  }
}

// A list is printed k:=a,b whatever the database version, and wherever the
// version is given: one hash in a v7 and a v8 index (a converted spec) has one
// description, whichever index is read first.
// Compiler flags share `parameters` with variants; none of the six is a
// variant, set (a list, or one string) or not.
TEST_CASE("spack index: no compiler flag is a variant, whichever of the six and however given") {
  auto h = read_text(R"({"database": {"version": "8", "installs": {"k": {"spec": {"name": "p", "parameters": {
    "cflags": ["-O2"], "cppflags": ["-DX"], "cxxflags": ["-O3"], "fflags": ["-g"], "ldflags": ["-L/opt/x/lib"],
    "ldlibs": ["-lm"], "shared": true}}},
    "l": {"spec": {"name": "q", "parameters": {"cflags": "-O2", "cppflags": "-DX", "cxxflags": "-O3", "fflags": "-g",
    "ldflags": "-L/x", "ldlibs": "-lm", "pic": false}}}}}})");
  REQUIRE(h.records.size() == 2);
  CHECK(join(h.at("k").variants) == "+shared");
  CHECK(join(h.at("l").variants) == "~pic");
}

TEST_CASE("spack index: a list is k:=a,b in every database version") {
  const auto variants = [](const std::string& version, bool version_first) {
    const std::string installs = R"("installs": {"k": {"spec": {"name": "p", "parameters": {"l": ["a", "b c"]}}}})";
    const std::string v = R"("version": ")" + version + '"';
    const auto h = read_text("{\"database\": {" + (version_first ? v + ", " + installs : installs + ", " + v) + "}}");
    return join(h.records[0].variants);
  };
  for (const bool version_first : {true, false})
    for (const char* version : {"6", "7", "8", "9"}) CHECK(variants(version, version_first) == "l:='a,b c'");
}

TEST_CASE("spack index: values are quoted as Spack quotes them, the joined list at once") {
  auto h = read_text(R"({"database": {"version": "8", "installs": {
    "k": {"spec": {"name": "p", "parameters": {"opts": "a b", "list": ["x y", "z"], "n": 3, "empty": [],
      "languages": ["c", "c++", "fortran"], "build_type": "dm+sm", "libs": ["shared", "static"],
      "note": "it's \"é\"", "blank": "", "paths": ["/opt/a-1.2_x", "b"], "bs": "a\\",
      "patches": ["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "fedcba9876543210"]}}}}}})");
  // As Spack's quote_if_needed: unquoted when only letters, digits and ",/_.-";
  // else in single quotes, or in double quotes with JSON escapes around a
  // single quote. A patch is shown by 7 characters of its sha256, as Spack shows it.
  CHECK(join(h.records[0].variants) ==
        "blank='' bs='a\\' build_type='dm+sm' languages:='c,c++,fortran' libs:=shared,static list:='x y,z' n=3 "
        "note=\"it's \\\"\\u00e9\\\"\" opts='a b' patches:=0123456,fedcba9 paths:=/opt/a-1.2_x,b");
  // What parse_variant reads back from them: the values the index gave.
  const auto values = [&](std::size_t i) { return cachedb::parse_variant(h.records[0].variants[i]).values; };
  // A value ending in a backslash: the quote after it closes the value.
  CHECK(values(1) == std::vector<std::string>{"a\\"});
  CHECK(values(2) == std::vector<std::string>{"dm+sm"});
  CHECK(values(3) == std::vector<std::string>{"c", "c++", "fortran"});
  CHECK(values(5) == std::vector<std::string>{"x y", "z"});
  // One patch as a string, not a list: shortened all the same.
  auto one_patch = read_text(R"({"database": {"version": "8", "installs": {
    "k": {"spec": {"name": "p", "parameters": {"patches": "0123456789abcdef"}}}}}})");
  CHECK(join(one_patch.records[0].variants) == "patches=0123456");
}

TEST_CASE("spack index: a list's values are a sorted set, as Spack keeps a multi-valued variant's") {
  auto h = read_text(R"({"database": {"version": "8", "installs": {
    "k": {"spec": {"name": "p", "parameters": {"languages": ["fortran", "c", "c++", "c"], "l": ["z", "x y", "z"],
      "e": ["", ""], "u": ["b", "a", "\u00e9", "a,b"], "patches": ["fedcba9876543210", "0123456789abcdef"],
      "s": ["a", "b"], "d": ["a", "a"]}}}}}})");
  REQUIRE(h.records.size() == 1);
  // By bytes, which is by code point in UTF-8, as Python's sorted() compares str.
  CHECK(join(h.records[0].variants) ==
        "d:=a e:='' l:='x y,z' languages:='c,c++,fortran' patches:=0123456,fedcba9 s:=a,b u:='a,a,b,b,\u00e9'");
  // Patches by their whole sha256: two sharing the 7 characters printed are
  // two patches, as Spack prints them; one given twice is one.
  const std::string a0 = "abcdef1" + std::string(57, '0'), a1 = "abcdef1" + std::string(57, '1');
  h = read_text(R"({"database": {"version": "8", "installs": {"k": {"spec": {"name": "p", "parameters": {"patches": [")" +
                a1 + R"(", ")" + a0 + R"(", ")" + a1 + R"(", "0123456789"]}}}}}})");
  CHECK(join(h.records[0].variants) == "patches:=0123456,abcdef1,abcdef1");
  // The value as given decides the limit, not as made one: a list of twice the
  // longest value is refused though one value alone would fit.
  const std::string half(8200, 'a');
  CHECK(error_of(R"({"database": {"version": "8", "installs": {"k": {"spec": {"name": "p", "parameters": {"l": [")" +
                 half + R"(", ")" + half + R"("]}}}}}})")
            .reason() == "a variant longer than 16384 bytes");
}

TEST_CASE("spack index: keys of any length are read whole, short ones and those past the reader's inline buffer") {
  const std::string long_key(100, 'k'), longer_key(300, 'v');
  const std::string hash(80, 'h');
  auto h = read_text(R"({"database": {"version": "8", "installs": {")" + hash + R"(": {"spec": {"name": "p",
    "parameters": {")" + long_key + R"(": true, "b": false, ")" + longer_key + R"(": ["x", "y"], "c": "z"}}}}}})");
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].hash == hash);
  CHECK(join(h.records[0].variants) == "~b c=z +" + long_key + " " + longer_key + ":=x,y");
  // A long key after a short one, and a short one after a long one, in an error's path.
  auto e = error_of(R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "p",
    "annotations": {"a": true, ")" + long_key + R"(": {"deep": [1, }}}}}})");
  CHECK(e.path() == "$.database.installs.abc.spec.annotations." + long_key + ".deep[1]");
  e = error_of(R"({"database": {"version": "8", "installs": {")" + hash + R"(": {"spec": {"name": 5}}}}})");
  CHECK(e.path() == "$.database.installs." + hash + ".spec.name");
}

TEST_CASE("spack index: gzip and zstd are recognized by their magic bytes") {
  const std::string plain = testing::read_file(testing::fixture("index/db-v8.json").string());
  for (const auto& compressed : {std::pair{"gzip", testing::gzip(plain)}, std::pair{"zstd", testing::zstd(plain)}}) {
    // (Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.)
    const auto& [name, bytes] = compressed;
    CAPTURE(compressed.first);
    auto h = read_text(bytes, "db.bin");
    CHECK(h.summary.compression == std::string(name));
    CHECK(h.records.size() == 7);
    CHECK(h.summary.json_bytes == plain.size());
    CHECK(h.summary.raw_bytes == bytes.size());
    CHECK(h.compiler("a6ebs3uovvq6s3ucyjrspyp7fjm3kcxj") == "gcc@13.3.0");
  }
}

TEST_CASE("spack index: concatenated gzip members and zstd frames read as one text, as gzip -d and zstd -d give it") {
  const std::string plain = testing::read_file(testing::fixture("index/db-v8.json").string());
  const std::size_t cut = plain.size() / 3;
  for (const std::string& bytes : {testing::gzip(plain.substr(0, cut)) + testing::gzip(plain.substr(cut)),
                                   testing::zstd(plain.substr(0, cut)) + testing::zstd(plain.substr(cut))}) {
    auto h = read_text(bytes, "two-parts");
    CHECK(h.records.size() == 7);
    CHECK(h.summary.json_bytes == plain.size());
  }
}

TEST_CASE("spack index: a truncated gzip or zstd stream is refused") {
  const std::string plain = testing::read_file(testing::fixture("index/db-v8.json").string());
  for (const std::string& bytes : {testing::gzip(plain), testing::zstd(plain)}) {
    const std::string cut = bytes.substr(0, bytes.size() - 20);
    KeepingHandler h;
    auto src = cachedb::spack_index::memory_source(cut.data(), cut.size(), "cut");
    CHECK_THROWS_WITH_AS(read_index(*src, h), doctest::Contains("truncated"), IndexParseError);
    CHECK(h.done == 0);
  }
}

TEST_CASE("spack index: bad gzip data names the compressed byte where it was found") {
  const std::string plain = testing::read_file(testing::fixture("index/db-v8.json").string());
  std::string bytes = testing::gzip(plain);
  // The trailer's CRC-32 (the last 8 bytes: CRC, then the length), damaged:
  // found once the whole member is inflated, where the JSON offset says only
  // how far the parse got.
  bytes[bytes.size() - 8] = static_cast<char>(bytes[bytes.size() - 8] ^ 0x55);
  KeepingHandler h;
  auto src = cachedb::spack_index::memory_source(bytes.data(), bytes.size(), "crc");
  try {
    read_index(*src, h);
    FAIL("a damaged gzip stream was read");
  } catch (const IndexParseError& e) {
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("bad gzip data (near compressed byte ") != std::string::npos);
    CHECK(what.find("incorrect data check") != std::string::npos);
    const auto at = std::stoul(what.substr(what.find("compressed byte ") + 16));
    CHECK(at >= bytes.size() - 8);
    CHECK(at <= bytes.size());
  }
}

TEST_CASE("spack index: malformed JSON names the byte offset and the JSON path") {
  const std::string text =
      R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "x", "arch": {"platform": "linux", "platform_os" 5}}}}}})";
  auto e = error_of(text);
  // The offset of the '5' where a ':' was due.
  CHECK(e.offset() == text.find(" 5}") + 1);
  CHECK(e.path() == "$.database.installs.abc.spec.arch.platform_os");
  CHECK(std::string(e.what()).find("bad JSON") != std::string::npos);
}

TEST_CASE("spack index: wrong types and missing parts name their place") {
  CHECK(error_of(R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "x"}, "in_buildcache": "yes"}}}})")
            .path() == "$.database.installs.abc.in_buildcache");
  CHECK(error_of(R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "x", "dependencies": [
            {"name": "a", "hash": "h"}, {"name": "b"}]}}}}})")
            .path() == "$.database.installs.abc.spec.dependencies[1]");
  CHECK(error_of(R"({"database": {"version": "8", "installs": {"abc": {"spec": {"version": "1"}}}}})").reason() ==
        "a spec without a 'name'");
  CHECK(error_of(R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "x", "arch": {"target": 5}}}}}})")
            .path() == "$.database.installs.abc.spec.arch.target");
  CHECK(error_of(R"({"database": {"version": "5", "installs": {}}})").reason().find("version 5 is not supported") !=
        std::string::npos);
  CHECK(error_of(R"({"database": {"installs": {}}})").reason() == "no 'database.version'");
  CHECK(error_of(R"({"database": {"version": "8"}})").reason() == "no 'database.installs'");
  CHECK(error_of(R"([1, 2])").reason() == "the index is not a JSON object");
  CHECK(error_of(R"({"database": {"version": "8", "installs": {}}} trailing)").reason().find("bad JSON") !=
        std::string::npos);
  // A key that is not a plain word is written in brackets.
  CHECK(error_of(R"({"database": {"version": "8", "installs": {"a b": {"spec": 1}}}})").path() ==
        "$.database.installs['a b'].spec");
}

// Shapes a damaged or hand-made index may have, each read before as something
// else: refused, naming their place (Spack writes none of them).
TEST_CASE("spack index: what Spack does not write is refused, not read as something else") {
  const std::string head = R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "x", "dependencies": [)";
  const std::string tail = R"(]}}}}})";
  // An edge's deptypes or virtuals decide the spec's compiler: a string is no list of them.
  auto e = error_of(head + R"({"name": "gcc", "hash": "g", "parameters": {"deptypes": "build", "virtuals": ["c"]}})" + tail);
  CHECK(e.reason() == "'deptypes' must be a list");
  CHECK(e.path() == "$.database.installs.abc.spec.dependencies[0].parameters.deptypes");
  CHECK(error_of(head + R"({"name": "gcc", "hash": "g", "parameters": {"deptypes": ["build"], "virtuals": {}}})" + tail)
            .reason() == "'virtuals' must be a list");
  CHECK(error_of(head + R"({"name": "gcc", "hash": "g", "parameters": "build"})" + tail).reason() ==
        "a dependency's 'parameters' must be an object");
  CHECK(error_of(head + R"({"name": "gcc", "hash": "g", "parameters": ["build"]})" + tail).reason() ==
        "a dependency's 'parameters' must be an object");
  e = error_of(head + R"({"name": "gcc", "hash": "g"}, "libelf")" + tail);
  CHECK(e.reason() == "a dependency must be an object");
  CHECK(e.path() == "$.database.installs.abc.spec.dependencies[1]");
  // Absent and null are still none.
  CHECK(read_text(head + R"({"name": "a", "hash": "h", "parameters": {"deptypes": null}}, {"name": "b", "hash": "i", "parameters": null})" + tail)
            .records.size() == 1);
  // The installs key is the hash: an empty one names no spec.
  e = error_of(R"({"database": {"version": "8", "installs": {"": {"spec": {"name": "zlib"}}}}})");
  CHECK(e.reason() == "an install whose key (its hash) is empty");
  // Python's json keeps the last of a key given twice; read as one, the two
  // objects' installs would be one.
  CHECK(error_of(R"({"database": {"version": "8", "installs": {"a": {"spec": {"name": "old"}}}, "installs": {}}})")
            .reason() == "'installs' given twice");
  CHECK(error_of(R"({"database": {"version": "8", "installs": {}}, "database": {"version": "8", "installs": {}}})")
            .reason() == "'database' given twice");
}

// RapidJSON's stream gives '\0' at its end: a NUL byte after the document is
// not its end, and what follows it is not passed over, plain or compressed.
TEST_CASE("spack index: a NUL byte after the document is refused at its offset") {
  const std::string doc = R"({"database": {"version": "8", "installs": {}}})";
  for (const std::string& after : {std::string("\0", 1), std::string("\0garbage", 8), std::string(" \0", 2)}) {
    CAPTURE(after.size());
    const auto e = error_of(doc + after);
    CHECK(e.offset() == doc.size() + after.find('\0'));
    CHECK(e.reason().find("must not be followed by other values") != std::string::npos);
    CHECK(error_of(testing::gzip(doc + after)).offset() == doc.size() + after.find('\0'));
  }
  CHECK(read_text(doc + " \n").records.empty());  // whitespace after it is no more than its end
}

// A key goes into the message whole but for what would break the line or
// command the terminal: a log line is one line, whatever the index holds.
TEST_CASE("spack index: a key in an error's path is escaped and cut, never a line break or a terminal command") {
  auto e = error_of("{\"database\": {\"version\": \"8\", \"installs\": {\"x\\nerror: forged\\u001b[2J\\u009b\": "
                    "{\"spec\": {\"name\": 5}}}}}");
  CHECK(e.path().starts_with("$.database.installs['x\\u000aerror: forged\\u001b[2J\\u009b']"));
  const std::string message = e.what();
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.find('\x1b') == std::string::npos);
  e = error_of(R"({"database": {"version": "8", "installs": {"it's \\ here": {"spec": 1}}}})");
  CHECK(e.path() == R"($.database.installs['it\'s \\ here'].spec)");
  // A long key is cut between two characters, never inside one: the 120th
  // byte is the first of an é, so the cut comes after the second.
  std::string key = "a";
  for (int i = 0; i < 100; ++i) key += "\xc3\xa9";  // é
  e = error_of(R"({"database": {"version": "8", "installs": {")" + key + R"(": {"spec": 1}}}})");
  CHECK(e.path().starts_with("$.database.installs['" + key.substr(0, 121) + "...']"));
  // So is any text of the document a message repeats.
  e = error_of("{\"database\": {\"version\": \"8\\nerror: forged\\u001b[31m\", \"installs\": {}}}");
  CHECK(e.reason() == "database version '8\\u000aerror: forged\\u001b[31m' is not a number");
}

// A database version past the newest cachedb knows may mean anything (v9
// added provided_virtuals, v8 moved compilers to dependencies): refused, not
// read as the last one known, whether written as a string or a number.
TEST_CASE("spack index: a database version newer than cachedb reads is refused") {
  for (const std::string version : {"\"10\"", "10", "\"99\""}) {
    CAPTURE(version);
    const auto e = error_of(R"({"database": {"version": )" + version + R"(, "installs": {
      "k": {"spec": {"name": "p", "version": "1"}}}}})");
    CHECK(e.reason().find("is not supported (cachedb reads 6 to 9)") != std::string::npos);
    CHECK(e.path() == "$.database.version");
  }
  CHECK(read_text(R"({"database": {"version": 9, "installs": {}}})").summary.database_version == 9);
}

TEST_CASE("spack index: an error found at a container's start or end is placed on its bracket") {
  const std::string no_spec = R"({"database": {"version": "8", "installs": {"abc": {"x": 1}}}})";
  CHECK(error_of(no_spec).offset() == no_spec.find("1}") + 1);
  const std::string no_hash = R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "x",
    "dependencies": [{"name": "a"}]}}}}})";
  CHECK(error_of(no_hash).offset() == no_hash.find("\"a\"}") + 3);
  const std::string spec_list = R"({"database": {"version": "8", "installs": {"abc": {"spec": []}}}})";
  CHECK(error_of(spec_list).offset() == spec_list.find('['));
  const std::string database_list = R"({"database": [], "x": 1})";
  CHECK(error_of(database_list).offset() == database_list.find('['));
  std::string deep = R"({"database": {"version": "8", "installs": {}, "junk": )";
  const std::size_t first = deep.size();
  deep += std::string(100, '[') + std::string(100, ']') + "}}";
  // The 64th container opened is refused: the root object and 63 arrays.
  CHECK(error_of(deep).offset() == first + 62);
}

TEST_CASE("spack index: a file names itself in its errors") {
  testing::TempDir dir;
  const auto file = dir.path() / "bad.json";
  { std::ofstream(file) << R"({"database": {"version": "8", "installs": {"abc": []}}})"; }
  KeepingHandler h;
  CHECK_THROWS_WITH_AS(read_index_file(file.string(), h), doctest::Contains((file.string() + ": byte").c_str()), IndexParseError);
  CHECK_THROWS_WITH_AS(read_index_file((dir.path() / "none.json").string(), h), doctest::Contains("cannot open"),
                       cachedb::Error);
}

TEST_CASE("spack index: the real samples beside the checkout read as their files say" * doctest::test_suite("corpus")) {
  const auto dir = testing::source_root() / ".." / "shared" / "spack-index";
  if (!std::filesystem::is_directory(dir)) {
    MESSAGE("../shared/spack-index is absent: skipped");
    return;
  }
  // The number of installs keys of each sample, as its SOURCES.md lists them.
  KeepingHandler v6;
  read_index_file((dir / "db-v6.index.json").string(), v6);
  CHECK(v6.summary.database_version == 6);
  CHECK(v6.records.size() == 1);
  CHECK(v6.records[0].compiler == "gcc@4.5.0");
  CHECK(v6.records[0].target == "core2");
  CHECK(join(v6.records[0].variants) == "+optimize +pic +shared");

  KeepingHandler v7;
  read_index_file((dir / "db-v7.index.json").string(), v7);
  CHECK(v7.summary.database_version == 7);
  CHECK(v7.records.size() == 2);
  CHECK(v7.at("sk2gqqz4n5njmvktycnd25wq25jxiqkr").dependencies.at(0).deptypes == "build,link");

  KeepingHandler v8;
  read_index_file((dir / "db-v8.index.json").string(), v8);
  CHECK(v8.summary.database_version == 8);
  CHECK(v8.records.size() == 7);
  // libdwarf's compiler is its gcc build dependency (c, cxx); gcc is external.
  CHECK(v8.compiler("u5uz3dcch5if4eve4sef67o2rf2lbfgh") == "gcc@10.2.1");
  CHECK(v8.compiler("rqh2vuf6fqwkmipzgi2wjx352mq7y7ez") == "gcc@10.2.1");
  CHECK_FALSE(v8.at("vd7v4ssgnoqdplgxyig3orum67n4vmhq").in_buildcache);
  CHECK(v8.at("vd7v4ssgnoqdplgxyig3orum67n4vmhq").target == "aarch64");
  CHECK(v8.at("qeehcxyvluwnihsc2qxstmpomtxo3lrc").target == "m1");
  CHECK(v8.at("qeehcxyvluwnihsc2qxstmpomtxo3lrc").compiler == "none");
}

TEST_CASE("spack index: a string that is not UTF-8 is refused where it is kept") {
  CHECK(error_of("{\"database\": {\"version\": \"8\", \"installs\": {\"abc\": {\"spec\": {\"name\": \"x\xff\"}}}}}").path() ==
        "$.database.installs.abc.spec.name");
  CHECK(error_of("{\"database\": {\"version\": \"8\", \"installs\": {\"a\xc0\xafz\": {}}}}").reason() ==
        "a key that is not UTF-8");
  auto h = read_text("{\"database\": {\"version\": \"8\", \"installs\": {\"abc\": {\"spec\": {\"name\": \"caf\xc3\xa9\"}}}}}");
  CHECK(h.records.at(0).package == "caf\xc3\xa9");
}

TEST_CASE("spack index: strings are read whole wherever the reader's buffers end: runs, escapes, control bytes") {
  // A long name with escapes, moved across where the reader's buffers end
  // (every 128 and 256 KiB) by a skipped field before it.
  const std::string run(70, 'a');
  const std::string name_json = run + R"(\"q\u00e9\\)" + run + "z";
  const std::string name = run + "\"q\xc3\xa9\\" + run + "z";
  for (std::size_t boundary : {std::size_t{128} << 10, std::size_t{256} << 10}) {
    for (std::size_t back = 0; back < 200; back += 13) {
      const std::string head = R"({"database": {"version": "8", "installs": {"abc": {"spec": {"pad": ")";
      const std::size_t pad = boundary - back - head.size();
      const std::string text = head + std::string(pad, 'p') + R"(", "name": ")" + name_json + R"("}}}}})";
      auto h = read_text(text);
      REQUIRE(h.records.size() == 1);
      CHECK(h.records[0].package == name);
      // A control byte in the run is refused at its own offset.
      std::string bad = text;
      const std::size_t at = bad.find(run) + 40;
      bad[at] = '\x01';
      CHECK(error_of(bad).offset() == at);
    }
  }
}

TEST_CASE("spack index: a plain string or key is read whole at every place against the end of the reader's buffer") {
  // Strings without escapes are handed over where they lie in the buffer when
  // their closing quote is in it, and copied otherwise: moved byte by byte
  // across the first buffer's end (128 KiB), the name and a variant's key and
  // value must come out the same.
  const std::string name(40, 'n'), key(20, 'k');
  const std::string head = R"({"database": {"version": "8", "installs": {"abc": {"spec": {"pad": ")";
  const std::size_t boundary = std::size_t{128} << 10;
  for (std::size_t back = 0; back < 120; ++back) {
    CAPTURE(back);
    const std::string text = head + std::string(boundary - back - head.size(), 'p') + R"(", "name": ")" + name +
                             R"(", "parameters": {")" + key + R"(": "value"}}}}}})";
    auto h = read_text(text);
    REQUIRE(h.records.size() == 1);
    CHECK(h.records[0].package == name);
    CHECK(join(h.records[0].variants) == key + "=value");
    // The closing quote left out: refused at the same place whichever way the string is read.
    std::string bad = text;
    bad.erase(bad.find(name) + name.size(), 1);
    CHECK(error_of(bad).reason().find("bad JSON") != std::string::npos);
  }
}

TEST_CASE("spack index: memory stays bounded on hostile input: one huge string, deep nesting, nothing at all") {
  const std::string huge = R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "x", "package_hash": ")" +
                           std::string(17u << 20, 'a') + R"("}}}}})";
  CHECK(error_of(huge).reason().find("longer than 16 MB") != std::string::npos);
  const std::string deep = R"({"database": {"version": "8", "installs": {}, "junk": )" + std::string(100, '[') +
                           std::string(100, ']') + "}}";
  CHECK(error_of(deep).reason().find("nested deeper than") != std::string::npos);
  // RapidJSON's parser recurses into what it reads; the handler refuses the
  // 65th level before it goes deeper, so a million levels cannot overflow the
  // stack (of the main thread or of a reader's), in a skipped part or a record.
  for (const std::string at : {R"("junk": )", R"("installs": {"abc": {"spec": {"name": "x", "extra": )"}) {
    const std::string abyss = R"({"database": {"version": "8", )" + at + std::string(1000000, '[');
    CHECK(error_of(abyss).reason() == "nested deeper than 64 levels");
  }
  const auto empty = error_of("");
  CHECK(empty.offset() == 0);
  CHECK(empty.reason().find("bad JSON") != std::string::npos);
}

TEST_CASE("spack index: '-' reads stdin, compressed or not") {
  testing::TempDir dir;
  const std::string plain = testing::read_file(testing::fixture("index/db-v7.json").string());
  { std::ofstream(dir / "in.zst", std::ios::binary) << testing::zstd(plain); }
  // Stand the file in for this process's stdin, then put stdin back.
  const int saved = dup(0);
  REQUIRE(saved >= 0);
  const int fd = open((dir / "in.zst").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  dup2(fd, 0);
  close(fd);
  KeepingHandler h;
  std::string error;
  try {
    read_index_file("-", h);
  } catch (const std::exception& e) {
    error = e.what();
  }
  dup2(saved, 0);
  close(saved);
  clearerr(stdin);
  CHECK(error == "");
  CHECK(h.summary.compression == std::string("zstd"));
  CHECK(h.records.size() == 2);
}

TEST_CASE("spack index: the handler's own exception goes through as it is, not as a bad index") {
  struct Refusing : cachedb::spack_index::IndexHandler {
    void record(const IndexRecord&) override { throw cachedb::Error("disk full"); }
    void document_done(const DocumentSummary&) override {}
  } h;
  const std::string text = testing::read_file(testing::fixture("index/db-v7.json").string());
  auto src = memory_source(text.data(), text.size(), "v7");
  try {
    read_index(*src, h);
    FAIL("no exception");
  } catch (const IndexParseError& e) {
    FAIL("taken for a bad index: " << e.what());
  } catch (const cachedb::Error& e) {
    CHECK(std::string(e.what()) == "disk full");
  }
}

TEST_CASE("spack index: every prefix of an index, plain or gzip, is refused as a bad index and nothing else") {
  const std::string plain = testing::read_file(testing::fixture("index/db-v8.json").string());
  const std::string packed = testing::gzip(plain);
  // Plain: every prefix short of the closing brace (the newline after it is not needed).
  // Gzip: every prefix short of the whole stream.
  for (auto [whole, end, step] : {std::tuple{&plain, plain.rfind('}'), std::size_t{7}},
                                  std::tuple{&packed, packed.size() - 1, std::size_t{1}}}) {
    int tried = 0, refused = 0;
    for (std::size_t n = 0; n <= end; n += step) {
      ++tried;
      KeepingHandler h;
      auto src = memory_source(whole->data(), n, "prefix");
      try {
        read_index(*src, h);
      } catch (const IndexParseError& e) {
        ++refused;
        CHECK(e.offset() <= plain.size());
      }
      CHECK(h.done == 0);
    }
    CHECK(refused == tried);
  }
}

TEST_CASE("spack index: text is held to the limits pages are held to, and a record's size is capped") {
  const std::string long_name = R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": ")" +
                                std::string(300, 'n') + R"("}}}}})";
  auto e = error_of(long_name);
  CHECK(e.path() == "$.database.installs.abc.spec.name");
  CHECK(e.reason().find("over the 256-byte limit") != std::string::npos);
  CHECK(error_of(R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "a\u0000b"}}}}})").reason().find("NUL") !=
        std::string::npos);
  std::string many = R"({"database": {"version": "8", "installs": {"abc": {"spec": {"name": "x", "dependencies": [)";
  for (int i = 0; i <= 1 << 16; ++i) many += fmt::format(R"({}{{"name": "d", "hash": "h{}"}})", i ? "," : "", i);
  many += "]}}}}}";
  CHECK(error_of(many).reason() == "more than 65536 dependencies");
}

// --- Records the handler knows: handed out undescribed, checked all the same ---

namespace {

using testing::compiler_edge;
using testing::dag_hash;
using testing::IndexEdge;
using testing::IndexSpec;

// `text` with `marker`, found exactly once, replaced: a hostile value where the
// builder wrote a well-formed one.
std::string with(std::string text, const std::string& marker, const std::string& value) {
  const auto at = text.find(marker);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(marker, at + marker.size()) == std::string::npos);
  return text.replace(at, marker.size(), value);
}

IndexSpec node(const std::string& hash, const std::string& package, const std::string& version) {
  IndexSpec s;
  s.hash = hash;
  s.package = package;
  s.version = version;
  return s;
}

// The hashes of those of `among` that `mask` picks.
std::set<std::string> picked(const std::vector<std::string>& among, unsigned mask) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < among.size(); ++i)
    if (mask & (1u << i)) out.insert(among[i]);
  return out;
}

// Compiler nodes of every kind the reader remembers, and records built by them,
// each compiler rule learning something a later record needs.
std::vector<IndexSpec> compiler_memory_specs() {
  const std::string late = dag_hash("mycc1"), learned = dag_hash("mycc2"), gcc = dag_hash("gcc"),
                    acme = dag_hash("acme"), absent = dag_hash("oddcc"), newcc = dag_hash("newcc");
  auto user = [&](const std::string& name, const std::string& compiler, const std::string& compiler_name) {
    IndexSpec s = node(dag_hash(name), name, "1.0");
    s.parameters = {{"shared", "true"}, {"libs", R"(["static", "a b"])"}};
    s.dependencies = {compiler_edge(compiler, compiler_name), IndexEdge{gcc, "gcc", {"link"}, {}}};
    return s;
  };
  IndexSpec gcc_node = node(gcc, "gcc", "13.2.0");
  gcc_node.in_buildcache = false;
  IndexSpec annotated = user("annotated", newcc, "newcc");
  annotated.annotated_compiler = "gcc@12.3.0";
  return {
      user("awaits", late, "mycc"),      // its compiler node comes later; teaches that mycc is a compiler
      node(learned, "mycc", "2.0"),       // remembered only because mycc was learned
      user("learned-user", learned, "mycc"),
      gcc_node,                          // a compiler package by name
      user("gcc-user", gcc, "gcc"),
      node(late, "mycc", "1.0"),       // remembered because it was awaited
      user("late-user", late, "mycc"),
      node(acme, "acme-cc", "3.1"),       // remembered because it provides c (v9)
      user("acme-user", acme, "acme-cc"),
      user("awaits-absent", absent, "odd-cc"),  // its node never comes: a late compiler labelled by the edge
      annotated,                         // the annotation wins, and newcc is learned all the same
      node(newcc, "newcc", "1.0"),
      user("newcc-user", newcc, "newcc"),
  };
}

}  // namespace

TEST_CASE("spack index: a record whose hash the handler knows is handed out undescribed; the rest never change") {
  const auto specs = compiler_memory_specs();
  const std::string text = with(testing::index_json(specs, 9), R"("dependencies": [], "hash": ")" + dag_hash("acme"),
                                R"("provided_virtuals": ["c"], "dependencies": [], "hash": ")" + dag_hash("acme"));
  const auto all = read_text(text);
  REQUIRE(all.records.size() == specs.size());
  // The fixture exercises each rule: an awaited node, a learned package, a v9 provider, an absent node.
  CHECK(all.compiler(dag_hash("awaits")) == "mycc@1.0");
  CHECK(all.compiler(dag_hash("learned-user")) == "mycc@2.0");
  CHECK(all.compiler(dag_hash("gcc-user")) == "gcc@13.2.0");
  CHECK(all.compiler(dag_hash("late-user")) == "mycc@1.0");
  CHECK(all.compiler(dag_hash("acme-user")) == "acme-cc@3.1");
  CHECK(all.compiler(dag_hash("awaits-absent")) == "odd-cc");
  CHECK(all.compiler(dag_hash("annotated")) == "gcc@12.3.0");
  CHECK(all.compiler(dag_hash("newcc-user")) == "newcc@1.0");
  REQUIRE(all.summary.late_compilers.size() == 2);

  // Every set of known nodes and records that teach the compiler memory
  // something, and every record at once: the known ones carry their hash and
  // in_buildcache alone; every other record, and the late compilers, are as
  // when all are described.
  std::vector<std::string> teachers, everyone;
  for (const auto& s : specs) {
    everyone.push_back(s.hash);
    if (!s.package.ends_with("-user")) teachers.push_back(s.hash);
  }
  REQUIRE(teachers.size() == 8);
  std::vector<std::set<std::string>> known_sets{picked(everyone, ~0u)};
  for (unsigned mask = 0; mask < (1u << teachers.size()); ++mask) known_sets.push_back(picked(teachers, mask));
  for (const auto& known : known_sets) {
    CAPTURE(known.size());
    const auto h = read_text(text, "test", known);
    REQUIRE(h.records.size() == all.records.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const auto& r = h.records[i];
      if (!known.contains(specs[i].hash)) {
        CHECK(r == all.records[i]);
        continue;
      }
      testing::KeptRecord bare;
      bare.hash = specs[i].hash;
      bare.in_buildcache = all.records[i].in_buildcache;
      bare.described = false;
      CHECK(r == bare);
    }
    REQUIRE(h.summary.late_compilers.size() == all.summary.late_compilers.size());
    for (std::size_t i = 0; i < all.summary.late_compilers.size(); ++i) {
      CHECK(h.summary.late_compilers[i].hash == all.summary.late_compilers[i].hash);
      CHECK(h.summary.late_compilers[i].label == all.summary.late_compilers[i].label);
    }
  }
}

namespace {

// One kind of bad (or barely good) record: a builder spec tweaked, then a
// marker of its text replaced. `reason` is "" when the record is good.
struct RecordCase {
  std::string what;
  std::string reason;
  std::function<void(IndexSpec&)> tweak = {};
  std::string marker = {}, value = {};
};

const std::string kBad = dag_hash("bad"), kDep = dag_hash("dep"), kGcc = dag_hash("gcc");

// A record between two good ones, with a dict target, variants, a compiler
// edge and an edge to "dep-pkg" that the cases can spoil.
std::string index_around(const RecordCase& c) {
  IndexSpec before = node(dag_hash("before"), "before", "1.0"), after = node(dag_hash("after"), "after", "1.0");
  before.dependencies = after.dependencies = {compiler_edge(kGcc)};
  IndexSpec bad = node(kBad, "bad-pkg", "1.0");
  bad.target_dict = true;
  bad.parameters = {{"shared", "true"}, {"libs", R"(["a", "b c"])"}};
  bad.dependencies = {compiler_edge(kGcc), IndexEdge{kDep, "dep-pkg", {"build", "link"}, {"mpi"}}};
  if (c.tweak) c.tweak(bad);
  const std::string text = testing::index_json({node(kGcc, "gcc", "13.2.0"), before, bad, after}, 9);
  return c.marker.empty() ? text : with(text, c.marker, c.value);
}

std::vector<RecordCase> record_cases() {
  const std::string own = R"("hash": ")" + kBad + '"', record = '"' + kBad + R"(": {"spec": {)";
  const std::string dep = R"({"name": "dep-pkg", "hash": ")" + kDep + '"';
  const std::string long_text(300, 'x');
  auto params = [](std::size_t n) {
    std::vector<std::pair<std::string, std::string>> p;
    for (std::size_t i = 0; i < n; ++i) p.emplace_back(fmt::format("v{}", i), "true");
    return p;
  };
  auto items = [](std::size_t n, bool distinct) {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(fmt::format("{:0>200}", distinct ? i : 0));
    return v;
  };
  auto edges = [](std::size_t n) {
    std::vector<IndexEdge> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(IndexEdge{fmt::format("h{}", i), "d", {"link"}, {}});
    return v;
  };
  return {
      {"hash not UTF-8", "a key that is not UTF-8", [](IndexSpec& s) { s.hash = "bad\xff"; }},
      {"hash too long", "over the 128-byte limit", [](IndexSpec& s) { s.hash = std::string(200, 'h'); }},
      {"in_buildcache a string", "'in_buildcache' must be true or false", {}, record,
       '"' + kBad + R"(": {"in_buildcache": "yes", "spec": {)"},
      {"no spec", "an install without a 'spec'", {}, record, '"' + kBad + R"(": {"nospec": {)"},
      {"spec a number", "'spec' must be an object", {}, record, '"' + kBad + R"(": {"spec": 1, "x": {)"},
      {"name not UTF-8", "is not valid UTF-8", [](IndexSpec& s) { s.package = "bad\xff"; }},
      {"name with NUL", "contains a NUL", {}, R"("name": "bad-pkg")", R"("name": "bad\u0000pkg")"},
      {"name too long", "over the 256-byte limit", [=](IndexSpec& s) { s.package = long_text; }},
      {"name a number", "'name' must be a string", {}, R"("name": "bad-pkg")", R"("name": 5)"},
      {"no name", "a spec without a 'name'", {}, R"("name": "bad-pkg", )", ""},
      {"version a boolean", "'version' must be a string", [](IndexSpec& s) { s.version = "VERSION"; }, R"("VERSION")",
       "true"},
      {"version too long", "over the 256-byte limit", [=](IndexSpec& s) { s.version = long_text; }},
      {"compiler string without a name", "has no name", {}, own, R"("compiler": "@1.0", )" + own},
      {"compiler dict name a number", "'name' must be a string", {}, own, R"("compiler": {"name": 5}, )" + own},
      {"compiler dict version too long", "over the 256-byte limit", {}, own,
       R"("compiler": {"name": "gcc", "version": ")" + long_text + "\"}, " + own},
      {"arch a list", "'arch' must be an object", {}, own, R"("arch": [], )" + own},
      {"platform a number", "'platform' must be a string", [](IndexSpec& s) { s.platform = "PLATFORM"; },
       R"("PLATFORM")", "5"},
      {"os too long", "over the 256-byte limit", [=](IndexSpec& s) { s.os = long_text; }},
      {"string target not UTF-8", "is not valid UTF-8", [](IndexSpec& s) {
         s.target_dict = false;
         s.target = "x\xfe";
       }},
      {"dict target name a number", "'name' must be a string", [](IndexSpec& s) { s.target = "TARGET"; },
       R"("TARGET")", "5"},
      {"dict target without a name", "a target object without a 'name'", [](IndexSpec& s) { s.target = "TARGET"; },
       R"("name": "TARGET")", R"("label": "TARGET")"},
      {"parameter an object", "a parameter must be a string, a number, a boolean, null or a list",
       [](IndexSpec& s) { s.parameters = {{"p", R"({"a": 1})"}}; }},
      {"list value a list", "a list parameter's values must be strings, numbers or booleans",
       [](IndexSpec& s) { s.parameters = {{"l", R"(["a", ["n"]])"}}; }},
      {"list value an object", "a list parameter's values must be strings, numbers or booleans",
       [](IndexSpec& s) { s.parameters = {{"l", R"([{}])"}}; }},
      // Spack's sorted set of values: sorted and made distinct the same known or not.
      {"list values unsorted and repeated", "", [](IndexSpec& s) { s.parameters = {{"l", R"(["z", "a b", "z"])"}}; }},
      {"annotations.compiler a number", "'compiler' must be a string",
       [](IndexSpec& s) { s.annotated_compiler = "ANNOTATED"; }, R"("ANNOTATED")", "5"},
      {"annotations.compiler without a name", "annotations.compiler:",
       [](IndexSpec& s) { s.annotated_compiler = "@12"; }},
      {"parameters a list", "'parameters' must be an object", {}, own, R"("parameters": [], )" + own},
      {"parameters a string", "'parameters' must be an object", {}, own, R"("parameters": "+x", )" + own},
      {"arch a string", "'arch' must be an object", {}, own, R"("arch": "linux-ubuntu24.04-x86_64", )" + own},
      {"target a list", "'target' must be a string or an object",
       [](IndexSpec& s) {
         s.target_dict = false;
         s.target = "TARGET";
       },
       R"("TARGET")", R"(["x86_64"])"},
      {"platform a list", "'platform' must be a string", [](IndexSpec& s) { s.platform = "PLATFORM"; },
       R"("PLATFORM")", R"(["linux"])"},
      {"dependencies an object", "'dependencies' must be a list", {}, own, R"("dependencies": {}, )" + own},
      {"dependencies a string", "'dependencies' must be a list", {}, own, R"("dependencies": "zlib", )" + own},
      {"version a list", "'version' must be a string", {}, own, R"("version": ["1.0"], )" + own},
      {"name an object", "'name' must be a string", {}, own, R"("name": {}, )" + own},
      // A v6 node without dependencies says null.
      {"dependencies null", "", {}, own, R"("dependencies": null, )" + own},
      {"variant value too long", "over the 16384-byte limit",
       [](IndexSpec& s) { s.parameters = {{"p", '"' + std::string(17000, 'a') + '"'}}; }},
      {"variant key not UTF-8", "a key that is not UTF-8", [](IndexSpec& s) { s.parameters = {{"k\xff", "true"}}; }},
      {"variant key with a NUL", "a parameter name that contains a NUL character",
       [](IndexSpec& s) { s.parameters = {{"build_sys\\u0000tem", "\"cmake\""}}; }},
      {"variant key too long", "a parameter name that is 16385 bytes, over the 16384-byte limit",
       [](IndexSpec& s) { s.parameters = {{std::string(16385, 'k'), "true"}}; }},
      // "p=" and the value: 16384 bytes are allowed, quotes counted, as for a list.
      {"variant at its limit", "", [](IndexSpec& s) { s.parameters = {{"p", '"' + std::string(16382, 'a') + '"'}}; }},
      {"variant over its limit by its name", "a variant longer than 16384 bytes",
       [](IndexSpec& s) { s.parameters = {{"p", '"' + std::string(16383, 'a') + '"'}}; }},
      {"variant over its limit by its quotes", "a variant longer than 16384 bytes",
       [](IndexSpec& s) { s.parameters = {{"p", '"' + std::string(16380, 'a') + " \""}}; }},
      {"list variant key not UTF-8", "a key that is not UTF-8",
       [](IndexSpec& s) { s.parameters = {{"k\xff", R"(["a"])"}}; }},
      {"list value not UTF-8", "is not valid UTF-8", [](IndexSpec& s) { s.parameters = {{"l", "[\"a\xff\"]"}}; }},
      // "l:=" and the value: 16384 bytes are allowed, quotes counted.
      {"list variant at its limit", "",
       [](IndexSpec& s) { s.parameters = {{"l", "[\"" + std::string(16378, 'a') + " \"]"}}; }},
      {"list variant over its limit by its quotes", "a variant longer than 16384 bytes",
       [](IndexSpec& s) { s.parameters = {{"l", "[\"" + std::string(16379, 'a') + " \"]"}}; }},
      {"list variant over its limit by its commas", "a variant longer than 16384 bytes",
       [](IndexSpec& s) { s.parameters = {{"l", "[\"" + std::string(8191, 'a') + "\", \"" + std::string(8191, 'b') + "\"]"}}; }},
      {"too many variants", "more than 4096 variants", [=](IndexSpec& s) { s.parameters = params(4097); }},
      {"too many variants, the last a list", "more than 4096 variants", [=](IndexSpec& s) {
         s.parameters = params(4096);
         s.parameters.emplace_back("l", R"(["a"])");
       }},
      // An empty list and a null are no variants, but count: held until the
      // record ends, each drops a variant of its name before it.
      {"as many variants as allowed", "", [=](IndexSpec& s) {
         s.parameters = params(4093);
         s.parameters.emplace_back("e", "[]");
         s.parameters.emplace_back("n", "null");
         s.parameters.emplace_back("last", "true");
       }},
      {"too many variants, nulls counted", "more than 4096 variants", [=](IndexSpec& s) {
         s.parameters = params(4096);
         s.parameters.emplace_back("n", "null");
       }},
      {"dependency a list", "a dependency must be an object", {}, dep, "[], " + dep},
      {"dependency without a hash", "a dependency without a 'hash'", {}, R"("hash": ")" + kDep + "\", ", ""},
      {"dependency hash a number", "'hash' must be a string", {}, R"("hash": ")" + kDep + '"', R"("hash": 5)"},
      {"dependency _hash a number, before its hash", "'_hash' must be a string", {}, dep,
       R"({"name": "dep-pkg", "_hash": 5, "hash": ")" + kDep + '"'},
      {"dependency _hash a number, after its hash (ignored)", "", {}, dep, dep + R"(, "_hash": 5)"},
      {"dependency hash too long", "over the 128-byte limit", [](IndexSpec& s) {
         s.dependencies[1].hash = std::string(200, 'h');
       }},
      {"dependency name a number", "'name' must be a string", {}, dep,
       R"({"name": 5, "hash": ")" + kDep + '"'},
      {"v6 dependency type too long", "over the 256-byte limit", {}, dep, dep + R"(, "type": ")" + long_text + '"'},
      {"deptype a number", "a deptype must be a string", [](IndexSpec& s) { s.dependencies[1].deptypes = {"DEPTYPE"}; },
       R"("DEPTYPE")", "1"},
      {"too many deptypes", "too many deptypes", [=](IndexSpec& s) { s.dependencies[1].deptypes = items(100, true); }},
      {"one deptype many times", "", [=](IndexSpec& s) { s.dependencies[1].deptypes = items(100, false); }},
      {"virtual a number", "a virtual must be a string", [](IndexSpec& s) { s.dependencies[1].virtuals = {"VIRTUAL"}; },
       R"("VIRTUAL")", "1"},
      {"too many virtuals", "too many virtuals", [=](IndexSpec& s) { s.dependencies[1].virtuals = items(100, true); }},
      {"too many dependencies", "more than 65536 dependencies", [=](IndexSpec& s) { s.dependencies = edges(65537); }},
      {"nested too deep", "nested deeper than 64 levels", {}, own,
       R"("x": )" + std::string(70, '[') + std::string(70, ']') + ", " + own},
      {"bad JSON", "bad JSON", {}, own, R"("x": tru, )" + own},
  };
}

}  // namespace

TEST_CASE("spack index: a bad record is refused with the same error whether its hash is known or not") {
  const std::vector<std::set<std::string>> known_sets{
      {}, {kBad}, {kBad, dag_hash("before"), dag_hash("after"), kGcc}, {dag_hash("before"), kGcc}};
  for (const RecordCase& c : record_cases()) {
    CAPTURE(c.what);
    const std::string text = index_around(c);
    if (c.reason.empty()) {
      const auto all = read_text(text);
      for (const auto& known : known_sets) {
        const auto h = read_text(text, "test", known);
        for (std::size_t i = 0; i < h.records.size(); ++i)
          if (h.records[i].described) CHECK(h.records[i] == all.records[i]);
      }
      continue;
    }
    const IndexParseError first = error_of(text);
    CHECK_MESSAGE(first.reason().find(c.reason) != std::string::npos, first.reason());
    for (const auto& known : known_sets) {
      const IndexParseError e = error_of(text, known);
      CHECK(e.offset() == first.offset());
      CHECK(e.path() == first.path());
      CHECK(e.reason() == first.reason());
    }
  }
}

TEST_CASE("spack index: the cap on compiler nodes counts known records too") {
  // More compiler nodes than allowed: seen, and awaited by the records that name them.
  const std::size_t n = (1 << 16) + 1;
  std::string nodes = R"({"database": {"version": "8", "installs": {)";
  std::string awaited = nodes;
  nodes.reserve(n * 40);
  awaited.reserve(n * 110);
  std::set<std::string> known;
  for (std::size_t i = 0; i < n; ++i) {
    fmt::format_to(std::back_inserter(nodes), R"({}"h{}": {{"spec": {{"name": "gcc"}}}})", i ? "," : "", i);
    fmt::format_to(std::back_inserter(awaited),
                   R"({}"h{}": {{"spec": {{"name": "p", "dependencies": [{{"hash": "c{}", )"
                   R"("parameters": {{"deptypes": ["build"], "virtuals": ["c"]}}}}]}}}})",
                   i ? "," : "", i, i);
    known.insert(fmt::format("h{}", i));
  }
  nodes += "}}}";
  awaited += "}}}";
  for (const std::string* text : {&nodes, &awaited}) {
    const IndexParseError first = error_of(*text);
    CHECK(first.reason() == "more than 65536 compiler nodes");
    const IndexParseError e = error_of(*text, known);
    CHECK(e.offset() == first.offset());
    CHECK(e.path() == first.path());
    CHECK(e.reason() == first.reason());
  }
}

// --- Specs read before (checked_specs.h) ---

namespace {

// What a read hands out, and its late compilers, as one comparable text.
std::string outcome_text(const KeepingHandler& h) {
  std::string out;
  for (const auto& r : h.records)
    out += fmt::format("{} {} {} {} {} {} {} {};", r.hash, r.described, r.in_buildcache, r.package, r.version,
                       r.compiler, join(r.variants), r.dependencies.size());
  for (const auto& late : h.summary.late_compilers) out += fmt::format("late {} {} {};", late.hash, late.label, late.node_seen);
  return out + fmt::format("records {}", h.summary.records);
}

}  // namespace

TEST_CASE("spack index: a known record whose spec was read before, byte for byte, is passed over and reads the same") {
  const auto specs = compiler_memory_specs();
  const std::string text = with(testing::index_json(specs, 9), R"("dependencies": [], "hash": ")" + dag_hash("acme"),
                                R"("provided_virtuals": ["c"], "dependencies": [], "hash": ")" + dag_hash("acme"));
  CheckedSpecs checked;
  const auto first = read_text(text, "test", {}, &checked);
  CHECK(first.summary.specs_checked_before == 0);  // nothing known: every record described
  CHECK(outcome_text(first) == outcome_text(read_text(text)));

  // Every set of known nodes and records that teach the compiler memory
  // something (the compiler each record gets, the late compilers), and all of
  // them: each known record is passed over, and the outcome is the one of a
  // reader that reads it.
  std::vector<std::string> teachers, everyone;
  for (const auto& s : specs) {
    everyone.push_back(s.hash);
    if (!s.package.ends_with("-user")) teachers.push_back(s.hash);
  }
  std::vector<std::set<std::string>> known_sets{picked(everyone, ~0u)};
  for (unsigned mask = 0; mask < (1u << teachers.size()); ++mask) known_sets.push_back(picked(teachers, mask));
  for (const auto& known : known_sets) {
    CAPTURE(known.size());
    const auto plain = read_text(text, "test", known);
    const auto skipping = read_text(text, "test", known, &checked);
    CHECK(plain.summary.specs_checked_before == 0);
    CHECK(skipping.summary.specs_checked_before == known.size());
    CHECK(outcome_text(skipping) == outcome_text(plain));
  }
}

TEST_CASE("spack index: a spec whose bytes differ from the one read before is read again") {
  const auto specs = compiler_memory_specs();
  const std::string text = testing::index_json(specs, 9);
  // Every hash known but one record's, described to show its compiler.
  std::set<std::string> known;
  for (const auto& s : specs)
    if (s.hash != dag_hash("awaits")) known.insert(s.hash);
  CheckedSpecs checked;
  read_text(text, "test", {}, &checked);

  // One byte of one spec changed (the version of the compiler node a record
  // awaited): that record is read, and what it says now is what counts.
  const std::string changed = with(text, R"("name": "mycc", "version": "1.0")", R"("name": "mycc", "version": "1.1")");
  const auto again = read_text(changed, "test", known, &checked);
  CHECK(again.summary.specs_checked_before == known.size() - 1);
  CHECK(outcome_text(again) == outcome_text(read_text(changed, "test", known)));
  CHECK(again.compiler(dag_hash("awaits")) == "mycc@1.1");

  // Made bad: refused as a reader that knows nothing refuses it.
  const std::string bad = with(text, R"("name": "mycc", "version": "1.0")", R"("name": "mycc", "version": ["1.0"])");
  const IndexParseError first = error_of(bad);
  const IndexParseError e = error_of(bad, known, &checked);
  CHECK(e.offset() == first.offset());
  CHECK(e.path() == first.path());
  CHECK(e.reason() == first.reason());
}

TEST_CASE("spack index: a bad record is refused the same after its good twin was read") {
  CheckedSpecs checked;
  read_text(index_around({"good", ""}), "test", {}, &checked);
  const std::set<std::string> known{kBad, dag_hash("before"), dag_hash("after"), kGcc, kDep};
  for (const RecordCase& c : record_cases()) {
    CAPTURE(c.what);
    const std::string text = index_around(c);
    if (c.reason.empty()) {
      CHECK(outcome_text(read_text(text, "test", known, &checked)) == outcome_text(read_text(text, "test", known)));
      continue;
    }
    const IndexParseError first = error_of(text);
    // The same index read twice: the records before the bad one are passed over the second time.
    for (int pass = 0; pass < 2; ++pass) {
      const IndexParseError e = error_of(text, known, &checked);
      CHECK(e.offset() == first.offset());
      CHECK(e.path() == first.path());
      CHECK(e.reason() == first.reason());
    }
  }
}

TEST_CASE("spack index: an install with two 'spec' objects is refused") {
  const std::string hash = dag_hash("twice");
  const std::string text = R"({"database": {"version": "9", "installs": {")" + hash +
                           R"(": {"spec": {"name": "a", "version": "1"}, "spec": {"name": "b", "version": "2"}}}}})";
  const IndexParseError first = error_of(text);
  CHECK(first.reason() == "an install with two 'spec' objects");
  CHECK(first.path() == "$.database.installs." + hash + ".spec");
  // The first spec passed over as read before: the second is refused all the same.
  CheckedSpecs checked;
  read_text(R"({"database": {"version": "9", "installs": {")" + hash + R"(": {"spec": {"name": "a", "version": "1"}}}}})",
            "test", {}, &checked);
  const IndexParseError e = error_of(text, {hash}, &checked);
  CHECK(e.offset() == first.offset());
  CHECK(e.reason() == first.reason());
}

TEST_CASE("spack index: specs cut by the end of the reader's buffer are read again, the rest passed over") {
  // ~600 KB of records, several of the reader's buffers: some specs lie across a buffer's end.
  std::vector<IndexSpec> specs;
  for (int i = 0; i < 2000; ++i) {
    IndexSpec s = node(dag_hash(fmt::format("p{}", i)), fmt::format("package-{}", i), "1.0");
    s.parameters = {{"shared", "true"}, {"build_system", R"("cmake")"}, {"libs", R"(["shared", "static"])"}};
    s.dependencies = {compiler_edge(kGcc)};
    specs.push_back(s);
  }
  specs.push_back(node(kGcc, "gcc", "13.2.0"));
  const std::string text = testing::index_json(specs, 9);
  REQUIRE(text.size() > 3 * (128u << 10));
  std::set<std::string> known;
  for (const auto& s : specs) known.insert(s.hash);
  CheckedSpecs checked;
  read_text(text, "test", {}, &checked);
  const auto again = read_text(text, "test", known, &checked);
  const std::string plain = outcome_text(read_text(text, "test", known));
  CHECK(outcome_text(again) == plain);
  CHECK(again.summary.specs_checked_before < specs.size());
  // At most one spec cut by each buffer's end, in either read.
  CHECK(again.summary.specs_checked_before >= specs.size() - 2 * (text.size() / (128u << 10) + 1));

  // Decompressed text goes through buffers of another size: the same records,
  // most specs passed over, whichever of the three was read first.
  for (const std::string& packed : {testing::gzip(text), testing::zstd(text)}) {
    CheckedSpecs fresh;
    read_text(packed, "test", {}, &fresh);
    const auto h = read_text(packed, "test", known, &fresh);
    CHECK(outcome_text(h) == plain);
    CHECK(h.summary.specs_checked_before >= specs.size() - 2 * (text.size() / (128u << 10) + 1));
    const auto from_plain = read_text(packed, "test", known, &checked);
    CHECK(outcome_text(from_plain) == plain);
    CHECK(from_plain.summary.specs_checked_before >= specs.size() - 2 * (text.size() / (128u << 10) + 1));
  }
}

TEST_CASE("spack index: the table of specs read before keeps its texts bounded, starting again when they are full") {
  // An index may make every name new: 250-byte names, versions and compiler
  // edges, 40,000 specs, three new texts each.
  CheckedSpecs checked;
  CheckedSpecs::Spec spec;
  spec.length = 100;
  spec.has_provider = true;
  const std::string pad(240, 'x');
  auto make = [&](int i) {
    spec.fingerprint = {static_cast<std::uint64_t>(i) + 1, 7};
    spec.name = fmt::format("n{:08}{}", i, pad);
    spec.version = fmt::format("v{:08}{}", i, pad);
    spec.provider_name = fmt::format("p{:08}{}", i, pad);
    spec.provider_hash = dag_hash("gcc");
  };
  std::size_t most_texts = 0, most_bytes = 0;
  for (int i = 0; i < 40000; ++i) {
    make(i);
    checked.remember(fmt::format("h{:031}", i), spec);
    most_texts = std::max(most_texts, checked.texts());
    most_bytes = std::max(most_bytes, checked.text_bytes());
  }
  CHECK(most_texts <= CheckedSpecs::kMaxTexts);
  CHECK(most_bytes <= CheckedSpecs::kMaxTextBytes);
  CHECK(checked.restarts() >= 2);
  CHECK(checked.restarts() < CheckedSpecs::kMaxRestarts);
  // The last spec is kept whole; the first went with a restart.
  CheckedSpecs::Spec found;
  REQUIRE(checked.find(fmt::format("h{:031}", 39999), found));
  make(39999);
  CHECK(found.fingerprint == spec.fingerprint);
  CHECK(found.name == spec.name);
  CHECK(found.version == spec.version);
  CHECK(found.provider_name == spec.provider_name);
  CHECK(found.provider_hash == spec.provider_hash);
  CHECK_FALSE(checked.find(fmt::format("h{:031}", 0), found));
}

TEST_CASE("spack index: a table of specs read before whose texts keep running out stops keeping specs") {
  CheckedSpecs checked;
  CheckedSpecs::Spec spec;
  spec.length = 100;
  const std::string pad(1000, 'x');
  for (int i = 0; checked.restarts() < CheckedSpecs::kMaxRestarts; ++i) {
    REQUIRE(i < 100000);
    spec.name = fmt::format("n{:08}{}", i, pad);
    checked.remember(fmt::format("h{:031}", i), spec);
  }
  spec.name = "kept-no-more";
  checked.remember(dag_hash("late"), spec);
  CheckedSpecs::Spec found;
  CHECK_FALSE(checked.find(dag_hash("late"), found));
  CHECK(checked.texts() <= CheckedSpecs::kMaxTexts);
}
