// The L2 book builder: hand-made event sequences for each rule, and the real
// engine (agents, matching, breakers) run in process, with every update applied
// to a client-side book that must equal each OrderBookSnapshot the engine makes.
#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <map>
#include <vector>

#include "ringside/core/embedded_config.hpp"
#include "ringside/engine/event_sink.hpp"
#include "ringside/engine/exchange.hpp"
#include "ringside/engine/simulation.hpp"
#include "ringside/gateway/batch.hpp"
#include "ringside/gateway/book_builder.hpp"

namespace ringside {
// For comparisons and messages in this test only.
inline bool operator==(const PriceLevel& a, const PriceLevel& b) { return a.price == b.price && a.quantity == b.quantity; }
inline void PrintTo(const PriceLevel& l, std::ostream* os) { *os << l.quantity << "@" << l.price; }
}  // namespace ringside

namespace ringside::gateway {
namespace {

constexpr SymbolId kSym{0};

// What a client does with the builder's output: applies it to its own books.
class ClientBooks final : public BookOutput {
 public:
  explicit ClientBooks(std::size_t symbols) : books(symbols), seqs(symbols, 0), flags(symbols, 0) {}
  void book_update(SymbolId symbol, std::uint64_t book_seq, std::uint64_t,
                   std::span<const LevelChange> changes) override {
    EXPECT_EQ(book_seq, seqs[raw(symbol)] + 1) << "book sequence must have no gap";
    seqs[raw(symbol)] = book_seq;
    for (const LevelChange& c : changes) books[raw(symbol)].apply(c);
    ++updates;
    last_changes.assign(changes.begin(), changes.end());
  }
  void book_snapshot(SymbolId symbol, std::uint64_t book_seq, std::uint64_t, std::uint8_t f,
                     const L2Book& book) override {
    EXPECT_EQ(book_seq, seqs[raw(symbol)] + 1);
    seqs[raw(symbol)] = book_seq;
    books[raw(symbol)] = book;
    flags[raw(symbol)] = f;
    ++snapshots;
  }
  std::vector<L2Book> books;
  std::vector<std::uint64_t> seqs;
  std::vector<std::uint8_t> flags;
  std::vector<LevelChange> last_changes;
  int updates = 0;
  int snapshots = 0;
};

// Builds frames with increasing sequence numbers and runs them through a builder.
class Feed {
 public:
  explicit Feed(std::size_t symbols = 1, bool exact = true) : out(symbols) { builder.reset(symbols, exact); }

  void send(FrameHeader& h) {
    h.sequence = next_seq++;
    builder.before(h, h.sequence, out);
    builder.apply(h, h.sequence, out);
  }
  void place(std::uint64_t id, Side side, Ticks price, Quantity qty, OrderType type = OrderType::Limit,
             TimeInForce tif = TimeInForce::GTC, SymbolId sym = kSym) {
    OrderPlaced e{};
    init_header(e, sym, 0);
    e.order_id = OrderId{id};
    e.side = side;
    e.price = type == OrderType::Market ? 0 : price;
    e.quantity = qty;
    e.order_type = type;
    e.time_in_force = tif;
    send(e.header);
  }
  void trade(std::uint64_t aggressor, std::uint64_t passive, Side aggressor_side, Ticks price, Quantity qty,
             SymbolId sym = kSym) {
    TradeExecuted e{};
    init_header(e, sym, 0);
    e.buyer_order_id = OrderId{aggressor_side == Side::Buy ? aggressor : passive};
    e.seller_order_id = OrderId{aggressor_side == Side::Buy ? passive : aggressor};
    e.aggressor_side = aggressor_side;
    e.price = price;
    e.quantity = qty;
    send(e.header);
  }
  void cancel(std::uint64_t id, Side side, Ticks price, Quantity remaining, SymbolId sym = kSym) {
    OrderCancelled e{};
    init_header(e, sym, 0);
    e.order_id = OrderId{id};
    e.side = side;
    e.price = price;
    e.remaining_quantity = remaining;
    send(e.header);
  }
  void quote(SymbolId sym = kSym) {
    QuoteUpdate e{};
    init_header(e, sym, 0);
    send(e.header);
  }
  void reduce(std::uint64_t id, Side side, Ticks price, Quantity by) {
    AgentAction e{};
    init_header(e, kSym, 0, agent_action_frame_length(4));
    e.action = AgentActionKind::ReduceOrder;
    e.detail_count = 4;
    e.details[0] = AgentDetail{DetailKey::OrderId, {}, static_cast<std::int64_t>(id)};
    e.details[1] = AgentDetail{DetailKey::Side, {}, static_cast<std::int64_t>(side)};
    e.details[2] = AgentDetail{DetailKey::Price, {}, price};
    e.details[3] = AgentDetail{DetailKey::OrderQuantity, {}, by};
    send(e.header);
  }
  void snapshot(std::vector<PriceLevel> bids, std::vector<PriceLevel> asks, SymbolId sym = kSym) {
    OrderBookSnapshot e{};
    init_header(e, sym, 0, snapshot_frame_length(bids.size(), asks.size()));
    e.bid_count = static_cast<std::uint16_t>(bids.size());
    e.ask_count = static_cast<std::uint16_t>(asks.size());
    std::size_t i = 0;
    for (const auto& l : bids) e.levels[i++] = l;
    for (const auto& l : asks) e.levels[i++] = l;
    send(e.header);
  }
  const L2Book& book() const { return builder.book(kSym); }

