// The alerts job on crafted trade streams, against hand-computed expectations:
// the threshold crossed (and just missed), the severity levels, cooldown
// suppression and its end, the baseline's window rolling over, configurable
// thresholds, and the percentage parser.
#include "ringside/processors/price_alerts.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "core/test_symbols.hpp"
#include "processor_test_helpers.hpp"
#include "ringside/processors/pipeline.hpp"

namespace ringside::processors::test {
namespace {

class AlertsTest : public ::testing::Test {
 protected:
  void start(AlertOptions options = {}) {
    std::vector<std::unique_ptr<Job>> jobs;
    auto job = std::make_unique<PriceAlertJob>(options);
    job_ = job.get();
    jobs.push_back(std::move(job));
    pipeline_ = std::make_unique<Pipeline>(std::move(jobs), 5 * kSecond);
    pipeline_->bind(symbols_);
  }
  // One trade at `seconds` after kBase; the alerts it caused.
  std::vector<PriceAlert> trade(SymbolId symbol, double seconds, Ticks price) {
    const std::size_t before = sink_.records.size();
    const TradeExecuted t =
        maker_.make(symbol, static_cast<std::int64_t>(seconds * static_cast<double>(kSecond)), price, 10, Side::Buy);
    pipeline_->process(t.header, sink_);
    std::vector<PriceAlert> out;
    for (std::size_t i = before; i < sink_.records.size(); ++i) out.push_back(sink_.records[i].as<PriceAlert>());
    return out;
  }

  SymbolTable symbols_ = ringside::test::test_symbols();
  TradeMaker maker_;
  VectorSink sink_;
  PriceAlertJob* job_ = nullptr;
  std::unique_ptr<Pipeline> pipeline_;
};

std::int64_t at(double seconds) { return kBase + static_cast<std::int64_t>(seconds * static_cast<double>(kSecond)); }

TEST_F(AlertsTest, FiresWhenTheChangeReachesTheThreshold) {
  start();
  EXPECT_TRUE(trade(kAapl, 0, 10000).empty());   // the baseline: 100.00
  EXPECT_TRUE(trade(kAapl, 10, 10100).empty());  // 1 %
  EXPECT_TRUE(trade(kAapl, 20, 10199).empty());  // 1.99 %
  EXPECT_TRUE(trade(kBrk, 25, 20000).empty());   // another symbol's baseline
  const auto a = trade(kAapl, 30, 10200);        // exactly 2 %
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].header.type, EventType::PriceAlert);
  EXPECT_EQ(a[0].header.symbol, kAapl);
  EXPECT_EQ(a[0].header.event_time_ns, at(30));
  EXPECT_EQ(a[0].baseline_price, 10000);
  EXPECT_EQ(a[0].current_price, 10200);
  EXPECT_EQ(a[0].window_start_ns, at(0));
  EXPECT_EQ(a[0].detected_at_ns, at(30));
  EXPECT_EQ(a[0].kind, AlertKind::PriceMovement);
  EXPECT_EQ(a[0].direction, AlertDirection::Up);
  EXPECT_EQ(a[0].severity, AlertSeverity::Medium);
  // The alerting trade is the new baseline: 102.00 -> 99.97 is 1.99 % down.
  EXPECT_TRUE(trade(kAapl, 100, 9997).empty());
  EXPECT_EQ(job_->counters().alerts, 1u);
  EXPECT_EQ(job_->counters().trades, 6u);
}

TEST_F(AlertsTest, SeverityLevels) {
  AlertOptions o;
  o.cooldown_ns = 0;
  start(o);
  trade(kAapl, 0, 10000);
  auto a = trade(kAapl, 1, 10499);  // 4.99 %
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].severity, AlertSeverity::Medium);
  trade(kAapl, 302, 10000);  // 301 s after the baseline (10499 at 1 s): a new one
  a = trade(kAapl, 303, 10500);  // 5 %
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].severity, AlertSeverity::High);
  a = trade(kAapl, 304, 9450);  // 1050 / 10500 = 10 % down
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].severity, AlertSeverity::Critical);
  EXPECT_EQ(a[0].direction, AlertDirection::Down);
  EXPECT_EQ(a[0].baseline_price, 10500);
  EXPECT_EQ(a[0].window_start_ns, at(303));
  a = trade(kAapl, 305, 8505);  // 945 / 9450 = 10 % down again, 1 s later: no cooldown set
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].severity, AlertSeverity::Critical);
  EXPECT_EQ(job_->counters().by_severity[1], 1u);
  EXPECT_EQ(job_->counters().by_severity[2], 1u);
  EXPECT_EQ(job_->counters().by_severity[3], 2u);
  EXPECT_NE(job_->status().find("alerts 4 (1 medium, 1 high, 2 critical)"), std::string::npos) << job_->status();
}

