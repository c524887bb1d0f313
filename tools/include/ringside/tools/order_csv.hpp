// One line of `ringside orders` input (CSV: side,type,tif,symbol,quantity,price,
// client_order_id) turned into an order-entry request, or refused with the
// reason. Kept apart from the command so it can be tested and fuzzed alone.
//
//   Buy,Limit,GTC,AAPL,100,185.00,1
//   Sell,Market,IOC,AAPL,50,,2
//   Cancel,,,AAPL,,,1          (a quantity reduces the order by that much instead)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ringside/core/instrument.hpp"
#include "ringside/core/order_entry.hpp"

namespace ringside::tools {

struct OrderCsvLine {
  enum class Kind {
    Skip,     // blank, a #-comment or the header line
    Refused,  // `why` says what is wrong; nothing is sent
    New,      // `order` is ready to send
    Cancel,   // cancel (reduce_by 0) or reduce client_order_id on `symbol`
  };
  Kind kind = Kind::Skip;
  std::string why;
  NewOrderRequest order{};
  SymbolId symbol{};
  std::uint64_t client_order_id = 0;
  std::uint32_t reduce_by = 0;
};

OrderCsvLine parse_order_csv_line(std::string_view line, const SymbolTable& symbols);

// An exact decimal price ("185.10") in ticks of `scale`; false with `why` set when
// it is malformed, negative, off the tick grid or too large for ticks.
bool order_price_to_ticks(std::string_view text, const PriceScale& scale, Ticks& out, std::string& why);

}  // namespace ringside::tools
