#include "json/padded_buffer.h"

#include <cstring>

namespace cachedb {

PaddedBuffer::PaddedBuffer(std::size_t size) : bytes_(new char[size + kPadding]), size_(size) {
  std::memset(bytes_.get() + size, 0, kPadding);
}

PaddedBuffer PaddedBuffer::copy_of(std::string_view text) {
  PaddedBuffer copy(text.size());
  // An empty text may have no data pointer, and memcpy from null is undefined
  // even for 0 bytes (found by fuzzing).
  if (!text.empty()) std::memcpy(copy.data(), text.data(), text.size());
  return copy;
}

}  // namespace cachedb
