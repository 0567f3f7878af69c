// `cachedb ingest --index/--mirror/--listing` and `cachedb check` with the
// same options, run as a user runs them: stdin, mirror layouts v2 and v3,
// the site's listing with a missing file, exit codes, and a release read
// from one kind of source.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "child_process.h"
#include "formats/spack_index/sha256.h"
#include "index_builder.h"
#include "page_builder.h"
#include "test_support.h"

namespace fs = std::filesystem;
using testing::contains;
using testing::dag_hash;
using testing::IndexSpec;

TEST_SUITE_BEGIN("process");

namespace {

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

testing::ChildResult run_cachedb(const fs::path& db, std::vector<std::string> args) {
  std::vector<std::string> argv = {testing::cachedb_binary(), "--db", db.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_child(argv);
}

std::string sql(const fs::path& db, const std::string& query) {
  return run_cachedb(db, {"sql", query, "--format", "csv"}).out;
}

std::string index_of(const std::vector<std::string>& packages) {
  std::vector<IndexSpec> specs;
  for (const auto& p : packages) {
    IndexSpec spec;
    spec.hash = dag_hash(p);
    spec.package = p;
    specs.push_back(spec);
  }
  return testing::index_json(specs);
}

// A v3 mirror at `mirror` whose index is `json`; returns the blob's sha256.
std::string v3_mirror(const fs::path& mirror, const std::string& json) {
  write(mirror / "blob.tmp", json);
  const std::string sha = cachedb::spack_index::sha256_file(mirror / "blob.tmp").sha256;
  fs::create_directories(mirror / "blobs" / "sha256" / sha.substr(0, 2));
  fs::rename(mirror / "blob.tmp", mirror / "blobs" / "sha256" / sha.substr(0, 2) / sha);
  write(mirror / "v3" / "layout.json", R"({"signing": "gpg"})");
  write(mirror / "v3" / "manifests" / "index" / "index.manifest.json",
        fmt::format(R"({{"version": 3, "data": [{{"contentLength": {}, "mediaType": "application/vnd.spack.db.v8+json",
                    "compression": "none", "checksumAlgorithm": "sha256", "checksum": "{}"}}]}})",
                    json.size(), sha));
  return sha;
}

}  // namespace

