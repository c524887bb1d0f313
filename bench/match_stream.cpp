#include "match_stream.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <list>
#include <map>
#include <unordered_map>

namespace ringside::bench::match {
namespace {

constexpr ProfileSpec kP2{
    .name = "P2",
    .summary = "balanced: one symbol, ~1,000 resting orders; 60 % limit, 7 % IOC, 5 % market, 28 % cancel",
    .symbols = 1,
    .resting_per_symbol = 1'000,
    .default_ops = 3'000'000,
    .offset_mean = 10.0,
    .max_offset = 120,
    .hot_share = 0.0,
    .walk_probability = 0.05,
};
constexpr ProfileSpec kP3{
    .name = "P3",
    .summary = "multi-symbol: 100 symbols, ~100,000 resting orders in all; the P2 mix on a random symbol",
    .symbols = 100,
    .resting_per_symbol = 1'000,
    .default_ops = 1'000'000,
    .offset_mean = 10.0,
    .max_offset = 120,
    .hot_share = 0.0,
    .walk_probability = 0.05,
};
constexpr ProfileSpec kP4{
    .name = "P4",
    .summary = "deep: one symbol, ~20,000 resting orders, 80 % of the passive flow at one hot price per side (thousands there)",
    .symbols = 1,
    .resting_per_symbol = 20'000,
    .default_ops = 2'000'000,
    .offset_mean = 10.0,
    .max_offset = 120,
    .hot_share = 0.8,
    .walk_probability = 0.0,
};

// splitmix64: small, fast, and the same sequence everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool coin() noexcept { return (next() >> 63) != 0; }

 private:
  std::uint64_t state_;
};

// The reference matcher (see the header): plain standard containers, no cleverness.
class Reference {
 public:
  explicit Reference(std::size_t symbols) : books_(symbols) {}

  struct Outcome {
    std::uint64_t filled = 0;
    std::uint64_t resting = 0;
    std::uint64_t cancelled = 0;
  };

  Outcome submit(const Op& op) {
    ++totals.submits;
    ++totals.ops_by_kind[static_cast<int>(op.kind)];
    Book& book = books_[op.symbol];
    Outcome out;
    out.filled = op.side == Side::Buy ? match(book, book.asks, op) : match(book, book.bids, op);
    const std::uint64_t rest = op.quantity - out.filled;
    if (rest > 0) {
      if (op.kind == OpKind::Limit) {
        if (op.side == Side::Buy) {
          rest_order(book, book.bids, op, rest);
        } else {
          rest_order(book, book.asks, op, rest);
        }
        out.resting = rest;
      } else {
        out.cancelled = rest;
        ++totals.cancelled_events;
      }
    }
    totals.checksum = fold_submit(totals.checksum, out.filled, out.resting, out.cancelled);
    return out;
  }

  bool cancel(std::uint64_t id) {
    ++totals.ops_by_kind[static_cast<int>(OpKind::Cancel)];
    const auto found = index_.find(id);
    const bool ok = found != index_.end();
    if (ok) {
      const Place place = found->second;
      Book& book = books_[place.symbol];
      if (place.side == Side::Buy) {
        remove(book, book.bids, place);
      } else {
        remove(book, book.asks, place);
      }
      forget(id);
      ++totals.cancelled_events;
    }
    totals.checksum = fold_cancel(totals.checksum, ok);
    return ok;
  }

  std::size_t resting(std::uint16_t symbol) const noexcept { return books_[symbol].resting; }
  std::size_t resting() const noexcept { return live_.size(); }
  std::uint64_t resting_id(std::size_t i) const noexcept { return live_[i]; }
  std::uint16_t symbol_of(std::uint64_t id) const { return index_.at(id).symbol; }
  Side side_of(std::uint64_t id) const { return index_.at(id).side; }
  Ticks price_of(std::uint64_t id) const { return index_.at(id).price; }

  std::uint64_t levels() const noexcept {
    std::uint64_t n = 0;
    for (const Book& b : books_) n += b.bids.size() + b.asks.size();
    return n;
  }
  std::uint64_t largest_level() const noexcept {
    std::uint64_t n = 0;
    for (const Book& b : books_) {
      for (const auto& [price, queue] : b.bids) n = std::max<std::uint64_t>(n, queue.size());
      for (const auto& [price, queue] : b.asks) n = std::max<std::uint64_t>(n, queue.size());
    }
    return n;
  }

  ReferenceTotals totals;

 private:
  struct Resting {
    std::uint64_t id;
    std::uint32_t agent;
    std::uint64_t remaining;
  };
  using Queue = std::list<Resting>;
  struct Book {
    std::map<Ticks, Queue, std::greater<>> bids;  // best (highest) first
    std::map<Ticks, Queue, std::less<>> asks;     // best (lowest) first
    std::size_t resting = 0;
  };
  struct Place {
    std::uint16_t symbol;
    Side side;
    Ticks price;
    Queue::iterator at;
    std::size_t live_index;
  };

