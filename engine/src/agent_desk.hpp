// What every agent type shares: access to the exchange for one tick (Desk), the
// AgentAction details, order sizes, the agents' own resting orders and inventories.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "agent_market.hpp"
#include "agent_random.hpp"
#include "ringside/core/config.hpp"
#include "ringside/core/events.hpp"
#include "ringside/engine/exchange.hpp"

namespace ringside::engine::sim {

// --- who: ids, sizes, prices, timing -----------------------------------------

// What each agent is.
struct Identity {
  AgentId id{};
  std::uint32_t row = 0;  // in Inventories
};

inline SymbolId random_symbol(Rng& rng, std::size_t symbols) noexcept {
  return SymbolId{static_cast<std::uint16_t>(rng.below(symbols))};
}

struct SizeRange {
  Quantity lo;
  Quantity hi;
  Quantity lot;  // sizes are multiples of this (round lots)
};

// Log-uniform in the range, in round lots: small orders are the common ones.
inline Quantity draw_size(Rng& rng, const SizeRange& range) noexcept {
  const double shares = rng.log_uniform(static_cast<double>(range.lo), static_cast<double>(range.hi));
  const auto lots = static_cast<Quantity>(std::llround(shares / static_cast<double>(range.lot)));
  return std::clamp(lots * range.lot, range.lo, range.hi);
}

inline Quantity round_to_lot(std::int64_t shares, const SizeRange& range) noexcept {
  const std::int64_t lots = (shares + range.lot / 2) / range.lot;
  return static_cast<Quantity>(std::clamp<std::int64_t>(lots * range.lot, range.lo, range.hi));
}

inline Ticks floor_ticks(double price) noexcept { return std::max<Ticks>(1, static_cast<Ticks>(std::floor(price))); }
inline Ticks ceil_ticks(double price) noexcept { return std::max<Ticks>(1, static_cast<Ticks>(std::ceil(price))); }
inline double bps(double price, double basis_points) noexcept { return price * basis_points * 1e-4; }

// How often an agent acts this tick: `expected` on average, at most `cap`.
inline int arrivals(Rng& rng, double expected, int cap) noexcept {
  if (!(expected > 0.0)) return 0;
  const double whole = std::floor(expected);
  int n = whole >= static_cast<double>(cap) ? cap : static_cast<int>(whole);
  if (n < cap && rng.chance(expected - whole)) ++n;
  return n;
}

// --- who holds what ------------------------------------------------------------

// Signed shares per agent and symbol, kept from the trades. Each of our agents
// has a row; agent ids number from 1 within their type.
class Inventories {
 public:
  Inventories(const AgentCounts& counts, std::size_t symbols) : symbols_(symbols) {
    const std::uint32_t per_type[] = {counts.retail_traders, counts.institutional_investors, counts.market_makers,
                                      counts.hft_traders,    counts.noise_traders,           counts.informed_traders};
    std::uint32_t offset = 0;
    for (std::size_t t = 0; t < std::size(per_type); ++t) {
      first_row_[t] = offset;
      count_[t] = per_type[t];
      offset += per_type[t];
    }
    shares_.assign(std::size_t{offset} * symbols, 0);
  }

  static constexpr std::size_t kTypes = 6;

  // -1 for agents that are not ours (external clients).
  std::int64_t row_of(AgentId agent) const noexcept {
    const auto type = static_cast<std::size_t>(agent_type_of(agent));
    const std::uint32_t index = agent_index_of(agent);
    if (type >= kTypes || index == 0 || index > count_[type]) return -1;
    return std::int64_t{first_row_[type]} + index - 1;
  }
  std::uint32_t row(AgentType type, std::uint32_t index) const noexcept {
    return first_row_[static_cast<std::size_t>(type)] + index - 1;
  }
  std::int64_t& at(std::uint32_t row, SymbolId symbol) noexcept {
    return shares_[std::size_t{row} * symbols_ + raw(symbol)];
  }
  std::int64_t at(std::uint32_t row, SymbolId symbol) const noexcept {
    return shares_[std::size_t{row} * symbols_ + raw(symbol)];
  }

