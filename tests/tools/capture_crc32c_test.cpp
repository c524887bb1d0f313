// CRC32C, the checksum of every capture block: both implementations against the
// published check values (RFC 3720 appendix B.4) and against each other.
#include "ringside/tools/crc32c.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace ringside::tools {
namespace {

using Crc = std::uint32_t (*)(const void*, std::size_t, std::uint32_t) noexcept;

void expect_known_values(Crc crc, const char* which) {
  SCOPED_TRACE(which);
  const std::string digits = "123456789";
  EXPECT_EQ(crc(digits.data(), digits.size(), 0), 0xE3069283u);
  EXPECT_EQ(crc(nullptr, 0, 0), 0u);
  std::vector<unsigned char> bytes(32, 0x00);
  EXPECT_EQ(crc(bytes.data(), bytes.size(), 0), 0x8A9136AAu);
  bytes.assign(32, 0xff);
  EXPECT_EQ(crc(bytes.data(), bytes.size(), 0), 0x62A8AB43u);
  for (std::size_t i = 0; i < 32; ++i) bytes[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(crc(bytes.data(), bytes.size(), 0), 0x46DD794Eu);
  for (std::size_t i = 0; i < 32; ++i) bytes[i] = static_cast<unsigned char>(31 - i);
  EXPECT_EQ(crc(bytes.data(), bytes.size(), 0), 0x113FDB5Cu);
  // Chained in two parts, at every split, the same as in one.
  for (std::size_t split = 0; split <= digits.size(); ++split) {
    EXPECT_EQ(crc(digits.data() + split, digits.size() - split, crc(digits.data(), split, 0)), 0xE3069283u) << split;
  }
}

TEST(Crc32c, SoftwareKnownValues) { expect_known_values(&crc32c_software, "software"); }

TEST(Crc32c, HardwareKnownValues) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  expect_known_values(&crc32c_hardware, "hardware");
}

TEST(Crc32c, DispatchedKnownValues) { expect_known_values(&crc32c, "dispatched"); }

// Lengths and alignments the 8-byte hardware loop and its byte tail both meet.
TEST(Crc32c, HardwareAndSoftwareAgree) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937_64 random(42);
  std::vector<unsigned char> data(5000);
  for (auto& b : data) b = static_cast<unsigned char>(random());
  for (std::size_t offset = 0; offset < 9; ++offset) {
    for (std::size_t n : {0ul, 1ul, 7ul, 8ul, 9ul, 63ul, 64ul, 1000ul, 4991ul}) {
      EXPECT_EQ(crc32c_hardware(data.data() + offset, n, 0x1234u), crc32c_software(data.data() + offset, n, 0x1234u))
          << "offset " << offset << ", " << n << " bytes";
    }
  }
}

}  // namespace
}  // namespace ringside::tools