TEST_CASE("cachedb ingest --index: a file, gzip on stdin, and the command line checked") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  write(dir / "e4s.json", index_of({"zlib", "xz"}));
  auto r = run_cachedb(db, {"ingest", "--index", (dir / "e4s.json").string(), "--release", "v1", "--stack", "e4s"});
  CHECK(r.exit_code == 0);
  r = testing::run_child({"sh", "-c",
                          fmt::format("gzip -c '{}' | '{}' --db '{}' ingest --index - --release v1 --stack root",
                                      (dir / "e4s.json").string(), testing::cachedb_binary(), db.string())});
  CHECK(r.exit_code == 0);
  CHECK(sql(db, "SELECT stack, count(*) FROM spec_stacks GROUP BY stack ORDER BY 1") ==
        "stack,count(*)\r\ne4s,2\r\nroot,2\r\n");
  // The same bytes on stdin again: read, and counted unchanged (other bytes: updated).
  auto stdin_again = [&](const std::string& compress, const std::string& file) {
    return testing::run_child(
        {"sh", "-c", fmt::format("{} '{}' | '{}' --db '{}' ingest --index - --release v1 --stack root --json", compress,
                                 file, testing::cachedb_binary(), db.string())});
  };
  r = stdin_again("gzip -c", (dir / "e4s.json").string());
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "\"updated\":0,\"unchanged\":1"));
  write(dir / "root.json", index_of({"zlib", "xz", "curl"}));
  r = stdin_again("cat", (dir / "root.json").string());
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "\"updated\":1,\"unchanged\":0"));
  CHECK(sql(db, "SELECT count(*) FROM spec_stacks WHERE stack = 'root'") == "count(*)\r\n3\r\n");
  r = stdin_again("cat", (dir / "root.json").string());
  CHECK(contains(r.out, "\"updated\":0,\"unchanged\":1"));
  // Unchanged: not parsed again.
  r = run_cachedb(db, {"ingest", "--index", (dir / "e4s.json").string(), "--release", "v1", "--stack", "e4s", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "\"unchanged\":1"));

  CHECK(run_cachedb(db, {"ingest", "--index", (dir / "e4s.json").string(), "--release", "v1"}).exit_code == 64);
  CHECK(run_cachedb(db, {"ingest", "--listing", (dir / "e4s.json").string()}).exit_code == 64);
  CHECK(run_cachedb(db, {"ingest", "--index", "x", "--release", "v1", "--stack", "s", dir.path().string()}).exit_code ==
        64);
  // Names held to what a listing's labels are held to.
  for (const auto& [flag, name, why] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"--release", "v1\xff", "is not valid UTF-8"}, {"--stack", std::string(257, 's'), "over the 256-byte limit"}}) {
    const std::string release = flag == "--release" ? name : "v1", stack = flag == "--stack" ? name : "e4s";
    r = run_cachedb(db, {"ingest", "--index", (dir / "e4s.json").string(), "--release", release, "--stack", stack});
    CHECK(r.exit_code == 64);
    CHECK(contains(r.err, "error: " + flag + ": the name "));
    CHECK(contains(r.err, why));
  }
  r = run_cachedb(db, {"check", "--index", (dir / "e4s.json").string(), "--release", "v1", "--stack", "e4s"});
  CHECK(r.exit_code == 0);
  write(dir / "bad.json", "{\"database\": {\"version\": \"8\", \"installs\": [");
  r = run_cachedb(db, {"check", "--index", (dir / "bad.json").string(), "--release", "v1", "--stack", "e4s"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, (dir / "bad.json").string()));
  CHECK(contains(r.err, "byte "));
  // A file its own error names ("cannot open") is named once on the line.
  const std::string missing = (dir / "missing.json").string();
  r = run_cachedb(db, {"check", "--index", missing, "--release", "v1", "--stack", "e4s"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, missing + ": cannot open"));
  CHECK_FALSE(contains(r.err, missing + ": " + missing));
}

// A pipe or FIFO named by --index is read once, as stdin is: never read
// first to be compared with what is stored, which had left it empty for the
// run's reading (a pipe) or had the run wait for a second writer (a FIFO).
TEST_CASE("cachedb ingest --index of a pipe and of a FIFO: changed, unchanged, and into a new database") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite", fifo = dir / "index.fifo";
  write(dir / "a.json", index_of({"zlib"}));
  write(dir / "b.json", index_of({"zlib", "xz"}));
  // bash for <(...); the FIFO's writer in the background; a run that waits for good is killed.
  auto through = [&](const std::string& how, const std::string& file) {
    const std::string ingest =
        fmt::format("timeout 60 '{}' --db '{}' ingest --release v1 --stack root --json --index ",
                    testing::cachedb_binary(), db.string());
    const std::string script =
        how == "pipe" ? fmt::format("{}<(cat '{}')", ingest, file)
                      : fmt::format("rm -f '{0}' && mkfifo '{0}' && (cat '{1}' > '{0}' &) && {2}'{0}'", fifo.string(),
                                    file, ingest);
    return testing::run_child({"bash", "-c", script});
  };
  for (const std::string how : {"pipe", "fifo"}) {
    CAPTURE(how);
    fs::remove(db);
    auto r = through(how, (dir / "a.json").string());
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "\"added\":1"));
    r = through(how, (dir / "b.json").string());
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "\"updated\":1,\"unchanged\":0"));
    CHECK(sql(db, "SELECT count(*) FROM specs") == "count(*)\r\n2\r\n");
    r = through(how, (dir / "b.json").string());
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "\"updated\":0,\"unchanged\":1"));
    r = through(how, (dir / "a.json").string());
    CHECK(r.exit_code == 0);
    CHECK(sql(db, "SELECT count(*) FROM specs") == "count(*)\r\n1\r\n");
    fs::remove(db.string() + "-wal");
    fs::remove(db.string() + "-shm");
  }
}

