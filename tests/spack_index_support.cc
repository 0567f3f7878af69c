#include "spack_index_support.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <zlib.h>
#include <zstd.h>

namespace testing {

void KeepingHandler::record(const cachedb::spack_index::IndexRecord& r) {
  KeptRecord k{std::string(r.hash), std::string(r.package), std::string(r.version), std::string(r.compiler),
               std::string(r.compiler_hash), std::string(r.os), std::string(r.platform), std::string(r.target),
               {r.variants.begin(), r.variants.end()}, r.in_buildcache, {}, r.described};
  for (const auto& d : r.dependencies)
    k.dependencies.push_back({std::string(d.hash), std::string(d.name), std::string(d.deptypes), std::string(d.virtuals)});
  by_hash[k.hash] = records.size();
  records.push_back(std::move(k));
}

void KeepingHandler::document_done(const cachedb::spack_index::DocumentSummary& s) {
  summary = s;
  ++done;
}

std::string KeepingHandler::compiler(const std::string& hash) const {
  const KeptRecord& r = at(hash);
  if (!r.compiler.empty()) return r.compiler;
  for (const auto& late : summary.late_compilers)
    if (late.hash == r.compiler_hash) return late.label;
  return "(unresolved)";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string gzip(const std::string& bytes) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&z, bytes.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error("ZSTD_compress");
  out.resize(n);
  return out;
}

}  // namespace testing
