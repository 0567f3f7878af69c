// Parse throughput of the build-cache index reader: reads each index given
// (plain, gzip or zstd; "-" for stdin) with a handler that only counts, and
// prints one line per file: records, JSON MB, seconds, MB/s of JSON text.
// Peak memory: run it under /usr/bin/time -v.
//   --ceiling: RapidJSON's SAX reader alone over the same decompressing stream,
//   with a handler that does nothing: what the record reader costs on top.
//   --skip-seen: the handler says it knows every hash it has seen before, in
//   any file given (up to 65,536 hashes, as an ingest's cache holds), and gets
//   those records undescribed: what the reader costs when stacks overlap.
//   --look-up-seen: the same look-ups, every record described: the baseline
//   that --skip-seen is compared with, the handler's own cost being the same.
//   --checked-specs: as --skip-seen, the reader also given one table of the
//   specs it has checked (checked_specs.h), as an ingest gives its readers:
//   a known record whose spec bytes come again is passed over.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

#include <rapidjson/reader.h>

#include "formats/spack_index/byte_stream.h"
#include "formats/spack_index/checked_specs.h"
#include "formats/spack_index/index_reader.h"

namespace {

constexpr std::size_t kSeenCap = 65536;

// Looks a hash up without copying it.
struct ViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using HashSet = std::unordered_set<std::string, ViewHash, std::equal_to<>>;

enum class Seen { ignored, looked_up, skipped };

struct Counter : cachedb::spack_index::IndexHandler {
  Counter(Seen mode, HashSet& seen) : mode(mode), seen(seen) {}
  unsigned long long records = 0, described = 0, deps = 0, variants = 0;
  cachedb::spack_index::DocumentSummary summary;
  Seen mode;
  HashSet& seen;  // across all files
  bool known = false;  // the answer for the record being read
  bool wants_description(std::string_view hash) override {
    if (mode == Seen::ignored) return true;
    known = seen.contains(hash);
    return !(known && mode == Seen::skipped);
  }
  void record(const cachedb::spack_index::IndexRecord& r) override {
    ++records;
    if (mode != Seen::ignored && !known && seen.size() < kSeenCap) seen.emplace(r.hash);
    if (!r.described) return;
    ++described;
    deps += r.dependencies.size();
    variants += r.variants.size();
  }
  void document_done(const cachedb::spack_index::DocumentSummary& s) override { summary = s; }
};

// Does nothing but what the stream asks of every reader: mark each token.
struct Nothing : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Nothing> {
  explicit Nothing(cachedb::spack_index::DecodedStream& in) : in(in) {}
  bool Default() {
    in.mark_token();
    return true;
  }
  cachedb::spack_index::DecodedStream& in;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: index_parse_bench [--ceiling | --skip-seen | --look-up-seen | --checked-specs] INDEX...\n");
    return 64;
  }
  const bool ceiling = std::strcmp(argv[1], "--ceiling") == 0;
  const bool with_checked = std::strcmp(argv[1], "--checked-specs") == 0;
  const Seen mode = std::strcmp(argv[1], "--skip-seen") == 0 || with_checked ? Seen::skipped
                    : std::strcmp(argv[1], "--look-up-seen") == 0            ? Seen::looked_up
                                                                             : Seen::ignored;
  HashSet seen;
  cachedb::spack_index::CheckedSpecs checked;
  for (int i = ceiling || mode != Seen::ignored ? 2 : 1; i < argc; ++i) {
    if (ceiling) {
      const auto t0 = std::chrono::steady_clock::now();
      auto src = cachedb::spack_index::open_source(argv[i]);
      cachedb::spack_index::DecodedStream in(*src);
      rapidjson::Reader reader;
      Nothing nothing(in);
      if (!reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag>(in, nothing)) return 1;
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double mb = static_cast<double>(in.Tell()) / 1e6;
      std::printf("%s: ceiling (SAX, empty handler), %.1f MB JSON, %.2f s, %.0f MB/s\n", argv[i], mb, s, mb / s);
      continue;
    }
    Counter c(mode, seen);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      auto src = cachedb::spack_index::open_source(argv[i]);
      cachedb::spack_index::read_index(*src, c, with_checked ? &checked : nullptr);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", argv[i], e.what());
      return 1;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double mb = static_cast<double>(c.summary.json_bytes) / 1e6;
    std::printf("%s: %s, v%d, %llu records (%llu described, %llu passed over), %llu edges, %llu variants, %.1f MB JSON "
                "(%.1f MB read), %.2f s, %.0f MB/s\n",
                argv[i], c.summary.compression, c.summary.database_version, c.records, c.described,
                static_cast<unsigned long long>(c.summary.specs_checked_before), c.deps, c.variants, mb,
                static_cast<double>(c.summary.raw_bytes) / 1e6, s, mb / s);
  }
  return 0;
}
