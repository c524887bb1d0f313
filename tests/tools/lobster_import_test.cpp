// The LOBSTER importer on small hand-made samples: strict CSV reading (every
// error names file and line), prices in ticks, the opening book with the first
// message undone, orders from before the file, and executions as IOC orders.
#include "ringside/tools/lobster_import.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ringside/core/order_file.hpp"

namespace ringside::tools {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kNoAsk = 9'999'999'999;
constexpr std::int64_t kNoBid = -9'999'999'999;

// One orderbook row of two levels: {ask price, ask size, bid price, bid size} x 2.
std::string row(std::vector<std::int64_t> v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out;
}

class LobsterImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ringside_lobster_import_test." + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

  LobsterSample read(const std::string& messages, const std::string& books) {
    return read_lobster(write("AAPL_2012-06-21_0_1_message_2.csv", messages),
                        write("AAPL_2012-06-21_0_1_orderbook_2.csv", books));
  }

  // Expects reading to fail with "FILE:LINE: ..." containing `needle`.
  void expect_error(const std::string& messages, const std::string& books, const std::string& needle) {
    try {
      (void)read(messages, books);
      ADD_FAILURE() << "accepted, expected: " << needle;
    } catch (const LobsterError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }

  static LobsterImportOptions options() {
    LobsterImportOptions o;
    o.ticker = "AAPL";
    return o;
  }

  fs::path dir_;
};

// A book of bid 100.00 x 100, 99.99 x 50 and ask 100.01 x 200; messages below.
const std::string kOpening = row({1000100, 200, 1000000, 100, kNoAsk, 0, 999900, 50});

TEST_F(LobsterImportTest, ReadsMessagesAndBooks) {
  const LobsterSample s = read("34200.004241176,1,7,10,999800,1\r\n34200.5,3,7,10,999800,1\n",
                               row({1000100, 200, 1000000, 100, kNoAsk, 0, 999900, 50}) + "\n" +
                                   row({1000100, 200, 1000000, 100, kNoAsk, 0, 999900, 50}));
  ASSERT_EQ(s.messages.size(), 2u);
  EXPECT_EQ(s.levels, 2u);
  EXPECT_EQ(s.messages[0].time_ns, 34'200'004'241'176);
  EXPECT_EQ(s.messages[1].time_ns, 34'200'500'000'000);
  EXPECT_EQ(s.messages[0].type, LobsterEvent::Submission);
  EXPECT_EQ(s.messages[1].line, 2u);
  EXPECT_EQ(s.messages[1].type, LobsterEvent::Deletion);
  ASSERT_EQ(s.books[0].asks.size(), 1u);  // the empty second ask level is not a level
  ASSERT_EQ(s.books[0].bids.size(), 2u);
  EXPECT_EQ(s.books[0].bids[1], (LobsterLevel{999900, 50}));
}

TEST_F(LobsterImportTest, BadInputNamesFileAndLine) {
  const std::string m = "AAPL_2012-06-21_0_1_message_2.csv:";
  const std::string b = "AAPL_2012-06-21_0_1_orderbook_2.csv:";
  const std::string good = "34200.1,1,7,10,999800,1\n";
  const std::string book = kOpening + "\n";
  expect_error(good + "34200.2,1,8,10,999800\n", book + book, m + "2: expected 6 columns");
  expect_error(good + "34200.2,1,8,ten,999800,1\n", book + book, m + "2: size: 'ten' is not an integer");
  expect_error(good + "34200.2,9,8,10,999800,1\n", book + book, m + "2: type: unknown event type 9");
  expect_error(good + "x,1,8,10,999800,1\n", book + book, m + "2: time: 'x' is not seconds after midnight");
  expect_error(good + "34200.2,1,8,10,999800,0\n", book + book, m + "2: direction: 0");
  expect_error(good + "34200.2,1,8,0,999800,1\n", book + book, m + "2: size: 0 for a submission");
  expect_error(good + "34200.2,1,8,10,-5,1\n", book + book, m + "2: price: -5 is not positive");
  expect_error(good + "\n34200.2,1,8,10,999800,1\n", book + book + book, m + "2: empty line");
  expect_error(good + "34200.2,1,99999999999999999999,10,999800,1\n", book + book,
               m + "2: order id: '99999999999999999999' is out of range");
  expect_error(good + "34200.2,1,8,10000000000000,999800,1\n", book + book, m + "2: size: 10000000000000 is too large");
  expect_error(good + good, book + "1,2,3\n", b + "2: expected 8 columns like the first row, found 3");
  expect_error(good + good, "1,2,3\n" + book, b + "1: 3 columns, not 4 per level");
  expect_error(good + good, book, b + "1: ends after 1 rows, but");
  expect_error(good, book + book, b + "2: more rows than the 1 messages");
  expect_error(good + good, book + row({1000100, 200, 1000000, 100, 1000000, 5, 999900, 50}) + "\n",
               b + "2: ask level 2 price 1000000 is not worse than the level above");
  expect_error(good + good, book + row({kNoAsk, 0, 1000000, 100, 1000100, 5, 999900, 50}) + "\n",
               b + "2: ask level 2 is occupied below an empty level");
  expect_error(good + good, book + row({1000100, -1, 1000000, 100, kNoAsk, 0, 999900, 50}) + "\n",
               b + "2: ask level 1 size -1 is negative");
  expect_error("", book, m + "1: no messages");
  try {
    (void)read_lobster(dir_ / "absent.csv", dir_ / "absent2.csv");
    ADD_FAILURE() << "read a missing file";
  } catch (const LobsterError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.csv: cannot read"), std::string::npos) << e.what();
  }
}

TEST_F(LobsterImportTest, PricesBecomeTicksOrAreRefusedOffTheGrid) {
  EXPECT_EQ(lobster_ticks(5853300, {1, 2}), 58533);
  EXPECT_EQ(lobster_ticks(5853350, {1, 2}), std::nullopt);
  EXPECT_EQ(lobster_ticks(5853500, {5, 2}), 11707);
  EXPECT_EQ(lobster_ticks(5853300, {5, 2}), std::nullopt);
  EXPECT_EQ(lobster_ticks(5853350, {1, 4}), 5853350);
  EXPECT_EQ(lobster_ticks(5853350, {1, 6}), 585335000);
  EXPECT_EQ(lobster_ticks(5850000, {1, 0}), 585);
  EXPECT_EQ(lobster_ticks(5853300, {0, 2}), std::nullopt);

  EXPECT_EQ(parse_tick_size("0.01"), (PriceScale{1, 2}));
  EXPECT_EQ(parse_tick_size("0.05"), (PriceScale{5, 2}));
  EXPECT_EQ(parse_tick_size("0.010"), (PriceScale{1, 2}));
  EXPECT_EQ(parse_tick_size("1"), (PriceScale{1, 0}));
  EXPECT_EQ(parse_tick_size("0.0001"), (PriceScale{1, 4}));
  EXPECT_EQ(parse_tick_size("2.5"), (PriceScale{25, 1}));
  for (const char* bad : {"", "0", "0.00", "-0.01", "abc", "1e-2", ".01", "0.", "0.0000000001"}) {
    EXPECT_THROW(parse_tick_size(bad), InputError) << bad;
  }

  const LobsterSample off_grid = read("34200.1,1,7,10,999850,1\n", kOpening + "\n");
  try {
    (void)import_lobster(off_grid, options());
    ADD_FAILURE() << "imported a price off the grid";
  } catch (const LobsterError& e) {
    EXPECT_NE(std::string(e.what()).find("message_2.csv:1: price 999850 ($99.9850) is not on the tick grid of 0.01"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(LobsterImportTest, FileNamesGiveTickerAndNewYorkMidnight) {
  const auto name = parse_lobster_file_name("/x/AAPL_2012-06-21_34200000_57600000_message_10.csv");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->ticker, "AAPL");
  EXPECT_EQ(name->month, 6);
  EXPECT_FALSE(parse_lobster_file_name("/x/message.csv"));
  EXPECT_FALSE(parse_lobster_file_name("/x/AAPL_2012-13-21_1_2_message_10.csv"));
  // 2012-06-21 is in daylight saving time (UTC-4), 2012-01-03 is not (UTC-5).
  EXPECT_EQ(new_york_midnight_ns(2012, 6, 21), std::int64_t{1'340'251'200} * 1'000'000'000);
  EXPECT_EQ(new_york_midnight_ns(2012, 1, 3), std::int64_t{1'325'566'800} * 1'000'000'000);
  // The changes happen at 2 am on the second Sunday of March and the first of November.
  constexpr std::int64_t kHour = 3'600'000'000'000;
  EXPECT_EQ(*new_york_midnight_ns(2012, 3, 12) - *new_york_midnight_ns(2012, 3, 11), 23 * kHour);
  EXPECT_EQ(*new_york_midnight_ns(2012, 11, 5) - *new_york_midnight_ns(2012, 11, 4), 25 * kHour);
  EXPECT_FALSE(new_york_midnight_ns(2012, 2, 30));
}

const NewOrderRequest& new_order(const LobsterImport& imp, std::size_t i) {
  return std::get<NewOrderRequest>(imp.requests.at(i));
}
const CancelOrderRequest& cancel_of(const LobsterImport& imp, std::size_t i) {
  return std::get<CancelOrderRequest>(imp.requests.at(i));
}

TEST_F(LobsterImportTest, TheOpeningBookIsTheFirstRowWithTheFirstSubmissionUndone) {
  // Message 1 adds 30 at the best bid 100.00: the seed rests 70 there, then the submission 30.
  const LobsterSample s = read("34200.1,1,7,30,1000000,1\n", kOpening + "\n");
  LobsterImportOptions o = options();
  o.midnight_ns = 1'000'000'000'000;
  const LobsterImport imp = import_lobster(s, o);
  ASSERT_EQ(imp.seed_requests, 3u);  // two bids, best first, then the ask
  EXPECT_EQ(new_order(imp, 0).price, 10000);
  EXPECT_EQ(new_order(imp, 0).quantity, 70u);
  EXPECT_EQ(new_order(imp, 0).agent, kLobsterSeedAgent);
  EXPECT_EQ(new_order(imp, 0).client_order_id, kLobsterImporterIds);
  EXPECT_EQ(new_order(imp, 1).price, 9999);
  EXPECT_EQ(new_order(imp, 2).side, Side::Sell);
  EXPECT_EQ(new_order(imp, 2).quantity, 200u);
  const NewOrderRequest& sub = new_order(imp, 3);
  EXPECT_EQ(sub.client_order_id, 7u);
  EXPECT_EQ(sub.quantity, 30u);
  EXPECT_EQ(sub.agent, kLobsterSubmissionAgent);
  EXPECT_EQ(sub.time_in_force, TimeInForce::GTC);
  EXPECT_EQ(sub.header.event_time_ns, 1'000'000'000'000 + 34'200'100'000'000);
  EXPECT_EQ(imp.requests_after, (std::vector<std::size_t>{4}));
  EXPECT_EQ(imp.symbols[SymbolId{0}].initial_price, (10001 + 10000) / 2);
  EXPECT_EQ(imp.symbols[SymbolId{0}].ticker, "AAPL");
  EXPECT_EQ(imp.stats.seed_orders, 3u);
}

TEST_F(LobsterImportTest, AFirstMessageAboutAnOlderOrderTakesItsSharesFromTheSeed) {
  // Message 1 deletes 20 of an unknown bid at 100.00: the seed rests 120, then loses 20.
  const LobsterSample s = read("34200.1,3,5,20,1000000,1\n", kOpening + "\n");
  const LobsterImport imp = import_lobster(s, options());
  EXPECT_EQ(new_order(imp, 0).quantity, 120u);
  const CancelOrderRequest& c = cancel_of(imp, 3);
  EXPECT_EQ(c.client_order_id, new_order(imp, 0).client_order_id);
  EXPECT_EQ(c.reduce_by, 20u);
  EXPECT_EQ(c.agent, kLobsterSeedAgent);
  EXPECT_EQ(imp.stats.unknown_order_messages, 1u);
  EXPECT_EQ(imp.stats.reduces, 1u);
  EXPECT_EQ(imp.requests.size(), 4u);
}

TEST_F(LobsterImportTest, ExecutionsAreIocOrdersFromTheOtherSide) {
  // Message 1 executes 50 of the ask at 100.01 (a buyer-initiated trade).
  const LobsterSample s = read("34200.1,4,5,50,1000100,-1\n", kOpening + "\n");
  const LobsterImport imp = import_lobster(s, options());
  EXPECT_EQ(new_order(imp, 2).quantity, 250u);  // the seed ask, before the execution
  const NewOrderRequest& ioc = new_order(imp, 3);
  EXPECT_EQ(ioc.side, Side::Buy);
  EXPECT_EQ(ioc.time_in_force, TimeInForce::IOC);
  EXPECT_EQ(ioc.price, 10001);
  EXPECT_EQ(ioc.quantity, 50u);
  EXPECT_EQ(ioc.agent, kLobsterExecutionAgent);
  EXPECT_EQ(imp.stats.missing_shares, 0u);
}

TEST_F(LobsterImportTest, AnExecutionTheEngineFillsFromOlderSharesLeavesTheNamedOrderAsAnonymous) {
  // Order 7 joins 100 seed shares at 100.00 and LOBSTER says 7 was executed. The
  // engine fills the seed first (time priority), so 7's engine order now carries
  // 60 of the anonymous shares; deleting those 100 anonymous shares later cancels
  // the seed's 40 and 7's 60.
  const LobsterSample s = read("34200.1,1,7,60,1000000,1\n"
                               "34200.2,4,7,60,1000000,1\n"
                               "34200.3,3,5,100,1000000,1\n",
                               row({1000100, 200, 1000000, 160, kNoAsk, 0, 999900, 50}) + "\n" +
                                   row({1000100, 200, 1000000, 100, kNoAsk, 0, 999900, 50}) + "\n" +
                                   row({1000100, 200, 999900, 50, kNoAsk, 0, kNoBid, 0}) + "\n");
  const LobsterImport imp = import_lobster(s, options());
  ASSERT_EQ(imp.requests.size(), 7u);
  const std::uint64_t seed = new_order(imp, 0).client_order_id;
  EXPECT_EQ(new_order(imp, 0).quantity, 100u);
  EXPECT_EQ(new_order(imp, 3).client_order_id, 7u);
  EXPECT_EQ(new_order(imp, 4).side, Side::Sell);  // the IOC against the bids
  EXPECT_EQ(cancel_of(imp, 5).client_order_id, seed);
  EXPECT_EQ(cancel_of(imp, 5).reduce_by, 0u);
  EXPECT_EQ(cancel_of(imp, 6).client_order_id, 7u);
  EXPECT_EQ(cancel_of(imp, 6).reduce_by, 0u);
  EXPECT_EQ(cancel_of(imp, 6).agent, kLobsterSubmissionAgent);
  EXPECT_EQ(imp.requests_after, (std::vector<std::size_t>{4, 5, 7}));
  EXPECT_EQ(imp.stats.reassigned_shares, 0u);
  EXPECT_EQ(imp.stats.missing_shares, 0u);
  EXPECT_EQ(imp.stats.unknown_order_messages, 1u);
  EXPECT_EQ(imp.stats.revealed_orders, 0u);
}

TEST_F(LobsterImportTest, LiquidityThatComesIntoViewRestsAnonymouslyAndSharesAtAPriceAreInterchangeable) {
  // Row 2 shows 50 more at 100.00 with no message (an order from before the file):
  // they rest behind order 7. An execution of that older order fills 7 in the
  // engine, so deleting 7 takes 7's last 10 and the anonymous order's 50.
  const LobsterSample s = read("34200.1,1,7,60,1000000,1\n"
                               "34200.2,5,0,100,1000500,-1\n"
                               "34200.3,4,5,50,1000000,1\n"
                               "34200.4,3,7,60,1000000,1\n",
                               row({1000100, 200, 1000000, 60, kNoAsk, 0, 999900, 50}) + "\n" +
                                   row({1000100, 200, 1000000, 110, kNoAsk, 0, 999900, 50}) + "\n" +
                                   row({1000100, 200, 1000000, 60, kNoAsk, 0, 999900, 50}) + "\n" +
                                   row({1000100, 200, 999900, 50, kNoAsk, 0, kNoBid, 0}) + "\n");
  const LobsterImport imp = import_lobster(s, options());
  ASSERT_EQ(imp.seed_requests, 2u);
  EXPECT_EQ(imp.requests_after, (std::vector<std::size_t>{3, 4, 5, 7}));
  const NewOrderRequest& revealed = new_order(imp, 3);
  EXPECT_EQ(revealed.agent, kLobsterSeedAgent);
  EXPECT_EQ(revealed.price, 10000);
  EXPECT_EQ(revealed.quantity, 50u);
  EXPECT_EQ(new_order(imp, 4).time_in_force, TimeInForce::IOC);
  EXPECT_EQ(cancel_of(imp, 5).client_order_id, 7u);
  EXPECT_EQ(cancel_of(imp, 5).reduce_by, 0u);  // 7 had 10 left in the engine
  EXPECT_EQ(cancel_of(imp, 6).client_order_id, revealed.client_order_id);
  EXPECT_EQ(cancel_of(imp, 6).reduce_by, 0u);
  EXPECT_EQ(imp.stats.revealed_orders, 1u);
  EXPECT_EQ(imp.stats.revealed_shares, 50u);
  EXPECT_EQ(imp.stats.reassigned_shares, 50u);
  EXPECT_EQ(imp.stats.by_type[static_cast<int>(LobsterEvent::HiddenExecution)], 1u);
  EXPECT_EQ(imp.stats.frames(), imp.requests.size());
}

TEST_F(LobsterImportTest, MessagesThatContradictEarlierOnesAreRefusedWithTheirLine) {
  const std::string book = kOpening + "\n";
  const auto import_error = [&](const std::string& messages, const std::string& books) -> std::string {
    try {
      (void)import_lobster(read(messages, books), options());
    } catch (const LobsterError& e) {
      return e.what();
    }
    return "accepted";
  };
  const std::string moved = import_error("34200.1,1,7,30,1000000,1\n34200.2,3,7,30,999900,1\n",
                                         row({1000100, 200, 1000000, 130, kNoAsk, 0, 999900, 50}) + "\n" + book);
  EXPECT_NE(moved.find("message_2.csv:2: order 7 was submitted at line 1 as a buy order at 10000 ticks; this "
                       "message has it as a buy order at 9999 ticks"),
            std::string::npos)
      << moved;
  const std::string twice = import_error("34200.1,1,7,30,1000000,1\n34200.2,1,7,30,1000000,1\n", book + book);
  EXPECT_NE(twice.find(":2: order 7 is submitted again while it rests (submitted at line 1)"), std::string::npos)
      << twice;
  const std::string huge_id = import_error("34200.1,1,999999999999,30,1000000,1\n", book);
  EXPECT_NE(huge_id.find(":1: order id 999999999999 is out of range"), std::string::npos) << huge_id;
}

// Damaged CSV is refused with a LobsterError (or imported, when the damage still
// makes sense); nothing else escapes and nothing crashes.
TEST_F(LobsterImportTest, RandomDamageIsRefusedCleanly) {
  const std::string messages = "34200.1,1,7,30,1000000,1\n34200.2,4,7,10,1000000,1\n34200.3,3,5,20,1000100,-1\n";
  const std::string books = row({1000100, 200, 1000000, 130, kNoAsk, 0, 999900, 50}) + "\n" +
                            row({1000100, 200, 1000000, 120, kNoAsk, 0, 999900, 50}) + "\n" +
                            row({1000100, 180, 1000000, 120, kNoAsk, 0, 999900, 50}) + "\n";
  const std::string alphabet = ",-.0123456789\nx";
  std::uint64_t state = 99;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  int refused = 0;
  for (int i = 0; i < 400; ++i) {
    std::string m = messages;
    std::string b = books;
    std::string& victim = next() % 2 ? m : b;
    for (std::size_t f = 1 + next() % 3; f > 0; --f) {
      victim[next() % victim.size()] = alphabet[next() % alphabet.size()];
    }
    try {
      (void)import_lobster(read(m, b), options());
    } catch (const LobsterError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 200);
}

TEST_F(LobsterImportTest, TheOrderFileHoldsTheRequests) {
  const LobsterImport imp = import_lobster(read("34200.1,1,7,30,1000000,1\n", kOpening + "\n"), options());
  const fs::path file = dir_ / "out.orders";
  write_order_file(imp, file);
  const OrderFile f = read_order_file(file);
  EXPECT_EQ(f.count, imp.requests.size());
  EXPECT_EQ(f.symbols, imp.symbols);
  NewOrderRequest last;
  std::memcpy(&last, f.frames.data() + f.frames.size() - sizeof last, sizeof last);
  EXPECT_EQ(last.client_order_id, 7u);
  EXPECT_EQ(header_of(imp.requests.back()).length, sizeof(NewOrderRequest));
}

}  // namespace
}  // namespace ringside::tools
