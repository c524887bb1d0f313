// The aggregates job on crafted trade streams, against values computed by hand:
// window fields and OHLC, out-of-order trades within the watermark, a late trade
// within the allowed lateness re-emitting its window, a too-late trade counted
// and dropped, gaps flagging windows, and the end of a stream firing what is open.
#include "ringside/processors/aggregates.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/test_symbols.hpp"
#include "processor_test_helpers.hpp"
#include "ringside/core/derived.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/processors/pipeline.hpp"
#include "ringside/processors/runtime.hpp"

namespace ringside::processors::test {
namespace {

class AggregatesTest : public ::testing::Test {
 protected:
  explicit AggregatesTest(AggregatesOptions options = {}) {
    std::vector<std::unique_ptr<Job>> jobs;
    auto job = std::make_unique<AggregatesJob>(std::move(options));
    job_ = job.get();
    jobs.push_back(std::move(job));
    pipeline_ = std::make_unique<Pipeline>(std::move(jobs), 5 * kSecond);
    pipeline_->bind(symbols_);
    pipeline_->set_wall_time(kBase + 100 * kSecond);
  }

  // Feeds one trade; returns the records it caused.
  std::vector<TradeAggregate> trade(SymbolId symbol, double seconds, Ticks price, Quantity quantity, Side aggressor) {
    const std::size_t before = sink_.records.size();
    const TradeExecuted t =
        maker_.make(symbol, static_cast<std::int64_t>(seconds * static_cast<double>(kSecond)), price, quantity, aggressor);
    pipeline_->process(t.header, sink_);
    return since(before);
  }
  std::vector<TradeAggregate> end_of_stream() {
    const std::size_t before = sink_.records.size();
    pipeline_->end_of_stream(sink_);
    return since(before);
  }
  std::vector<TradeAggregate> since(std::size_t before) const {
    std::vector<TradeAggregate> out;
    for (std::size_t i = before; i < sink_.records.size(); ++i) out.push_back(sink_.records[i].as<TradeAggregate>());
    return out;
  }
  std::string json(const TradeAggregate& record) {
    JsonEncoder encoder(symbols_);
    const Encoded e = encoder.encode(record.header);
    EXPECT_TRUE(e) << to_string(e.error);
    return std::string(e.bytes);
  }