TEST_CASE("cachedb ingest --mirror reads layouts v2 and v3; --listing every (release, stack), a missing file rejected") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  const std::string v2 = index_of({"zlib"});
  write(dir / "m2" / "build_cache" / "index.json", v2);
  write(dir / "m2" / "build_cache" / "index.json.hash",
        cachedb::spack_index::sha256_file(dir / "m2" / "build_cache" / "index.json").sha256);
  v3_mirror(dir / "m3", index_of({"zlib", "xz"}));
  CHECK(run_cachedb(db, {"ingest", "--mirror", (dir / "m2").string(), "--release", "old", "--stack", "root"}).exit_code ==
        0);
  CHECK(run_cachedb(db, {"ingest", "--mirror", (dir / "m3").string(), "--release", "new", "--stack", "root"}).exit_code ==
        0);
  CHECK(sql(db, "SELECT release, count(*) FROM specs GROUP BY 1 ORDER BY 1") == "release,count(*)\r\nnew,2\r\nold,1\r\n");

  // The listing: root and e4s of one release, and an ml whose blob is missing.
  const auto bucket = dir / "bucket";
  const std::string root = v3_mirror(bucket / "d1", index_of({"zlib", "xz", "curl"}));
  const std::string e4s = v3_mirror(bucket / "d1" / "e4s", index_of({"curl"}));
  const std::string gone(64, 'b');
  write(dir / "listing.json",
        fmt::format(R"({{"d1": [{{"label": "root", "url": "s3://spack-binaries/d1/blobs/sha256/{}/{}"}},
                               {{"label": "e4s", "url": "s3://spack-binaries/d1/e4s/blobs/sha256/{}/{}"}},
                               {{"label": "ml", "url": "s3://spack-binaries/d1/ml/blobs/sha256/bb/{}"}}]}})",
                    root.substr(0, 2), root, e4s.substr(0, 2), e4s, gone));
  auto r = run_cachedb(db, {"ingest", "--listing", (dir / "listing.json").string(), "--mirror-root", bucket.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, gone));
  CHECK(sql(db, "SELECT stack, count(*) FROM spec_stacks WHERE release = 'd1' GROUP BY 1 ORDER BY 1") ==
        "stack,count(*)\r\ne4s,1\r\nroot,3\r\n");
  r = run_cachedb(db, {"check", "--listing", (dir / "listing.json").string(), "--mirror-root", bucket.string()});
  CHECK(r.exit_code == 2);
  // The missing blob is named by its URL, once, with the file looked for.
  CHECK(contains(r.err, "d1/ml/blobs/sha256/bb/" + gone + ": no such file under the mirror root (" + bucket.string()));
  CHECK_FALSE(contains(r.err, "(for s3://"));
  // cachedb runs prints the path beside the message: the message does not name it again.
  CHECK(sql(db, "SELECT path || ' | ' || message FROM ingest_errors") ==
        "path || ' | ' || message\r\ns3://spack-binaries/d1/ml/blobs/sha256/bb/" + gone +
            " | no such file under the mirror root (" + (bucket / "d1/ml/blobs/sha256/bb" / gone).string() + ")\r\n");
  const std::string stored = sql(db, "SELECT release, stack, hash FROM spec_stacks ORDER BY 1, 2, 3");

  // A mirror root that is not there (a bucket copy not mounted) is the run's
  // error, not a rejection of every index: exit 1, and nothing changes.
  r = run_cachedb(db, {"ingest", "--listing", (dir / "listing.json").string(), "--mirror-root",
                       (dir / "unmounted").string()});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, (dir / "unmounted").string() + ": no such directory (--mirror-root"));
  CHECK(sql(db, "SELECT release, stack, hash FROM spec_stacks ORDER BY 1, 2, 3") == stored);
  // The night it happened is in cachedb runs, as a failed run, with the error.
  CHECK(sql(db, "SELECT status, inputs, message FROM ingest_runs ORDER BY id DESC LIMIT 1") ==
        "status,inputs,message\r\nfailed," + (dir / "listing.json").string() + ",\"" + (dir / "unmounted").string() +
            ": no such directory (--mirror-root, the local copy of the bucket)\"\r\n");
  r = run_cachedb(db, {"check", "--listing", (dir / "listing.json").string(), "--mirror-root",
                       (dir / "listing.json").string()});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "no such directory"));

  // A listing that names no index is an error of its own, not a usage error.
  write(dir / "empty.json", R"({"d1": []})");
  r = run_cachedb(db, {"ingest", "--listing", (dir / "empty.json").string(), "--mirror-root", bucket.string()});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, (dir / "empty.json").string() + ": names no index"));
  CHECK(sql(db, "SELECT status FROM ingest_runs ORDER BY id DESC LIMIT 1") == "status\r\nfailed\r\n");

  // An entry without label or URL is named by the listing and its place in it.
  write(dir / "odd.json", fmt::format(R"({{"d1": [{{"label": "root", "url": "s3://spack-binaries/d1/blobs/sha256/{}/{}"}},
                                                {{"url": "s3://spack-binaries/d1/x"}}]}})",
                                      root.substr(0, 2), root));
  r = run_cachedb(db, {"ingest", "--listing", (dir / "odd.json").string(), "--mirror-root", bucket.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "error: " + (dir / "odd.json").string() + ": $['d1'][1] has no string 'label' and 'url'"));
  CHECK(sql(db, "SELECT release, stack, hash FROM spec_stacks ORDER BY 1, 2, 3") == stored);

  // A stack listed twice in a release is one index: the last entry is read,
  // the earlier one named in a warning and not read.
  write(dir / "twice.json", fmt::format(R"({{"d2": [{{"label": "root", "url": "s3://spack-binaries/d1/blobs/sha256/{}/{}"}},
                                                 {{"label": "root", "url": "s3://spack-binaries/d1/e4s/blobs/sha256/{}/{}"}}]}})",
                                        root.substr(0, 2), root, e4s.substr(0, 2), e4s));
  r = run_cachedb(db, {"ingest", "--listing", (dir / "twice.json").string(), "--mirror-root", bucket.string()});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "warning: " + (dir / "twice.json").string() + ": release d2 lists stack root more than once: " +
                            (bucket / "d1" / "blobs" / "sha256" / root.substr(0, 2) / root).string() + " is not read"));
  CHECK(contains(r.out + r.err, "indexes 1 added, 0 updated"));
  CHECK(sql(db, "SELECT hash FROM spec_stacks WHERE release = 'd2'") ==
        sql(db, "SELECT hash FROM spec_stacks WHERE release = 'd1' AND stack = 'e4s'"));
  // The last entry bad: it is rejected, and the earlier one is not read in its place.
  write(dir / "twice-bad.json", fmt::format(R"({{"d3": [{{"label": "root", "url": "s3://spack-binaries/d1/blobs/sha256/{}/{}"}},
                                                     {{"label": "root", "url": "s3://spack-binaries/d1/ml/blobs/sha256/bb/{}"}}]}})",
                                            root.substr(0, 2), root, gone));
  r = run_cachedb(db, {"ingest", "--listing", (dir / "twice-bad.json").string(), "--mirror-root", bucket.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "release d3 lists stack root more than once"));
  CHECK(sql(db, "SELECT count(*) FROM specs WHERE release = 'd3'") == "count(*)\r\n0\r\n");
  // So too when the last entry's URL is no string, or too long for one: the
  // entry is still the stack's, rejected, and what the stack holds is kept.
  const auto d2_before = sql(db, "SELECT hash FROM spec_stacks WHERE release = 'd2' ORDER BY 1");
  REQUIRE(d2_before != sql(db, "SELECT hash FROM spec_stacks WHERE release = 'd1' AND stack = 'root' ORDER BY 1"));
  for (const std::string& url : {std::string("5"), "\"s3://spack-binaries/" + std::string(5000, 'x') + "\""}) {
    write(dir / "twice-odd.json",
          fmt::format(R"({{"d2": [{{"label": "root", "url": "s3://spack-binaries/d1/blobs/sha256/{}/{}"}},
                                  {{"label": "root", "url": {}}}]}})",
                      root.substr(0, 2), root, url));
    r = run_cachedb(db, {"ingest", "--listing", (dir / "twice-odd.json").string(), "--mirror-root", bucket.string()});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "release d2 lists stack root more than once"));
    CHECK(contains(r.out + r.err, "indexes 0 added, 0 updated"));
    CHECK(sql(db, "SELECT hash FROM spec_stacks WHERE release = 'd2' ORDER BY 1") == d2_before);
  }
}

