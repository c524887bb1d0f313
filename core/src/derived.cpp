#include "ringside/core/derived.hpp"

#include <charconv>

namespace ringside {

using detail::Int128;
using detail::UInt128;

namespace {

constexpr Int128 pow10(unsigned n) noexcept {
  Int128 p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

constexpr Int128 magnitude(Int128 v) noexcept { return v < 0 ? -v : v; }

bool two_sided(Ticks bid, Ticks ask) noexcept { return bid > 0 && ask > 0; }

}  // namespace

double DecimalValue::to_double() const noexcept {
  return static_cast<double>(units) / static_cast<double>(pow10(decimals));
}

Int128 divide_rounded(Int128 numerator, Int128 denominator) noexcept {
  const bool negative = (numerator < 0) != (denominator < 0);
  const UInt128 n = numerator < 0 ? UInt128(0) - static_cast<UInt128>(numerator) : static_cast<UInt128>(numerator);
  const UInt128 d = denominator < 0 ? UInt128(0) - static_cast<UInt128>(denominator) : static_cast<UInt128>(denominator);
  const auto q = static_cast<Int128>((n + d / 2) / d);
  return negative ? -q : q;
}

DecimalValue vwap_of(std::int64_t notional_ticks, Volume volume, const PriceScale& scale) noexcept {
  const unsigned decimals = scale.decimals + kVwapExtraDecimals;
  if (volume == 0) return {0, decimals};
  const Int128 units = static_cast<Int128>(notional_ticks) * scale.tick_units * pow10(kVwapExtraDecimals);
  return {divide_rounded(units, volume), decimals};
}

DecimalValue notional_of(std::int64_t notional_ticks, const PriceScale& scale) noexcept {
  return {static_cast<Int128>(notional_ticks) * scale.tick_units, scale.decimals};
}

DecimalValue mid_of(Ticks bid, Ticks ask, const PriceScale& scale) noexcept {
  const Int128 sum = two_sided(bid, ask) ? (static_cast<Int128>(bid) + ask) * scale.tick_units : 0;
  // The mid of two prices is exact with one more decimal when their sum is odd.
  if (sum % 2 == 0) return {sum / 2, scale.decimals};
  return {sum * 5, scale.decimals + 1u};
}

DecimalValue spread_of(Ticks bid, Ticks ask, const PriceScale& scale) noexcept {
  if (!two_sided(bid, ask)) return {0, scale.decimals};
  return {(static_cast<Int128>(ask) - bid) * scale.tick_units, scale.decimals};
}

DecimalValue spread_bps_of(Ticks bid, Ticks ask) noexcept {
  if (!two_sided(bid, ask)) return {0, kBpsDecimals};
  // (ask - bid) / ((ask + bid) / 2) * 10^4, in hundredths: tick units cancel out.
  const Int128 numerator = (static_cast<Int128>(ask) - bid) * 2 * 10'000 * pow10(kBpsDecimals);
  return {divide_rounded(numerator, static_cast<Int128>(ask) + bid), kBpsDecimals};
}

DecimalValue imbalance_of(Volume bid, Volume ask) noexcept {
  const Int128 total = static_cast<Int128>(bid) + ask;
  if (total == 0) return {0, kRatioDecimals};
  return {divide_rounded((static_cast<Int128>(bid) - ask) * pow10(kRatioDecimals), total), kRatioDecimals};
}

DecimalValue pct_change_of(Ticks baseline, Ticks current) noexcept {
  if (baseline <= 0) return {0, kPercentDecimals};
  const Int128 change = magnitude(static_cast<Int128>(current) - baseline);
  return {divide_rounded(change * 100 * pow10(kPercentDecimals), baseline), kPercentDecimals};
}

std::optional<DecimalValue> buy_sell_ratio_of(const TradeAggregate& a) noexcept {
  if (a.sell_count == 0) return std::nullopt;
  const Int128 numerator = static_cast<Int128>(a.buy_count) * pow10(kRatioDecimals);
  return DecimalValue{divide_rounded(numerator, static_cast<Int128>(a.sell_count)), kRatioDecimals};
}

std::optional<Int128> ofi_normalized_numerator(const OrderFlowImbalance& r) noexcept {
  Int128 numerator = 0;
  if (__builtin_mul_overflow(static_cast<Int128>(r.ofi), static_cast<Int128>(r.update_count), &numerator) ||
      __builtin_mul_overflow(numerator, 2 * pow10(kRatioDecimals), &numerator)) {
    return std::nullopt;
  }
  return numerator;
}

DecimalValue ofi_normalized_of(const OrderFlowImbalance& r) noexcept {
  // ofi / (depth_sum / (2 n)) = 2 n ofi / depth_sum
  if (r.depth_sum <= 0 || r.update_count == 0) return {0, kRatioDecimals};
  const std::optional<Int128> numerator = ofi_normalized_numerator(r);
  return {numerator ? divide_rounded(*numerator, r.depth_sum) : 0, kRatioDecimals};
}

std::string_view window_size_text(std::int64_t length_ns, WindowSizeText& out) noexcept {
  constexpr std::int64_t kMs = 1'000'000;
  constexpr std::int64_t kSecond = 1'000 * kMs;
  constexpr std::int64_t kMinute = 60 * kSecond;
  std::int64_t count = length_ns;
  const char* unit = "ns";
  if (length_ns > 0 && length_ns % kMinute == 0) {
    count = length_ns / kMinute;
    unit = "m";
  } else if (length_ns > 0 && length_ns % kSecond == 0) {
    count = length_ns / kSecond;
    unit = "s";
  } else if (length_ns > 0 && length_ns % kMs == 0) {
    count = length_ns / kMs;
    unit = "ms";
  }
  char* p = std::to_chars(out.bytes, out.bytes + 24, count).ptr;
  for (const char* u = unit; *u != '\0'; ++u) *p++ = *u;
  return {out.bytes, static_cast<std::size_t>(p - out.bytes)};
}

}  // namespace ringside
