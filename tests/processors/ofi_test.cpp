// The ofi job on crafted quote streams, against e(n) computed by hand: the terms
// of each price move, emptying and refilling sides, window boundaries and
// firing, a late quote, and a gap resetting the previous quote.
#include "ringside/processors/ofi.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "core/test_symbols.hpp"
#include "processor_test_helpers.hpp"
#include "ringside/core/derived.hpp"
#include "ringside/processors/pipeline.hpp"

namespace ringside::processors::test {
namespace {

QuoteUpdate quote(SymbolId symbol, double seconds, Ticks bid, Volume bid_size, Ticks ask, Volume ask_size) {
  QuoteUpdate q{};
  init_header(q, symbol, kBase + static_cast<std::int64_t>(seconds * static_cast<double>(kSecond)));
  q.bid_price = bid;
  q.bid_size = bid_size;
  q.ask_price = ask;
  q.ask_size = ask_size;
  return q;
}

detail::Int128 e(const QuoteUpdate& a, const QuoteUpdate& b) {
  const OfiTerms t = ofi_terms(a, b);
  return t.bid_flow - t.ask_flow;
}

TEST(OfiTerms, EachCaseOfTheDefinition) {
  const QuoteUpdate q0 = quote(kAapl, 0, 100, 10, 101, 20);
  EXPECT_EQ(e(q0, quote(kAapl, 0, 100, 15, 101, 20)), 5);    // bid size +5 at the same price
  EXPECT_EQ(e(q0, quote(kAapl, 0, 100, 10, 101, 26)), -6);   // ask size +6 at the same price
  EXPECT_EQ(e(q0, quote(kAapl, 0, 101, 7, 102, 9)), 7 + 20);  // bid up: +qb(n); ask up: +qa(n-1)
  EXPECT_EQ(e(q0, quote(kAapl, 0, 99, 30, 100, 4)), -10 - 4);  // bid down: -qb(n-1); ask down: -qa(n)
  EXPECT_EQ(e(q0, q0), 0);
  // An empty side: the bid's size leaves, the ask's leaves (bullish), then both come back.
  EXPECT_EQ(e(q0, quote(kAapl, 0, 0, 0, 101, 20)), -10);
  EXPECT_EQ(e(q0, quote(kAapl, 0, 100, 10, 0, 0)), 20);
  EXPECT_EQ(e(quote(kAapl, 0, 0, 0, 0, 0), q0), 10 - 20);
  EXPECT_EQ(e(quote(kAapl, 0, 0, 0, 0, 0), quote(kAapl, 0, 0, 0, 0, 0)), 0);
}

class OfiTest : public ::testing::Test {
 protected:
  OfiTest() {
    std::vector<std::unique_ptr<Job>> jobs;
    auto job = std::make_unique<OfiJob>(OfiOptions{});  // 1 s and 10 s
    job_ = job.get();
    jobs.push_back(std::move(job));
    pipeline_ = std::make_unique<Pipeline>(std::move(jobs), 5 * kSecond);
    pipeline_->bind(symbols_);
  }
  std::vector<OrderFlowImbalance> feed(const QuoteUpdate& q) {
    const std::size_t before = sink_.records.size();
    pipeline_->process(q.header, sink_);
    return since(before);
  }
  std::vector<OrderFlowImbalance> since(std::size_t before) const {
    std::vector<OrderFlowImbalance> out;
    for (std::size_t i = before; i < sink_.records.size(); ++i) out.push_back(sink_.records[i].as<OrderFlowImbalance>());
    return out;
  }
  SymbolTable symbols_ = ringside::test::test_symbols();
  VectorSink sink_;
  OfiJob* job_ = nullptr;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(OfiTest, HandComputedWindows) {
  EXPECT_TRUE(feed(quote(kAapl, 0.1, 100, 10, 101, 20)).empty());  // the first quote: no e(n)
  EXPECT_TRUE(feed(quote(kAapl, 0.2, 100, 15, 101, 20)).empty());  // e = +5 - 0
  EXPECT_TRUE(feed(quote(kAapl, 0.5, 101, 7, 101, 12)).empty());   // bid up +7; ask same 12 - 20: e = 7 + 8 = 15
  EXPECT_TRUE(feed(quote(kAapl, 0.9, 100, 30, 102, 9)).empty());   // bid down -7; ask up -12 reversed: e = -7 + 12 = 5
  EXPECT_TRUE(feed(quote(kAapl, 1.2, 100, 30, 101, 5)).empty());   // bid 0; ask down +5: e = -5
  EXPECT_TRUE(feed(quote(kBrk, 5.9, 8000, 1, 8005, 1)).empty());   // watermark 0.9 s: nothing due
  const auto fired = feed(quote(kBrk, 6.0, 8000, 1, 8005, 1));     // moves the watermark to 1.0 s: [0, 1) of AAPL
  ASSERT_EQ(fired.size(), 1u);
  ASSERT_EQ(since(0).size(), 1u);
  const OrderFlowImbalance& w = fired[0];
  EXPECT_EQ(w.header.type, EventType::OrderFlowImbalance);
  EXPECT_EQ(w.header.symbol, kAapl);
  EXPECT_EQ(w.header.event_time_ns, kBase + kSecond);
  EXPECT_EQ(w.window_start_ns, kBase);
  EXPECT_EQ(w.window_end_ns, kBase + kSecond);
  EXPECT_EQ(w.bid_flow, 5 + 7 - 7);
  EXPECT_EQ(w.ask_flow, 0 - 8 - 12);
  EXPECT_EQ(w.ofi, 25);
  EXPECT_EQ(w.update_count, 3u);
  EXPECT_EQ(w.depth_sum, (15 + 20) + (7 + 12) + (30 + 9));
  EXPECT_EQ(w.best_bid, 100);
  EXPECT_EQ(w.best_ask, 102);
  EXPECT_EQ(w.bid_size, 30);
  EXPECT_EQ(w.ask_size, 9);
  EXPECT_EQ(w.flags, 0);
  EXPECT_EQ(ofi_normalized_of(w), (DecimalValue{divide_rounded(25 * 2 * 3 * 10000, 93), 4}));

  // A late quote for [0, 1): it becomes the previous quote, its e(n) counts in 10 s only.
  EXPECT_TRUE(feed(quote(kAapl, 0.95, 100, 40, 101, 5)).empty());  // bid +10, ask 0: e = 10
  EXPECT_EQ(job_->counters().late[0], 1u);
  EXPECT_EQ(job_->counters().late[1], 0u);

  const std::size_t before = sink_.records.size();
  pipeline_->end_of_stream(sink_);
  const auto rest = since(before);
  ASSERT_EQ(rest.size(), 4u);  // AAPL [1, 2) and [0, 10); BRK.B's one change in [6, 7) and [0, 10)
  EXPECT_EQ(rest[0].window_start_ns, kBase + kSecond);
  EXPECT_EQ(rest[0].ofi, -5);
  EXPECT_EQ(rest[0].update_count, 1u);
  EXPECT_EQ(rest[1].window_end_ns - rest[1].window_start_ns, 10 * kSecond);
  EXPECT_EQ(rest[1].ofi, 25 - 5 + 10);
  EXPECT_EQ(rest[1].update_count, 5u);
  EXPECT_EQ(rest[1].best_bid, 100);  // the last change in ring order
  EXPECT_EQ(rest[1].bid_size, 40);
  EXPECT_EQ(rest[2].header.symbol, kBrk);
  EXPECT_EQ(rest[2].window_start_ns, kBase + 6 * kSecond);
  EXPECT_EQ(rest[3].header.symbol, kBrk);
  EXPECT_EQ(rest[3].ofi, 0);
  EXPECT_EQ(rest[3].update_count, 1u);
  EXPECT_EQ(job_->counters().changes, 6u);
  EXPECT_EQ(job_->counters().records, 5u);
  EXPECT_EQ(job_->open_windows(), 0u);
}

TEST_F(OfiTest, WindowBoundaries) {
  feed(quote(kAapl, 0.5, 100, 10, 101, 10));
  feed(quote(kAapl, 0.999999999, 100, 11, 101, 10));  // last ns of [0, 1): +1
  feed(quote(kAapl, 1.0, 100, 13, 101, 10));          // first ns of [1, 2): +2
  feed(quote(kAapl, 9.999999999, 100, 16, 101, 10));   // [9, 10) and the 10 s window's last: +3
  feed(quote(kAapl, 10.0, 100, 20, 101, 10));          // [10, 11) and [10, 20): +4
  pipeline_->end_of_stream(sink_);
  const auto all = since(0);
  std::vector<std::pair<std::int64_t, Volume>> one, ten;
  for (const OrderFlowImbalance& r : all) {
    (r.window_end_ns - r.window_start_ns == kSecond ? one : ten).emplace_back(r.window_start_ns - kBase, r.ofi);
  }
  const std::vector<std::pair<std::int64_t, Volume>> want_one{{0, 1}, {kSecond, 2}, {9 * kSecond, 3}, {10 * kSecond, 4}};
  const std::vector<std::pair<std::int64_t, Volume>> want_ten{{0, 6}, {10 * kSecond, 4}};
  EXPECT_EQ(one, want_one);
  EXPECT_EQ(ten, want_ten);
}

TEST_F(OfiTest, AGapForgetsThePreviousQuoteAndFlagsWindows) {
  feed(quote(kAapl, 0.1, 100, 10, 101, 20));
  feed(quote(kAapl, 0.2, 100, 12, 101, 20));  // +2
  const QuoteUpdate after = quote(kAapl, 0.4, 100, 50, 101, 20);
  pipeline_->gap(7, after.header);
  feed(after);                                  // previous unknown: no e(n)
  feed(quote(kAapl, 0.6, 100, 51, 101, 20));   // +1
  pipeline_->end_of_stream(sink_);
  const auto all = since(0);
  ASSERT_EQ(all.size(), 2u);
  for (const OrderFlowImbalance& r : all) {
    EXPECT_EQ(r.ofi, 3);
    EXPECT_EQ(r.update_count, 2u);
    EXPECT_EQ(r.flags, kRecordInputGap);
  }
}

TEST(OfiOptions, Validation) {
  EXPECT_THROW(OfiJob(OfiOptions{{}}), std::invalid_argument);
  EXPECT_THROW(OfiJob(OfiOptions{{0}}), std::invalid_argument);
  EXPECT_THROW(OfiJob(OfiOptions{{kSecond, kSecond}}), std::invalid_argument);
  EXPECT_EQ(OfiJob(OfiOptions{}).status(), "quotes 0, changes 0, records 0, late 0/0 (1s/10s)");
}

}  // namespace
}  // namespace ringside::processors::test
