// Memory for tables read at random (util/huge_pages.h): zeroed, aligned to a
// huge page, and every byte asked for writable, whatever the kernel's advice.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "util/huge_pages.h"

using cachedb::HugePages;

TEST_CASE("huge pages: zeroed, aligned to 2 MiB, writable to the last byte asked for") {
  for (std::size_t bytes : {std::size_t{1}, std::size_t{3} << 20, (std::size_t{4} << 20) + 1}) {
    CAPTURE(bytes);
    HugePages memory(bytes);
    auto* p = static_cast<unsigned char*>(memory.data());
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % (std::uintptr_t{2} << 20) == 0);
    CHECK(p[0] == 0);
    CHECK(p[bytes / 2] == 0);
    CHECK(p[bytes - 1] == 0);
    std::memset(p, 0xab, bytes);
    CHECK(p[bytes - 1] == 0xab);
  }
}

TEST_CASE("huge pages: two blocks are distinct, and one freed leaves the other whole") {
  auto a = std::make_unique<HugePages>(std::size_t{1} << 20);
  HugePages b(std::size_t{1} << 20);
  CHECK(a->data() != b.data());
  std::memset(b.data(), 7, std::size_t{1} << 20);
  a.reset();
  CHECK(static_cast<unsigned char*>(b.data())[(std::size_t{1} << 20) - 1] == 7);
}
