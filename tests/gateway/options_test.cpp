// Small pieces: the gateway's TOML, listen addresses, frame headers, prices,
// data-quality decisions and subscription sets.
#include <gtest/gtest.h>

#include <string>

#include "ringside/core/data_quality.hpp"
#include "ringside/gateway/json_text.hpp"
#include "ringside/gateway/options.hpp"
#include "ringside/gateway/subscription.hpp"
#include "ringside/gateway/ws_frame.hpp"

namespace ringside::gateway {
namespace {

TEST(Options, ReadsGatewayAndDataQualitySections) {
  const GatewayOptions o = parse_gateway_config(R"(
[gateway]
listen = "0.0.0.0:9000"
rings = ["events", "aggregates"]
max_connections = 10
queue_max_bytes = 65536
heartbeat_ms = 250
token = "s3cret"
allowed_origins = ["http://localhost:9000"]

[data_quality]
enabled = true
duplicate_rate = 0.05
missing_data_rate = 0.01
seed = 9
)",
                                                "gw.toml");
  EXPECT_EQ(o.listen.host, "0.0.0.0");
  EXPECT_EQ(o.listen.port, 9000);
  EXPECT_EQ(o.rings, (std::vector<std::string>{"events", "aggregates"}));
  EXPECT_EQ(o.max_connections, 10u);
  EXPECT_EQ(o.queue_max_bytes, 65536u);
  EXPECT_EQ(o.queue_max_messages, GatewayOptions{}.queue_max_messages);
  EXPECT_EQ(o.heartbeat.count(), 250);
  EXPECT_EQ(o.token, "s3cret");
  EXPECT_TRUE(o.data_quality.enabled);
  EXPECT_DOUBLE_EQ(o.data_quality.duplicate_rate, 0.05);
  EXPECT_EQ(o.data_quality_seed, 9u);
}

TEST(Options, NamesTheFileAndLineOfEveryProblem) {
  struct Case {
    const char* text;
    std::uint32_t line;
    const char* problem;
  } cases[] = {
      {"[gateway]\nlisten = 5\n", 2, "gateway.listen: expected a string"},
      {"[gateway]\nlisten = \"nohost\"\n", 2, "expected HOST:PORT"},
      {"[gateway]\n\nmax_connections = 0\n", 3, "out of range"},
      {"[gateway]\nqueue_max_bytes = 1\n", 2, "out of range"},
      {"[gateway]\nlisten = \"a:1\"\nspeed = 3\n", 3, "unknown key 'speed' in [gateway]"},
      {"[gatway]\n", 1, "unknown key 'gatway'"},
      {"[gateway]\nrings = []\n", 2, "at least one ring"},
      {"[gateway]\nrings = [\"bad/name\"]\n", 2, "gateway.rings"},
      {"[gateway]\nstart = \"middle\"\n", 2, "not oldest or newest"},
      {"[data_quality]\nduplicate_rate = 1.5\n", 2, "out of range"},
      {"[data_quality]\nenabled = 1\n", 2, "expected a boolean"},
      {"[data_quality]\nduplicate_rate = 0.6\nmissing_data_rate = 0.6\n", 1, "add up to more than 1.0"},
      {"[gateway\n", 1, ""},
  };
  for (const Case& c : cases) {
    try {
      parse_gateway_config(c.text, "gw.toml");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.file(), "gw.toml");
      EXPECT_EQ(e.line(), c.line) << c.text << ": " << e.what();
      EXPECT_NE(e.problem().find(c.problem), std::string::npos) << e.what();
    }
  }
}