  SymbolTable symbols_ = ringside::test::test_symbols();
  TradeMaker maker_;
  VectorSink sink_;
  AggregatesJob* job_ = nullptr;
  std::unique_ptr<Pipeline> pipeline_;
};

std::int64_t length(const TradeAggregate& a) { return a.window_end_ns - a.window_start_ns; }

TEST_F(AggregatesTest, OnTimeWindowFiresWhenTheWatermarkPassesItsEnd) {
  // Window [14:30:00, 14:31:00) of AAPL; the fourth trade is out of order (10 s
  // after a 20 s one) but the watermark (20 - 5 = 15 s) has not passed its window.
  EXPECT_TRUE(trade(kAapl, 1, 18500, 100, Side::Buy).empty());
  EXPECT_TRUE(trade(kAapl, 20, 18510, 50, Side::Sell).empty());
  EXPECT_TRUE(trade(kAapl, 20, 18490, 30, Side::Sell).empty());
  EXPECT_TRUE(trade(kAapl, 10, 18480, 40, Side::Buy).empty());
  EXPECT_TRUE(trade(kAapl, 59, 18520, 20, Side::Buy).empty());
  EXPECT_TRUE(trade(kAapl, 64, 18500, 10, Side::Sell).empty());  // watermark 59 s: not yet
  const auto fired = trade(kAapl, 65, 18500, 10, Side::Buy);     // watermark 60 s: the 1 min window fires
  ASSERT_EQ(fired.size(), 1u);
  const TradeAggregate& a = fired[0];
  EXPECT_EQ(a.header.type, EventType::TradeAggregate);
  EXPECT_EQ(a.header.symbol, kAapl);
  EXPECT_EQ(a.header.event_time_ns, kBase + kMinute);
  EXPECT_EQ(a.window_start_ns, kBase);
  EXPECT_EQ(a.window_end_ns, kBase + kMinute);
  EXPECT_EQ(a.total_volume, 240);
  // 100 x 18500 + 50 x 18510 + 30 x 18490 + 40 x 18480 + 20 x 18520
  EXPECT_EQ(a.total_value_ticks, 4'439'800);
  EXPECT_EQ(a.trade_count, 5u);
  EXPECT_EQ(a.buy_count, 3u);
  EXPECT_EQ(a.sell_count, 2u);
  EXPECT_EQ(a.open, 18500);   // the earliest event time (1 s), not the first trade read... which it also is
  EXPECT_EQ(a.high, 18520);
  EXPECT_EQ(a.low, 18480);    // the out-of-order trade
  EXPECT_EQ(a.close, 18520);  // the latest event time (59 s)
  EXPECT_EQ(a.revision, 0);
  EXPECT_EQ(a.flags, 0);
  EXPECT_EQ(a.computed_at_ns, kBase + 100 * kSecond);
  // VWAP 4439800 / 240 = 18499.1666.. ticks = 184.991667; ratio 3 / 2.
  EXPECT_EQ(json(a),
            "{\"event_type\":\"TradeAggregate\",\"timestamp\":\"2026-01-05T14:31:00.000000Z\",\"seq\":0,\"data\":{"
            "\"symbol\":\"AAPL\",\"window_start\":1767623400000,\"window_end\":1767623460000,\"window_size\":\"1m\","
            "\"total_volume\":240,\"total_value\":44398.00,\"vwap\":184.991667,\"trade_count\":5,\"buy_count\":3,"
            "\"sell_count\":2,\"buy_sell_ratio\":1.5000,\"high_price\":185.20,\"low_price\":184.80,"
            "\"open_price\":185.00,\"close_price\":185.20,\"computed_at\":1767623500000,\"revision\":0,"
            "\"input_gap\":false}}");
  EXPECT_EQ(job_->counters().late, (std::vector<std::uint64_t>{0, 0, 0}));
  EXPECT_EQ(job_->counters().dropped, (std::vector<std::uint64_t>{0, 0, 0}));
}

TEST_F(AggregatesTest, LateTradeWithinLatenessReEmitsItsWindowAndATooLateOneIsDropped) {
  trade(kAapl, 1, 18500, 100, Side::Buy);
  trade(kAapl, 20, 18510, 50, Side::Sell);
  trade(kAapl, 59, 18520, 20, Side::Buy);
  ASSERT_EQ(trade(kAapl, 65, 18500, 10, Side::Buy).size(), 1u);  // [0, 60) fired at watermark 60 s
  EXPECT_TRUE(trade(kAapl, 80, 18500, 10, Side::Buy).empty());   // watermark 75 s

  // 30 s is in [0, 60): the watermark (75 s) passed its end but not end + 30 s: late, re-emitted.
  const auto updated = trade(kAapl, 30, 18400, 10, Side::Buy);
  ASSERT_EQ(updated.size(), 1u);
  const TradeAggregate& u = updated[0];
  EXPECT_EQ(u.window_start_ns, kBase);
  EXPECT_EQ(length(u), kMinute);
  EXPECT_EQ(u.revision, 1);
  EXPECT_EQ(u.total_volume, 180);
  EXPECT_EQ(u.total_value_ticks, 100 * 18500 + 50 * 18510 + 20 * 18520 + 10 * 18400);
  EXPECT_EQ(u.trade_count, 4u);
  EXPECT_EQ(u.buy_count, 3u);
  EXPECT_EQ(u.low, 18400);
  EXPECT_EQ(u.open, 18500);   // 1 s is still the earliest
  EXPECT_EQ(u.close, 18520);  // 59 s is still the latest
  EXPECT_EQ(job_->counters().late, (std::vector<std::uint64_t>{1, 0, 0}));  // on time for 5 and 15 min

  // BRK.B had no trade in [0, 60): its window's first record comes at once, revision 0, late.
  const auto first = trade(kBrk, 45, 1617, 7, Side::Buy);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].header.symbol, kBrk);
  EXPECT_EQ(first[0].revision, 0);
  EXPECT_EQ(first[0].trade_count, 1u);
  EXPECT_EQ(first[0].sell_count, 0u);
  const std::string brk = json(first[0]);
  EXPECT_NE(brk.find("\"buy_sell_ratio\":null"), std::string::npos) << brk;  // no sells: the seed's infinity
  EXPECT_NE(brk.find("\"vwap\":80.850000"), std::string::npos) << brk;
  EXPECT_EQ(job_->counters().late, (std::vector<std::uint64_t>{2, 0, 0}));