TEST_CASE("cachedb ingest --listing --prune removes what the listing no longer names, as a fresh ingest of it") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  const auto bucket = dir / "bucket";
  const std::string d1 = v3_mirror(bucket / "d1", index_of({"zlib", "xz", "curl"}));
  const std::string d1_e4s = v3_mirror(bucket / "d1" / "e4s", index_of({"curl", "cmake"}));
  const std::string d2 = v3_mirror(bucket / "d2", index_of({"zlib", "bzip2"}));
  auto entry = [](const std::string& label, const std::string& prefix, const std::string& sha) {
    return fmt::format(R"({{"label": "{}", "url": "s3://spack-binaries/{}/blobs/sha256/{}/{}"}})", label, prefix,
                       sha.substr(0, 2), sha);
  };
  const std::string d1_root = entry("root", "d1", d1), e4s = entry("e4s", "d1/e4s", d1_e4s),
                    d2_root = entry("root", "d2", d2);
  write(dir / "all.json", fmt::format(R"({{"d1": [{}, {}], "d2": [{}]}})", d1_root, e4s, d2_root));
  // The site drops d1's e4s stack, and d2 ages out.
  write(dir / "later.json", fmt::format(R"({{"d1": [{}]}})", d1_root));
  auto ingest = [&](const std::filesystem::path& into, const std::string& listing, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"ingest", "--listing", (dir / listing).string(), "--mirror-root", bucket.string()};
    args.insert(args.end(), more.begin(), more.end());
    return run_cachedb(into, args);
  };
  auto content = [](const std::filesystem::path& of) {
    return sql(of, "SELECT release, stack, hash FROM spec_stacks ORDER BY 1, 2, 3") +
           sql(of, "SELECT count(*) FROM spec") + sql(of, "SELECT count(*) FROM dependencies") +
           run_cachedb(of, {"report", "--matrix", "stacks-by-target", "--format", "csv", "--include-root"}).out;
  };
  REQUIRE(ingest(db, "all.json").exit_code == 0);
  const std::string before = content(db);
  CHECK(contains(before, "d2,root,"));
  CHECK(contains(before, "d1,e4s,"));

  // Without --prune, what the listing no longer names stays.
  auto r = ingest(db, "later.json");
  CHECK(r.exit_code == 0);
  CHECK(content(db) == before);

  // --prune with an entry rejected (its blob gone tonight) prunes nothing: exit 2.
  write(dir / "broken.json", fmt::format(R"({{"d1": [{}, {}]}})", d1_root,
                                         entry("ml", "d1/ml", std::string(64, 'b'))));
  r = ingest(db, "broken.json", {"--prune"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "not pruning: 1 index(es) were rejected"));
  CHECK(contains(r.err, "1 rejected; specs 0 added, 0 removed; prune refused"));
  CHECK(content(db) == before);

  // --prune: d1's e4s and all of d2 go, and the database is a fresh ingest of the listing.
  r = ingest(db, "later.json", {"--prune", "--json", "-v"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "d1/e4s: pruned"));
  CHECK(contains(r.err, "d2/root: pruned"));
  CHECK(contains(r.err, "2 indexes pruned"));
  CHECK(contains(r.out, "\"removed\":2"));
  CHECK(sql(db, "SELECT prune, force, pages_removed FROM ingest_runs ORDER BY id DESC LIMIT 1") ==
        "prune,force,pages_removed\r\n1,0,2\r\n");
  const auto fresh = dir / "fresh.sqlite";
  REQUIRE(ingest(fresh, "later.json").exit_code == 0);
  CHECK(content(db) == content(fresh));
  CHECK_FALSE(contains(content(db), "e4s"));

  // --force prunes despite a rejection; the rejected entry's (release, stack) is still named.
  REQUIRE(ingest(db, "all.json").exit_code == 0);
  write(dir / "forced.json", fmt::format(R"({{"d1": [{}, {}]}})", d1_root,
                                         entry("e4s", "d1/e4s", std::string(64, 'c'))));
  r = ingest(db, "forced.json", {"--prune", "--force", "-v"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "d2/root: pruned"));
  CHECK(contains(content(db), "d1,e4s,"));
  CHECK_FALSE(contains(content(db), "d2,"));

  // One index names no whole site.
  r = run_cachedb(db, {"ingest", "--mirror", (bucket / "d2").string(), "--release", "d2", "--stack", "root", "--prune"});
  CHECK(r.exit_code == 64);
}

