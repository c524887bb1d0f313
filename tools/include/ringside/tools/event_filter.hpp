// Which events a command passes on, by event type and by ticker (`--type`,
// `--symbol` of tail and export).
//
//   EventFilter f;
//   f.set_types({"TradeExecuted", "QuoteUpdate"});   // InputError for an unknown name
//   f.set_tickers({"AAPL"});
//   f.bind(ring_symbols);                             // tickers -> symbol ids of this table
//   if (f.accepts(frame)) ...                         // per event: two lookups, no allocation
//
// Tickers are bound per symbol table because a ring's next writer generation, or
// a capture's next segment, may number its symbols differently.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/core/frame.hpp"
#include "ringside/core/instrument.hpp"

namespace ringside::tools {

class EventFilter {
 public:
  // Types by their event_type name; an empty list passes every type. Each entry
  // may itself be a comma-separated list. Throws InputError naming `option` and
  // listing the valid names for an unknown one.
  void set_types(const std::vector<std::string>& names, std::string_view option = "--type");
  // Tickers to pass (comma-separated lists allowed); empty: every symbol.
  void set_tickers(const std::vector<std::string>& tickers);

  // Resolves the tickers against `symbols`; returns those it does not have
  // (they then match nothing). Without tickers every symbol passes.
  std::vector<std::string> bind(const SymbolTable& symbols);

  bool accepts(const FrameHeader& frame) const noexcept {
    if (!types_[static_cast<std::uint8_t>(frame.type) & 15u]) return false;
    if (tickers_.empty()) return true;
    const auto id = raw(frame.symbol);
    return id < symbols_.size() && symbols_[id] != 0;
  }
  bool passes(EventType type) const noexcept { return types_[static_cast<std::uint8_t>(type) & 15u]; }
  // The selected types in the contract's order (every type without --type).
  std::vector<EventType> types() const;
  bool all_types() const noexcept { return all_types_; }
  const std::vector<std::string>& tickers() const noexcept { return tickers_; }

 private:
  std::array<bool, 16> types_ = all_types_mask();
  bool all_types_ = true;
  std::vector<std::string> tickers_;
  std::vector<std::uint8_t> symbols_;  // by symbol id: 1 if it passes

  static std::array<bool, 16> all_types_mask() noexcept;
};

// "SOURCE: unknown symbol 'XYZ' (SOURCE has 24: AAPL, MSFT, GOOGL, ... )": for a
// ticker no table has; the list is cut after a dozen.
std::string unknown_symbol_message(const std::vector<std::string>& unknown, const SymbolTable& symbols,
                                   std::string_view source);

// Splits "a,b, c" into trimmed, non-empty parts.
std::vector<std::string> split_list(const std::vector<std::string>& entries);

}  // namespace ringside::tools
