// The client end of order entry: a strategy process sends orders to the engine
// through a ring of its own and reads execution reports from a ring the engine
// writes back (SPEC section 3, "the same ring code in the other direction").
//
//   auto client = OrderEntryClient::connect("alpha");          // waits for the engine
//   const SymbolId aapl = client.symbol("AAPL");
//   client.send_limit(aapl, Side::Buy, 18500, 100, /*client order id*/ 1);
//   while (auto report = client.poll()) { ... report->exec_type ... }
//
// The client is the single writer of "orders.NAME"; the engine reads it losslessly,
// so a client that outpaces the engine waits instead of losing orders. The engine
// is the single writer of "reports.NAME", whose metadata holds its symbol table.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ringside/core/instrument.hpp"
#include "ringside/core/order_entry.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"

namespace ringside::shm {

inline constexpr std::string_view kOrdersRingPrefix = "orders.";
inline constexpr std::string_view kReportsRingPrefix = "reports.";

struct OrderEntryOptions {
  std::uint64_t capacity = 1 << 20;                  // the orders ring's data bytes
  std::chrono::milliseconds wait_for_engine{10'000};  // for the engine to answer with its reports ring
  BackingChoice backing = BackingChoice::SharedMemory;
};

class OrderEntryClient {
 public:
  // Creates "orders.NAME" and waits for the engine's "reports.NAME". Throws
  // RingError when the engine does not answer within wait_for_engine.
  static OrderEntryClient connect(std::string_view name, const OrderEntryOptions& options = {});

  const SymbolTable& symbols() const noexcept { return symbols_; }
  // The id of a ticker; throws std::invalid_argument naming an unknown ticker.
  SymbolId symbol(std::string_view ticker) const;

  void send(const NewOrderRequest& order) noexcept;
  void send(const CancelOrderRequest& cancel) noexcept;
  void send_limit(SymbolId symbol, Side side, Ticks price, Quantity quantity, std::uint64_t client_order_id,
                  TimeInForce time_in_force = TimeInForce::GTC) noexcept;
  void send_market(SymbolId symbol, Side side, Quantity quantity, std::uint64_t client_order_id) noexcept;
  void send_cancel(SymbolId symbol, std::uint64_t client_order_id, Quantity reduce_by = 0) noexcept;

  // The next execution report, if one has arrived.
  std::optional<ExecutionReport> poll() noexcept;
  // Waits up to `timeout` for the next report.
  std::optional<ExecutionReport> wait(std::chrono::milliseconds timeout) noexcept;
  // Whether the engine's reports ring still has a live writer.
  bool engine_alive() noexcept;

  const std::string& name() const noexcept { return name_; }

 private:
  OrderEntryClient(std::string name, RingWriter orders, RingReader reports, SymbolTable symbols);

  std::string name_;
  RingWriter orders_;
  RingReader reports_;
  SymbolTable symbols_;
};

}  // namespace ringside::shm
