// --type and --symbol of tail and export: names checked with messages that list
// the valid ones; tickers bound per symbol table.
#include "ringside/tools/event_filter.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/test_symbols.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {
namespace {

FrameHeader frame(EventType type, std::uint16_t symbol) {
  FrameHeader h{};
  h.type = type;
  h.symbol = SymbolId{symbol};
  return h;
}

TEST(EventFilterTest, PassesEverythingByDefault) {
  EventFilter f;
  f.bind(test::test_symbols());
  EXPECT_TRUE(f.all_types());
  EXPECT_EQ(f.types().size(), kEventTypeCount);
  for (const EventType t : kAllEventTypes) EXPECT_TRUE(f.accepts(frame(t, 2)));
  EXPECT_FALSE(f.accepts(frame(static_cast<EventType>(0), 0)));
  EXPECT_FALSE(f.accepts(frame(static_cast<EventType>(kMaxEventType + 1), 0)));
}

TEST(EventFilterTest, TypesByNameInListsOrRepeated) {
  EventFilter f;
  f.set_types({"TradeExecuted, QuoteUpdate", "MarketStats"});
  EXPECT_FALSE(f.all_types());
  EXPECT_EQ(f.types(), (std::vector<EventType>{EventType::TradeExecuted, EventType::QuoteUpdate, EventType::MarketStats}));
  EXPECT_TRUE(f.accepts(frame(EventType::QuoteUpdate, 0)));
  EXPECT_FALSE(f.accepts(frame(EventType::OrderPlaced, 0)));
}

TEST(EventFilterTest, UnknownTypeListsTheValidOnes) {
  EventFilter f;
  try {
    f.set_types({"TradeExecuted,Trades"});
    FAIL() << "accepted";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("--type: unknown event type 'Trades'"), std::string::npos) << what;
    EXPECT_NE(what.find("OrderPlaced, TradeExecuted, QuoteUpdate, OrderBookSnapshot, TradingHalt, TradingResume, "
                        "AgentAction, MarketStats, OrderCancelled"),
              std::string::npos)
        << what;
  }
}

TEST(EventFilterTest, TickersBindToTheTablesIds) {
  EventFilter f;
  f.set_tickers({"EURUSD,AAPL"});
  EXPECT_TRUE(f.bind(test::test_symbols()).empty());
  EXPECT_TRUE(f.accepts(frame(EventType::TradeExecuted, 0)));   // AAPL
  EXPECT_FALSE(f.accepts(frame(EventType::TradeExecuted, 1)));  // BRK.B
  EXPECT_TRUE(f.accepts(frame(EventType::TradeExecuted, 2)));   // EURUSD
  EXPECT_FALSE(f.accepts(frame(EventType::TradeExecuted, 99)));

  // Another table numbers them differently: bound again, by ticker.
  std::vector<Instrument> v(2);
  v[0].ticker = "EURUSD";
  v[1].ticker = "MSFT";
  const SymbolTable other(std::move(v));
  EXPECT_EQ(f.bind(other), std::vector<std::string>{"AAPL"});
  EXPECT_TRUE(f.accepts(frame(EventType::TradeExecuted, 0)));
  EXPECT_FALSE(f.accepts(frame(EventType::TradeExecuted, 1)));
}

TEST(EventFilterTest, UnknownTickerMessageNamesTheSourceAndSomeTickers) {
  const std::string message = unknown_symbol_message({"XYZ"}, test::test_symbols(), "ring 'events'");
  EXPECT_EQ(message, "ring 'events': unknown symbol 'XYZ' (it has 3: AAPL, BRK.B, EURUSD)");
  std::vector<Instrument> many(30);
  for (std::size_t i = 0; i < many.size(); ++i) {
    std::string ticker(1, 'T');
    ticker.append(std::to_string(i));
    many[i].ticker = std::move(ticker);
  }
  const std::string cut = unknown_symbol_message({"A", "B"}, SymbolTable(std::move(many)), "x.cap");
  EXPECT_NE(cut.find("x.cap: unknown symbols 'A', 'B' (it has 30: T0, T1,"), std::string::npos) << cut;
  EXPECT_NE(cut.find("T11, ...)"), std::string::npos) << cut;
}

TEST(EventFilterTest, SplitListTrimsAndDropsEmpties) {
  EXPECT_EQ(split_list({" a, b ,,c", "", "d"}), (std::vector<std::string>{"a", "b", "c", "d"}));
}

}  // namespace
}  // namespace ringside::tools