 private:
  std::size_t symbols_;
  std::array<std::uint32_t, kTypes> first_row_{};
  std::array<std::uint32_t, kTypes> count_{};
  std::vector<std::int64_t> shares_;
};

// --- AgentAction details ---------------------------------------------------------

template <class T>
concept Enumeration = std::is_enum_v<T>;

class Details {
 public:
  Details& add(DetailKey key, std::int64_t value) noexcept {
    if (count_ < kMaxAgentDetails) items_[count_++] = AgentDetail{key, {}, value};
    return *this;
  }
  template <Enumeration Enum>
  Details& add(DetailKey key, Enum value) noexcept {
    return add(key, static_cast<std::int64_t>(value));
  }
  std::size_t size() const noexcept { return count_; }
  const AgentDetail* data() const noexcept { return items_.data(); }

 private:
  std::array<AgentDetail, kMaxAgentDetails> items_{};
  std::size_t count_ = 0;
};

// An order an agent wants to place.
struct Ticket {
  SymbolId symbol{};
  Side side = Side::Buy;
  OrderType type = OrderType::Limit;
  Ticks price = 0;  // limit orders
  Quantity quantity = 0;
};

// The details every PlaceOrder action carries. Institutional orders leave the
// price out (it is in the OrderPlaced of the same batch) to make room for the slicing.
inline Details order_details(Strategy strategy, const Ticket& t, OrderId id, bool with_price = true) noexcept {
  Details d;
  d.add(DetailKey::Strategy, strategy)
      .add(DetailKey::Side, t.side)
      .add(DetailKey::OrderQuantity, std::int64_t{t.quantity})
      .add(DetailKey::OrderType, t.type);
  if (with_price && t.type == OrderType::Limit) d.add(DetailKey::Price, t.price);
  d.add(DetailKey::OrderId, id);
  return d;
}

// --- the agents' access to the exchange, for one tick ------------------------------

// Requests go through here so that every decision is published the same way: the
// order or cancel, then its AgentAction, ending one request (Exchange::request_done:
// they always reach readers in the same commit).
class Desk {
 public:
  Desk(Exchange& exchange, const Market& market, const Inventories& inventories, std::int64_t now_ns,
       double agent_clock, double ticks_per_second) noexcept
      : exchange_(exchange),
        market_(market),
        inventories_(inventories),
        now_ns_(now_ns),
        clock_(agent_clock),
        ticks_per_second_(ticks_per_second) {}

  const OrderBook& book(SymbolId s) const noexcept { return exchange_.book(s); }
  const SymbolView& view(SymbolId s) const noexcept { return market_.view(s); }
  bool halted(SymbolId s) const noexcept { return exchange_.halted(s); }
  std::int64_t inventory(std::uint32_t row, SymbolId s) const noexcept { return inventories_.at(row, s); }
  const Order* find(OrderId id) const noexcept { return exchange_.find_order(id); }
  // The agents' clock, in ticks at activity 1; `seconds` from now on that clock.
  double clock() const noexcept { return clock_; }
  double after(double seconds) const noexcept { return clock_ + seconds * ticks_per_second_; }

  // The book's mid, or the market reference while a side is empty.
  double mid(SymbolId s) const noexcept {
    const OrderBook& b = book(s);
    const Ticks bid = b.best_bid();
    const Ticks ask = b.best_ask();
    if (bid > 0 && ask > 0) return 0.5 * static_cast<double>(bid + ask);
    return view(s).reference;
  }

  struct Placed {
    OrderId id{};
    bool accepted = false;
    bool resting = false;
  };

  // Submits the order and, if the exchange takes it, publishes the PlaceOrder
  // action that `describe(id)` returns, after the order's own events (so a
  // rejected order leaves no action behind), and ends the request.
  template <class Describe>
  Placed place(AgentId agent, const Ticket& t, Describe&& describe) noexcept {
    Placed placed;
    placed.id = exchange_.next_order_id();
    const bool market = t.type == OrderType::Market;
    const NewOrder order{
        placed.id, agent, t.side, t.type, market ? TimeInForce::IOC : TimeInForce::GTC, market ? Ticks{0} : t.price,
        t.quantity};
    const SubmitResult result = exchange_.submit(t.symbol, order, now_ns_);
    if (result.reject != RejectReason::None) return placed;  // halted or pool full: nothing was published
    placed.accepted = true;
    placed.resting = result.resting > 0;
    publish(agent, t.symbol, AgentActionKind::PlaceOrder, describe(placed.id));
    exchange_.request_done();
    return placed;
  }

