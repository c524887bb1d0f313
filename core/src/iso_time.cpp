#include "ringside/core/iso_time.hpp"

#include <cstdint>
#include <cstring>

#include "ringside/core/wide_int.hpp"

namespace ringside {
namespace {

constexpr std::int64_t kNsPerUs = 1'000;
constexpr std::int64_t kUsPerSecond = 1'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// "00" to "99": two digits per multiply instead of one.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

void put_pair(char* out, std::uint64_t value) noexcept {
  out[0] = kDigitPairs[2 * value];
  out[1] = kDigitPairs[2 * value + 1];
}

// The six fraction digits and the Z: out[0..6].
void put_micros(char* out, std::uint64_t micros) noexcept {
  put_pair(out, micros / 10'000);
  put_pair(out + 2, micros / 100 % 100);
  put_pair(out + 4, micros % 100);
  out[6] = 'Z';
}

void put_digits(char* out, std::uint64_t value, int digits) noexcept {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

bool get_digits(std::string_view text, std::size_t pos, int digits, std::int64_t& value) noexcept {
  value = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days (public-domain algorithms,
// http://howardhinnant.github.io/date_algorithms.html): exact for the proleptic
// Gregorian calendar, leap years included, with no tables and no loops.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
  year -= month <= 2;
  const std::int64_t era = floor_div(year, 400);
  const auto yoe = static_cast<unsigned>(year - era * 400);                     // [0, 399]
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                  // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) noexcept {
  days += 719468;
  const std::int64_t era = floor_div(days, 146097);
  const auto doe = static_cast<unsigned>(days - era * 146097);                  // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                 // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                      // [0, 11]
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2);
}

namespace {

// "YYYY-MM-DDTHH:MM:SS." for a whole second since the epoch: out[0..20).
void put_date_time(char* out, std::int64_t seconds) noexcept {
  const std::int64_t days = floor_div(seconds, kSecondsPerDay);
  const auto second_of_day = static_cast<std::uint64_t>(seconds - days * kSecondsPerDay);
  std::int64_t year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  // int64 ns spans years 1677..2262, always four digits.
  put_digits(out, static_cast<std::uint64_t>(year), 4);
  out[4] = '-';
  put_pair(out + 5, month);
  out[7] = '-';
  put_pair(out + 8, day);
  out[10] = 'T';
  put_pair(out + 11, second_of_day / 3600);
  out[13] = ':';
  put_pair(out + 14, second_of_day / 60 % 60);
  out[16] = ':';
  put_pair(out + 17, second_of_day % 60);
  out[19] = '.';
}

}  // namespace

void write_iso_timestamp(char* out, std::int64_t unix_ns) noexcept {
  const std::int64_t us = floor_div(unix_ns, kNsPerUs);
  const std::int64_t seconds = floor_div(us, kUsPerSecond);
  put_date_time(out, seconds);
  put_micros(out + 20, static_cast<std::uint64_t>(us - seconds * kUsPerSecond));
}

void IsoTimestampWriter::write(char* out, std::int64_t unix_ns) noexcept {
  const std::int64_t us = floor_div(unix_ns, kNsPerUs);
  const std::int64_t seconds = floor_div(us, kUsPerSecond);
  if (seconds != cached_second_) {
    put_date_time(prefix_, seconds);
    cached_second_ = seconds;
  }
  std::memcpy(out, prefix_, sizeof prefix_);
  put_micros(out + 20, static_cast<std::uint64_t>(us - seconds * kUsPerSecond));
}

std::optional<std::int64_t> parse_iso_timestamp(std::string_view text) noexcept {
  if (text.size() != kIsoTimestampLength || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':' || text[19] != '.' || text[26] != 'Z') {
    return std::nullopt;
  }
  std::int64_t year, month, day, hour, minute, second, micros;
  if (!get_digits(text, 0, 4, year) || !get_digits(text, 5, 2, month) || !get_digits(text, 8, 2, day) ||
      !get_digits(text, 11, 2, hour) || !get_digits(text, 14, 2, minute) || !get_digits(text, 17, 2, second) ||
      !get_digits(text, 20, 6, micros)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const auto m = static_cast<unsigned>(month);
  const auto d = static_cast<unsigned>(day);
  // Reject Feb 30 and friends: the date must survive the round trip.
  const std::int64_t days = days_from_civil(year, m, d);
  std::int64_t y2;
  unsigned m2, d2;
  civil_from_days(days, y2, m2, d2);
  if (y2 != year || m2 != m || d2 != d) return std::nullopt;
  // Stay inside int64 nanoseconds (1677-09-21T00:12:43.145224Z .. 2262-04-11T23:47:16.854775Z).
  const detail::Int128 seconds = static_cast<detail::Int128>(days) * kSecondsPerDay + hour * 3600 + minute * 60 + second;
  const detail::Int128 ns = seconds * 1'000'000'000 + micros * kNsPerUs;
  if (ns > INT64_MAX || ns < INT64_MIN) return std::nullopt;
  return static_cast<std::int64_t>(ns);
}

}  // namespace ringside
