// The exchange: every symbol's book, the circuit breakers and the periodic
// snapshots and statistics, behind one entry point for every order source
// (simulated agents, order-entry clients, order files).
//
// Requests are validated here (symbol, price, quantity, halts) so the books only
// ever see well-formed orders. Nothing is committed here: the caller ends each
// request with request_done(), so a request's events always reach readers in one
// commit, and calls commit() when its input runs dry.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ringside/core/config.hpp"
#include "ringside/core/order_entry.hpp"
#include "ringside/engine/event_sink.hpp"
#include "ringside/engine/order_book.hpp"

namespace ringside::engine {

// seeds/000 section 2.4.2.
struct BreakerLevel {
  std::int32_t decline_bps;         // 700 = 7 %
  std::int32_t halt_duration_secs;
};
inline constexpr BreakerLevel kBreakerLevels[3] = {{700, 300}, {1300, 600}, {2000, 900}};

struct BreakerState {
  Ticks reference_price = 0;  // the session's opening price (the symbol's initial price)
  std::uint8_t level = 0;     // highest level triggered this session (0: none)
  bool halted = false;
  std::int64_t halted_at_ns = 0;
  std::int64_t resume_at_ns = 0;
  Ticks last_checked_price = 0;
};

struct ExchangeOptions {
  std::size_t max_orders = 1 << 20;           // resting orders over all books (pool size)
  std::size_t max_levels_per_side = 1 << 12;  // price levels per side per book
  std::uint32_t snapshot_depth = 20;
  std::uint32_t snapshot_interval_ticks = 100;  // 0: no periodic snapshots
  std::uint32_t stats_interval_ticks = 100;     // 0: no periodic statistics
  bool circuit_breakers = true;
  // Requests whose events share one commit under load (see Exchange::request_done); 1: one commit per request.
  std::uint32_t requests_per_commit = 16;
};

// Pool sizes for a config: enough for every agent's resting orders with room to spare.
ExchangeOptions options_for(const ExchangeConfig& config);

class Exchange {
 public:
  Exchange(const SymbolTable& symbols, EventSink& sink, const ExchangeOptions& options);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // Why submit() would refuse this order now (None if it would accept it).
  RejectReason validate(SymbolId symbol, const NewOrder& order) const noexcept;
  // Checks the request, then matches it. A rejected order publishes nothing.
  SubmitResult submit(SymbolId symbol, const NewOrder& order, std::int64_t now_ns) noexcept;
  // Cancels (by == 0) or reduces a resting order. UnknownOrder when it is not
  // resting in `symbol`'s book.
  RejectReason cancel(SymbolId symbol, OrderId id, std::int64_t now_ns,
                      CancelReason reason = CancelReason::AgentCancelled) noexcept;
  RejectReason reduce(SymbolId symbol, OrderId id, Quantity by, std::int64_t now_ns) noexcept;
  // Once per tick: ends halts whose time is up (TradingResume), publishes the
  // snapshots and statistics that are due. Commits what it published.
  void on_tick(std::uint64_t tick, std::int64_t now_ns) noexcept;
  // Ends one request (an order, a cancel, a market maker's re-quote). Its events
  // are published with the next commit: at once every requests_per_commit requests,
  // else when the source's input runs dry and it calls commit(). Batching as the
  // Disruptor does: under load one commit (one release store, one clock read, one
  // cache line the readers pull) serves many requests; a lone request waits for no
  // one, since its source commits as soon as it has nothing more to do.
  void request_done() noexcept {
    if (++uncommitted_requests_ >= options_.requests_per_commit) commit();
  }
  // Publishes everything claimed so far.
  void commit() noexcept {
    uncommitted_requests_ = 0;
    sink_.commit();
  }

  // Ids for the simulation's own orders: 1, 2, 3, ... (never external).
  OrderId next_order_id() noexcept { return OrderId{next_order_id_++}; }
  const Order* find_order(OrderId id) const noexcept { return index_.find(id); }

  const SymbolTable& symbols() const noexcept { return symbols_; }
  std::size_t symbol_count() const noexcept { return books_.size(); }
  OrderBook& book(SymbolId symbol) noexcept { return *books_[raw(symbol)]; }
  const OrderBook& book(SymbolId symbol) const noexcept { return *books_[raw(symbol)]; }
  const BreakerState& breaker(SymbolId symbol) const noexcept { return breakers_[raw(symbol)]; }
  bool halted(SymbolId symbol) const noexcept { return breakers_[raw(symbol)].halted; }
  EventSink& sink() noexcept { return sink_; }
  const ExchangeOptions& options() const noexcept { return options_; }
  std::size_t orders_in_use() const noexcept { return order_pool_.in_use(); }

  void set_execution_listener(ExecutionListener* listener) noexcept { context_.listener = listener; }
  void set_trade_observer(TradeObserver* observer) noexcept { context_.trades = observer; }

 private:
  // Symbol, id, quantity, price and halt: what the books do not check themselves.
  RejectReason check_request(SymbolId symbol, const NewOrder& order) const noexcept;
  void check_breaker(SymbolId symbol, std::int64_t now_ns) noexcept;

  SymbolTable symbols_;
  EventSink& sink_;
  ExchangeOptions options_;
  OrderPool order_pool_;
  LevelPool level_pool_;
  OrderIndex index_;
  BookContext context_;
  std::vector<std::unique_ptr<OrderBook>> books_;
  std::vector<BreakerState> breakers_;
  std::uint64_t next_order_id_ = 1;
  std::uint32_t uncommitted_requests_ = 0;
};

}  // namespace ringside::engine