TEST_CASE("indexes named by relative paths are logged and stored by absolute ones, as pages are") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  write(dir / "work" / "zlib.json", index_of({"zlib"}));
  write(dir / "work" / "bad.json", "{\"database\": {\"version\": \"8\", \"installs\": [");
  write(dir / "work" / "m2" / "build_cache" / "index.json", index_of({"xz"}));
  auto in_work = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"sh", "-c", "cd \"$0\" && exec \"$@\"", (dir / "work").string(),
                                     testing::cachedb_binary(), "--db", db.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_child(argv);
  };
  CHECK(in_work({"ingest", "--index", "zlib.json", "--release", "r", "--stack", "root"}).exit_code == 0);
  CHECK(in_work({"ingest", "--mirror", "m2", "--release", "r", "--stack", "e4s"}).exit_code == 0);
  const auto bad = in_work({"ingest", "--index", "bad.json", "--release", "r", "--stack", "ml"});
  CHECK(bad.exit_code == 2);
  const std::string work = fs::canonical(dir / "work").string();  // as getcwd() spells it
  CHECK(contains(bad.err, work + "/bad.json"));
  CHECK(sql(db, "SELECT path FROM source ORDER BY path") ==
        "path\r\n" + work + "/m2/build_cache/index.json\r\n" + work + "/zlib.json\r\n");
  CHECK(sql(db, "SELECT path FROM ingest_errors") == "path\r\n" + work + "/bad.json\r\n");
  // Named again from elsewhere, absolute: the same file, found unchanged by its stamp.
  const auto again = run_cachedb(db, {"ingest", "--index", work + "/zlib.json", "--release", "r", "--stack", "root"});
  CHECK(contains(again.err, "1 unchanged"));
}