  // Trades `op` against `opposite`, best level first, oldest order first.
  template <class Levels>
  std::uint64_t match(Book& book, Levels& opposite, const Op& op) {
    std::uint64_t filled = 0;
    while (filled < op.quantity && !opposite.empty()) {
      const auto level = opposite.begin();
      const Ticks price = level->first;
      // A limit crosses when the level is at its price or better for it.
      if (op.kind != OpKind::Market && !(price == op.price || opposite.key_comp()(price, Ticks{op.price}))) break;
      Queue& queue = level->second;
      while (filled < op.quantity && !queue.empty()) {
        Resting& resting = queue.front();
        if (resting.agent == op.agent) {
          // Self-trade prevention: the resting order is cancelled.
          ++totals.self_trade_cancels;
          ++totals.cancelled_events;
          const std::uint64_t id = resting.id;
          queue.pop_front();
          --book.resting;
          forget(id);
          continue;
        }
        const std::uint64_t q = std::min<std::uint64_t>(op.quantity - filled, resting.remaining);
        filled += q;
        resting.remaining -= q;
        ++totals.trades;
        totals.volume += q;
        if (resting.remaining == 0) {
          const std::uint64_t id = resting.id;
          queue.pop_front();
          --book.resting;
          forget(id);
        }
      }
      if (queue.empty()) opposite.erase(level);
    }
    return filled;
  }

  template <class Levels>
  void rest_order(Book& book, Levels& side, const Op& op, std::uint64_t quantity) {
    Queue& queue = side[op.price];
    queue.push_back({op.id, op.agent, quantity});
    index_.emplace(op.id, Place{op.symbol, op.side, op.price, std::prev(queue.end()), live_.size()});
    live_.push_back(op.id);
    ++book.resting;
  }

  template <class Levels>
  void remove(Book& book, Levels& side, const Place& place) {
    const auto level = side.find(place.price);
    level->second.erase(place.at);
    if (level->second.empty()) side.erase(level);
    --book.resting;
  }

  // Drops a resting order from the index and the list of resting ids.
  void forget(std::uint64_t id) {
    const auto found = index_.find(id);
    const std::size_t i = found->second.live_index;
    const std::uint64_t last = live_.back();
    live_[i] = last;
    index_.at(last).live_index = i;
    live_.pop_back();
    index_.erase(id);
  }

  std::vector<Book> books_;
  std::unordered_map<std::uint64_t, Place> index_;
  std::vector<std::uint64_t> live_;
};

struct Generator {
  const ProfileSpec& spec;
  Rng rng;
  Reference reference;
  std::vector<Ticks> fair;
  std::uint64_t next_id = 1;

  Generator(const ProfileSpec& s, std::uint64_t seed)
      : spec(s), rng(seed), reference(s.symbols), fair(s.symbols, kInitialPrice) {}

  std::uint32_t agent() noexcept { return raw(make_agent_id(AgentType::HFT, static_cast<std::uint32_t>(rng.below(spec.agents)))); }
  // Resting orders: 10..200 shares; aggressors: 10..400 (about two resting orders).
  std::uint32_t passive_quantity() noexcept { return static_cast<std::uint32_t>(10 * (1 + rng.below(20))); }
  std::uint32_t aggressive_quantity() noexcept { return static_cast<std::uint32_t>(10 * (1 + rng.below(40))); }

  // Ticks away from the fair price, >= 1: passive, never crossing the fair price.
  std::int32_t passive_offset() noexcept {
    if (spec.hot_share > 0 && rng.unit() < spec.hot_share) return 1;
    const double e = -std::log1p(-rng.unit()) * spec.offset_mean;
    return 1 + std::min(spec.max_offset - 1, static_cast<std::int32_t>(e)) + (spec.hot_share > 0 ? 1 : 0);
  }

  void walk(std::uint16_t symbol) noexcept {
    if (spec.walk_probability <= 0 || rng.unit() >= spec.walk_probability) return;
    Ticks& f = fair[symbol];
    const Ticks step = rng.coin() ? 1 : -1;
    f += (f + step > kInitialPrice + spec.walk_band || f + step < kInitialPrice - spec.walk_band) ? -step : step;
  }

  Op passive(std::uint16_t symbol, Side side) noexcept {
    Op op;
    op.id = next_id++;
    op.symbol = symbol;
    op.side = side;
    op.kind = OpKind::Limit;
    op.agent = agent();
    op.quantity = passive_quantity();
    const std::int32_t off = passive_offset();
    op.price = static_cast<std::int32_t>(side == Side::Buy ? fair[symbol] - off : fair[symbol] + off);
    return op;
  }