TEST_F(AlertsTest, CooldownSuppressesThenAllows) {
  start();
  trade(kAapl, 0, 10000);
  ASSERT_EQ(trade(kAapl, 10, 10300).size(), 1u);  // 3 % up; baseline 103.00 at 10 s
  EXPECT_TRUE(trade(kAapl, 30, 10000).empty());    // 2.91 % down, 20 s after the alert: suppressed
  EXPECT_TRUE(trade(kAapl, 69.999, 10000).empty());  // still within 60 s
  EXPECT_EQ(job_->counters().suppressed, 2u);
  const auto a = trade(kAapl, 70, 10000);  // 60 s after the alert: the cooldown is over
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].baseline_price, 10300);  // suppressed movements kept the baseline
  EXPECT_EQ(a[0].window_start_ns, at(10));
  EXPECT_EQ(a[0].direction, AlertDirection::Down);
  // The cooldown is per symbol.
  trade(kBrk, 71, 20000);
  EXPECT_EQ(trade(kBrk, 72, 21000).size(), 1u);
}

TEST_F(AlertsTest, BaselineRollsOverAfterTheWindow) {
  start();
  trade(kAapl, 0, 10000);
  EXPECT_TRUE(trade(kAapl, 100, 10150).empty());
  // 300 s after the baseline is still its window (the seed's "> window" expires it).
  ASSERT_EQ(trade(kAapl, 300, 10250).size(), 1u);  // 2.5 %; baseline 102.50 at 300 s
  EXPECT_TRUE(trade(kAapl, 600.5, 11000).empty());  // 300.5 s later: a new baseline, not compared
  EXPECT_EQ(job_->counters().baselines, 2u);
  EXPECT_TRUE(trade(kAapl, 610, 11100).empty());  // 0.91 % of 110.00
  const auto a = trade(kAapl, 620, 11220);        // 2 % of 110.00
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].baseline_price, 11000);
  EXPECT_EQ(a[0].window_start_ns, at(600.5));
}

TEST_F(AlertsTest, ConfigurableThresholdWindowAndSeverities) {
  AlertOptions o;
  o.threshold_ppm = parse_percent_ppm("0.5");
  o.window_ns = 10 * kSecond;
  o.cooldown_ns = 0;
  o.severity_ppm = {parse_percent_ppm("1"), parse_percent_ppm("2"), parse_percent_ppm("3")};
  start(o);
  trade(kAapl, 0, 10000);
  auto a = trade(kAapl, 1, 10050);  // 0.5 %: an alert, below MEDIUM's 1 %: LOW
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].severity, AlertSeverity::Low);
  a = trade(kAapl, 2, 10352);  // 302 / 10050 = 3.005 %
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].severity, AlertSeverity::Critical);
  EXPECT_TRUE(trade(kAapl, 12.5, 20000).empty());  // 10.5 s after the baseline: a new window
  EXPECT_NE(job_->status().find(", 1 low"), std::string::npos) << job_->status();
}

TEST_F(AlertsTest, StateIsDroppedAtTheEndOfAStream) {
  start();
  trade(kAapl, 0, 10000);
  pipeline_->end_of_stream(sink_);
  pipeline_->bind(symbols_);
  EXPECT_TRUE(trade(kAapl, 1, 12000).empty());  // a new stream: this is its baseline
}

TEST(AlertOptions, PercentagesAndValidation) {
  EXPECT_EQ(parse_percent_ppm("2"), 20'000);
  EXPECT_EQ(parse_percent_ppm("2%"), 20'000);
  EXPECT_EQ(parse_percent_ppm("2.5"), 25'000);
  EXPECT_EQ(parse_percent_ppm("0.0001"), 1);
  EXPECT_EQ(parse_percent_ppm("10.25%"), 102'500);
  for (const char* bad : {"", "%", "x", "-1", "1.00001", "1.2.3", "2 %", "."}) {
    EXPECT_THROW(parse_percent_ppm(bad), std::invalid_argument) << bad;
  }
  AlertOptions o;
  o.threshold_ppm = 0;
  EXPECT_THROW(PriceAlertJob{o}, std::invalid_argument);
  o = {};
  o.window_ns = 0;
  EXPECT_THROW(PriceAlertJob{o}, std::invalid_argument);
  o = {};
  o.cooldown_ns = -1;
  EXPECT_THROW(PriceAlertJob{o}, std::invalid_argument);
  o = {};
  o.severity_ppm = {50'000, 50'000, 100'000};
  EXPECT_THROW(PriceAlertJob{o}, std::invalid_argument);
  EXPECT_EQ(alert_severity(19'999, AlertOptions{}.severity_ppm), AlertSeverity::Low);
  EXPECT_EQ(alert_severity(100'000, AlertOptions{}.severity_ppm), AlertSeverity::Critical);
}

}  // namespace
}  // namespace ringside::processors::test
