#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "ringside/core/iso_time.hpp"
#include "ringside/core/uuid.hpp"

namespace ringside {
namespace {

std::string iso(std::int64_t ns) {
  char out[kIsoTimestampLength];
  write_iso_timestamp(out, ns);
  return std::string(out, sizeof out);
}

std::string uuid(UuidKind kind, std::uint64_t id) {
  char out[kUuidLength];
  write_uuid(out, kind, id);
  return std::string(out, sizeof out);
}

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kDay = 86'400 * kSecond;

TEST(IsoTimestamp, Epoch) {
  EXPECT_EQ(iso(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso(1), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso(-1), "1969-12-31T23:59:59.999999Z");  // floored, not truncated toward zero
  EXPECT_EQ(iso(-kDay), "1969-12-31T00:00:00.000000Z");
}

TEST(IsoTimestamp, SeedExample) {
  // 2026-02-18T14:30:00.123456Z, from seeds/000 section 2.2.1
  const std::int64_t ns = days_from_civil(2026, 2, 18) * kDay + (14 * 3600 + 30 * 60) * kSecond + 123'456'000;
  EXPECT_EQ(iso(ns), "2026-02-18T14:30:00.123456Z");
  EXPECT_EQ(parse_iso_timestamp("2026-02-18T14:30:00.123456Z"), ns);
}

TEST(IsoTimestamp, MicrosecondsAreFlooredNeverRounded) {
  const std::int64_t midnight = days_from_civil(2024, 1, 1) * kDay;
  EXPECT_EQ(iso(midnight - 1), "2023-12-31T23:59:59.999999Z");
  EXPECT_EQ(iso(midnight - 500), "2023-12-31T23:59:59.999999Z");
  EXPECT_EQ(iso(midnight + 999), "2024-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso(midnight + 1'000), "2024-01-01T00:00:00.000001Z");
  EXPECT_EQ(iso(midnight + 1'999), "2024-01-01T00:00:00.000001Z");
}

TEST(IsoTimestamp, LeapYears) {
  EXPECT_EQ(iso(days_from_civil(2024, 2, 29) * kDay), "2024-02-29T00:00:00.000000Z");
  EXPECT_EQ(iso(days_from_civil(2024, 2, 29) * kDay + kDay), "2024-03-01T00:00:00.000000Z");
  EXPECT_EQ(iso(days_from_civil(2023, 2, 28) * kDay + kDay), "2023-03-01T00:00:00.000000Z");
  EXPECT_EQ(iso(days_from_civil(2000, 2, 29) * kDay), "2000-02-29T00:00:00.000000Z");  // divisible by 400
  EXPECT_EQ(iso(days_from_civil(2100, 2, 28) * kDay + kDay), "2100-03-01T00:00:00.000000Z");  // by 100, not 400
  EXPECT_EQ(iso(days_from_civil(2024, 12, 31) * kDay), "2024-12-31T00:00:00.000000Z");  // day 366
  EXPECT_FALSE(parse_iso_timestamp("2023-02-29T00:00:00.000000Z"));
  EXPECT_FALSE(parse_iso_timestamp("2100-02-29T00:00:00.000000Z"));
  EXPECT_TRUE(parse_iso_timestamp("2000-02-29T00:00:00.000000Z"));
}

TEST(IsoTimestamp, WholeInt64Range) {
  EXPECT_EQ(iso(std::numeric_limits<std::int64_t>::max()), "2262-04-11T23:47:16.854775Z");
  EXPECT_EQ(iso(std::numeric_limits<std::int64_t>::min()), "1677-09-21T00:12:43.145224Z");
  EXPECT_EQ(parse_iso_timestamp("2262-04-11T23:47:16.854775Z"), 9'223'372'036'854'775'000);
  EXPECT_FALSE(parse_iso_timestamp("2262-04-11T23:47:16.854776Z"));
  EXPECT_FALSE(parse_iso_timestamp("9999-12-31T23:59:59.999999Z"));
}

TEST(IsoTimestamp, CivilDaysAgreeForEveryDayOf2000Years) {
  std::int64_t previous = days_from_civil(1677, 1, 1) - 1;
  for (std::int64_t year = 1677; year <= 2300; ++year) {
    for (unsigned month = 1; month <= 12; ++month) {
      static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
      const unsigned days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
      for (unsigned day = 1; day <= days; ++day) {
        const std::int64_t d = days_from_civil(year, month, day);
        ASSERT_EQ(d, previous + 1) << year << "-" << month << "-" << day;
        std::int64_t y;
        unsigned m, dd;
        civil_from_days(d, y, m, dd);
        ASSERT_EQ(y, year);
        ASSERT_EQ(m, month);
        ASSERT_EQ(dd, day);
        previous = d;
      }
    }
  }
}

TEST(IsoTimestamp, RoundTripsRandomInstants) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 100'000; ++i) {
    const auto ns = static_cast<std::int64_t>(rng());
    const auto floored = ns - ((ns % 1000) + 1000) % 1000;
    ASSERT_EQ(parse_iso_timestamp(iso(ns)), floored) << ns << " " << iso(ns);
  }
}

TEST(IsoTimestamp, StreamWriterMatchesTheFunction) {
  IsoTimestampWriter writer;
  std::mt19937_64 rng(3);
  std::int64_t t = days_from_civil(2024, 2, 29) * kDay - 5 * kSecond;  // crosses a leap day's midnight
  for (int i = 0; i < 200'000; ++i) {
    // Mostly small steps, now and then a jump anywhere (backwards too), and the extremes.
    const auto r = rng() % 1000;
    if (r == 0) t = static_cast<std::int64_t>(rng());
    else if (r == 1) t = std::numeric_limits<std::int64_t>::min();
    else if (r == 2) t = std::numeric_limits<std::int64_t>::max();
    else if (t < std::numeric_limits<std::int64_t>::max() - kSecond) t += static_cast<std::int64_t>(rng() % 100'000);
    char out[kIsoTimestampLength];
    writer.write(out, t);
    ASSERT_EQ(std::string(out, sizeof out), iso(t)) << t;
  }
}

TEST(IsoTimestamp, RejectsMalformedText) {
  for (const char* bad : {"", "2026-02-18T14:30:00.123456", "2026-02-18 14:30:00.123456Z",
                          "2026-13-18T14:30:00.123456Z", "2026-02-18T24:30:00.123456Z",
                          "2026-02-18T14:60:00.123456Z", "2026-02-18T14:30:00.12345aZ",
                          "2026-02-00T14:30:00.123456Z"}) {
    EXPECT_FALSE(parse_iso_timestamp(bad)) << bad;
  }
}

TEST(Uuid, IsLowercaseV4Shaped) {
  EXPECT_EQ(uuid(UuidKind::Order, 42), "72696e67-0001-4000-8000-00000000002a");
  EXPECT_EQ(uuid(UuidKind::Trade, 42), "72696e67-0002-4000-8000-00000000002a");
  EXPECT_EQ(uuid(UuidKind::Order, 0), "72696e67-0001-4000-8000-000000000000");
  EXPECT_EQ(uuid(UuidKind::Order, UINT64_MAX), "72696e67-0001-400f-8fff-ffffffffffff");
  EXPECT_EQ(uuid(UuidKind::Order, 0x1234'5678'9abc'def0), "72696e67-0001-4001-8234-56789abcdef0");
}

TEST(Uuid, RoundTripsAndIsUniquePerKind) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 100'000; ++i) {
    const std::uint64_t id = i < 64 ? (std::uint64_t{1} << i) : rng();
    for (UuidKind kind : {UuidKind::Order, UuidKind::Trade}) {
      const std::string text = uuid(kind, id);
      ASSERT_EQ(text[14], '4');                          // version 4
      ASSERT_NE(std::string("89ab").find(text[19]), std::string::npos);  // RFC 4122 variant
      const auto parsed = parse_uuid(text);
      ASSERT_TRUE(parsed) << text;
      ASSERT_EQ(parsed->id, id);
      ASSERT_EQ(parsed->kind, kind);
    }
  }
  EXPECT_NE(uuid(UuidKind::Order, 7), uuid(UuidKind::Trade, 7));
}

TEST(Uuid, RejectsForeignUuids) {
  EXPECT_FALSE(parse_uuid("550e8400-e29b-41d4-a716-446655440000"));  // the seed's random example
  EXPECT_FALSE(parse_uuid("72696E67-0001-4000-8000-00000000002A"));  // uppercase
  EXPECT_FALSE(parse_uuid("72696e67-0003-4000-8000-00000000002a"));  // unknown kind
  EXPECT_FALSE(parse_uuid("72696e67-0001-4100-8000-00000000002a"));  // bits we never set
  EXPECT_FALSE(parse_uuid("72696e67-0001-4000-8000-00000000002"));   // short
}

}  // namespace
}  // namespace ringside
