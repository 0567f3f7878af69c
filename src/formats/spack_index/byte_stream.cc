#include "formats/spack_index/byte_stream.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include "error.h"
#include "util/out_of_resources.h"

namespace cachedb::spack_index {
namespace {

// Fixed buffer sizes: together with zlib's 32 KB window and zstd's window they
// are all the memory a stream ever holds. Both below the size from which
// malloc maps a block of its own (256 KiB, cli/main.cc): a run opens a stream
// per index, and each mapping unmapped is a flush of every core's TLB and
// its pages faulted in zeroed again (100 MB of indexes: 105 such buffers).
constexpr std::size_t kInBytes = 128 * 1024;
constexpr std::size_t kOutBytes = 192 * 1024;

class FileSource : public ByteSource {
 public:
  FileSource(std::FILE* f, std::string name, bool owned) : f_(f), name_(std::move(name)), owned_(owned) {}
  ~FileSource() override {
    if (owned_) std::fclose(f_);
  }
  std::size_t read(char* buf, std::size_t n) override {
    std::size_t got = std::fread(buf, 1, n, f_);
    if (got == 0 && std::ferror(f_)) throw StreamError(fmt::format("{}: cannot read: {}", name_, std::strerror(errno)));
    return got;
  }
  const std::string& name() const override { return name_; }

 private:
  std::FILE* f_;
  std::string name_;
  bool owned_;
};

class MemorySource : public ByteSource {
 public:
  MemorySource(const char* data, std::size_t size, std::string name) : data_(data), size_(size), name_(std::move(name)) {}
  std::size_t read(char* buf, std::size_t n) override {
    const std::size_t k = std::min(n, size_ - pos_);
    std::memcpy(buf, data_ + pos_, k);
    pos_ += k;
    return k;
  }
  const std::string& name() const override { return name_; }

