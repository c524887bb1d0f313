#include "ringside/gateway/book_builder.hpp"

#include <algorithm>

#include "ringside/gateway/batch.hpp"

namespace ringside::gateway {
namespace {

Side opposite(Side s) noexcept { return s == Side::Buy ? Side::Sell : Side::Buy; }

bool better_or_equal(Side side, Ticks a, Ticks b) noexcept { return side == Side::Buy ? a >= b : a <= b; }

}  // namespace

void BookBuilder::reset(std::size_t symbol_count, bool exact) {
  symbols_.clear();
  symbols_.resize(symbol_count);
  for (SymbolState& s : symbols_) {
    s.exact = exact;
    s.stale = !exact;
  }
  learned_depth_ = 0;
}

std::uint8_t BookBuilder::flags(SymbolId symbol) const noexcept {
  const SymbolState& s = symbols_[raw(symbol)];
  return static_cast<std::uint8_t>((s.exact ? BookFlags::kExact : 0) | (s.stale ? BookFlags::kStale : 0));
}

void BookBuilder::before(const FrameHeader& frame, std::uint64_t ring_seq, BookOutput& out) {
  SymbolState& s = symbols_[raw(frame.symbol)];
  if (!s.pending.active) return;
  if (frame.type == EventType::TradeExecuted || frame.type == EventType::OrderCancelled) return;
  Changes changes;
  flush_pending(s, changes);
  publish(s, frame.symbol, ring_seq, changes, out);
}

void BookBuilder::apply(const FrameHeader& frame, std::uint64_t ring_seq, BookOutput& out) {
  SymbolState& s = symbols_[raw(frame.symbol)];
  Changes changes;
  switch (frame.type) {
    case EventType::OrderPlaced: {
      const auto& e = reinterpret_cast<const OrderPlaced&>(frame);
      s.pending = Pending{true, e.order_type == OrderType::Limit && e.time_in_force == TimeInForce::GTC,
                          e.order_id, e.side, e.price, static_cast<Volume>(e.quantity)};
      break;
    }
    case EventType::TradeExecuted: {
      const auto& e = reinterpret_cast<const TradeExecuted&>(frame);
      take(s, opposite(e.aggressor_side), e.price, e.quantity, changes);
      const OrderId aggressor = e.aggressor_side == Side::Buy ? e.buyer_order_id : e.seller_order_id;
      if (s.pending.active && s.pending.id == aggressor) {
        s.pending.remaining = std::max<Volume>(0, s.pending.remaining - e.quantity);
      }
      break;
    }
    case EventType::OrderCancelled: {
      const auto& e = reinterpret_cast<const OrderCancelled&>(frame);
      if (s.pending.active && s.pending.id == e.order_id) {
        // The unfilled rest of an order that never rested (IOC, FOK, market),
        // or a halt cancelling what had just traded: either way it is not on the book.
        s.pending.remaining = std::max<Volume>(0, s.pending.remaining - e.remaining_quantity);
      } else {
        take(s, e.side, e.price, e.remaining_quantity, changes);
      }
      break;
    }
    case EventType::AgentAction: {
      const auto& e = reinterpret_cast<const AgentAction&>(frame);
      if (e.action != AgentActionKind::ReduceOrder) break;
      Side side = Side::Buy;
      Ticks price = 0;
      Volume shares = 0;
      int found = 0;
      for (std::size_t i = 0; i < e.detail_count; ++i) {
        const AgentDetail& d = e.details[i];
        if (d.key == DetailKey::Side) {
          side = static_cast<Side>(d.value);
          found |= 1;
        } else if (d.key == DetailKey::Price) {
          price = d.value;
          found |= 2;
        } else if (d.key == DetailKey::OrderQuantity) {
          shares = d.value;
          found |= 4;
        }
      }
      if (found == 7) take(s, side, price, shares, changes);
      break;
    }
    case EventType::OrderBookSnapshot:
      check_snapshot(s, frame.symbol, reinterpret_cast<const OrderBookSnapshot&>(frame), ring_seq, out);
      break;
    default:
      break;
  }
  publish(s, frame.symbol, ring_seq, changes, out);
}

void BookBuilder::take(SymbolState& s, Side side, Ticks price, Volume quantity, Changes& changes) {
  const Volume before = s.book.quantity_at(side, price);
  if (before < quantity && !s.stale) {
    // An exact book never loses more than a level holds: the model and the
    // engine disagree. Resync at the next snapshot rather than guess.
    ++mismatches_;
    s.stale = true;
    s.exact = false;
  }
  if (before == 0) return;
  const Volume after = std::max<Volume>(0, before - quantity);
  s.book.set(side, price, after);
  changes.add(LevelChange{side, price, after});
}

void BookBuilder::flush_pending(SymbolState& s, Changes& changes) {
  Pending& p = s.pending;
  if (p.active && p.may_rest && p.remaining > 0) {
    const Volume total = s.book.quantity_at(p.side, p.price) + p.remaining;
    s.book.set(p.side, p.price, total);
    changes.add(LevelChange{p.side, p.price, total});
  }
  p = Pending{};
}

void BookBuilder::publish(SymbolState& s, SymbolId symbol, std::uint64_t ring_seq, const Changes& changes,
                          BookOutput& out) {
  if (changes.count == 0) return;
  ++s.seq;
  out.book_update(symbol, s.seq, ring_seq, std::span<const LevelChange>(changes.items, changes.count));
}

bool BookBuilder::side_matches(const SymbolState& s, Side side, const PriceLevel* levels,
                               std::size_t count) const noexcept {
  const auto ours = s.book.side(side);
  if (ours.size() < count) return false;
  // A side shorter than the snapshot depth is the whole side: nothing may follow.
  if (count < learned_depth_ && ours.size() != count) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (ours[i].price != levels[i].price || ours[i].quantity != levels[i].quantity) return false;
  }
  return true;
}

