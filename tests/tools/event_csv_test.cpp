// The CSV tables of `ringside export`: one header per type, columns named as the
// seed JSON's fields, values equal to the JSON encoder's text (prices exact),
// snapshots in long form, agent details as the JSON object, RFC 4180 quoting.
#include "ringside/tools/event_csv.hpp"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/test_symbols.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/core/sample_events.hpp"

namespace ringside::tools {
namespace {

using Row = std::vector<std::string>;

// RFC 4180 rows: fields split at commas outside quotes, "" inside quotes is one quote.
std::vector<Row> parse_csv(std::string_view text) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false;
  bool at_field_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"' && at_field_start) {
      quoted = true;
      at_field_start = false;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      at_field_start = true;
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      at_field_start = true;
    } else {
      field += c;
      at_field_start = false;
    }
  }
  EXPECT_TRUE(field.empty() && row.empty()) << "text does not end with a line end";
  return rows;
}

// The raw text of the value of "key" in a flat JSON object (strings without their quotes).
std::string raw_json_value(std::string_view object, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":";
  const auto at = object.find(needle);
  if (at == std::string_view::npos) return "<missing " + std::string(key) + ">";
  std::size_t p = at + needle.size();
  if (object[p] == '"') return std::string(object.substr(p + 1, object.find('"', p + 1) - p - 1));
  if (object[p] == '{') return std::string(object.substr(p, object.find('}', p) - p + 1));
  const auto end = object.find_first_of(",}", p);
  return std::string(object.substr(p, end - p));
}

class EventCsvTest : public ::testing::Test {
 protected:
  SymbolTable symbols_ = test::test_symbols();

  std::vector<Row> rows(EventCsv& csv, const FrameHeader& frame, std::size_t* count = nullptr) {
    std::vector<char> buffer(EventCsv::kMaxRowsBytes);
    std::size_t n = 0;
    char* end = csv.write_rows(buffer.data(), frame, n);
    EXPECT_LE(static_cast<std::size_t>(end - buffer.data()), EventCsv::kMaxRowsBytes);
    if (count != nullptr) *count = n;
    std::vector<Row> parsed = parse_csv(std::string_view(buffer.data(), static_cast<std::size_t>(end - buffer.data())));
    EXPECT_EQ(parsed.size(), n);
    return parsed;
  }
};

TEST_F(EventCsvTest, HeadersNameTheSeedFields) {
  const std::string common = "seq,event_time,event_time_ns,publish_time_ns,symbol,";
  const std::map<EventType, std::string> expected = {
      {EventType::OrderPlaced, "order_id,side,order_type,price,quantity,agent_id,agent_type,time_in_force"},
      {EventType::TradeExecuted,
       "trade_id,price,quantity,buyer_order_id,seller_order_id,buyer_agent_id,seller_agent_id,aggressor_side"},
      {EventType::QuoteUpdate, "bid_price,bid_size,ask_price,ask_size,spread,mid_price"},
      {EventType::OrderBookSnapshot, "sequence_number,bid_count,ask_count,side,level,price,quantity"},
      {EventType::TradingHalt, "reason,level,trigger_price,reference_price,decline_pct,halt_duration_secs"},
      {EventType::TradingResume, "halted_at,halted_at_ns,halt_duration_secs,level"},
      {EventType::AgentAction, "agent_id,agent_type,action,details"},
      {EventType::MarketStats, "open,high,low,last,volume,trade_count,vwap,turnover"},
      {EventType::OrderCancelled, "order_id,side,price,remaining_quantity,agent_id,reason"},
      {EventType::TradeAggregate,
       "window_start,window_end,window_size,total_volume,total_value,vwap,trade_count,buy_count,sell_count,"
       "buy_sell_ratio,high_price,low_price,open_price,close_price,computed_at,revision,input_gap"},
      {EventType::PriceAlert,
       "alert_type,direction,baseline_price,current_price,pct_change,window_start_ms,detected_at_ms,severity"},
      {EventType::OrderBookMetrics,
       "timestamp_ms,best_bid,best_ask,mid_price,spread,spread_bps,bid_depth_5,ask_depth_5,imbalance_5,bid_depth_10,"
       "ask_depth_10,imbalance_10,bid_depth_20,ask_depth_20,imbalance_20,sequence_number,bid_levels,ask_levels"},
      {EventType::EnrichedTrade,
       "trade_id,price,quantity,buyer_order_id,seller_order_id,buyer_agent_id,seller_agent_id,aggressor_side,"
       "company_name,sector,industry,market_cap_tier,listed_exchange,enriched_at_ms"},
      {EventType::OrderFlowImbalance,
       "window_start,window_end,window_size,ofi,bid_flow,ask_flow,update_count,ofi_normalized,best_bid,best_ask,"
       "bid_size,ask_size,input_gap"},
  };
  for (const EventType type : kAllEventTypes) {
    EXPECT_EQ(EventCsv::header(type), common + expected.at(type)) << to_string(type);
    EXPECT_EQ(EventCsv::columns(type).size(), parse_csv(std::string(EventCsv::header(type)) + "\n").at(0).size());
  }
  EXPECT_EQ(EventCsv::header(static_cast<EventType>(0)), "");
}

