// ISO 8601 UTC timestamps with microseconds, as the seed's JSON has them:
// "2026-02-18T14:30:00.123456Z".
//
// Nanoseconds are floored to microseconds (never rounded up), so a timestamp is
// never later than the event and 23:59:59.9999999 stays on its day. Works for the
// whole int64 nanosecond range, 1677-09-21 to 2262-04-11, without calling the C
// library (no locale, no time zone, no allocation).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ringside {

// Floor division: C++ division truncates toward zero, which would put
// 1969-12-31T23:59:59.999999 on the wrong side of midnight and a negative event
// time in the wrong window.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Milliseconds since the epoch, floored: the analytics records' JSON times.
constexpr std::int64_t floor_millis(std::int64_t unix_ns) noexcept { return floor_div(unix_ns, 1'000'000); }

inline constexpr std::size_t kIsoTimestampLength = 27;  // YYYY-MM-DDTHH:MM:SS.ffffffZ

// Writes exactly kIsoTimestampLength characters at out.
void write_iso_timestamp(char* out, std::int64_t unix_ns) noexcept;

// Writes the timestamps of a stream of events. Consecutive events nearly always
// fall in the same second, so the formatted "YYYY-MM-DDTHH:MM:SS." is kept and
// only the microseconds are written anew: the calendar arithmetic, a long chain
// of dependent divisions, runs once a second instead of once an event.
class IsoTimestampWriter {
 public:
  // Same output as write_iso_timestamp.
  void write(char* out, std::int64_t unix_ns) noexcept;

 private:
  static constexpr std::int64_t kNoSecond = INT64_MIN;  // no int64-ns instant has this second
  std::int64_t cached_second_ = kNoSecond;
  char prefix_[20] = {};
};

// Parses the format write_iso_timestamp produces; microsecond precision.
std::optional<std::int64_t> parse_iso_timestamp(std::string_view text) noexcept;

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept;
void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) noexcept;

}  // namespace ringside
