// Events as CSV tables, one table per event type (`ringside export --format csv`),
// for DuckDB, pandas or a spreadsheet. The columns are listed in tools/README.md
// ("CSV tables"); in short:
//
//   seq,event_time,event_time_ns,publish_time_ns,symbol,<the type's fields>
//
// with the seed JSON's snake_case field names and spellings (JsonEncoder), prices
// as exact decimals from ticks. OrderBookSnapshot is in long form, one row per
// book level (side "bid"/"ask", level 1 = best); AgentAction keeps its details as
// one column holding the seed's JSON object (DuckDB: `details::JSON`). RFC 4180:
// rows end in "\n", a field holding a comma, quote or line break is quoted with
// its quotes doubled (only tickers, the details object and EnrichedTrade's
// reference texts can). The analytics records (TradeAggregate ... OrderFlowImbalance)
// have the JSON's fields; a null buy_sell_ratio is an empty field.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/core/events.hpp"
#include "ringside/core/instrument.hpp"
#include "ringside/core/iso_time.hpp"

namespace ringside::tools {

class EventCsv {
 public:
  // Most bytes write_rows() writes for one frame (a full snapshot: 128 rows).
  static constexpr std::size_t kMaxRowsBytes = 64 * 1024;

  // The table's header row, without the line end.
  static std::string_view header(EventType type) noexcept;
  // Its column names, in order.
  static std::vector<std::string> columns(EventType type);

  // `symbols` must outlive this; rows are rendered for frames check_frame accepted against it.
  explicit EventCsv(const SymbolTable& symbols);

  // Writes the frame's rows (each ending "\n") at `out`, which has room for
  // kMaxRowsBytes; returns the end. `rows` gets how many (a snapshot: one per level).
  char* write_rows(char* out, const FrameHeader& frame, std::size_t& rows) noexcept;

 private:
  const SymbolTable& symbols_;
  std::vector<std::string> tickers_;  // CSV-ready: quoted where needed
  IsoTimestampWriter timestamps_;
};

// The field as RFC 4180 wants it: as is, or quoted with its quotes doubled when
// it holds a comma, a quote or a line break.
std::string csv_field(std::string_view text);

}  // namespace ringside::tools