  // 96 s: watermark 91 s >= 60 + 30: AAPL's and BRK.B's [0, 60) are gone; a trade
  // at 40 s is too late for 1 min, still on time for 5 and 15 min.
  EXPECT_TRUE(trade(kAapl, 96, 18500, 10, Side::Sell).empty());
  EXPECT_TRUE(trade(kAapl, 40, 18600, 5, Side::Sell).empty());
  EXPECT_EQ(job_->counters().dropped, (std::vector<std::uint64_t>{1, 0, 0}));
  EXPECT_EQ(job_->counters().late, (std::vector<std::uint64_t>{2, 0, 0}));

  // The end of the stream fires the rest: AAPL [60, 120) 1 min, AAPL and BRK.B 5 and 15 min.
  const auto rest = end_of_stream();
  ASSERT_EQ(rest.size(), 5u);
  const TradeAggregate* five = nullptr;
  const TradeAggregate* minute = nullptr;
  for (const TradeAggregate& r : rest) {
    EXPECT_EQ(r.revision, 0);
    if (r.header.symbol == kAapl && length(r) == 5 * kMinute) five = &r;
    if (r.header.symbol == kAapl && length(r) == kMinute) minute = &r;
  }
  ASSERT_NE(five, nullptr);
  ASSERT_NE(minute, nullptr);
  EXPECT_EQ(minute->window_start_ns, kBase + kMinute);
  EXPECT_EQ(minute->total_volume, 10 + 10 + 10);  // 65, 80, 96 s
  EXPECT_EQ(minute->trade_count, 3u);
  EXPECT_EQ(five->window_start_ns, kBase);
  EXPECT_EQ(five->trade_count, 8u);               // every AAPL trade, the too-late-for-1-min one included
  EXPECT_EQ(five->total_volume, 100 + 50 + 20 + 10 + 10 + 10 + 10 + 5);
  EXPECT_EQ(five->high, 18600);
  EXPECT_EQ(five->low, 18400);
  EXPECT_EQ(five->open, 18500);
  EXPECT_EQ(five->close, 18500);                  // 96 s
  EXPECT_EQ(job_->counters().emitted, 2u + 1u + 5u);
  EXPECT_EQ(job_->counters().updates, 1u);
  EXPECT_TRUE(end_of_stream().empty());           // nothing left
}

TEST_F(AggregatesTest, OpenAndCloseFollowEventTimeThenRingSequence) {
  trade(kAapl, 20, 100, 1, Side::Buy);   // seq 1
  trade(kAapl, 10, 200, 1, Side::Buy);   // seq 2: earliest time
  trade(kAapl, 10, 300, 1, Side::Sell);  // seq 3: same time, later in the ring
  trade(kAapl, 20, 400, 1, Side::Sell);  // seq 4: latest time, latest in the ring
  const auto all = end_of_stream();
  ASSERT_EQ(all.size(), 3u);
  for (const TradeAggregate& a : all) {
    EXPECT_EQ(a.open, 200);
    EXPECT_EQ(a.close, 400);
    EXPECT_EQ(a.high, 400);
    EXPECT_EQ(a.low, 100);
  }
}

TEST_F(AggregatesTest, WindowsOfEverySizeFireInTurn) {
  // One trade a minute for 16 minutes: every minute a 1 min window fires, every
  // 5 minutes a 5 min one, after 15 minutes the 15 min one.
  std::vector<TradeAggregate> all;
  for (int m = 0; m <= 16; ++m) {
    for (const TradeAggregate& r : trade(kAapl, m * 60 + 30, 18500 + m, 10, m % 2 == 0 ? Side::Buy : Side::Sell)) {
      all.push_back(r);
    }
  }
  // By 16:30 min (watermark 16:25) the windows ending at 1..16 min have fired.
  std::size_t ones = 0, fives = 0, fifteens = 0;
  for (const TradeAggregate& r : all) {
    EXPECT_LE(r.window_end_ns, kBase + 16 * kMinute);
    EXPECT_EQ(r.revision, 0);
    if (length(r) == kMinute) {
      EXPECT_EQ(r.trade_count, 1u);
      ++ones;
    } else if (length(r) == 5 * kMinute) {
      EXPECT_EQ(r.trade_count, 5u);
      EXPECT_EQ(r.total_volume, 50);
      ++fives;
    } else {
      EXPECT_EQ(length(r), 15 * kMinute);
      EXPECT_EQ(r.trade_count, 15u);
      EXPECT_EQ(r.open, 18500);
      EXPECT_EQ(r.close, 18514);
      EXPECT_EQ(r.buy_count, 8u);
      EXPECT_EQ(r.sell_count, 7u);
      ++fifteens;
    }
  }
  EXPECT_EQ(ones, 16u);
  EXPECT_EQ(fives, 3u);
  EXPECT_EQ(fifteens, 1u);
}