  // Cancels a resting order; false when it is gone already (filled, or cancelled
  // by a circuit breaker). A CancelOrder action follows unless `announce` is false
  // (a market maker's re-quote is announced once, as AdjustQuote).
  bool cancel(AgentId agent, OrderId id, SymbolId symbol, Strategy strategy, bool announce = true) noexcept {
    const Order* order = exchange_.find_order(id);
    if (order == nullptr) return false;
    const Side side = order->side;
    const Ticks price = order->price;
    const Quantity remaining = order->remaining;
    if (exchange_.cancel(symbol, id, now_ns_) != RejectReason::None) return false;
    if (announce) {
      Details d;
      d.add(DetailKey::Strategy, strategy)
          .add(DetailKey::OrderId, id)
          .add(DetailKey::Side, side)
          .add(DetailKey::Price, price)
          .add(DetailKey::OrderQuantity, std::int64_t{remaining});
      publish(agent, symbol, AgentActionKind::CancelOrder, d);
    }
    exchange_.request_done();
    return true;
  }

  void publish(AgentId agent, SymbolId symbol, AgentActionKind kind, const Details& details) noexcept {
    const std::uint32_t length = agent_action_frame_length(details.size());
    auto& action = exchange_.sink().claim<AgentAction>(length);
    init_header(action, symbol, now_ns_, length);
    action.agent = agent;
    action.action = kind;
    action.detail_count = static_cast<std::uint8_t>(details.size());
    action.reserved[0] = action.reserved[1] = 0;
    // Only `length` bytes were claimed: copy exactly the details present.
    std::copy_n(details.data(), details.size(), action.details);
  }
  void request_done() noexcept { exchange_.request_done(); }

 private:
  Exchange& exchange_;
  const Market& market_;
  const Inventories& inventories_;
  std::int64_t now_ns_;
  double clock_;
  double ticks_per_second_;
};

// --- the agents' own resting orders ----------------------------------------------

struct OpenOrder {
  OrderId id{};
  SymbolId symbol{};
  Strategy strategy = Strategy::Random;  // the one that placed it, named again when it is cancelled
  double expires = 0.0;                  // agent clock
};

// An agent's own resting orders, oldest first: at most N, so the books hold a
// bounded number of simulated orders whatever the activity.
template <std::size_t N>
class OpenOrders {
 public:
  bool full() const noexcept { return size_ == N; }
  std::size_t size() const noexcept { return size_; }

  void add(OrderId id, SymbolId symbol, Strategy strategy, double expires) noexcept {
    if (size_ < N) orders_[size_++] = OpenOrder{id, symbol, strategy, expires};
  }

  // Cancels the orders whose time is up and forgets them.
  void expire(AgentId agent, Desk& desk) noexcept {
    for (std::size_t i = 0; i < size_;) {
      if (orders_[i].expires <= desk.clock()) {
        desk.cancel(agent, orders_[i].id, orders_[i].symbol, orders_[i].strategy);
        remove(i);
      } else {
        ++i;
      }
    }
  }

  // Room for one more: forget the orders that are gone, else cancel the oldest.
  void make_room(AgentId agent, Desk& desk) noexcept {
    if (!full()) return;
    for (std::size_t i = 0; i < size_;) {
      if (desk.find(orders_[i].id) == nullptr) {
        remove(i);
      } else {
        ++i;
      }
    }
    if (!full()) return;
    desk.cancel(agent, orders_[0].id, orders_[0].symbol, orders_[0].strategy);
    remove(0);
  }

 private:
  void remove(std::size_t i) noexcept {
    std::copy(orders_.begin() + static_cast<std::ptrdiff_t>(i) + 1,
              orders_.begin() + static_cast<std::ptrdiff_t>(size_), orders_.begin() + static_cast<std::ptrdiff_t>(i));
    --size_;
  }

  std::array<OpenOrder, N> orders_{};
  std::size_t size_ = 0;
};

}  // namespace ringside::engine::sim
