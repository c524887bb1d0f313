// Events as text for people: one readable line per event (`ringside tail`), and
// the exact field texts that line and the CSV tables (event_csv.hpp) share.
//
//   4711 14:30:00.123456 TradeExecuted AAPL 100 @ 150.25 aggressor=Buy buyer=retail-0042 seller=mm-003 trade=72696e67-...
//
// Numbers follow the seed JSON of core's JsonEncoder exactly: prices are exact
// decimals from ticks with the symbol's decimals (never through a double), a
// mid price takes one more decimal when it needs it, VWAP four more (rounded
// half away from zero), ids are the deterministic UUIDs and `retail-0042` agent
// ids, times are UTC with microseconds (floored). Everything is written into
// buffers owned by the caller or the renderer: nothing allocates per event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ringside/core/derived.hpp"
#include "ringside/core/events.hpp"
#include "ringside/core/instrument.hpp"
#include "ringside/core/iso_time.hpp"
#include "ringside/core/uuid.hpp"

namespace ringside::tools {

__extension__ typedef __int128 Int128;  // ticks * tick units * quantity can pass 2^63

// Appends text at a cursor. The caller guarantees room: every user sizes its
// buffer for its longest possible output, so there is no check per byte.
class TextCursor {
 public:
  explicit TextCursor(char* out) noexcept : p_(out) {}
  char* position() const noexcept { return p_; }

  void text(std::string_view s) noexcept;
  void character(char c) noexcept { *p_++ = c; }
  void integer(std::int64_t v) noexcept;
  void integer(std::uint64_t v) noexcept;
  void integer(std::int32_t v) noexcept { integer(std::int64_t{v}); }
  void integer(std::uint32_t v) noexcept { integer(std::uint64_t{v}); }
  // value * 10^-decimals with exactly `decimals` fraction digits ("-0.05", "150.25", "7").
  void decimal(Int128 value, unsigned decimals) noexcept;
  void price(Ticks ticks, const PriceScale& scale) noexcept;
  void decimal(const DecimalValue& v) noexcept { decimal(v.units, v.decimals); }
  void uuid(UuidKind kind, std::uint64_t id) noexcept;
  void agent(AgentId id) noexcept;          // "retail-0042"
  void iso_time(std::int64_t ns) noexcept;  // "2026-01-05T14:30:00.123456Z"

 private:
  char* p_;
};

// The derived numbers of the seed JSON, computed exactly as JsonEncoder does.
void write_spread(TextCursor& out, const QuoteUpdate& quote, const PriceScale& scale) noexcept;     // 0 unless two-sided
void write_mid_price(TextCursor& out, const QuoteUpdate& quote, const PriceScale& scale) noexcept;  // 0 unless two-sided
void write_vwap(TextCursor& out, const MarketStats& stats, const PriceScale& scale) noexcept;       // 0 without volume
void write_turnover(TextCursor& out, const MarketStats& stats, const PriceScale& scale) noexcept;
void write_decline_pct(TextCursor& out, const TradingHalt& halt) noexcept;                          // 700 bps -> "7.00"
// One agent detail's value as the seed JSON spells it (without JSON quotes).
void write_detail_value(TextCursor& out, const AgentDetail& detail, const PriceScale& scale) noexcept;

// The readable line of each event. Build one per symbol table; render frames
// that check_frame accepted against that table.
class EventText {
 public:
  // Longest line render() can produce (a full agent action, a snapshot's top levels).
  static constexpr std::size_t kMaxLine = 2048;
  // Book levels per side a snapshot line shows.
  static constexpr std::size_t kSnapshotLevels = 3;

  // `symbols` must outlive the renderer. Without a table (nullptr) tickers are
  // shown as "#ID" and prices in ticks.
  explicit EventText(const SymbolTable* symbols) noexcept : symbols_(symbols) {}

  // "SEQ HH:MM:SS.ffffff TYPE TICKER fields...", no newline; valid until the next call.
  std::string_view render(const FrameHeader& frame) noexcept;

  // "2026-01-05" when the frame's UTC date differs from the last frame's passed
  // here (the first frame's included), else empty. Valid until the next call.
  std::string_view date_change(const FrameHeader& frame) noexcept;

 private:
  const SymbolTable* symbols_;
  IsoTimestampWriter timestamps_;  // the calendar arithmetic once a second, not once an event
  std::int64_t last_day_ = INT64_MIN;
  char date_[16] = {};
  char line_[kMaxLine] = {};
};

// One function per event type: the fields after "TICKER " on the readable line.
void write_fields(TextCursor& out, const OrderPlaced& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const TradeExecuted& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const QuoteUpdate& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const OrderBookSnapshot& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const TradingHalt& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const TradingResume& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const AgentAction& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const MarketStats& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const OrderCancelled& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const TradeAggregate& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const PriceAlert& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const OrderBookMetrics& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const EnrichedTrade& e, const PriceScale& scale) noexcept;
void write_fields(TextCursor& out, const OrderFlowImbalance& e, const PriceScale& scale) noexcept;

}  // namespace ringside::tools