 private:
  const char* data_;
  std::size_t size_, pos_ = 0;
  std::string name_;
};

}  // namespace

const char* compression_name(Compression c) {
  switch (c) {
    case Compression::gzip: return "gzip";
    case Compression::zstd: return "zstd";
    case Compression::none: break;
  }
  return "none";
}

std::unique_ptr<ByteSource> open_source(const std::string& path) {
  if (path == "-") return std::make_unique<FileSource>(stdin, "-", false);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw_file_error(path, "cannot open", errno);
  return std::make_unique<FileSource>(f, path, true);
}

std::unique_ptr<ByteSource> memory_source(const char* data, std::size_t size, std::string name) {
  return std::make_unique<MemorySource>(data, size, std::move(name));
}

struct DecodedStream::Codec {
  z_stream z{};
  bool z_open = false;
  bool z_member_done = false;
  ZSTD_DCtx* zstd = nullptr;
  std::size_t zstd_hint = 0;  // 0 once a frame is complete
  ~Codec() {
    if (z_open) inflateEnd(&z);
    if (zstd) ZSTD_freeDCtx(zstd);
  }
};

DecodedStream::DecodedStream(ByteSource& source)
    : source_(source), codec_(std::make_unique<Codec>()), in_(new char[kInBytes]), out_(new char[kOutBytes]) {
  detect();
}

DecodedStream::~DecodedStream() = default;

std::size_t DecodedStream::read_raw() {
  if (source_done_) return 0;
  if (in_pos_ < in_end_) std::memmove(in_.get(), in_.get() + in_pos_, in_end_ - in_pos_);
  in_end_ -= in_pos_;
  in_pos_ = 0;
  std::size_t got = 0;
  while (in_end_ < kInBytes) {
    std::size_t k = source_.read(in_.get() + in_end_, kInBytes - in_end_);
    if (k == 0) {
      source_done_ = true;
      break;
    }
    in_end_ += k;
    got += k;
    raw_bytes_ += k;
  }
  return got;
}

void DecodedStream::detect() {
  // The magic bytes need at most four bytes; read_raw fills the whole buffer.
  read_raw();
  const auto* b = reinterpret_cast<const unsigned char*>(in_.get());
  if (in_end_ >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
    compression_ = Compression::gzip;
    // 16 + MAX_WBITS: a gzip header and trailer, the 32 KB window.
    if (inflateInit2(&codec_->z, 16 + MAX_WBITS) != Z_OK) throw Error(source_.name() + ": cannot start gzip");
    codec_->z_open = true;
  } else if (in_end_ >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
    compression_ = Compression::zstd;
    codec_->zstd = ZSTD_createDCtx();
    if (!codec_->zstd) throw Error(source_.name() + ": cannot start zstd");
    // zstd's default limit (a 128 MB window): a frame asking for more is refused
    // rather than allowed to take the memory.
    ZSTD_DCtx_setParameter(codec_->zstd, ZSTD_d_windowLogMax, 27);
  }
}

void DecodedStream::refill() {
  if (finished_) return;
  consumed_ += static_cast<std::uint64_t>(end_ - begin_);
  begin_ = pos_ = end_ = out_.get();
  if (consumed_ - last_token_ > kMaxTokenBytes)
    throw StreamError(fmt::format("a single JSON value is longer than {} MB", kMaxTokenBytes >> 20));

  if (compression_ == Compression::none) {
    if (in_pos_ == in_end_) read_raw();
    // Hand the input buffer out directly: no copy for plain JSON.
    begin_ = pos_ = in_.get() + in_pos_;
    end_ = in_.get() + in_end_;
    in_pos_ = in_end_;
    if (begin_ == end_) finished_ = true;
    return;
  }

  std::size_t produced = 0;
  while (produced == 0) {
    if (in_pos_ == in_end_) read_raw();
    const bool no_input = in_pos_ == in_end_;
    if (compression_ == Compression::gzip) {
      z_stream& z = codec_->z;
      if (no_input) {
        if (!codec_->z_member_done) throw StreamError("the gzip stream is truncated");
        finished_ = true;
        return;
      }
      if (codec_->z_member_done) {
        // Concatenated gzip members decompress as one text (gzip(1) does the same).
        inflateReset(&z);
        codec_->z_member_done = false;
      }
      z.next_in = reinterpret_cast<Bytef*>(in_.get() + in_pos_);
      z.avail_in = static_cast<uInt>(in_end_ - in_pos_);
      z.next_out = reinterpret_cast<Bytef*>(out_.get());
      z.avail_out = static_cast<uInt>(kOutBytes);
      int rc = inflate(&z, Z_NO_FLUSH);
      in_pos_ = in_end_ - z.avail_in;
      produced = kOutBytes - z.avail_out;
      if (rc == Z_STREAM_END) {
        codec_->z_member_done = true;
      } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && produced > 0)) {
        if (rc == Z_BUF_ERROR && source_done_) throw StreamError("the gzip stream is truncated");
        if (rc != Z_BUF_ERROR)
          throw StreamError(fmt::format("bad gzip data (near compressed byte {}): {}", compressed_offset(),
                                        z.msg ? z.msg : "inflate failed"));
      }
    } else {
      if (no_input) {
        if (codec_->zstd_hint != 0) throw StreamError("the zstd stream is truncated");
        finished_ = true;
        return;
      }
      ZSTD_inBuffer in{in_.get() + in_pos_, in_end_ - in_pos_, 0};
      ZSTD_outBuffer out{out_.get(), kOutBytes, 0};
      std::size_t rc = ZSTD_decompressStream(codec_->zstd, &out, &in);
      in_pos_ += in.pos;
      if (ZSTD_isError(rc))
        throw StreamError(
            fmt::format("bad zstd data (near compressed byte {}): {}", compressed_offset(), ZSTD_getErrorName(rc)));
      codec_->zstd_hint = rc;
      produced = out.pos;
    }
  }
  end_ = out_.get() + produced;
}

}  // namespace cachedb::spack_index
