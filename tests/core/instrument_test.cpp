#include <gtest/gtest.h>

#include <cstring>

#include "ringside/core/instrument.hpp"
#include "test_symbols.hpp"

namespace ringside {
namespace {

TEST(Instrument, PriceScaleConvertsTicks) {
  EXPECT_DOUBLE_EQ((PriceScale{1, 2}.tick_size()), 0.01);
  EXPECT_DOUBLE_EQ((PriceScale{5, 2}.tick_size()), 0.05);
  EXPECT_DOUBLE_EQ((PriceScale{1, 2}.to_double(18550)), 185.50);
  EXPECT_DOUBLE_EQ((PriceScale{5, 2}.to_double(3)), 0.15);
}

TEST(Instrument, SymbolTableAssignsIdsAndFinds) {
  const SymbolTable t = test::test_symbols();
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(raw(t[SymbolId{2}].id), 2u);
  ASSERT_NE(t.find("BRK.B"), nullptr);
  EXPECT_EQ(raw(t.find("BRK.B")->id), 1u);
  EXPECT_EQ(t.find("MSFT"), nullptr);
  EXPECT_FALSE(t.contains(SymbolId{3}));
}

TEST(Instrument, ImageRoundTrips) {
  const SymbolTable t = test::test_symbols();
  const std::vector<std::byte> image = t.to_image();
  EXPECT_EQ(image.size(), 16u + 3u * 160u);
  EXPECT_EQ(SymbolTable::from_image(image), t);
}

TEST(Instrument, DamagedImageNamesTheOffset) {
  const std::vector<std::byte> good = test::test_symbols().to_image();
  auto expect_error = [](std::vector<std::byte> image, const char* needle) {
    try {
      (void)SymbolTable::from_image(image);
      ADD_FAILURE() << "accepted a damaged image, expected: " << needle;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error({}, "byte 0: truncated header");
  auto bad_magic = good;
  bad_magic[0] = std::byte{'X'};
  expect_error(bad_magic, "byte 0: bad magic");
  auto bad_version = good;
  bad_version[8] = std::byte{9};
  expect_error(bad_version, "byte 8: unsupported version 9");
  expect_error(std::vector<std::byte>(good.begin(), good.end() - 1), "truncated: 3 records");
  auto no_nul = good;
  std::memset(no_nul.data() + 16, 'A', 16);  // first ticker fills its field
  expect_error(no_nul, "byte 16: ticker");
}

}  // namespace
}  // namespace ringside