  BookBuilder builder;
  ClientBooks out;
  std::uint64_t next_seq = 1;
};

std::vector<PriceLevel> levels(std::span<const PriceLevel> s) { return {s.begin(), s.end()}; }

TEST(L2Book, KeepsLevelsBestFirstAndRemovesEmptyOnes) {
  L2Book b;
  b.set(Side::Buy, 100, 5);
  b.set(Side::Buy, 102, 7);
  b.set(Side::Buy, 101, 1);
  b.set(Side::Sell, 105, 3);
  b.set(Side::Sell, 103, 2);
  EXPECT_EQ(levels(b.bids()), (std::vector<PriceLevel>{{102, 7}, {101, 1}, {100, 5}}));
  EXPECT_EQ(levels(b.asks()), (std::vector<PriceLevel>{{103, 2}, {105, 3}}));
  b.set(Side::Buy, 101, 0);
  b.set(Side::Sell, 999, 0);  // absent: nothing happens
  EXPECT_EQ(levels(b.bids()), (std::vector<PriceLevel>{{102, 7}, {100, 5}}));
  EXPECT_EQ(b.quantity_at(Side::Sell, 105), 3);
  EXPECT_EQ(b.quantity_at(Side::Sell, 104), 0);
}

TEST(BookBuilder, AGtcOrderRestsOnlyAfterItsFillsWithWhatIsLeft) {
  Feed f;
  f.place(1, Side::Sell, 101, 100);
  f.quote();  // ends order 1's matching: it rests
  EXPECT_EQ(levels(f.book().asks()), (std::vector<PriceLevel>{{101, 100}}));
  f.place(2, Side::Buy, 102, 150);
  EXPECT_EQ(f.book().bids().size(), 0u) << "a placed order is pending until its fills are in";
  f.trade(2, 1, Side::Buy, 101, 100);
  EXPECT_TRUE(f.book().asks().empty());
  EXPECT_EQ(f.out.last_changes, (std::vector<LevelChange>{{Side::Sell, 101, 0}}));
  f.quote();
  EXPECT_EQ(levels(f.book().bids()), (std::vector<PriceLevel>{{102, 50}}));
  EXPECT_EQ(levels(f.out.books[0].bids()), levels(f.book().bids())) << "the client holds the same book";
}

TEST(BookBuilder, IocFokAndMarketRemaindersNeverRest) {
  Feed f;
  f.place(1, Side::Sell, 101, 10);
  f.quote();
  f.place(2, Side::Buy, 101, 30, OrderType::Limit, TimeInForce::IOC);
  f.trade(2, 1, Side::Buy, 101, 10);
  f.cancel(2, Side::Buy, 101, 20);  // the IOC's unfilled rest
  f.quote();
  f.place(3, Side::Buy, 105, 30, OrderType::Limit, TimeInForce::FOK);
  f.cancel(3, Side::Buy, 105, 30);
  f.place(4, Side::Sell, 0, 30, OrderType::Market, TimeInForce::IOC);
  f.cancel(4, Side::Sell, 0, 30);
  f.place(5, Side::Buy, 99, 5);  // ends the market order; itself rests at the next event
  f.quote();
  EXPECT_TRUE(f.book().asks().empty());
  EXPECT_EQ(levels(f.book().bids()), (std::vector<PriceLevel>{{99, 5}}));
  EXPECT_EQ(f.builder.mismatches(), 0u);
}

TEST(BookBuilder, SelfTradePreventionCancelsTheRestingOrderMidMatch) {
  Feed f;
  f.place(1, Side::Sell, 101, 10);
  f.quote();
  f.place(2, Side::Sell, 101, 20);
  f.quote();
  f.place(3, Side::Buy, 101, 25);
  f.cancel(1, Side::Sell, 101, 10);  // same agent as order 3: the resting one goes
  f.trade(3, 2, Side::Buy, 101, 20);
  f.quote();
  EXPECT_TRUE(f.book().asks().empty());
  EXPECT_EQ(levels(f.book().bids()), (std::vector<PriceLevel>{{101, 5}}));
}

TEST(BookBuilder, ReduceTakesSharesOffTheLevel) {
  Feed f;
  f.place(1, Side::Buy, 100, 50);
  f.place(2, Side::Buy, 100, 20);
  f.quote();
  f.reduce(1, Side::Buy, 100, 15);
  EXPECT_EQ(levels(f.book().bids()), (std::vector<PriceLevel>{{100, 55}}));
  f.cancel(2, Side::Buy, 100, 20);
  EXPECT_EQ(levels(f.book().bids()), (std::vector<PriceLevel>{{100, 35}}));
}

TEST(BookBuilder, AnExactBookMatchesSnapshotsWithoutResync) {
  Feed f;
  f.place(1, Side::Buy, 100, 50);
  f.place(2, Side::Sell, 103, 20);
  f.snapshot({{100, 50}}, {{103, 20}});
  EXPECT_EQ(f.builder.resyncs(), 0u);
  EXPECT_EQ(f.builder.mismatches(), 0u);
  EXPECT_EQ(f.out.snapshots, 0);
  EXPECT_EQ(f.builder.flags(kSym), BookFlags::kExact);
}

TEST(BookBuilder, AMismatchIsCountedAndResynced) {
  Feed f;
  f.place(1, Side::Buy, 100, 50);
  f.quote();
  f.snapshot({{100, 40}, {99, 5}}, {});
  EXPECT_EQ(f.builder.mismatches(), 1u);
  EXPECT_EQ(f.builder.resyncs(), 1u);
  EXPECT_EQ(levels(f.book().bids()), (std::vector<PriceLevel>{{100, 40}, {99, 5}}));
  EXPECT_EQ(f.out.snapshots, 1);
  EXPECT_EQ(levels(f.out.books[0].bids()), levels(f.book().bids()));
  EXPECT_EQ(f.builder.flags(kSym), 0) << "no longer exact, not stale";
}

TEST(BookBuilder, MidStreamBooksAreStaleUntilTheFirstSnapshot) {
  Feed f(1, false);
  EXPECT_EQ(f.builder.flags(kSym), BookFlags::kStale);
  f.cancel(7, Side::Buy, 100, 10);  // an order from before: unknown, ignored
  f.trade(8, 9, Side::Buy, 101, 10);
  EXPECT_EQ(f.builder.mismatches(), 0u) << "a stale book is not a mismatch";
  f.snapshot({{100, 30}}, {{101, 5}, {102, 7}});
  EXPECT_EQ(f.builder.flags(kSym), 0);
  EXPECT_EQ(f.builder.resyncs(), 1u);
  EXPECT_EQ(levels(f.out.books[0].asks()), (std::vector<PriceLevel>{{101, 5}, {102, 7}}));
}

TEST(BookBuilder, AResyncKeepsLevelsBeyondAFullSnapshotSide) {
  Feed f(1, false);
  // Learn the depth (2) from a first snapshot, then a deeper book.
  f.snapshot({{100, 1}, {99, 1}}, {});
  f.place(1, Side::Buy, 90, 4);
  f.quote();
  f.builder.on_gap(f.next_seq, f.out);  // make it stale again
  f.snapshot({{100, 2}, {98, 3}}, {});  // full side: levels beyond 98 are not covered
  EXPECT_EQ(levels(f.book().bids()), (std::vector<PriceLevel>{{100, 2}, {98, 3}, {90, 4}}));
  f.builder.on_gap(f.next_seq, f.out);
  f.snapshot({{100, 2}}, {});  // a side shorter than the depth is the whole side
  EXPECT_EQ(levels(f.book().bids()), (std::vector<PriceLevel>{{100, 2}}));
}

TEST(BookBuilder, AGapMarksEveryBookStaleAndSendsItsSnapshot) {
  Feed f(2, true);
  f.place(1, Side::Buy, 100, 5);
  f.quote();
  const int before = f.out.snapshots;
  f.builder.on_gap(10, f.out);
  EXPECT_EQ(f.out.snapshots, before + 2);
  EXPECT_EQ(f.out.flags[0], BookFlags::kStale);
  EXPECT_EQ(f.builder.flags(SymbolId{1}), BookFlags::kStale);
}

// The real engine: default config (24 symbols, 258 agents, depth 20), simulated
// time, every frame through the builder, every update applied by a "client".
class EngineCheck final : public BookOutput {
 public:
  explicit EngineCheck(std::size_t symbols) : client(symbols) {}
  void book_update(SymbolId s, std::uint64_t seq, std::uint64_t ring, std::span<const LevelChange> c) override {
    client.book_update(s, seq, ring, c);
  }
  void book_snapshot(SymbolId s, std::uint64_t seq, std::uint64_t ring, std::uint8_t f, const L2Book& b) override {
    client.book_snapshot(s, seq, ring, f, b);
  }
  ClientBooks client;
};

TEST(BookBuilder, FollowsTheRealEngineExactlyAtEverySnapshot) {
  const ExchangeConfig config = embedded_default_config();
  engine::BufferSink sink;
  engine::ExchangeOptions options = engine::options_for(config);
  options.snapshot_interval_ticks = 10;  // many checks in a short run
  engine::Exchange exchange(config.symbols, sink, options);
  engine::SimulationOptions sim_options;
  sim_options.pacing = engine::Pacing::Max;
  sim_options.seed = 42;
  engine::Simulation simulation(config, exchange, sim_options);

  BookBuilder builder;
  builder.reset(config.symbols.size(), true);
  EngineCheck check(config.symbols.size());
  std::size_t snapshots = 0, deep = 0, frames = 0;
  const std::int64_t start = 1'767'623'400'000'000'000;  // 2026-01-05 14:30 UTC
  for (int tick = 0; tick < 12000; ++tick) {  // 20 simulated minutes
    simulation.step(start + tick * 100'000'000LL);
    sink.for_each([&](const FrameHeader& h) {
      ++frames;
      builder.before(h, h.sequence, check);
      builder.apply(h, h.sequence, check);
      if (h.type != EventType::OrderBookSnapshot) return;
      const auto& snap = reinterpret_cast<const OrderBookSnapshot&>(h);
      const L2Book& ours = check.client.books[raw(h.symbol)];
      ASSERT_GE(ours.bids().size(), snap.bid_count);
      ASSERT_GE(ours.asks().size(), snap.ask_count);
      for (std::size_t i = 0; i < snap.bid_count; ++i) {
        ASSERT_EQ(ours.bids()[i], snap.bids()[i]) << "bid level " << i << " at seq " << h.sequence;
      }
      for (std::size_t i = 0; i < snap.ask_count; ++i) {
        ASSERT_EQ(ours.asks()[i], snap.asks()[i]) << "ask level " << i << " at seq " << h.sequence;
      }
      if (snap.bid_count < 20) {
        ASSERT_EQ(ours.bids().size(), snap.bid_count);
      }
      if (snap.ask_count < 20) {
        ASSERT_EQ(ours.asks().size(), snap.ask_count);
      }
      ++snapshots;
      if (snap.bid_count == 20 && snap.ask_count == 20) ++deep;
    });
    sink.clear();
  }
  EXPECT_EQ(builder.mismatches(), 0u);
  EXPECT_EQ(builder.resyncs(), 0u);
  EXPECT_EQ(check.client.snapshots, 0) << "an exact book never needs a snapshot";
  EXPECT_GT(snapshots, 24u * 1000);
  EXPECT_GT(deep, 500u) << "books deeper than the snapshot on both sides: the test covers deep levels";
  EXPECT_GT(frames, 100'000u);
}

}  // namespace
}  // namespace ringside::gateway
