#include "ringside/engine/exchange.hpp"

#include <algorithm>

namespace ringside::engine {

ExchangeOptions options_for(const ExchangeConfig& config) {
  ExchangeOptions o;
  // Agents keep a handful of resting orders each; order entry and deep books need
  // more. A million order nodes is ~80 MiB: sized once, never grown.
  const std::size_t per_agent = 64;
  o.max_orders = std::max<std::size_t>(std::size_t{1} << 18, config.agents.total() * per_agent * 4);
  o.max_levels_per_side = 1 << 12;
  o.snapshot_depth = config.simulation.snapshot_depth;
  o.snapshot_interval_ticks = config.simulation.snapshot_interval_ticks;
  o.stats_interval_ticks = config.simulation.stats_interval_ticks;
  return o;
}

Exchange::Exchange(const SymbolTable& symbols, EventSink& sink, const ExchangeOptions& options)
    : symbols_(symbols),
      sink_(sink),
      options_(options),
      order_pool_(options.max_orders),
      // Every level holds at least one order; both sides of every book at their cap
      // could need more, but not more than there are orders.
      level_pool_(std::min(options.max_orders, symbols.size() * 2 * options.max_levels_per_side)),
      index_(options.max_orders),
      context_{order_pool_, level_pool_, index_, sink_} {
  books_.reserve(symbols_.size());
  breakers_.resize(symbols_.size());
  for (const Instrument& instrument : symbols_) {
    books_.push_back(std::make_unique<OrderBook>(instrument.id, context_, options.max_levels_per_side));
    breakers_[raw(instrument.id)].reference_price = instrument.initial_price;
  }
}

RejectReason Exchange::check_request(SymbolId symbol, const NewOrder& order) const noexcept {
  if (raw(symbol) >= books_.size()) return RejectReason::UnknownSymbol;
  if (raw(order.id) == 0) return RejectReason::BadOrderId;
  if (order.quantity == 0 || order.quantity > kMaxOrderQuantity) return RejectReason::BadQuantity;
  if (order.type == OrderType::Limit && order.price <= 0) return RejectReason::BadPrice;
  if (breakers_[raw(symbol)].halted) return RejectReason::SymbolHalted;
  return RejectReason::None;
}

RejectReason Exchange::validate(SymbolId symbol, const NewOrder& order) const noexcept {
  if (const RejectReason why = check_request(symbol, order); why != RejectReason::None) return why;
  // The book makes these two checks itself when the order is submitted.
  if (index_.find(order.id) != nullptr) return RejectReason::DuplicateOrderId;
  if (order.type == OrderType::Limit && order.time_in_force == TimeInForce::GTC &&
      order_pool_.in_use() == order_pool_.capacity()) {
    return RejectReason::BookFull;
  }
  return RejectReason::None;
}

SubmitResult Exchange::submit(SymbolId symbol, const NewOrder& order, std::int64_t now_ns) noexcept {
  // Not validate(): the book refuses duplicates and a full pool itself, and an id
  // lookup is a cache miss worth making once per order, not twice.
  if (const RejectReason why = check_request(symbol, order); why != RejectReason::None) {
    SubmitResult r;
    r.reject = why;
    return r;
  }
  const SubmitResult r = books_[raw(symbol)]->submit(order, now_ns);
  if (r.filled > 0 && options_.circuit_breakers) check_breaker(symbol, now_ns);
  return r;
}

RejectReason Exchange::cancel(SymbolId symbol, OrderId id, std::int64_t now_ns, CancelReason reason) noexcept {
  if (raw(symbol) >= books_.size()) return RejectReason::UnknownSymbol;
  return books_[raw(symbol)]->cancel(id, reason, now_ns) ? RejectReason::None : RejectReason::UnknownOrder;
}

RejectReason Exchange::reduce(SymbolId symbol, OrderId id, Quantity by, std::int64_t now_ns) noexcept {
  if (raw(symbol) >= books_.size()) return RejectReason::UnknownSymbol;
  if (by == 0) return RejectReason::BadQuantity;
  return books_[raw(symbol)]->reduce(id, by, now_ns) ? RejectReason::None : RejectReason::UnknownOrder;
}

// seeds/000 section 2.4.2: a fall of 7, 13 or 20 percent from the reference price
// halts the symbol for 5, 10 or 15 minutes; each level triggers once per session,
// and a fall straight past several levels triggers the highest.
void Exchange::check_breaker(SymbolId symbol, std::int64_t now_ns) noexcept {
  BreakerState& b = breakers_[raw(symbol)];
  const Ticks last = books_[raw(symbol)]->stats().last;
  if (b.halted || b.reference_price <= 0 || last == b.last_checked_price) return;
  b.last_checked_price = last;
  const std::int64_t decline_bps = (b.reference_price - last) * 10'000 / b.reference_price;
  std::uint8_t level = 0;
  for (std::uint8_t l = 3; l >= 1; --l) {
    if (decline_bps >= kBreakerLevels[l - 1].decline_bps) {
      level = l;
      break;
    }
  }
  if (level <= b.level) return;
  const BreakerLevel& rule = kBreakerLevels[level - 1];
  b.level = level;
  b.halted = true;
  b.halted_at_ns = now_ns;
  b.resume_at_ns = now_ns + std::int64_t{rule.halt_duration_secs} * 1'000'000'000;

  auto& halt = sink_.claim<TradingHalt>();
  init_header(halt, symbol, now_ns);
  halt.trigger_price = last;
  halt.reference_price = b.reference_price;
  halt.decline_bps = static_cast<std::int32_t>(decline_bps);
  halt.halt_duration_secs = rule.halt_duration_secs;
  halt.level = level;
  halt.reason = HaltReason::CircuitBreaker;
  std::fill(std::begin(halt.reserved), std::end(halt.reserved), std::uint8_t{0});
  // Level 1 only rejects new orders; level 2 also cancels the resting ones;
  // level 3 clears the book.
  if (level == 2) books_[raw(symbol)]->cancel_all(CancelReason::TradingHalt, now_ns);
  if (level == 3) books_[raw(symbol)]->cancel_all(CancelReason::BookCleared, now_ns);
}

void Exchange::on_tick(std::uint64_t tick, std::int64_t now_ns) noexcept {
  for (std::size_t i = 0; i < books_.size(); ++i) {
    BreakerState& b = breakers_[i];
    if (b.halted && now_ns >= b.resume_at_ns) {
      b.halted = false;
      auto& resume = sink_.claim<TradingResume>();
      init_header(resume, SymbolId{static_cast<std::uint16_t>(i)}, now_ns);
      resume.halted_at_ns = b.halted_at_ns;
      resume.halt_duration_secs = kBreakerLevels[b.level - 1].halt_duration_secs;
      resume.level = b.level;
      std::fill(std::begin(resume.reserved), std::end(resume.reserved), std::uint8_t{0});
    }
  }
  if (options_.snapshot_interval_ticks != 0 && tick % options_.snapshot_interval_ticks == 0) {
    for (auto& book : books_) book->publish_snapshot(options_.snapshot_depth, now_ns);
  }
  if (options_.stats_interval_ticks != 0 && tick % options_.stats_interval_ticks == 0) {
    for (auto& book : books_) book->publish_stats(now_ns);
  }
  commit();
}

}  // namespace ringside::engine