TEST_F(AggregatesTest, GapsFlagTheWindowsTheyMayTouch) {
  trade(kAapl, 1, 18500, 10, Side::Buy);
  trade(kAapl, 2, 18500, 10, Side::Buy);
  // 100 frames lost between 2 s and 200 s.
  const TradeExecuted next = maker_.make(kAapl, 200 * kSecond, 18500, 10, Side::Buy);
  pipeline_->gap(100, next.header);
  pipeline_->process(next.header, sink_);
  trade(kAapl, 250, 18500, 10, Side::Buy);
  std::vector<TradeAggregate> all = since(0);
  for (const TradeAggregate& r : end_of_stream()) all.push_back(r);
  std::size_t checked = 0;
  for (const TradeAggregate& r : all) {
    if (length(r) != kMinute) {
      EXPECT_EQ(r.flags, kRecordInputGap);  // 5 and 15 min windows span the gap
      continue;
    }
    const bool touched = r.window_start_ns < kBase + 200 * kSecond;  // [0, 60) and [180, 240)
    EXPECT_EQ(r.flags, touched ? kRecordInputGap : 0) << (r.window_start_ns - kBase) / kSecond;
    ++checked;
  }
  EXPECT_EQ(checked, 3u);  // [0, 60), [180, 240), [240, 300)
}

TEST_F(AggregatesTest, SymbolsAreIndependent) {
  trade(kAapl, 1, 18500, 10, Side::Buy);
  trade(kBrk, 2, 1617, 20, Side::Sell);
  trade(kAapl, 3, 18510, 30, Side::Sell);
  const auto fired = trade(kBrk, 65, 1618, 1, Side::Buy);
  ASSERT_EQ(fired.size(), 2u);
  for (const TradeAggregate& r : fired) {
    if (r.header.symbol == kAapl) {
      EXPECT_EQ(r.total_volume, 40);
      EXPECT_EQ(r.trade_count, 2u);
    } else {
      EXPECT_EQ(r.header.symbol, kBrk);
      EXPECT_EQ(r.total_volume, 20);
      EXPECT_EQ(r.total_value_ticks, 20 * 1617);
    }
  }
}

class ShortWindowsTest : public AggregatesTest {
 protected:
  ShortWindowsTest() : AggregatesTest(AggregatesOptions{{10 * kSecond}, 0}) {}
};

TEST_F(ShortWindowsTest, NoLatenessDropsEverythingAfterTheWindowFired) {
  trade(kAapl, 1, 18500, 10, Side::Buy);
  const auto fired = trade(kAapl, 15, 18500, 10, Side::Buy);  // watermark 10 s
  ASSERT_EQ(fired.size(), 1u);
  WindowSizeText text;
  EXPECT_EQ(window_size_text(length(fired[0]), text), "10s");
  EXPECT_TRUE(trade(kAapl, 9, 18500, 10, Side::Buy).empty());
  EXPECT_EQ(job_->counters().dropped, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(job_->counters().late, (std::vector<std::uint64_t>{0}));
}

TEST(AggregatesOptions, RefusesBadWindows) {
  EXPECT_THROW(AggregatesJob(AggregatesOptions{{}, 0}), std::invalid_argument);
  EXPECT_THROW(AggregatesJob(AggregatesOptions{{0}, 0}), std::invalid_argument);
  EXPECT_THROW(AggregatesJob(AggregatesOptions{{kSecond, kSecond}, 0}), std::invalid_argument);
  EXPECT_THROW(AggregatesJob(AggregatesOptions{{kSecond}, -1}), std::invalid_argument);
}

TEST(Durations, ParseTheUsualSpellings) {
  EXPECT_EQ(parse_duration_ns("5s"), 5 * kSecond);
  EXPECT_EQ(parse_duration_ns("30"), 30 * kSecond);
  EXPECT_EQ(parse_duration_ns("1m"), 60 * kSecond);
  EXPECT_EQ(parse_duration_ns("15m"), 900 * kSecond);
  EXPECT_EQ(parse_duration_ns("250ms"), 250'000'000);
  EXPECT_EQ(parse_duration_ns("2.5s"), 2'500'000'000);
  EXPECT_EQ(parse_duration_ns("1h"), 3600 * kSecond);
  EXPECT_EQ(parse_duration_ns("0"), 0);
  for (const char* bad : {"", "s", "5 s", "-1s", "5d", "1e30s", "nan"}) {
    EXPECT_THROW(parse_duration_ns(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace ringside::processors::test
