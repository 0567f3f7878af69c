// `cachedb list`: Spack's spec syntax read as filters, specs written as
// `spack buildcache list -lv` writes them; in-process on the versions and
// matrix fixtures, then through the binary.
#include <doctest/doctest.h>

#include <filesystem>

#include <SQLiteCpp/Database.h>

#include "error.h"
#include "ingest/ingester.h"
#include "report/spec_filter.h"
#include "report/spec_list.h"
#include "storage/database.h"
#include "test_support.h"

using namespace cachedb;
using testing::run_cachedb;
using testing::shell_quote;

namespace {

SQLite::Database& both_fixtures() {
  static testing::TempDir dir;
  static SQLite::Database db = [] {
    auto d = open_database(dir / "list.sqlite", OpenMode::ReadWrite);
    auto s = ingest(d, {testing::fixture("versions"), testing::fixture("matrix")}, {});
    REQUIRE(s.pages_added == 9);
    return d;
  }();
  return db;
}

// Each spec listed: "hash7 spec".
std::vector<std::string> listed(const std::vector<std::string>& words, const std::vector<std::string>& releases = {}) {
  std::vector<std::string> out;
  list_specs(both_fixtures(), parse_spec_filter(words), releases,
             [&](const ListedSpec& s) { out.push_back(s.hash.substr(0, 7) + " " + spack_spec(s)); });
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("spec filters read as Spack writes specs") {
  auto f = parse_spec_filter({"hdf5@1.14", "%gcc@10", "+cuda", "~mpi", "cuda_arch=80,90", "arch=linux-rhel9-x86_64_v3",
                              "/hd5"});
  CHECK(f.package == "hdf5");
  CHECK(f.version == "1.14");
  CHECK(f.compiler == "gcc");
  CHECK(f.compiler_version == "10");
  CHECK(f.platform == "linux");
  CHECK(f.os == "rhel9");
  CHECK(f.target == "x86_64_v3");
  CHECK(f.hash_prefix == "hd5");
  CHECK(f.variants == std::vector<std::pair<std::string, std::string>>{
                          {"cuda", "true"}, {"mpi", "false"}, {"cuda_arch", "80"}, {"cuda_arch", "90"}});
  CHECK(f.variants_json() == R"([["cuda","true"],["mpi","false"],["cuda_arch","80"],["cuda_arch","90"]])");
  // Run together or apart, one word or several: the same filter.
  auto glued = parse_spec_filter({"py-torch@2.5+cuda%gcc os=ubuntu24.04 target=x86_64_v3"});
  CHECK(glued.package == "py-torch");
  CHECK(glued.version == "2.5");
  CHECK(glued.compiler == "gcc");
  CHECK(!glued.compiler_version);
  CHECK(glued.os == "ubuntu24.04");
  CHECK(glued.target == "x86_64_v3");
  CHECK(glued.variants.size() == 1);
  CHECK(parse_spec_filter({}).variants.empty());
  // k=True and k=FALSE are booleans, as Spack reads them: +k, ~k. Quoted, or
  // in a list, they stay text.
  CHECK(parse_spec_filter({"shared=True debug=FALSE"}).variants ==
        std::vector<std::pair<std::string, std::string>>{{"shared", "true"}, {"debug", "false"}});
  CHECK(parse_spec_filter({"note='True'"}).variants == std::vector<std::pair<std::string, std::string>>{{"note", "True"}});
  CHECK(parse_spec_filter({"k=True,x"}).variants ==
        std::vector<std::pair<std::string, std::string>>{{"k", "True"}, {"k", "x"}});

  auto refused = [](const std::string& spec, const std::string& message) {
    INFO(spec);
    try {
      parse_spec_filter({spec});
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(std::string(e.what()) == message);
    }
  };
  refused("hdf5 ^mpi", "'hdf5 ^mpi': at character 6: dependencies (^...) cannot be asked for here: query the "
                       "dependencies view instead (cachedb schema; indexes list them, pages do not)");
  refused("hdf5@1.2:1.4:1.6", "'hdf5@1.2:1.4:1.6': at character 5: '1.2:1.4:1.6': a range has one ':' (LOW:HIGH, "
                              "LOW: or :HIGH)");
  refused("zlib cmake", "'zlib cmake': at character 6: a second package (zlib is already asked for)");
  refused("zlib@", "'zlib@': at character 5: expected a version after '@'");
  refused("arch=linux-rhel8", "'arch=linux-rhel8': at character 1: expected arch=PLATFORM-OS-TARGET, e.g. "
                              "arch=linux-ubuntu22.04-x86_64_v3 (not 'linux-rhel8')");
  refused("+", "'+': at character 1: expected a variant name after '+'");
  refused("cuda_arch=", "'cuda_arch=': at character 1: expected a value after 'cuda_arch='");

  // A value in quotes, as Spack writes one: spaces inside it, every comma a separator.
  auto quoted = parse_spec_filter({"hdf5", "note='a b'", "languages='c,c++'", "q=\"it\\\"s\"", "+mpi"});
  CHECK(quoted.package == "hdf5");
  CHECK(quoted.variants == std::vector<std::pair<std::string, std::string>>{
                               {"note", "a b"}, {"languages", "c"}, {"languages", "c++"}, {"q", "it\"s"}, {"mpi", "true"}});
  refused("note='a b", "'note='a b': at character 6: the quote ' is never closed");
  refused("note=a'b", "'note=a'b': at character 7: a quote inside a value: quote the whole value ('a b,c')");
  refused("note='a'b", "'note='a'b': at character 9: expected a space after the quoted value");
  // '' is the empty value (an index stores k='' for an empty string).
  CHECK(parse_spec_filter({"note=''"}).variants == std::vector<std::pair<std::string, std::string>>{{"note", ""}});

  // k:=a,b, as Spack prints a concrete multi-valued variant: those values and no other.
  auto exact = parse_spec_filter({"cuda_arch:=80,90", "libs:=shared"});
  CHECK(exact.variants == std::vector<std::pair<std::string, std::string>>{
                              {"cuda_arch", "80"}, {"cuda_arch", "90"}, {"libs", "shared"}});
  CHECK(exact.exact_variants_json() == R"([["cuda_arch",["80","90"]],["libs",["shared"]]])");
  CHECK(parse_spec_filter({"cuda_arch=80"}).exact_variants.empty());
  // k==v says only that the spec's dependencies were asked for it too: v is this spec's value.
  CHECK(parse_spec_filter({"libs==shared"}).variants ==
        std::vector<std::pair<std::string, std::string>>{{"libs", "shared"}});
  refused("cuda_arch:=", "'cuda_arch:=': at character 1: expected a value after 'cuda_arch:='");
  refused("libs:=,", "'libs:=,': at character 1: expected a value after 'libs:=' (',' names none)");
  refused("libs=,,", "'libs=,,': at character 1: expected a value after 'libs=' (',,' names none)");
  refused("os:=rhel9", "'os:=rhel9': at character 1: 'os:=' is for variants: write os=");
  refused("=80", "'=80': at character 1: expected a name before '='");
}

// ++x and ~~x, as Spack writes a variant propagated to the dependencies: the
// spec's own value is the same as +x and ~x, run together or apart.
TEST_CASE("spec filters: ++x and ~~x ask for this spec's +x and ~x") {
  CHECK(parse_spec_filter({"hdf5++mpi", "~~cuda"}).variants ==
        std::vector<std::pair<std::string, std::string>>{{"mpi", "true"}, {"cuda", "false"}});
  CHECK(parse_spec_filter({"hdf5++mpi"}).package == "hdf5");
  CHECK(listed({"hdf5", "++mpi", "~~cuda"}) == listed({"hdf5", "+mpi", "~cuda"}));
  CHECK(listed({"hdf5", "++mpi", "~~cuda"}).size() == 3);
}

// A hash run on after a name or a variant, as Spack reads zlib/abc; and an
// arch whose target is missing is refused, not taken for an empty target.
TEST_CASE("spec filters: /hash run on after a word; arch= with nothing after its second '-'") {
  auto glued = parse_spec_filter({"zlib/zl1a"});
  CHECK(glued.package == "zlib");
  CHECK(glued.hash_prefix == "zl1a");
  auto after_variant = parse_spec_filter({"zlib+pic/zl1a"});
  CHECK(after_variant.variants == std::vector<std::pair<std::string, std::string>>{{"pic", "true"}});
  CHECK(after_variant.hash_prefix == "zl1a");
  CHECK(listed({"zlib/zl1a"}).size() == 1);
  try {
    parse_spec_filter({"arch=linux-rhel8-"});
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "'arch=linux-rhel8-': at character 1: expected arch=PLATFORM-OS-TARGET, e.g. "
                                   "arch=linux-ubuntu22.04-x86_64_v3 (not 'linux-rhel8-')");
  }
}

TEST_CASE("variants as Spack writes them: booleans run together, then key=value, each by name") {
  CHECK(spack_variants({"build_system=cmake", "~mpi", "+cuda", "cuda_arch=80", "+aa"}) ==
        "+aa+cuda~mpi build_system=cmake cuda_arch=80");
  CHECK(spack_variants({"build_system=cmake"}) == " build_system=cmake");
  CHECK(spack_variants({}).empty());
  // Two of one name, whatever order they come in (the database's ids, which history decides).
  CHECK(spack_variants({"~mpi", "+mpi", "k=b,a", "k=a"}) == "+mpi~mpi k=a k=b,a");
  CHECK(spack_variants({"+mpi", "~mpi", "k=a", "k=b,a"}) == "+mpi~mpi k=a k=b,a");
  ListedSpec s{"zl1a", "zlib", "1.3.1", "none", "linux", "ubuntu22.04", "x86_64_v3", {"+pic"}, {}};
  CHECK(spack_spec(s) == "zlib@1.3.1+pic arch=linux-ubuntu22.04-x86_64_v3");  // no %none
}

TEST_CASE("list: every spec once, by package then version as Spack orders them, filtered") {
  CHECK(listed({"hdf5"}) == Lines{
      "hd2gcc6 hdf5@1.8.22%gcc@6.5.0~cuda+mpi build_system=cmake arch=linux-rhel8-x86_64_v3",
      "hd6v09f hdf5@1.10.9%gcc@6.5.0~cuda+mpi build_system=cmake arch=linux-rhel9-x86_64_v3",
      "hd4v010 hdf5@1.10.9%gcc@10.3.0~cuda+mpi build_system=cmake arch=linux-rhel8-x86_64_v3",
      "hd5rcxe hdf5@1.14.0rc1%gcc@10.3.0~cuda~mpi build_system=cmake arch=linux-rhel9-x86_64_v3",
      "hd3gcc9 hdf5@1.14.0%gcc@9.4.0+cuda+mpi build_system=cmake cuda_arch=90 arch=linux-rhel10-neoverse_v2",
      "hd1deve hdf5@develop%gcc@10.3.0+cuda~mpi build_system=cmake cuda_arch=80 arch=linux-ubuntu22.04-x86_64_v3",
  });
  CHECK(listed({}).size() == 14);  // 6 hdf5, 8 of the matrix fixture
  // @1.14 is 1.14 or 1.14.x: 1.14.0 and 1.14.0rc1, not 1.10.9 (nor a 1.140).
  CHECK(listed({"@1.14"}).size() == 2);
  CHECK(listed({"@1.14.0"}).size() == 1);
  CHECK(listed({"%gcc@10"}).size() == 3);
  CHECK(listed({"%gcc@10.3.0", "~mpi"}) == Lines{
      "hd5rcxe hdf5@1.14.0rc1%gcc@10.3.0~cuda~mpi build_system=cmake arch=linux-rhel9-x86_64_v3",
      "hd1deve hdf5@develop%gcc@10.3.0+cuda~mpi build_system=cmake cuda_arch=80 arch=linux-ubuntu22.04-x86_64_v3",
  });
  // A list-valued variant matches any of its values: py-torch's cuda_arch=80,90.
  const auto sm80 = listed({"cuda_arch=80"});
  REQUIRE(sm80.size() == 2);
  CHECK(sm80[0].starts_with("hd1deve "));
  CHECK(sm80[1] == "pt6cuda py-torch@2.5.1%gcc@13.2.0+cuda+distributed~rocm cuda_arch=80,90 "
                   "arch=linux-ubuntu24.04-x86_64_v3");
  CHECK(listed({"cuda_arch=80,90"}).size() == 1);
  // cuda_arch:=80 is exactly 80: hdf5's, not py-torch's 80,90; :=80,90 is py-torch's alone.
  CHECK(listed({"cuda_arch:=80"}) == Lines{
      "hd1deve hdf5@develop%gcc@10.3.0+cuda~mpi build_system=cmake cuda_arch=80 arch=linux-ubuntu22.04-x86_64_v3"});
  CHECK(listed({"cuda_arch:=90,80"}).size() == 1);
  CHECK(listed({"cuda_arch:=80,90,100"}).empty());
  CHECK(listed({"+cuda", "target=neoverse_v2"}).size() == 1);
  CHECK(listed({"arch=darwin-sequoia-aarch64"}) == Lines{
      "zl3darw zlib@1.3%apple-clang@16.0.0+optimize~pic build_system=makefile arch=darwin-sequoia-aarch64"});
  CHECK(listed({"/zl1a"}).size() == 1);
  CHECK(listed({"zlib", "%clang"}).empty());
  // As Spack reads versions: @= exactly, ranges with everything under their
  // upper end (1.10.9 is in :1.10), lists; for a compiler's too.
  CHECK(listed({"@=1.14"}).empty());
  CHECK(listed({"@=1.14.0"}) == Lines{
      "hd3gcc9 hdf5@1.14.0%gcc@9.4.0+cuda+mpi build_system=cmake cuda_arch=90 arch=linux-rhel10-neoverse_v2"});
  CHECK(listed({"hdf5@1.10:1.14"}).size() == 4);  // not 1.8.22, nor develop (newer than any release)
  CHECK(listed({"hdf5@:1.10"}).size() == 3);      // 1.8.22 and both 1.10.9
  CHECK(listed({"hdf5@1.14.0:"}).size() == 2);    // 1.14.0 and develop, not the rc before 1.14.0
  CHECK(listed({"hdf5@1.14,develop"}).size() == 3);
  CHECK(listed({"%gcc@=10.3.0"}).size() == 3);
  CHECK(listed({"%gcc@=10.3"}).empty());
  CHECK(listed({"%gcc@:9"}).size() == 3);  // 6.5.0 twice and 9.4.0
  // target=NAME: is NAME and every target descending from it, as in reports.
  CHECK(listed({"target=x86_64_v3"}).size() == 9);
  CHECK(listed({"target=x86_64:"}).size() == 10);  // and the zen4 zlib
  CHECK(listed({"target=aarch64:"}) == Lines{
      "cm5arm6 cmake@3.30.5%gcc@13.2.0~doc+ncurses+ownlibs build_type=Release arch=linux-ubuntu24.04-aarch64",
      "hd3gcc9 hdf5@1.14.0%gcc@9.4.0+cuda+mpi build_system=cmake cuda_arch=90 arch=linux-rhel10-neoverse_v2",
      "pt7none py-torch@2.4.0,2.4.1~cuda+distributed~rocm arch=linux-ubuntu24.04-aarch64",
      "zl3darw zlib@1.3%apple-clang@16.0.0+optimize~pic build_system=makefile arch=darwin-sequoia-aarch64",
  });
  // --release: only the specs those releases list, each once.
  CHECK(listed({"hdf5"}, {"v0.9", "v0.10"}).size() == 3);
  std::vector<std::vector<std::string>> releases;
  list_specs(both_fixtures(), parse_spec_filter({"py-torch@2.5.1"}), {},
             [&](const ListedSpec& s) { releases.push_back(s.releases); });
  CHECK(releases == std::vector<std::vector<std::string>>{{"v1.0", "develop"}});
}

// The versions fixture with two git versions (testing::git_versions_tree).
TEST_CASE("list: a git version where the version its ref is assigned is, as Spack orders it") {
  testing::TempDir dir;
  const auto tree = testing::git_versions_tree(dir.path());
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest(db, {tree}, {}).rejections.empty());
  Lines lines;
  list_specs(db, parse_spec_filter({"hdf5"}), {},
             [&](const ListedSpec& s) { lines.push_back(s.hash.substr(0, 7) + " " + s.version); });
  CHECK(lines == Lines{"hd2gcc6 1.8.22", "hd4v010 1.10.9", "hd3gcc9 1.14.0", "hd5rcxe git.abc=1.14.0",
                       "hd6v09f git.v2.0=main", "hd1deve develop"});
}

