#include "ringside/engine/order_book.hpp"

#include <algorithm>

namespace ringside::engine {
namespace {

// Bids are kept ascending and asks descending, so on both sides the best price
// is last and "a is further from the touch than b" is `before(side, a, b)`.
bool before(Side side, Ticks a, Ticks b) noexcept { return side == Side::Buy ? a < b : a > b; }

// Would an order on `side` at `limit` trade against a resting price?
bool crosses(Side side, Ticks limit, Ticks resting) noexcept {
  return side == Side::Buy ? resting <= limit : resting >= limit;
}

// The first level not further from the touch than `price`: where `price` is or would go.
std::vector<Level*>::iterator position_of(std::vector<Level*>& levels, Side side, Ticks price) noexcept {
  return std::lower_bound(levels.begin(), levels.end(), price,
                          [side](const Level* level, Ticks p) { return before(side, level->price, p); });
}

Order as_order(const NewOrder& order, SymbolId symbol, Quantity remaining, Quantity filled) noexcept {
  Order o;
  o.id = order.id;
  o.agent = order.agent;
  o.price = order.type == OrderType::Market ? 0 : order.price;
  o.remaining = remaining;
  o.filled = filled;
  o.side = order.side;
  o.symbol = symbol;
  return o;
}

}  // namespace

OrderBook::OrderBook(SymbolId symbol, BookContext& context, std::size_t max_levels)
    : symbol_(symbol), context_(context), max_levels_(max_levels) {
  bids_.reserve(max_levels);
  asks_.reserve(max_levels);
}

Quote OrderBook::quote() const noexcept {
  Quote q;
  if (!bids_.empty()) {
    q.bid_price = bids_.back()->price;
    q.bid_size = bids_.back()->volume;
  }
  if (!asks_.empty()) {
    q.ask_price = asks_.back()->price;
    q.ask_size = asks_.back()->volume;
  }
  return q;
}

SubmitResult OrderBook::submit(const NewOrder& order, std::int64_t now_ns) noexcept {
  SubmitResult result;
  if (context_.index.find(order.id) != nullptr) {
    result.reject = RejectReason::DuplicateOrderId;
    return result;
  }
  // A GTC limit order may need an order node and a new level: refuse it up front
  // rather than after it has traded, so a full pool never half-executes an order.
  const bool may_rest = order.type == OrderType::Limit && order.time_in_force == TimeInForce::GTC;
  const auto& own_side = order.side == Side::Buy ? bids_ : asks_;
  if (may_rest && (context_.orders.in_use() == context_.orders.capacity() ||
                   context_.levels.in_use() == context_.levels.capacity() || own_side.size() == max_levels_)) {
    result.reject = RejectReason::BookFull;
    return result;
  }

  publish_placed(order, now_ns);
  if (order.time_in_force == TimeInForce::FOK && !fill_or_kill_possible(order)) {
    result.cancelled = order.quantity;
    cancel_unfilled(order, order.quantity, 0, CancelReason::FillOrKill, now_ns);
    return result;
  }
  result.filled = match(order, order.quantity, now_ns);
  const Quantity rest_quantity = order.quantity - result.filled;
  if (rest_quantity > 0) {
    if (may_rest) {
      rest(order, rest_quantity, result.filled);
      result.resting = rest_quantity;
    } else {
      const CancelReason why = order.type == OrderType::Market               ? CancelReason::NoLiquidity
                               : order.time_in_force == TimeInForce::IOC ? CancelReason::ImmediateOrCancel
                                                                          : CancelReason::FillOrKill;
      result.cancelled = rest_quantity;
      cancel_unfilled(order, rest_quantity, result.filled, why, now_ns);
    }
  }
  publish_quote_if_changed(now_ns);
  return result;
}

bool OrderBook::fill_or_kill_possible(const NewOrder& order) const noexcept {
  const auto& opposite = order.side == Side::Buy ? asks_ : bids_;
  Volume available = 0;
  for (auto it = opposite.rbegin(); it != opposite.rend(); ++it) {
    const Level& level = **it;
    if (order.type == OrderType::Limit && !crosses(order.side, order.price, level.price)) break;
    // Own orders do not count: self-trade prevention cancels them instead of filling.
    for (const Order* o = level.head; o != nullptr; o = o->next) {
      if (o->agent != order.agent) available += o->remaining;
    }
    if (available >= order.quantity) return true;
  }
  return false;
}

Quantity OrderBook::match(const NewOrder& order, Quantity quantity, std::int64_t now_ns) noexcept {
  auto& opposite = order.side == Side::Buy ? asks_ : bids_;
  const bool aggressor_external = context_.listener != nullptr && is_external(order.id);
  Quantity filled = 0;
  while (filled < quantity && !opposite.empty()) {
    Level* level = opposite.back();
    if (order.type == OrderType::Limit && !crosses(order.side, order.price, level->price)) break;
    const Ticks price = level->price;
    // Walk the queue oldest first. Removing the level's last order frees the
    // level, so `level` is not touched after the queue runs dry.
    for (Order* resting = level->head; resting != nullptr && filled < quantity;) {
      Order* next = resting->next;
      if (resting->agent == order.agent) {
        // Self-trade prevention: the resting order of the pair is cancelled.
        const Quantity cancelled = resting->remaining;
        publish_cancelled(*resting, cancelled, CancelReason::SelfTradePrevention, now_ns);
        if (context_.listener != nullptr && is_external(resting->id)) {
          context_.listener->on_cancel(*resting, cancelled, CancelReason::SelfTradePrevention, now_ns);
        }
        unlink(*resting);
        context_.orders.release(resting);
        resting = next;
        continue;
      }
      const Quantity q = std::min(quantity - filled, resting->remaining);
      filled += q;
      resting->remaining -= q;
      resting->filled += q;
      level->volume -= q;

      auto& trade = context_.sink.claim<TradeExecuted>();
      init_header(trade, symbol_, now_ns);
      trade.trade_id = TradeId{context_.next_trade_id++};
      const bool buy = order.side == Side::Buy;
      trade.buyer_order_id = buy ? order.id : resting->id;
      trade.seller_order_id = buy ? resting->id : order.id;
      trade.price = price;
      trade.quantity = q;
      trade.buyer_agent = buy ? order.agent : resting->agent;
      trade.seller_agent = buy ? resting->agent : order.agent;
      trade.aggressor_side = order.side;
      std::fill(std::begin(trade.reserved), std::end(trade.reserved), std::uint8_t{0});
      record_trade(price, q);
      if (context_.trades != nullptr) {
        context_.trades->on_trade(symbol_, trade.buyer_agent, trade.seller_agent, price, q);
      }
      if (context_.listener != nullptr) {
        if (is_external(resting->id)) context_.listener->on_fill(*resting, price, q, now_ns);
        if (aggressor_external) {
          context_.listener->on_fill(as_order(order, symbol_, quantity - filled, filled), price, q, now_ns);
        }
      }
      if (resting->remaining == 0) {
        unlink(*resting);
        context_.orders.release(resting);
      }
      resting = next;
    }
  }
  return filled;
}

bool OrderBook::rest(const NewOrder& order, Quantity quantity, Quantity filled) noexcept {
  auto& side = order.side == Side::Buy ? bids_ : asks_;
  const auto it = position_of(side, order.side, order.price);
  Level* level = nullptr;
  if (it != side.end() && (*it)->price == order.price) {
    level = *it;
  } else {
    level = context_.levels.acquire();
    if (level == nullptr) return false;  // submit() checked; kept for safety
    level->price = order.price;
    side.insert(it, level);  // within the reserved capacity: no allocation
  }
  Order* o = context_.orders.acquire();
  if (o == nullptr) return false;
  *o = as_order(order, symbol_, quantity, filled);
  o->level = level;
  o->prev = level->tail;
  if (level->tail != nullptr) {
    level->tail->next = o;
  } else {
    level->head = o;
  }
  level->tail = o;
  level->volume += quantity;
  ++level->count;
  context_.index.insert(order.id, o);
  ++resting_;
  return true;
}

void OrderBook::unlink(Order& order) noexcept {
  Level* level = order.level;
  if (order.prev != nullptr) {
    order.prev->next = order.next;
  } else {
    level->head = order.next;
  }
  if (order.next != nullptr) {
    order.next->prev = order.prev;
  } else {
    level->tail = order.prev;
  }
  level->volume -= order.remaining;
  --level->count;
  if (level->count == 0) {
    auto& side = order.side == Side::Buy ? bids_ : asks_;
    side.erase(position_of(side, order.side, level->price));
    context_.levels.release(level);
  }
  context_.index.erase(order.id);
  --resting_;
}

bool OrderBook::cancel(OrderId id, CancelReason reason, std::int64_t now_ns) noexcept {
  Order* order = context_.index.find(id);
  if (order == nullptr || order->symbol != symbol_) return false;
  const Quantity cancelled = order->remaining;
  publish_cancelled(*order, cancelled, reason, now_ns);
  if (context_.listener != nullptr && is_external(id)) {
    order->remaining = 0;  // the report's leaves quantity
    context_.listener->on_cancel(*order, cancelled, reason, now_ns);
    order->remaining = cancelled;
  }
  unlink(*order);
  context_.orders.release(order);
  publish_quote_if_changed(now_ns);
  return true;
}

bool OrderBook::reduce(OrderId id, Quantity by, std::int64_t now_ns) noexcept {
  Order* order = context_.index.find(id);
  if (order == nullptr || order->symbol != symbol_) return false;
  if (by >= order->remaining) return cancel(id, CancelReason::AgentCancelled, now_ns);
  order->remaining -= by;
  order->level->volume -= by;

  auto& action = context_.sink.claim<AgentAction>(agent_action_frame_length(4));
  init_header(action, symbol_, now_ns, agent_action_frame_length(4));
  action.agent = order->agent;
  action.action = AgentActionKind::ReduceOrder;
  action.detail_count = 4;
  action.reserved[0] = action.reserved[1] = 0;
  const std::pair<DetailKey, std::int64_t> details[4] = {
      {DetailKey::OrderId, static_cast<std::int64_t>(raw(id))},
      {DetailKey::Side, static_cast<std::int64_t>(order->side)},
      {DetailKey::Price, order->price},
      {DetailKey::OrderQuantity, static_cast<std::int64_t>(by)}};
  for (int i = 0; i < 4; ++i) {
    action.details[i] = AgentDetail{details[i].first, {}, details[i].second};
  }
  if (context_.listener != nullptr && is_external(id)) {
    context_.listener->on_cancel(*order, by, CancelReason::AgentCancelled, now_ns);
  }
  publish_quote_if_changed(now_ns);
  return true;
}

std::uint64_t OrderBook::cancel_all(CancelReason reason, std::int64_t now_ns) noexcept {
  std::uint64_t cancelled = 0;
  for (Levels* side : {&bids_, &asks_}) {
    while (!side->empty()) {
      Order* order = side->back()->head;
      const Quantity remaining = order->remaining;
      publish_cancelled(*order, remaining, reason, now_ns);
      if (context_.listener != nullptr && is_external(order->id)) {
        order->remaining = 0;
        context_.listener->on_cancel(*order, remaining, reason, now_ns);
        order->remaining = remaining;
      }
      unlink(*order);
      context_.orders.release(order);
      ++cancelled;
    }
  }
  publish_quote_if_changed(now_ns);
  return cancelled;
}

void OrderBook::record_trade(Ticks price, Quantity quantity) noexcept {
  if (stats_.trade_count == 0) stats_.open = stats_.high = stats_.low = price;
  stats_.high = std::max(stats_.high, price);
  stats_.low = std::min(stats_.low, price);
  stats_.last = price;
  stats_.volume += quantity;
  stats_.notional_ticks += price * static_cast<std::int64_t>(quantity);
  ++stats_.trade_count;
}

void OrderBook::publish_placed(const NewOrder& order, std::int64_t now_ns) noexcept {
  auto& placed = context_.sink.claim<OrderPlaced>();
  init_header(placed, symbol_, now_ns);
  placed.order_id = order.id;
  placed.price = order.type == OrderType::Market ? 0 : order.price;
  placed.quantity = order.quantity;
  placed.agent = order.agent;
  placed.side = order.side;
  placed.order_type = order.type;
  placed.time_in_force = order.time_in_force;
  std::fill(std::begin(placed.reserved), std::end(placed.reserved), std::uint8_t{0});
}

void OrderBook::publish_cancelled(const Order& order, Quantity cancelled, CancelReason reason,
                                  std::int64_t now_ns) noexcept {
  auto& event = context_.sink.claim<OrderCancelled>();
  init_header(event, symbol_, now_ns);
  event.order_id = order.id;
  event.price = order.price;
  event.remaining_quantity = cancelled;
  event.agent = order.agent;
  event.side = order.side;
  event.reason = reason;
  std::fill(std::begin(event.reserved), std::end(event.reserved), std::uint8_t{0});
}

void OrderBook::publish_cancelled(const NewOrder& order, Quantity cancelled, CancelReason reason,
                                  std::int64_t now_ns) noexcept {
  publish_cancelled(as_order(order, symbol_, cancelled, 0), cancelled, reason, now_ns);
}

// The part of a new order that neither traded nor rests (IOC, FOK, market):
// published, and reported to its order-entry client, on every path that drops it.
void OrderBook::cancel_unfilled(const NewOrder& order, Quantity cancelled, Quantity filled, CancelReason reason,
                                std::int64_t now_ns) noexcept {
  publish_cancelled(order, cancelled, reason, now_ns);
  if (context_.listener != nullptr && is_external(order.id)) {
    context_.listener->on_cancel(as_order(order, symbol_, 0, filled), cancelled, reason, now_ns);
  }
}

void OrderBook::publish_quote_if_changed(std::int64_t now_ns) noexcept {
  const Quote q = quote();
  if (q == last_quote_) return;
  last_quote_ = q;
  auto& event = context_.sink.claim<QuoteUpdate>();
  init_header(event, symbol_, now_ns);
  event.bid_price = q.bid_price;
  event.ask_price = q.ask_price;
  event.bid_size = q.bid_size;
  event.ask_size = q.ask_size;
}

void OrderBook::publish_snapshot(std::uint32_t depth, std::int64_t now_ns) noexcept {
  const std::size_t d = std::min<std::size_t>(depth, kMaxBookDepth);
  const std::size_t bids = std::min(d, bids_.size());
  const std::size_t asks = std::min(d, asks_.size());
  const std::uint32_t length = snapshot_frame_length(bids, asks);
  auto& snap = context_.sink.claim<OrderBookSnapshot>(length);
  init_header(snap, symbol_, now_ns, length);
  snap.sequence_number = ++snapshot_sequence_;
  snap.bid_count = static_cast<std::uint16_t>(bids);
  snap.ask_count = static_cast<std::uint16_t>(asks);
  snap.reserved = 0;
  for (std::size_t i = 0; i < bids; ++i) {
    const Level& l = *bids_[bids_.size() - 1 - i];
    snap.levels[i] = PriceLevel{l.price, l.volume};
  }
  for (std::size_t i = 0; i < asks; ++i) {
    const Level& l = *asks_[asks_.size() - 1 - i];
    snap.levels[bids + i] = PriceLevel{l.price, l.volume};
  }
}

void OrderBook::publish_stats(std::int64_t now_ns) noexcept {
  auto& event = context_.sink.claim<MarketStats>();
  init_header(event, symbol_, now_ns);
  event.open = stats_.open;
  event.high = stats_.high;
  event.low = stats_.low;
  event.last = stats_.last;
  event.volume = stats_.volume;
  event.notional_ticks = stats_.notional_ticks;
  event.trade_count = stats_.trade_count;
  event.reserved = 0;
}

}  // namespace ringside::engine
