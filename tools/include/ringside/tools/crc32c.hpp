// CRC32C (Castagnoli), the checksum of every capture block and header.
//
// Chosen over CRC32 because x86-64 computes it in hardware (SSE4.2 `crc32`,
// about 8 bytes a cycle), so verifying every block costs replay little. The
// hardware path is picked once at run time; the portable one (Boost.CRC) gives
// the same values everywhere else. "123456789" -> 0xE3069283.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringside::tools {

// CRC32C of n bytes. Chained: crc32c(b, nb, crc32c(a, na)) == crc32c(a then b).
std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;

// The two implementations, for tests and benchmarks.
bool crc32c_hardware_available() noexcept;
std::uint32_t crc32c_software(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;
// Precondition: crc32c_hardware_available().
std::uint32_t crc32c_hardware(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;

}  // namespace ringside::tools