TEST_CASE("an index is checked against its mirror's sha256 when it is read, not when it is found unchanged") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  const auto bucket = dir / "bucket";
  // Root as a v3 blob named by its sha256, e4s as a v2 index.json with its index.json.hash.
  const std::string root = v3_mirror(bucket / "d1", index_of({"zlib", "xz"}));
  const auto blob = bucket / "d1" / "blobs" / "sha256" / root.substr(0, 2) / root;
  const auto e4s = bucket / "d1" / "e4s" / "build_cache" / "index.json";
  write(e4s, index_of({"zlib"}));
  write(e4s.string() + ".hash", cachedb::spack_index::sha256_file(e4s).sha256);
  write(dir / "listing.json",
        fmt::format(R"({{"d1": [{{"label": "root", "url": "s3://spack-binaries/d1/blobs/sha256/{}/{}"}},
                               {{"label": "e4s", "url": "s3://spack-binaries/d1/e4s/build_cache/index.json"}}]}})",
                    root.substr(0, 2), root));
  const std::vector<std::string> ingest = {"ingest", "--listing", (dir / "listing.json").string(), "--mirror-root",
                                           bucket.string()};
  REQUIRE(run_cachedb(db, ingest).exit_code == 0);
  const std::string stored = sql(db, "SELECT release, stack, hash FROM spec_stacks ORDER BY 1, 2, 3");

  // Unchanged since stored, an index is not read again, nor checked: a
  // damaged index.json.hash beside it changes nothing.
  const std::string e4s_hash = testing::read_text(e4s.string() + ".hash");
  write(e4s.string() + ".hash", std::string(64, '0'));
  auto r = run_cachedb(db, ingest);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "2 unchanged"));
  // Nor is its index.json.hash read: one that holds no sha256 at all changes nothing either.
  write(e4s.string() + ".hash", "not a sha256\n");
  r = run_cachedb(db, ingest);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "2 unchanged"));

  // The blob damaged, as a bad copy would be (the same length, other bytes),
  // and a new e4s index beside the old index.json.hash (a mirror half synced).
  std::string text = index_of({"zlib", "xz"});
  text[text.find("xz")] = 'q';
  write(blob, text);
  write(e4s, index_of({"zlib", "curl"}));
  write(e4s.string() + ".hash", e4s_hash);
  r = run_cachedb(db, ingest);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "differs from its name: truncated or damaged"));
  CHECK(contains(r.err, "index.json.hash says " + e4s_hash));
  CHECK(sql(db, "SELECT release, stack, hash FROM spec_stacks ORDER BY 1, 2, 3") == stored);
  r = run_cachedb(db, {"check", "--listing", (dir / "listing.json").string(), "--mirror-root", bucket.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "differs from its name"));
  // --mirror likewise.
  r = run_cachedb(db, {"ingest", "--mirror", (bucket / "d1").string(), "--release", "d1", "--stack", "root"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "index.manifest.json says " + root));
  // Read, an index beside an index.json.hash that holds no sha256 is read
  // unchecked, as Spack reads it, with a warning naming that file.
  write(e4s.string() + ".hash", "not a sha256\n");
  const std::string warning = "warning: " + e4s.string() + ".hash: holds no sha256 (64 hex digits first): the index "
                              "beside it is read unchecked";
  r = run_cachedb(db, {"check", "--listing", (dir / "listing.json").string(), "--mirror-root", bucket.string()});
  CHECK(contains(r.err, warning));
  CHECK(!contains(r.err, e4s.string() + ":"));  // the e4s index itself is not at fault
  r = run_cachedb(db, ingest);
  CHECK(contains(r.err, warning));
  CHECK(contains(sql(db, "SELECT release, stack, package FROM spec_stacks WHERE stack = 'e4s' ORDER BY 3"), "curl"));
}

