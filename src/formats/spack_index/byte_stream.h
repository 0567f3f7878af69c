#pragma once
// The bytes of one index, plain, gzip or zstd (recognized by their magic
// bytes, never by a file name), decompressed through fixed buffers and read
// one character at a time by RapidJSON's reader: memory stays the same
// whatever the size of the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "error.h"

namespace cachedb::spack_index {

// Bytes that cannot be read or decompressed in the middle of a document (the
// reader adds the place reached in the JSON).
class StreamError : public Error {
 public:
  using Error::Error;
};

enum class Compression { none, gzip, zstd };
const char* compression_name(Compression c);

// Where compressed or plain bytes come from: a file or stdin.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `n` bytes into `buf`; 0 at the end. Throws StreamError on a read error.
  virtual std::size_t read(char* buf, std::size_t n) = 0;
  // Names the input in messages ("-" for stdin).
  virtual const std::string& name() const = 0;
  // Called once a document has been read from it whole, before what was
  // read is kept: a source that checks its bytes (a checksum) throws Error
  // here when they are not what they should be.
  virtual void finished() {}
};

// A file by path, or stdin when the path is "-". Throws Error when it cannot be opened.
std::unique_ptr<ByteSource> open_source(const std::string& path);

// An in-memory buffer (tests, manifests): the bytes must outlive the source.
std::unique_ptr<ByteSource> memory_source(const char* data, std::size_t size, std::string name);

// RapidJSON's input-stream concept (Peek/Take/Tell) over the decompressed
// text of a ByteSource. Tell() is the offset in the decompressed JSON.
class DecodedStream {
 public:
  using Ch = char;
  explicit DecodedStream(ByteSource& source);
  ~DecodedStream();
  DecodedStream(const DecodedStream&) = delete;
  DecodedStream& operator=(const DecodedStream&) = delete;

  [[gnu::always_inline]] Ch Peek() {
    if (pos_ == end_) refill();
    return pos_ == end_ ? '\0' : *pos_;
  }
  [[gnu::always_inline]] Ch Take() {
    if (pos_ == end_) refill();
    if (pos_ == end_) return '\0';
    return *pos_++;
  }
  std::size_t Tell() const { return static_cast<std::size_t>(consumed_ + (pos_ - begin_)); }
  // Whether every byte has been read: Peek() gives '\0' at the end and at a
  // NUL byte alike.
  bool at_end() {
    if (pos_ == end_) refill();
    return pos_ == end_;
  }
  // The bytes decoded and not read yet (empty at the end of the buffer: Peek()
  // refills it), and a move past some of them: for scans of many bytes at once
  // (string_scan.h).
  const char* buffered_begin() const { return pos_; }
  const char* buffered_end() const { return end_; }
  void skip_buffered(std::size_t n) { pos_ += n; }
  // The byte at decompressed offset `offset` while it is still in the buffer,
  // else nullptr: bytes read from there to the current place lie end to end.
  const char* buffered_at(std::uint64_t offset) const {
    return offset >= consumed_ && offset - consumed_ < static_cast<std::uint64_t>(end_ - begin_)
               ? begin_ + (offset - consumed_)
               : nullptr;
  }
  // Output side of the concept: never used by a reader.
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  std::size_t PutEnd(Ch*) { return 0; }

  Compression compression() const { return compression_; }
  // Bytes read from the source so far (compressed size for compressed input).
  std::uint64_t raw_bytes() const { return raw_bytes_; }

  // The reader calls this at every JSON token: a single token (one string) longer
  // than `limit` bytes is refused at the next refill, so a hostile input cannot
  // make RapidJSON's string buffer grow without end.
  void mark_token() { last_token_ = Tell(); }
  static constexpr std::uint64_t kMaxTokenBytes = 16u << 20;

 private:
  void refill();
  std::size_t read_raw();
  void detect();
  // Where in the compressed bytes the decoder stands: to name the place of
  // bad compressed data, where the JSON offset is only how far it got.
  std::uint64_t compressed_offset() const { return raw_bytes_ - (in_end_ - in_pos_); }

  struct Codec;
  ByteSource& source_;
  std::unique_ptr<Codec> codec_;
  Compression compression_ = Compression::none;
  std::unique_ptr<char[]> in_, out_;
  std::size_t in_pos_ = 0, in_end_ = 0;
  bool source_done_ = false;
  const char* begin_ = nullptr;
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  std::uint64_t consumed_ = 0, raw_bytes_ = 0, last_token_ = 0;
  bool finished_ = false;
};

}  // namespace cachedb::spack_index
