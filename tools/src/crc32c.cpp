#include "ringside/tools/crc32c.hpp"

#include <boost/crc.hpp>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace ringside::tools {

namespace {

std::uint32_t bit_reversed(std::uint32_t v) noexcept {
  std::uint32_t r = 0;
  for (int i = 0; i < 32; ++i, v >>= 1) r = (r << 1) | (v & 1u);
  return r;
}

}  // namespace

std::uint32_t crc32c_software(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  // Reflected Castagnoli polynomial, all-ones start and final xor: the iSCSI CRC.
  // Chaining: the running remainder is the previous result with the final xor
  // undone, given unreflected, as Boost reflects the initial remainder itself.
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> c(bit_reversed(~crc));
  c.process_bytes(data, n);
  return c.checksum();
}

#if defined(__x86_64__)

bool crc32c_hardware_available() noexcept { return __builtin_cpu_supports("sse4.2"); }

__attribute__((target("sse4.2"))) std::uint32_t crc32c_hardware(const void* data, std::size_t n,
                                                                  std::uint32_t crc) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);  // any alignment
    c = _mm_crc32_u64(c, word);
  }
  auto c32 = static_cast<std::uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}

#else

bool crc32c_hardware_available() noexcept { return false; }
std::uint32_t crc32c_hardware(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  return crc32c_software(data, n, crc);
}

#endif

std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  // Decided once: the CPU does not change under a running process.
  static const bool hardware = crc32c_hardware_available();
  return hardware ? crc32c_hardware(data, n, crc) : crc32c_software(data, n, crc);
}

}  // namespace ringside::tools
