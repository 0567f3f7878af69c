// Parse throughput of the build-cache index reader: reads each index given
// (plain, gzip or zstd; "-" for stdin) with a handler that only counts, and
// prints one line per file: records, JSON MB, seconds, MB/s of JSON text.
// Peak memory: run it under /usr/bin/time -v.
//   --ceiling: RapidJSON's SAX reader alone over the same decompressing stream,
//   with a handler that does nothing: what the record reader costs on top.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>

#include <rapidjson/reader.h>

#include "formats/spack_index/byte_stream.h"
#include "formats/spack_index/index_reader.h"

namespace {

struct Counter : cachedb::spack_index::IndexHandler {
  unsigned long long records = 0, deps = 0, variants = 0;
  cachedb::spack_index::DocumentSummary summary;
  void record(const cachedb::spack_index::IndexRecord& r) override {
    ++records;
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
    std::fprintf(stderr, "usage: index_parse_bench INDEX...\n");
    return 64;
  }
  const bool ceiling = std::strcmp(argv[1], "--ceiling") == 0;
  for (int i = ceiling ? 2 : 1; i < argc; ++i) {
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
    Counter c;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      cachedb::spack_index::read_index_file(argv[i], c);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 1;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double mb = static_cast<double>(c.summary.json_bytes) / 1e6;
    std::printf("%s: %s, v%d, %llu records, %llu edges, %llu variants, %.1f MB JSON (%.1f MB read), %.2f s, %.0f MB/s\n",
                argv[i], c.summary.compression, c.summary.database_version, c.records, c.deps, c.variants, mb,
                static_cast<double>(c.summary.raw_bytes) / 1e6, s, mb / s);
  }
  return 0;
}