void BookBuilder::check_snapshot(SymbolState& s, SymbolId symbol, const OrderBookSnapshot& snap,
                                 std::uint64_t ring_seq, BookOutput& out) {
  learned_depth_ = std::max<std::size_t>({learned_depth_, snap.bid_count, snap.ask_count});
  const bool matches = side_matches(s, Side::Buy, snap.bids(), snap.bid_count) &&
                       side_matches(s, Side::Sell, snap.asks(), snap.ask_count);
  if (matches && !s.stale) return;
  if (!matches && !s.stale) ++mismatches_;
  ++resyncs_;
  // Replace what the snapshot covers. A side the snapshot shows in full (fewer
  // levels than the depth) is replaced whole; otherwise levels beyond the
  // snapshot's last price are kept, the best knowledge there is of them.
  for (const Side side : {Side::Buy, Side::Sell}) {
    const PriceLevel* levels = side == Side::Buy ? snap.bids() : snap.asks();
    const std::size_t count = side == Side::Buy ? snap.bid_count : snap.ask_count;
    const auto ours = s.book.side(side);
    std::vector<Ticks> remove;
    for (const PriceLevel& level : ours) {
      if (count < learned_depth_ || count == 0 || better_or_equal(side, level.price, levels[count - 1].price)) {
        remove.push_back(level.price);
      }
    }
    for (const Ticks price : remove) s.book.set(side, price, 0);
    for (std::size_t i = 0; i < count; ++i) s.book.set(side, levels[i].price, levels[i].quantity);
  }
  s.stale = false;
  s.exact = false;
  ++s.seq;
  out.book_snapshot(symbol, s.seq, ring_seq, flags(symbol), s.book);
}

void BookBuilder::announce(std::uint64_t ring_seq, BookOutput& out) {
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    SymbolState& s = symbols_[i];
    ++s.seq;
    const SymbolId symbol{static_cast<std::uint16_t>(i)};
    out.book_snapshot(symbol, s.seq, ring_seq, flags(symbol), s.book);
  }
}

void BookBuilder::on_gap(std::uint64_t ring_seq, BookOutput& out) {
  for (SymbolState& s : symbols_) {
    s.pending = Pending{};
    s.stale = true;
    s.exact = false;
  }
  announce(ring_seq, out);
}

}  // namespace ringside::gateway
