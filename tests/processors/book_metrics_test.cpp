// The book job on crafted snapshots, against values computed by hand: best
// prices, depth and imbalance at 5, 10 and 20 levels, the derived mid, spread and
// spread in basis points as the JSON prints them, one-sided and empty books.
#include "ringside/processors/book_metrics.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/test_symbols.hpp"
#include "processor_test_helpers.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/processors/pipeline.hpp"

namespace ringside::processors::test {
namespace {

// AAPL (0.01 ticks): 25 bid levels 184.99, 184.98, ... of 100, 200, ... shares;
// 3 ask levels 185.01, 185.02, 185.03 of 1000, 2000, 3000.
OrderBookSnapshot crafted(std::uint16_t bids, std::uint16_t asks) {
  OrderBookSnapshot s{};
  s.bid_count = bids;
  s.ask_count = asks;
  init_header(s, SymbolId{0}, kBase + 500'000'000, snapshot_frame_length(bids, asks));
  s.header.sequence = 42;
  s.sequence_number = 7;
  for (std::uint16_t i = 0; i < bids; ++i) s.levels[i] = {18499 - i, 100 * (i + 1)};
  for (std::uint16_t i = 0; i < asks; ++i) s.levels[bids + i] = {18501 + i, 1000 * (i + 1)};
  return s;
}

std::string json_of(const OrderBookMetrics& m) {
  const SymbolTable symbols = ringside::test::test_symbols();
  JsonEncoder encoder(symbols);
  const Encoded e = encoder.encode(m.header);
  EXPECT_TRUE(e) << to_string(e.error);
  return std::string(e.bytes);
}

TEST(BookMetrics, DepthAndImbalanceAtFiveTenAndTwenty) {
  const OrderBookMetrics m = book_metrics_of(crafted(25, 3));
  EXPECT_EQ(m.header.type, EventType::OrderBookMetrics);
  EXPECT_EQ(m.header.length, sizeof(OrderBookMetrics));
  EXPECT_EQ(m.header.event_time_ns, kBase + 500'000'000);
  EXPECT_EQ(m.best_bid, 18499);
  EXPECT_EQ(m.best_ask, 18501);
  EXPECT_EQ(m.bid_depth[0], 100 * (1 + 2 + 3 + 4 + 5));
  EXPECT_EQ(m.bid_depth[1], 100 * 55);
  EXPECT_EQ(m.bid_depth[2], 100 * 210);
  EXPECT_EQ(m.ask_depth[0], 6000);  // fewer levels than 5: all of them
  EXPECT_EQ(m.ask_depth[1], 6000);
  EXPECT_EQ(m.ask_depth[2], 6000);
  EXPECT_EQ(m.snapshot_sequence, 7u);
  EXPECT_EQ(m.bid_levels, 25);
  EXPECT_EQ(m.ask_levels, 3);
  // mid (184.99 + 185.01) / 2 = 185.00; spread 0.02 = 1.081 bps; imbalance
  // (1500 - 6000) / 7500 = -0.6, (5500 - 6000) / 11500 = -0.04348, (21000 - 6000) / 27000 = 0.5556.
  EXPECT_EQ(json_of(m),
            "{\"event_type\":\"OrderBookMetrics\",\"timestamp\":\"2026-01-05T14:30:00.500000Z\",\"seq\":0,\"data\":{"
            "\"symbol\":\"AAPL\",\"timestamp_ms\":1767623400500,\"best_bid\":184.99,\"best_ask\":185.01,"
            "\"mid_price\":185.00,\"spread\":0.02,\"spread_bps\":1.08,\"bid_depth_5\":1500,\"ask_depth_5\":6000,"
            "\"imbalance_5\":-0.6000,\"bid_depth_10\":5500,\"ask_depth_10\":6000,\"imbalance_10\":-0.0435,"
            "\"bid_depth_20\":21000,\"ask_depth_20\":6000,\"imbalance_20\":0.5556,\"sequence_number\":7,"
            "\"bid_levels\":25,\"ask_levels\":3}}");
}

TEST(BookMetrics, OddMidTakesOneMoreDecimal) {
  OrderBookSnapshot s = crafted(1, 1);
  s.levels[1].price = 18502;  // (184.99 + 185.02) / 2 = 185.005; spread 0.03 / 185.005 = 1.6216 bps
  const std::string text = json_of(book_metrics_of(s));
  EXPECT_NE(text.find("\"mid_price\":185.005,\"spread\":0.03,\"spread_bps\":1.62,"), std::string::npos) << text;
}

TEST(BookMetrics, OneSidedAndEmptyBooksHaveNoMidOrSpread) {
  const OrderBookMetrics bids_only = book_metrics_of(crafted(4, 0));
  EXPECT_EQ(bids_only.best_bid, 18499);
  EXPECT_EQ(bids_only.best_ask, 0);
  EXPECT_EQ(bids_only.bid_depth[0], 1000);
  EXPECT_EQ(bids_only.ask_depth[2], 0);
  std::string text = json_of(bids_only);
  EXPECT_NE(text.find("\"best_ask\":0.00,\"mid_price\":0.00,\"spread\":0.00,\"spread_bps\":0.00,\"bid_depth_5\":1000,"
                      "\"ask_depth_5\":0,\"imbalance_5\":1.0000"),
            std::string::npos)
      << text;

  const OrderBookMetrics empty = book_metrics_of(crafted(0, 0));
  EXPECT_EQ(empty.best_bid, 0);
  EXPECT_EQ(empty.bid_depth[2], 0);
  text = json_of(empty);
  EXPECT_NE(text.find("\"imbalance_20\":0.0000"), std::string::npos) << text;
}

TEST(BookMetrics, TheJobEmitsOneRecordPerSnapshot) {
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(std::make_unique<BookMetricsJob>());
  const auto* job = static_cast<const BookMetricsJob*>(jobs.back().get());
  Pipeline pipeline(std::move(jobs), 5 * kSecond);
  const SymbolTable symbols = ringside::test::test_symbols();
  pipeline.bind(symbols);
  VectorSink sink;
  const OrderBookSnapshot full = crafted(25, 3);
  const OrderBookSnapshot one_sided = crafted(0, 2);
  TradeMaker trades;
  const TradeExecuted trade = trades.make(SymbolId{0}, 0, 18500, 1, Side::Buy);
  pipeline.process(full.header, sink);
  pipeline.process(trade.header, sink);  // not a snapshot: nothing
  pipeline.process(one_sided.header, sink);
  const auto records = sink.all<OrderBookMetrics>();
  ASSERT_EQ(sink.records.size(), 2u);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].bid_depth[2], 21000);
  EXPECT_EQ(records[1].best_bid, 0);
  EXPECT_EQ(records[1].best_ask, 18501);
  EXPECT_EQ(job->counters().snapshots, 2u);
  EXPECT_EQ(job->counters().one_sided, 1u);
  pipeline.end_of_stream(sink);  // stateless: nothing pending
  EXPECT_EQ(sink.records.size(), 2u);
}

}  // namespace
}  // namespace ringside::processors::test
