// One symbol's limit order book: price-time priority matching.
//
// Orders live in a pool sized at start-up (OrderPool), each price level keeps its
// orders in an intrusive FIFO, and an open-addressing index finds an order by id
// for cancels. Each side keeps its levels sorted with the best price last, so the
// common changes (at or near the touch) move few pointers. Nothing here allocates,
// locks or logs after construction: a full pool is a rejection, not a resize.
//
// Every change is published through the EventSink, in the order it happened:
// OrderPlaced, then each fill as a TradeExecuted (price of the resting order,
// aggressor side), OrderCancelled for whatever does not rest, and one QuoteUpdate
// when the best bid or ask price or size differs from the last one published.
// The caller commits the batch.
#pragma once

#include <cstdint>
#include <vector>

#include "ringside/core/events.hpp"
#include "ringside/core/order_entry.hpp"
#include "ringside/engine/event_sink.hpp"
#include "ringside/engine/order_index.hpp"
#include "ringside/engine/order_pool.hpp"

namespace ringside::engine {

// Told about everything that happens to external orders (client execution reports).
class ExecutionListener {
 public:
  virtual ~ExecutionListener() = default;
  virtual void on_fill(const Order& order, Ticks price, Quantity quantity, std::int64_t now_ns) noexcept = 0;
  virtual void on_cancel(const Order& order, Quantity cancelled, CancelReason reason, std::int64_t now_ns) noexcept = 0;
};

// Told about every trade (the agents keep their inventories with it).
class TradeObserver {
 public:
  virtual ~TradeObserver() = default;
  virtual void on_trade(SymbolId symbol, AgentId buyer, AgentId seller, Ticks price, Quantity quantity) noexcept = 0;
};

// What one book shares with the others: the pools, the id index, the sink and
// the trade id sequence.
struct BookContext {
  OrderPool& orders;
  LevelPool& levels;
  OrderIndex& index;
  EventSink& sink;
  ExecutionListener* listener = nullptr;  // external orders only
  TradeObserver* trades = nullptr;
  std::uint64_t next_trade_id = 1;
};

struct NewOrder {
  OrderId id{};
  AgentId agent{};
  Side side = Side::Buy;
  OrderType type = OrderType::Limit;
  TimeInForce time_in_force = TimeInForce::GTC;
  Ticks price = 0;  // limit orders only
  Quantity quantity = 0;
};

struct SubmitResult {
  RejectReason reject = RejectReason::None;  // None, DuplicateOrderId or BookFull
  Quantity filled = 0;
  Quantity resting = 0;    // left on the book
  Quantity cancelled = 0;  // the unfilled rest that did not rest (IOC, FOK, market)
};

// Session statistics for MarketStats and the circuit breakers.
struct SessionStats {
  Ticks open = 0;
  Ticks high = 0;
  Ticks low = 0;
  Ticks last = 0;
  Volume volume = 0;
  std::int64_t notional_ticks = 0;
  std::uint32_t trade_count = 0;
};

struct Quote {
  Ticks bid_price = 0;
  Ticks ask_price = 0;
  Volume bid_size = 0;
  Volume ask_size = 0;
  friend bool operator==(const Quote&, const Quote&) = default;
};

class OrderBook {
 public:
  // `max_levels` bounds each side's sorted level list (reserved now).
  OrderBook(SymbolId symbol, BookContext& context, std::size_t max_levels);

  // Validated input (the Exchange checks symbols, prices, quantities, halts).
  SubmitResult submit(const NewOrder& order, std::int64_t now_ns) noexcept;
  // Cancels a resting order of this book. False when it is not resting here.
  bool cancel(OrderId id, CancelReason reason, std::int64_t now_ns) noexcept;
  // Takes `by` shares off a resting order, keeping its time priority; an order
  // reduced to nothing is cancelled. Publishes AgentAction(ReduceOrder). False
  // when the order is not resting here.
  bool reduce(OrderId id, Quantity by, std::int64_t now_ns) noexcept;
  // Cancels every resting order (circuit breaker levels 2 and 3), best first per side.
  std::uint64_t cancel_all(CancelReason reason, std::int64_t now_ns) noexcept;

  // OrderBookSnapshot with `depth` levels per side (at most kMaxBookDepth).
  void publish_snapshot(std::uint32_t depth, std::int64_t now_ns) noexcept;
  void publish_stats(std::int64_t now_ns) noexcept;

  SymbolId symbol() const noexcept { return symbol_; }
  Quote quote() const noexcept;
  Ticks best_bid() const noexcept { return bids_.empty() ? 0 : bids_.back()->price; }
  Ticks best_ask() const noexcept { return asks_.empty() ? 0 : asks_.back()->price; }
  std::size_t level_count(Side side) const noexcept { return side == Side::Buy ? bids_.size() : asks_.size(); }
  // The i-th best level of a side (0 = best). Precondition: i < level_count(side).
  const Level& level(Side side, std::size_t i) const noexcept {
    const auto& levels = side == Side::Buy ? bids_ : asks_;
    return *levels[levels.size() - 1 - i];
  }
  std::uint64_t resting_orders() const noexcept { return resting_; }
  const SessionStats& stats() const noexcept { return stats_; }
  std::uint64_t snapshot_sequence() const noexcept { return snapshot_sequence_; }

 private:
  using Levels = std::vector<Level*>;  // best last

  void publish_placed(const NewOrder& order, std::int64_t now_ns) noexcept;
  void publish_cancelled(const Order& order, Quantity cancelled, CancelReason reason, std::int64_t now_ns) noexcept;
  void publish_cancelled(const NewOrder& order, Quantity cancelled, CancelReason reason, std::int64_t now_ns) noexcept;
  void cancel_unfilled(const NewOrder& order, Quantity cancelled, Quantity filled, CancelReason reason,
                       std::int64_t now_ns) noexcept;
  void publish_quote_if_changed(std::int64_t now_ns) noexcept;
  Quantity match(const NewOrder& order, Quantity quantity, std::int64_t now_ns) noexcept;
  bool fill_or_kill_possible(const NewOrder& order) const noexcept;
  bool rest(const NewOrder& order, Quantity quantity, Quantity filled) noexcept;
  void unlink(Order& order) noexcept;  // from its level (removing an empty level) and the index
  void record_trade(Ticks price, Quantity quantity) noexcept;

  SymbolId symbol_;
  BookContext& context_;
  Levels bids_;
  Levels asks_;
  std::size_t max_levels_;
  std::uint64_t resting_ = 0;
  Quote last_quote_;
  SessionStats stats_;
  std::uint64_t snapshot_sequence_ = 0;
};

}  // namespace ringside::engine
