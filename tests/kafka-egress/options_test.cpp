// The egress's TOML, its librdkafka properties and the routing table.
#include <gtest/gtest.h>

#include <string>

#include "ringside/core/events.hpp"
#include "ringside/egress/options.hpp"
#include "ringside/egress/topics.hpp"

using namespace ringside;
using namespace ringside::egress;

namespace {
std::string property(const KafkaProperties& p, const std::string& name) {
  for (const auto& [n, v] : p) {
    if (n == name) return v;
  }
  return "<unset>";
}
}  // namespace

TEST(EgressOptions, SeedProducerDefaults) {
  const KafkaProperties p = producer_properties(EgressOptions{});
  EXPECT_EQ(property(p, "acks"), "all");
  EXPECT_EQ(property(p, "enable.idempotence"), "true");
  EXPECT_EQ(property(p, "compression.type"), "snappy");
  EXPECT_EQ(property(p, "linger.ms"), "10");
  EXPECT_EQ(property(p, "batch.size"), "65536");
  EXPECT_EQ(property(p, "batch.num.messages"), "500");
  EXPECT_EQ(property(p, "queue.buffering.max.messages"), "100000");
  EXPECT_EQ(property(p, "delivery.timeout.ms"), "120000");
}

TEST(EgressOptions, ReadsEverySectionAndOverridesByPropertyName) {
  const EgressOptions o = parse_egress_config(R"(
[egress]
rings = ["events", "alerts"]
brokers = "k1:9092,k2:9092"
format = "json"
create_topics = false
state_dir = "/tmp/x"
metrics_listen = "off"
max_message_bytes = 5000

[kafka]
"compression.type" = "lz4"
"linger.ms" = 5
"sasl.mechanism" = "PLAIN"

[data_quality]
enabled = true
duplicate_rate = 0.01
seed = 9
)",
                                              "egress.toml");
  EXPECT_EQ(o.rings.size(), 2u);
  EXPECT_EQ(o.brokers, "k1:9092,k2:9092");
  EXPECT_EQ(o.format, ValueFormat::Json);
  EXPECT_FALSE(o.create_topics);
  EXPECT_EQ(o.max_message_bytes, 5000u);
  EXPECT_TRUE(o.data_quality.enabled);
  EXPECT_EQ(o.data_quality_seed, 9u);
  const KafkaProperties p = producer_properties(o);
  EXPECT_EQ(property(p, "compression.type"), "lz4");
  EXPECT_EQ(property(p, "linger.ms"), "5");
  EXPECT_EQ(property(p, "sasl.mechanism"), "PLAIN");
  EXPECT_EQ(property(p, "acks"), "all");
}

TEST(EgressOptions, RefusalsNameFileAndLine) {
  const auto line_of_error = [](const char* text) -> std::uint32_t {
    try {
      parse_egress_config(text, "e.toml");
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.file(), "e.toml");
      return e.line();
    }
    return 0;
  };
  EXPECT_EQ(line_of_error("[egress]\nformat = \"avro\"\n"), 2u);
  EXPECT_EQ(line_of_error("[egress]\nrings = [\"events\"]\ncolour = 1\n"), 3u);
  EXPECT_EQ(line_of_error("[kafka]\n\"no.such.property\" = \"x\"\n"), 2u);
  EXPECT_EQ(line_of_error("[kafka]\n\"acks\" = \"sometimes\"\n"), 2u);
  EXPECT_EQ(line_of_error("[egress]\nrings = [\"../etc\"]\n"), 2u);
  EXPECT_EQ(line_of_error("[data_quality]\nduplicate_rate = 0.6\nmissing_data_rate = 0.6\n"), 1u);
  EXPECT_EQ(line_of_error("[egress]\nformat = \"json\"\nbrokers = \"kafka-1\"\n"), 3u);
}

TEST(EgressOptions, BrokersAreEmbeddedOrHostPortLists) {
  for (const char* good : {"embedded", "kafka-1:9092", "127.0.0.1:33611,127.0.0.1:45007", "[::1]:9092,k_2.example:19092"}) {
    EXPECT_EQ(brokers_problem(good), "") << good;
  }
  // The first is what `ringside kafka-mock` prints, pasted whole: librdkafka would half-accept it.
  for (const char* bad : {"{\"bootstrap\":\"127.0.0.1:33611\",\"brokers\":3}", "", "kafka-1", "kafka-1:", ":9092",
                          "kafka-1:0", "kafka-1:65536", "kafka-1:9092,", "a b:9092", "::1:9092"}) {
    EXPECT_NE(brokers_problem(bad), "") << bad;
  }
  EXPECT_EQ(brokers_problem("k:9092,kafka-2"), "'kafka-2' is not HOST:PORT (expected \"embedded\" or HOST:PORT[,HOST:PORT...])");
}

TEST(Topics, EveryTypeToItsSeedTopic) {
  EXPECT_EQ(spec(topic_of(EventType::OrderPlaced)).name, "raw.orders");
  EXPECT_EQ(spec(topic_of(EventType::OrderCancelled)).name, "raw.orders");
  EXPECT_EQ(spec(topic_of(EventType::TradeExecuted)).name, "raw.trades");
  EXPECT_EQ(spec(topic_of(EventType::QuoteUpdate)).name, "raw.quotes");
  EXPECT_EQ(spec(topic_of(EventType::OrderBookSnapshot)).name, "raw.orderbook-snapshots");
  EXPECT_EQ(spec(topic_of(EventType::MarketStats)).name, "raw.market-stats");
  EXPECT_EQ(spec(topic_of(EventType::TradingHalt)).name, "raw.trading-halts");
  EXPECT_EQ(spec(topic_of(EventType::TradingResume)).name, "raw.trading-halts");
  EXPECT_EQ(spec(topic_of(EventType::AgentAction)).name, "raw.agent-actions");
  EXPECT_EQ(spec(Topic::DeadLetters).name, "dlq.raw.failed");
  EXPECT_EQ(spec(topic_of(EventType::TradeAggregate)).name, "analytics.trade-aggregates");
  EXPECT_EQ(spec(topic_of(EventType::PriceAlert)).name, "alerts.price-movement");
  EXPECT_EQ(spec(topic_of(EventType::OrderBookMetrics)).name, "analytics.orderbook");
  EXPECT_EQ(spec(topic_of(EventType::EnrichedTrade)).name, "enriched.trades");
  EXPECT_EQ(spec(topic_of(EventType::OrderFlowImbalance)).name, "analytics.ofi");
  EXPECT_EQ(spec(Topic::PriceAlerts).partitions, 2);
  EXPECT_EQ(spec(Topic::Orders).partitions, 12);
  EXPECT_EQ(spec(Topic::Snapshots).retention_ms, 3 * kDayMs);
  EXPECT_EQ(spec(Topic::DeadLetters).retention_ms, 90 * kDayMs);
}

TEST(Topics, KeyIsTheSymbolOrTheAgent) {
  Instrument aapl, msft;
  aapl.ticker = "AAPL";
  msft.ticker = "MSFT";
  SymbolTable symbols({aapl, msft});
  TradeExecuted t{};
  t.header.type = EventType::TradeExecuted;
  t.header.symbol = SymbolId{1};
  AgentIdText scratch;
  EXPECT_EQ(partition_key(t.header, symbols, scratch), "MSFT");
  AgentAction a{};
  a.header.type = EventType::AgentAction;
  a.agent = make_agent_id(AgentType::MarketMaker, 7);
  EXPECT_EQ(partition_key(a.header, symbols, scratch), "mm-007");
}
