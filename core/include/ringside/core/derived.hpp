// The numbers the edge derives from a frame's exact integers: VWAP, mid, spread
// in basis points, imbalance, ratios, percent changes. Computed here once, in
// integers with one rounding (half away from zero), so the JSON encoder, the
// tools' text and CSV and the tests print the same digits, and no binary frame
// has to store a double.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ringside/core/events.hpp"
#include "ringside/core/instrument.hpp"
#include "ringside/core/wide_int.hpp"

namespace ringside {

// units x 10^-decimals, exactly.
struct DecimalValue {
  detail::Int128 units = 0;
  unsigned decimals = 0;

  double to_double() const noexcept;
  friend bool operator==(const DecimalValue&, const DecimalValue&) = default;
};

// Round-half-away-from-zero quotient; precondition: denominator != 0.
detail::Int128 divide_rounded(detail::Int128 numerator, detail::Int128 denominator) noexcept;

// VWAP decimals beyond the symbol's price decimals (as MarketStats in JSON).
inline constexpr unsigned kVwapExtraDecimals = 4;
// Decimals of the seed's rounded ratios (seeds/003: round(x, 4), spread_bps and pct_change round(x, 2)).
inline constexpr unsigned kRatioDecimals = 4;
inline constexpr unsigned kBpsDecimals = 2;
inline constexpr unsigned kPercentDecimals = 2;

// notional / volume in price units with kVwapExtraDecimals more decimals; 0 without volume.
DecimalValue vwap_of(std::int64_t notional_ticks, Volume volume, const PriceScale& scale) noexcept;
// notional_ticks * tick size: the value traded.
DecimalValue notional_of(std::int64_t notional_ticks, const PriceScale& scale) noexcept;
// Best bid and ask of a book whose empty side has price 0: the seed's convention
// that mid, spread and spread_bps are 0 unless both prices are positive.
DecimalValue mid_of(Ticks bid, Ticks ask, const PriceScale& scale) noexcept;  // one more decimal when odd
DecimalValue spread_of(Ticks bid, Ticks ask, const PriceScale& scale) noexcept;
DecimalValue spread_bps_of(Ticks bid, Ticks ask) noexcept;  // spread / mid * 10^4, kBpsDecimals
// (bid - ask) / (bid + ask), kRatioDecimals; 0 when both are 0.
DecimalValue imbalance_of(Volume bid, Volume ask) noexcept;
// |current - baseline| / baseline * 100, kPercentDecimals; 0 when the baseline is not positive.
DecimalValue pct_change_of(Ticks baseline, Ticks current) noexcept;

// buy_count / sell_count, kRatioDecimals; none without sells (the seed's infinity, JSON null).
std::optional<DecimalValue> buy_sell_ratio_of(const TradeAggregate& a) noexcept;
// ofi divided by the mean depth (depth_sum / (2 update_count)), kRatioDecimals; 0 without depth.
DecimalValue ofi_normalized_of(const OrderFlowImbalance& r) noexcept;
// Its numerator, 2 update_count ofi 10^kRatioDecimals; none where that overflows 128
// bits (check_frame refuses such a record, so the encoders never meet one).
std::optional<detail::Int128> ofi_normalized_numerator(const OrderFlowImbalance& r) noexcept;

// A window length as the seed labels it: "1m", "5m", "15m"; "30s", "250ms" for
// shorter or uneven ones. Written into `out`; the view is valid while it is.
struct WindowSizeText {
  char bytes[32];
};
std::string_view window_size_text(std::int64_t length_ns, WindowSizeText& out) noexcept;

}  // namespace ringside
