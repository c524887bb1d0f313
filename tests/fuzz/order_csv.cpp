// Fuzzer: the order-entry CSV of `ringside orders` (parse_order_csv_line) on
// arbitrary text, line by line, against config/test.toml's symbols (AAPL, TSLA;
// tick 0.01). A line is skipped, refused with a reason, or becomes a request
// whose fields are in range; never a crash or UB.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.hpp"
#include "ringside/core/embedded_config.hpp"
#include "ringside/tools/order_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ringside;
  using namespace ringside::tools;
  static const ExchangeConfig* config = new ExchangeConfig(embedded_test_config());
  std::string_view text = fuzz::as_text(data, size);
  while (true) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    const OrderCsvLine parsed = parse_order_csv_line(line, config->symbols);
    switch (parsed.kind) {
      case OrderCsvLine::Kind::Refused:
        if (parsed.why.empty()) fuzz::invariant_failed("a refusal without a reason");
        break;
      case OrderCsvLine::Kind::New:
        if (!config->symbols.contains(parsed.order.header.symbol)) fuzz::invariant_failed("an order for an unknown symbol");
        if (parsed.order.client_order_id == 0 || parsed.order.client_order_id > kMaxClientOrderId) {
          fuzz::invariant_failed("a client order id out of range");
        }
        if (parsed.order.order_type == OrderType::Limit && parsed.order.price < -1) {
          fuzz::invariant_failed("a limit price below -1 (the engine's BadPrice marker)");
        }
        break;
      case OrderCsvLine::Kind::Cancel:
        if (!config->symbols.contains(parsed.symbol)) fuzz::invariant_failed("a cancel for an unknown symbol");
        break;
      case OrderCsvLine::Kind::Skip: break;
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return 0;
}