TEST_F(EventCsvTest, TradeRowWithExactPrice) {
  EventCsv csv(symbols_);
  TradeExecuted t{};
  init_header(t, SymbolId{1}, 1'767'623'400'123'456'789);  // 2026-01-05T14:30:00.123456789Z
  t.header.sequence = 4711;
  t.header.publish_time_ns = 1'767'623'400'123'999'000;
  t.trade_id = TradeId{42};
  t.buyer_order_id = OrderId{1};
  t.seller_order_id = OrderId{2};
  t.price = 1617;  // 0.05 ticks: 80.85
  t.quantity = 100;
  t.buyer_agent = make_agent_id(AgentType::Retail, 42);
  t.seller_agent = make_agent_id(AgentType::MarketMaker, 3);
  t.aggressor_side = Side::Sell;
  const auto r = rows(csv, t.header);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], (Row{"4711", "2026-01-05T14:30:00.123456Z", "1767623400123456789", "1767623400123999000", "BRK.B",
                       "72696e67-0002-4000-8000-00000000002a", "80.85", "100", "72696e67-0001-4000-8000-000000000001",
                       "72696e67-0001-4000-8000-000000000002", "retail-0042", "mm-003", "Sell"}));
}

TEST_F(EventCsvTest, SnapshotIsOneRowPerLevel) {
  EventCsv csv(symbols_);
  OrderBookSnapshot s{};
  init_header(s, SymbolId{0}, 0, snapshot_frame_length(2, 1));
  s.header.sequence = 9;
  s.sequence_number = 812;
  s.bid_count = 2;
  s.ask_count = 1;
  s.levels[0] = {18500, 300};
  s.levels[1] = {18499, 100};
  s.levels[2] = {18502, 50};
  std::size_t n = 0;
  const auto r = rows(csv, s.header, &n);
  ASSERT_EQ(n, 3u);
  const Row common = {"9", "1970-01-01T00:00:00.000000Z", "0", "0", "AAPL", "812", "2", "1"};
  const auto with = [&](Row tail) {
    Row row = common;
    row.insert(row.end(), tail.begin(), tail.end());
    return row;
  };
  EXPECT_EQ(r[0], with({"bid", "1", "185.00", "300"}));
  EXPECT_EQ(r[1], with({"bid", "2", "184.99", "100"}));
  EXPECT_EQ(r[2], with({"ask", "1", "185.02", "50"}));

  // An empty book still shows up: one row, level columns empty.
  s.bid_count = 0;
  s.ask_count = 0;
  s.header.length = snapshot_frame_length(0, 0);
  const auto empty = rows(csv, s.header, &n);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(empty[0], (Row{"9", "1970-01-01T00:00:00.000000Z", "0", "0", "AAPL", "812", "0", "0", "", "", "", ""}));
}

TEST_F(EventCsvTest, AgentDetailsAreTheSeedJsonObjectQuoted) {
  EventCsv csv(symbols_);
  AgentAction a{};
  init_header(a, SymbolId{0}, 0, agent_action_frame_length(3));
  a.agent = make_agent_id(AgentType::Informed, 5);
  a.action = AgentActionKind::PlaceOrder;
  a.detail_count = 3;
  a.details[0] = {DetailKey::Side, {}, 1};
  a.details[1] = {DetailKey::Price, {}, 18510};
  a.details[2] = {DetailKey::OrderId, {}, 7};
  std::vector<char> buffer(EventCsv::kMaxRowsBytes);
  std::size_t n = 0;
  const char* end = csv.write_rows(buffer.data(), a.header, n);
  const std::string text(static_cast<const char*>(buffer.data()), end);
  EXPECT_NE(text.find(",informed-005,Informed,PlaceOrder,\"{\"\"side\"\":\"\"Sell\"\",\"\"price\"\":185.10,"
                      "\"\"order_id\"\":\"\"72696e67-0001-4000-8000-000000000007\"\"}\"\n"),
            std::string::npos)
      << text;
  const auto r = parse_csv(text);
  const auto details = nlohmann::json::parse(r.at(0).back());
  EXPECT_EQ(details["side"], "Sell");
  EXPECT_EQ(details["order_id"], "72696e67-0001-4000-8000-000000000007");
}

TEST_F(EventCsvTest, TickersWithCommasOrQuotesAreQuoted) {
  std::vector<Instrument> v(1);
  v[0].ticker = "A,\"B";
  v[0].scale = {1, 2};
  const SymbolTable odd(std::move(v));
  EventCsv csv(odd);
  QuoteUpdate q{};
  init_header(q, SymbolId{0}, 0);
  std::vector<char> buffer(EventCsv::kMaxRowsBytes);
  std::size_t n = 0;
  const char* end = csv.write_rows(buffer.data(), q.header, n);
  const std::string text(static_cast<const char*>(buffer.data()), end);
  EXPECT_NE(text.find(",\"A,\"\"B\","), std::string::npos) << text;
  EXPECT_EQ(parse_csv(text).at(0).at(4), "A,\"B");
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a\nb"), "\"a\nb\"");
}