TEST_CASE("one release, one kind of source: indexes into a page release (or pages into an index release) refused") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  const auto pages = run_cachedb(db, {"ingest", testing::fixture("basic").string()});
  INFO(pages.err);
  REQUIRE(pages.exit_code == 0);
  write(dir / "i.json", index_of({"zlib"}));
  const std::string before = sql(db, "SELECT * FROM specs ORDER BY hash");
  auto r = run_cachedb(db, {"ingest", "--index", (dir / "i.json").string(), "--release", "develop", "--stack", "e4s"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "release develop holds cache pages"));
  CHECK(contains(r.err, "--replace-release-kind"));
  CHECK(sql(db, "SELECT * FROM specs ORDER BY hash") == before);
  r = run_cachedb(db, {"ingest", "--index", (dir / "i.json").string(), "--release", "develop", "--stack", "e4s",
                   "--replace-release-kind"});
  CHECK(r.exit_code == 0);
  CHECK(sql(db, "SELECT package, stack FROM spec_stacks WHERE release = 'develop'") == "package,stack\r\nzlib,e4s\r\n");
  CHECK(sql(db, "SELECT count(*) FROM page WHERE release_id = (SELECT id FROM release WHERE name = 'develop')") ==
        "count(*)\r\n0\r\n");

  // And back: pages into the release that now comes from an index.
  r = run_cachedb(db, {"ingest", testing::fixture("basic").string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "release develop was read from build-cache indexes"));
  r = run_cachedb(db, {"ingest", testing::fixture("basic").string(), "--replace-release-kind"});
  CHECK(r.exit_code == 0);
  CHECK(sql(db, "SELECT * FROM specs ORDER BY hash") == before);
  CHECK(sql(db, "SELECT count(*) FROM source WHERE kind = 'index'") == "count(*)\r\n0\r\n");
}