  Op measured() {
    const double r = rng.unit();
    if (r >= spec.limit + spec.ioc + spec.market && reference.resting() > 0) {
      Op op;
      op.kind = OpKind::Cancel;
      op.id = reference.resting_id(rng.below(reference.resting()));
      op.symbol = reference.symbol_of(op.id);
      op.side = reference.side_of(op.id);
      op.price = static_cast<std::int32_t>(reference.price_of(op.id));
      return op;
    }
    const auto symbol = static_cast<std::uint16_t>(rng.below(spec.symbols));
    const Side side = rng.coin() ? Side::Buy : Side::Sell;
    walk(symbol);
    const Ticks f = fair[symbol];
    if (r < spec.limit) {
      // Marketable more often when the book is above its target size, less when below.
      const double target = static_cast<double>(spec.resting_per_symbol);
      const double deviation = (static_cast<double>(reference.resting(symbol)) - target) / target;
      const double marketable = std::clamp(0.05 + deviation, 0.0, 0.5);
      if (rng.unit() >= marketable) return passive(symbol, side);
      Op op;
      op.id = next_id++;
      op.symbol = symbol;
      op.side = side;
      op.kind = OpKind::Limit;
      op.agent = agent();
      op.quantity = aggressive_quantity();
      const auto k = static_cast<Ticks>(rng.below(4));  // 0: inside the spread; 1..3: crosses
      op.price = static_cast<std::int32_t>(side == Side::Buy ? f + k : f - k);
      return op;
    }
    Op op;
    op.id = next_id++;
    op.symbol = symbol;
    op.side = side;
    op.agent = agent();
    op.quantity = aggressive_quantity();
    if (r < spec.limit + spec.ioc) {
      op.kind = OpKind::Ioc;
      const auto k = static_cast<Ticks>(1 + rng.below(3));
      op.price = static_cast<std::int32_t>(side == Side::Buy ? f + k : f - k);
    } else {
      op.kind = OpKind::Market;  // (also when a cancel found nothing resting)
      op.price = 0;
    }
    return op;
  }

  void apply(const Op& op) {
    if (op.kind == OpKind::Cancel) {
      reference.cancel(op.id);
    } else {
      reference.submit(op);
    }
  }
};

}  // namespace

const ProfileSpec& spec_of(Profile profile) noexcept {
  switch (profile) {
    case Profile::P2:
      return kP2;
    case Profile::P3:
      return kP3;
    case Profile::P4:
      return kP4;
  }
  return kP2;
}

bool parse_profile(std::string_view text, Profile& out) noexcept {
  for (const Profile p : {Profile::P2, Profile::P3, Profile::P4}) {
    const std::string_view name = spec_of(p).name;
    if (text.size() == name.size() &&
        std::equal(text.begin(), text.end(), name.begin(), [](char a, char b) { return (a | 0x20) == (b | 0x20); })) {
      out = p;
      return true;
    }
  }
  return false;
}

Stream generate(Profile profile, std::uint64_t measured_ops, std::uint64_t seed) {
  const ProfileSpec& spec = spec_of(profile);
  Generator g(spec, seed);
  Stream s;
  s.profile = profile;
  const std::size_t preload = spec.symbols * spec.resting_per_symbol;
  s.ops.reserve(preload + measured_ops);
  // The preload: symbols interleaved, sides alternating, nothing crosses.
  for (std::size_t i = 0; i < preload; ++i) {
    const auto symbol = static_cast<std::uint16_t>(i % spec.symbols);
    const Side side = (i / spec.symbols) % 2 == 0 ? Side::Buy : Side::Sell;
    s.ops.push_back(g.passive(symbol, side));
    g.apply(s.ops.back());
  }
  s.preload = preload;
  s.preload_reference = g.reference.totals;
  s.resting_min = ~std::uint64_t{0};
  double resting_sum = 0;
  for (std::uint64_t i = 0; i < measured_ops; ++i) {
    s.ops.push_back(g.measured());
    g.apply(s.ops.back());
    const std::uint64_t resting = g.reference.resting();
    s.resting_min = std::min(s.resting_min, resting);
    s.resting_max = std::max(s.resting_max, resting);
    resting_sum += static_cast<double>(resting);
  }
  if (measured_ops == 0) s.resting_min = 0;
  s.resting_mean = measured_ops > 0 ? resting_sum / static_cast<double>(measured_ops) : 0;
  s.reference = g.reference.totals;
  s.reference.resting = g.reference.resting();
  s.preload_reference.resting = preload;
  s.levels_end = g.reference.levels();
  s.largest_level_end = g.reference.largest_level();
  return s;
}

}  // namespace ringside::bench::match