TEST(Options, ParsesListenAddresses) {
  EXPECT_EQ(parse_listen("127.0.0.1:8765").port, 8765);
  EXPECT_EQ(parse_listen(":80").host, "0.0.0.0");
  EXPECT_EQ(parse_listen("[::1]:0").host, "::1");
  EXPECT_THROW(parse_listen("127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(parse_listen("127.0.0.1:70000"), std::invalid_argument);
  EXPECT_THROW(parse_listen("127.0.0.1:8x"), std::invalid_argument);
}

TEST(WsFrame, HeadersFollowRfc6455Lengths) {
  std::byte h[kMaxWsHeader];
  EXPECT_EQ(write_ws_header(h, WsOpcode::Text, 125), 2u);
  EXPECT_EQ(h[0], std::byte{0x81});
  EXPECT_EQ(h[1], std::byte{125});
  EXPECT_EQ(write_ws_header(h, WsOpcode::Binary, 126), 4u);
  EXPECT_EQ(h[0], std::byte{0x82});
  EXPECT_EQ(h[1], std::byte{126});
  EXPECT_EQ(h[2], std::byte{0});
  EXPECT_EQ(h[3], std::byte{126});
  EXPECT_EQ(write_ws_header(h, WsOpcode::Text, 65536), 10u);
  EXPECT_EQ(h[1], std::byte{127});
  EXPECT_EQ(h[7], std::byte{1});
  EXPECT_EQ(h[8], std::byte{0});
  EXPECT_EQ(make_text_frame("hi"), std::string("\x81\x02hi"));
}

TEST(JsonText, PricesAreExactDecimals) {
  std::string s;
  append_price(s, 18550, PriceScale{1, 2});
  s += ' ';
  append_price(s, 3, PriceScale{5, 2});
  s += ' ';
  append_price(s, -7, PriceScale{1, 4});
  s += ' ';
  append_price(s, 42, PriceScale{1, 0});
  EXPECT_EQ(s, "185.50 0.15 -0.0007 42");
  s.clear();
  append_quoted(s, "a\"b\\c\n");
  EXPECT_EQ(s, R"("a\"b\\c\u000a")");
}

TEST(DataQuality, RatesAreMetAndRunsRepeat) {
  DataQualityConfig c;
  c.enabled = true;
  c.missing_data_rate = 0.01;
  c.duplicate_rate = 0.02;
  c.out_of_order_rate = 0.05;
  DataQualityInjector a(c, 3), b(c, 3);
  int drop = 0, dup = 0, delay = 0;
  for (int i = 0; i < 100'000; ++i) {
    const Injection x = a.decide();
    ASSERT_EQ(x, b.decide()) << "same seed, same decisions";
    drop += x == Injection::Drop;
    dup += x == Injection::Duplicate;
    delay += x == Injection::Delay;
  }
  EXPECT_NEAR(drop, 1000, 150);
  EXPECT_NEAR(dup, 2000, 200);
  EXPECT_NEAR(delay, 5000, 300);
  EXPECT_FALSE(DataQualityInjector(DataQualityConfig{}).enabled());
  c.enabled = false;
  EXPECT_EQ(DataQualityInjector(c).decide(), Injection::None);
}

TEST(Subscription, DefaultIsEveryEventThenTheFirstSubscribeReplacesIt) {
  Subscription s(channel_names({"events", "aggregates"}).size());
  EXPECT_TRUE(s.is_default());
  EXPECT_TRUE(s.wants(event_channel(EventType::TradeExecuted), 123));
  EXPECT_FALSE(s.wants(kBookChannel, 0));
  EXPECT_FALSE(s.wants(ring_channel(1), 0));
  s.clear_default();
  EXPECT_FALSE(s.active());
  s.channel(kBookChannel).add(3);
  EXPECT_TRUE(s.wants(kBookChannel, 3));
  EXPECT_FALSE(s.wants(kBookChannel, 4));
  s.channel(kBookChannel).remove(3, 10);
  EXPECT_FALSE(s.wants_any(kBookChannel));
  s.channel(0).set_all();
  s.channel(0).remove(2, 5);  // all but one, of a universe of five
  EXPECT_TRUE(s.wants(0, 1));
  EXPECT_FALSE(s.wants(0, 2));
  EXPECT_TRUE(s.wants(0, 4));
}

TEST(Subscription, ChannelNamesAndRegistry) {
  const auto names = channel_names({"events", "aggregates"});
  ASSERT_EQ(names.size(), 11u);
  EXPECT_EQ(names[0], "OrderPlaced");
  EXPECT_EQ(names[8], "OrderCancelled");
  EXPECT_EQ(names[kBookChannel], "book");
  EXPECT_EQ(names[ring_channel(1)], "aggregates");
  SymbolRegistry r;
  EXPECT_EQ(r.intern("AAPL"), 0u);
  EXPECT_EQ(r.intern("MSFT"), 1u);
  EXPECT_EQ(r.intern("AAPL"), 0u);
  EXPECT_EQ(r.find("MSFT"), 1u);
  EXPECT_FALSE(r.find("ZZZ"));
}

}  // namespace
}  // namespace ringside::gateway