// Every column of every type against the JSON encoder's text of the same frame,
// over random frames including extreme values: the tables say what the JSON says.
TEST_F(EventCsvTest, EveryColumnMatchesTheJsonEncoder) {
  EventCsv csv(symbols_);
  JsonEncoder json(symbols_);
  SampleEvents samples(symbols_, 2026, 1'767'623'400'000'000'000);
  for (int i = 0; i < 4000; ++i) {
    samples.set_extremes(i % 2 == 1);
    const FrameHeader& frame = samples.make(kAllEventTypes[static_cast<std::size_t>(i) % kEventTypeCount]);
    const Encoded encoded = json.encode(frame);
    ASSERT_TRUE(encoded) << to_string(encoded.error);
    const std::string envelope(encoded.bytes);
    const std::string data = envelope.substr(envelope.find("\"data\":") + 7);
    const std::vector<std::string> columns = EventCsv::columns(frame.type);
    std::size_t n = 0;
    const auto r = rows(csv, frame, &n);
    ASSERT_GE(r.size(), 1u);
    for (const Row& row : r) {
      ASSERT_EQ(row.size(), columns.size()) << envelope;
      EXPECT_EQ(row[0], std::to_string(frame.sequence));
      EXPECT_EQ(row[1], raw_json_value(envelope, "timestamp"));
      EXPECT_EQ(row[2], std::to_string(frame.event_time_ns));
      EXPECT_EQ(row[3], std::to_string(frame.publish_time_ns));
      EXPECT_EQ(row[4], raw_json_value(data, "symbol"));
    }
    const auto& e = r[0];
    switch (frame.type) {
      case EventType::OrderBookSnapshot: {
        const auto& s = reinterpret_cast<const OrderBookSnapshot&>(frame);
        EXPECT_EQ(n, std::max<std::size_t>(1, std::size_t{s.bid_count} + s.ask_count));
        // "bids":[{"price":P,"quantity":Q},...]: the levels' texts in order.
        std::vector<std::string> levels;
        for (std::size_t at = data.find("{\"price\":"); at != std::string::npos; at = data.find("{\"price\":", at + 1)) {
          const std::string level = data.substr(at, data.find('}', at) - at + 1);
          levels.push_back(raw_json_value(level, "price") + "/" + raw_json_value(level, "quantity"));
        }
        ASSERT_EQ(levels.size(), std::size_t{s.bid_count} + s.ask_count);
        for (std::size_t k = 0; k < levels.size(); ++k) {
          EXPECT_EQ(r[k][8], k < s.bid_count ? "bid" : "ask");
          EXPECT_EQ(r[k][9], std::to_string(k < s.bid_count ? k + 1 : k - s.bid_count + 1));
          EXPECT_EQ(r[k][10] + "/" + r[k][11], levels[k]);
          EXPECT_EQ(r[k][5], raw_json_value(data, "sequence_number"));
        }
        break;
      }
      case EventType::OrderPlaced: {
        for (std::size_t c = 5; c + 1 < columns.size(); ++c) EXPECT_EQ(e[c], raw_json_value(data, columns[c])) << columns[c];
        const auto& o = reinterpret_cast<const OrderPlaced&>(frame);
        EXPECT_EQ(e.back(), to_string(o.time_in_force));  // binary only: the seed JSON has no time in force
        break;
      }
      case EventType::TradingResume: {
        const auto& t = reinterpret_cast<const TradingResume&>(frame);
        EXPECT_EQ(e[5], raw_json_value(data, "halted_at"));
        EXPECT_EQ(e[6], std::to_string(t.halted_at_ns));
        EXPECT_EQ(e[7], raw_json_value(data, "halt_duration_secs"));
        EXPECT_EQ(e[8], raw_json_value(data, "level"));
        break;
      }
      case EventType::TradeAggregate:
        for (std::size_t c = 5; c < columns.size(); ++c) {
          const std::string value = raw_json_value(data, columns[c]);
          EXPECT_EQ(e[c], value == "null" ? "" : value) << columns[c] << " in " << envelope;  // no sells: empty
        }
        break;
      case EventType::EnrichedTrade: {
        // Reference texts may hold quotes and backslashes: strings compare with the
        // JSON's parsed strings, numbers with their exact digits.
        const nlohmann::json parsed = nlohmann::json::parse(envelope).at("data");
        for (std::size_t c = 5; c < columns.size(); ++c) {
          const nlohmann::json& value = parsed.at(columns[c]);
          EXPECT_EQ(e[c], value.is_string() ? value.get<std::string>() : raw_json_value(data, columns[c]))
              << columns[c] << " in " << envelope;
        }
        break;
      }
      default:
        for (std::size_t c = 5; c < columns.size(); ++c) {
          EXPECT_EQ(e[c], raw_json_value(data, columns[c])) << to_string(frame.type) << "." << columns[c] << " in " << envelope;
        }
    }
  }
}

}  // namespace
}  // namespace ringside::tools
