#pragma once
// RapidJSON copies a string's characters one at a time (Peek, Take, Put) from
// any stream but its own in-memory ones, for which it scans 16 bytes at a time.
// Strings are most of an index's bytes, so the index reader gives its
// decompressed stream the same: this specialization of RapidJSON's hook for it
// (ScanCopyUnescapedString, called at the start of a string and after each
// escape) copies the run of plain characters in the buffer at once, up to the
// first '"', '\\' or control character, which RapidJSON then handles itself as
// before. What is accepted, and the offset of an error, do not change.
// Include before anything that instantiates the reader on DecodedStream.
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <rapidjson/reader.h>

#include "formats/spack_index/byte_stream.h"

namespace cachedb::spack_index {

// The length of the run of bytes from `p` that are neither '"', '\\' nor
// below 0x20.
inline std::size_t plain_run(const char* p, const char* end) {
  const char* q = p;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x1f);
  for (; end - q >= 16; q += 16) {
    const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    // Bytes <= 0x1f, unsigned: min(s, 0x1f) == s.
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(s, space), s);
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(s, quote), _mm_cmpeq_epi8(s, backslash)), control);
    if (const int mask = _mm_movemask_epi8(stop)) return static_cast<std::size_t>(q - p + __builtin_ctz(mask));
  }
#endif
  while (q != end && *q != '"' && *q != '\\' && static_cast<unsigned char>(*q) >= 0x20) ++q;
  return static_cast<std::size_t>(q - p);
}

}  // namespace cachedb::spack_index

namespace rapidjson {

using IndexReaderBase = GenericReader<UTF8<char>, UTF8<char>, CrtAllocator>;

template <>
template <>
inline void IndexReaderBase::ScanCopyUnescapedString<cachedb::spack_index::DecodedStream,
                                                     IndexReaderBase::StackStream<char>>(
    cachedb::spack_index::DecodedStream& is, IndexReaderBase::StackStream<char>& os) {
  const char* p = is.buffered_begin();
  const std::size_t n = cachedb::spack_index::plain_run(p, is.buffered_end());
  if (n == 0) return;
  std::memcpy(os.Push(static_cast<SizeType>(n)), p, n);
  is.skip_buffered(n);
}

}  // namespace rapidjson
