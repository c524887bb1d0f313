#include "ringside/tools/capture_range.hpp"

#include <charconv>

#include "ringside/core/iso_time.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {
namespace {

bool digits(std::string_view s, std::size_t from, std::size_t n, std::int64_t& out) {
  if (from + n > s.size()) return false;
  out = 0;
  for (std::size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z] (a space for the T too), UTC.
bool parse_utc(std::string_view s, std::int64_t& ns) {
  std::int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 19 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  std::size_t i = 19;
  std::int64_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && n < 9) {
      fraction = fraction * 10 + (s[i++] - '0');
      ++n;
    }
    if (n == 0) return false;
    for (; n < 9; ++n) fraction *= 10;
  }
  if (i < s.size() && s[i] == 'Z') ++i;
  if (i != s.size()) return false;
  std::int64_t cy = 0;
  unsigned cm = 0, cd = 0;
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  civil_from_days(days, cy, cm, cd);
  if (cy != y || cm != mo || cd != d) return false;  // 2026-02-30 and the like
  ns = ((days * 24 + h) * 60 + mi) * 60'000'000'000 + sec * 1'000'000'000 + fraction;
  return true;
}

}  // namespace

CapturePoint parse_capture_point(std::string_view text, std::string_view option) {
  CapturePoint p;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p.sequence);
    if (ec == std::errc{} && end == text.data() + text.size()) return p;
  }
  p.kind = CapturePoint::Kind::Time;
  if (parse_utc(text, p.time_ns)) return p;
  throw InputError(std::string(option) + ": '" + std::string(text) +
                   "' is neither a sequence number nor a UTC time (2026-02-18T14:30:00.123456Z)");
}

std::string to_string(const CapturePoint& p) {
  if (p.kind == CapturePoint::Kind::Sequence) return "sequence " + std::to_string(p.sequence);
  char text[kIsoTimestampLength];
  write_iso_timestamp(text, p.time_ns);
  return std::string(text, kIsoTimestampLength);
}

}  // namespace ringside::tools
