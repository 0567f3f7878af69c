#pragma once
// A file's bytes, read into memory to be parsed in place.
#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>

namespace cachedb {

// `size()` bytes of the file, then kPadding zero bytes. The parse NUL-terminates
// each JSON value on the white space after it, and RapidJSON's SSE2 string scan
// reads whole aligned 16-byte blocks: the block holding the NUL that ends a scan
// may reach 15 bytes past it, and the padding keeps it inside the allocation
// whatever the file's last bytes are. (With RapidJSON's own UTF-8 check, a value
// ending in a lead byte was read past its end: found by fuzzing, ASan
// heap-buffer-overflow; values are now checked before they are parsed.)
class PaddedBuffer {
 public:
  static constexpr std::size_t kPadding = 1 + 16;

  PaddedBuffer() = default;
  // `size` bytes to fill through data(), padding already zeroed.
  explicit PaddedBuffer(std::size_t size);
  PaddedBuffer(PaddedBuffer&& other) noexcept
      : bytes_(std::move(other.bytes_)), size_(std::exchange(other.size_, 0)) {}
  PaddedBuffer& operator=(PaddedBuffer&& other) noexcept {
    bytes_ = std::move(other.bytes_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  // A copy of `text`.
  static PaddedBuffer copy_of(std::string_view text);

  char* data() { return bytes_.get(); }
  std::size_t size() const { return size_; }
  std::string_view view() const { return {bytes_.get(), size_}; }
  // What the buffer holds on the heap, padding included.
  std::size_t allocated() const { return bytes_ ? size_ + kPadding : 0; }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
};

}  // namespace cachedb