TEST_CASE("cachedb list: lines as spack buildcache list -lv, csv and json columns, bad specs exit 64" *
          doctest::test_suite("process")) {
  testing::TempDir dir;
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  REQUIRE(run_cachedb(db + " ingest " + shell_quote(testing::fixture("versions").string())).exit_code == 0);
  const auto table = run_cachedb(db + " list hdf5 +cuda --release develop");
  CHECK(table.exit_code == 0);
  CHECK(table.out ==
        "hd3gcc9 hdf5@1.14.0%gcc@9.4.0+cuda+mpi build_system=cmake cuda_arch=90 arch=linux-rhel10-neoverse_v2\n"
        "hd1deve hdf5@develop%gcc@10.3.0+cuda~mpi build_system=cmake cuda_arch=80 arch=linux-ubuntu22.04-x86_64_v3\n");
  CHECK(table.err.empty());
  CHECK(run_cachedb(db + " list 'cuda_arch=80' --csv").out ==
        "hash,spec,package,version,compiler,variants,platform,os,target,releases\r\n"
        "hd1develop7aaaaaaaaaaaaaaaaaaaaaa,hdf5@develop%gcc@10.3.0+cuda~mpi build_system=cmake cuda_arch=80 "
        "arch=linux-ubuntu22.04-x86_64_v3,hdf5,develop,gcc@10.3.0,+cuda~mpi build_system=cmake cuda_arch=80,linux,"
        "ubuntu22.04,x86_64_v3,develop\r\n");
  CHECK(run_cachedb(db + " list @1.10.9 --nl").out ==
        R"({"hash":"hd6v09ffffffffffffffffffffffffff","spec":"hdf5@1.10.9%gcc@6.5.0~cuda+mpi build_system=cmake )"
        R"(arch=linux-rhel9-x86_64_v3","package":"hdf5","version":"1.10.9","compiler":"gcc@6.5.0","variants":)"
        R"("~cuda+mpi build_system=cmake","platform":"linux","os":"rhel9","target":"x86_64_v3","releases":"v0.9"})"
        "\n"
        R"({"hash":"hd4v010ddddddddddddddddddddddddd","spec":"hdf5@1.10.9%gcc@10.3.0~cuda+mpi build_system=cmake )"
        R"(arch=linux-rhel8-x86_64_v3","package":"hdf5","version":"1.10.9","compiler":"gcc@10.3.0","variants":)"
        R"("~cuda+mpi build_system=cmake","platform":"linux","os":"rhel8","target":"x86_64_v3","releases":"v0.10"})"
        "\n");
  // json names the run the database was made by, as a report does.
  const auto json = run_cachedb(db + " list @1.10.9 --release v0.9 --json");
  CHECK(json.out ==
        R"({"columns":["hash","spec","package","version","compiler","variants","platform","os","target","releases"],)"
        R"("source":)" + testing::last_run(db).json +
            R"(,"rows":[["hd6v09ffffffffffffffffffffffffff","hdf5@1.10.9%gcc@6.5.0~cuda+mpi build_system=cmake )"
            R"(arch=linux-rhel9-x86_64_v3","hdf5","1.10.9","gcc@6.5.0","~cuda+mpi build_system=cmake","linux","rhel9",)"
            R"("x86_64_v3","v0.9"]]})" "\n");
  const auto none = run_cachedb(db + " list zlib");
  CHECK(none.exit_code == 0);
  CHECK(none.out.empty());
  CHECK(none.err == "warning: no spec matches\n");
  const auto bad = run_cachedb(db + " list 'hdf5 ^mpi'");
  CHECK(bad.exit_code == 64);
  CHECK(bad.err.find("dependencies (^...) cannot be asked for") != std::string::npos);
  const auto range = run_cachedb(db + " list '@1:2:3'");
  CHECK(range.exit_code == 64);
  CHECK(range.err.find("'1:2:3': a range has one ':'") != std::string::npos);
  CHECK(run_cachedb(db + " list --format html").exit_code == 64);
  CHECK(run_cachedb("list --help").out.find("Exit status: 0 success") != std::string::npos);
}

// A spec with no boolean variant: its variants column starts with its first
// key=value, where the spec line sets it off with a space.
TEST_CASE("cachedb list: the variants column of a spec with key=value variants only" * doctest::test_suite("process")) {
  testing::TempDir dir;
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  REQUIRE(run_cachedb(db + " ingest --index " + shell_quote(testing::fixture("index/db-v8.json").string()) +
                      " --release r1 --stack e4s")
              .exit_code == 0);
  const auto csv = run_cachedb(db + " list libiconv --csv");
  CHECK(csv.exit_code == 0);
  CHECK(csv.out ==
        "hash,spec,package,version,compiler,variants,platform,os,target,releases\r\n"
        "j2yxjgbr3ipvedn6ipsg2bqevxezsyzq,\"libiconv@1.17%gcc@12.3.0 build_system=autotools libs:=shared,static "
        "arch=linux-ubuntu24.04-aarch64\",libiconv,1.17,gcc@12.3.0,\"build_system=autotools libs:=shared,static\","
        "linux,ubuntu24.04,aarch64,r1\r\n");
}
