#include "ringside/gateway/json_text.hpp"

#include <charconv>

#include "ringside/core/iso_time.hpp"
#include "ringside/core/json_encoder.hpp"

namespace ringside::gateway {
namespace {
// Exact price arithmetic: ticks * tick units can pass 2^63 for extreme scales.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;
}  // namespace

void append_quoted(std::string& out, std::string_view text) { append_json_string(out, text); }

void append_int(std::string& out, std::int64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_uint(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_price(std::string& out, Ticks ticks, const PriceScale& scale) {
  const Int128 value = static_cast<Int128>(ticks) * scale.tick_units;
  const UInt128 magnitude = value < 0 ? static_cast<UInt128>(-value) : static_cast<UInt128>(value);
  if (value < 0) out += '-';
  UInt128 pow10 = 1;
  for (unsigned i = 0; i < scale.decimals; ++i) pow10 *= 10;
  const UInt128 whole = magnitude / pow10;
  std::uint64_t fraction = static_cast<std::uint64_t>(magnitude % pow10);
  if (whole > UINT64_MAX) {
    append_uint(out, UINT64_MAX);  // not a price any instrument can have; keeps the output a number
  } else {
    append_uint(out, static_cast<std::uint64_t>(whole));
  }
  if (scale.decimals == 0) return;
  out += '.';
  char digits[kMaxPriceDecimals + 1];
  for (unsigned i = scale.decimals; i-- > 0;) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  out.append(digits, scale.decimals);
}

void append_timestamp(std::string& out, std::int64_t unix_ns) {
  char text[kIsoTimestampLength];
  write_iso_timestamp(text, unix_ns);
  out += '"';
  out.append(text, kIsoTimestampLength);
  out += '"';
}

}  // namespace ringside::gateway
