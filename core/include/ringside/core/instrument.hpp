// Instruments and the symbol table.
//
// The symbol table maps the small SymbolId in every frame to the instrument's
// ticker, reference data and price scale. It travels with the data: the ring's
// metadata block and every capture file hold its binary image (to_image), so a
// reader needs nothing but the ring or the file to render prices and tickers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/core/ids.hpp"

namespace ringside {

enum class MarketCap : std::uint8_t { Mega = 0, Large = 1, Mid = 2, Small = 3, Micro = 4 };
inline constexpr std::uint8_t kMaxMarketCap = 4;
std::string_view to_string(MarketCap) noexcept;  // "mega", "large", "mid", "small", "micro"
bool parse_market_cap(std::string_view, MarketCap& out) noexcept;

inline constexpr int kMaxPriceDecimals = 9;
// 10^d for d = 0..kMaxPriceDecimals: ticks of d decimals per price unit.
inline constexpr double kDecimalScale[kMaxPriceDecimals + 1] = {1e0, 1e1, 1e2, 1e3, 1e4,
                                                                1e5, 1e6, 1e7, 1e8, 1e9};

// A symbol's tick size as an exact decimal: tick = tick_units * 10^-decimals.
// 0.01 is {1, 2}; 0.05 is {5, 2}; 0.0001 is {1, 4}. A price of t ticks is
// t * tick_units units of 10^-decimals, which the encoders print exactly.
struct PriceScale {
  std::int64_t tick_units = 1;
  std::uint8_t decimals = 2;

  double tick_size() const noexcept;
  double to_double(Ticks ticks) const noexcept;
  friend bool operator==(const PriceScale&, const PriceScale&) = default;
};

// Field limits, so the binary image has fixed-size records.
inline constexpr std::size_t kMaxTickerLength = 15;
inline constexpr std::size_t kMaxNameLength = 63;
inline constexpr std::size_t kMaxSectorLength = 31;
inline constexpr std::size_t kMaxSymbols = 4096;

struct Instrument {
  SymbolId id{};
  std::string ticker;
  std::string name;
  std::string sector;
  MarketCap market_cap = MarketCap::Large;
  PriceScale scale;
  Ticks initial_price = 0;
  double volatility = 0.0;  // annualised, as a fraction (0.25 = 25 %)

  friend bool operator==(const Instrument&, const Instrument&) = default;
};

class SymbolTable {
 public:
  SymbolTable() = default;
  explicit SymbolTable(std::vector<Instrument> instruments);  // ids are reassigned to positions

  std::size_t size() const noexcept { return instruments_.size(); }
  bool empty() const noexcept { return instruments_.empty(); }
  bool contains(SymbolId id) const noexcept { return raw(id) < instruments_.size(); }
  // Precondition: contains(id).
  const Instrument& operator[](SymbolId id) const noexcept { return instruments_[raw(id)]; }
  const Instrument* find(std::string_view ticker) const noexcept;

  auto begin() const noexcept { return instruments_.begin(); }
  auto end() const noexcept { return instruments_.end(); }

  // The binary image kept in ring metadata and capture files: a 16-byte header
  // ("RSSYMTAB", version, count) and one fixed 160-byte record per instrument,
  // little-endian, NUL-padded strings.
  std::vector<std::byte> to_image() const;
  // Throws std::runtime_error naming the byte offset of the first problem.
  static SymbolTable from_image(std::span<const std::byte> image);

  friend bool operator==(const SymbolTable&, const SymbolTable&) = default;

 private:
  std::vector<Instrument> instruments_;
};

}  // namespace ringside