TEST_CASE("an index run's summary line counts its findings, as a page run's does") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  // Another release's page says zlib is built for another OS.
  testing::CachePage("p1", "zlib")
      .spec(testing::SpecEntry(dag_hash("zlib")).os("rhel8").stacks({"root"}))
      .write(dir.path());
  REQUIRE(run_cachedb(db, {"ingest", (dir / "_cache").string()}).exit_code == 0);
  write(dir / "i.json", index_of({"zlib", "bzip2"}));
  auto r = run_cachedb(db, {"ingest", "--index", (dir / "i.json").string(), "--release", "r1", "--stack", "root"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "specs 2 added, 0 removed; 1 findings ('cachedb runs --run 2')"));
  CHECK(sql(db, "SELECT run_id, kind FROM ingest_findings") == "run_id,kind\r\n2,hash_conflict\r\n");
  // Found unchanged the next night: nothing found, nothing said.
  r = run_cachedb(db, {"ingest", "--index", (dir / "i.json").string(), "--release", "r1", "--stack", "root"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "1 unchanged, 0 rejected; specs 0 added, 0 removed\n"));
}

TEST_CASE("filters, values and list work on a release read from an index") {
  // The v8 fixture, worked out by hand: six binaries on ubuntu24.04, five for
  // aarch64 and zstd for neoverse_v2; compilers gcc@13.3.0 (xz, zstd),
  // gcc@12.3.0 (libiconv), flang@19.1.7 (netlib-lapack), none (cmake, flang).
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  auto r = run_cachedb(db, {"-q", "ingest", "--index", testing::fixture("index/db-v8.json").string(), "--release",
                            "r1", "--stack", "e4s"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  r = run_cachedb(db, {"values", "compiler", "--format", "csv"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "compiler,specs\r\nflang@19.1.7,1\r\ngcc@12.3.0,1\r\ngcc@13.3.0,2\r\nnone,2\r\n");
  r = run_cachedb(db, {"values", "target", "--format", "csv"});
  CHECK(r.out == "target,specs\r\naarch64,5\r\nneoverse_v2,1\r\n");
  r = run_cachedb(db, {"report", "--matrix", "stacks-by-target", "--filter", "compiler=gcc@13.3.0", "--format", "csv"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "e4s,1,1\r\n"));
  r = run_cachedb(db, {"report", "--matrix", "stacks-by-target", "--filter", "target=neoverse_v2", "--format", "csv"});
  CHECK(contains(r.out, "e4s,1\r\n"));
  CHECK_FALSE(contains(r.out, "aarch64"));
  // Spec syntax over the variants the index gave: zstd is built ~programs.
  r = run_cachedb(db, {"list", "%gcc@13.3.0"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "xz@5.4.6%gcc@13.3.0+pic"));
  CHECK(contains(r.out, "zstd@1.5.6%gcc@13.3.0~programs"));
  CHECK_FALSE(contains(r.out, "libiconv"));
  r = run_cachedb(db, {"list", "zstd~programs"});
  CHECK(contains(r.out, "zstd@1.5.6"));
  r = run_cachedb(db, {"list", "zstd+programs"});
  CHECK_FALSE(contains(r.out, "zstd@1.5.6"));
}

TEST_SUITE_END();

TEST_CASE("report: an empty matrix of stacks says when the root pseudo-stack alone holds the specs") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  write(dir / "root.json", index_of({"zlib", "xz"}));
  REQUIRE(run_cachedb(db, {"-q", "ingest", "--index", (dir / "root.json").string(), "--release", "r1", "--stack",
                           "root"})
              .exit_code == 0);
  auto r = run_cachedb(db, {"report", "--matrix", "stacks-by-target", "--format", "csv"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "stack\r\n");
  CHECK(contains(r.err, "note: every spec counted here is in the root pseudo-stack only, which is left out: "
                        "--include-root counts it"));
  r = run_cachedb(db, {"report", "--matrix", "stacks-by-target", "--format", "csv", "--include-root"});
  CHECK(contains(r.out, "root,"));
  CHECK_FALSE(contains(r.err, "--include-root counts it"));
  // A matrix without stacks, or one that is empty for another reason, says nothing of root.
  r = run_cachedb(db, {"report", "--matrix", "stacks-by-target", "--format", "csv", "--release", "r9"});
  CHECK_FALSE(contains(r.err, "--include-root counts it"));
  r = run_cachedb(db, {"report", "--matrix", "targets-by-os", "--format", "csv"});
  CHECK_FALSE(contains(r.err, "--include-root"));
}
