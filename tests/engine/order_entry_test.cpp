// Order entry: clients' rings into the engine and reports back.
//
// In-process: the server on a thread of its own, the client library in the test,
// for the rejections that need hand-made frames. Across processes: the real
// ringside-engine and `ringside orders`, with the live ring read back.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine_fixture.hpp"
#include "ringside/engine/order_entry_server.hpp"
#include "ringside/shm/order_entry_client.hpp"
#include "ringside/shm/reader.hpp"
#include "shm/process.hpp"

namespace ringside::engine {
namespace {

using namespace std::chrono_literals;
using shm::test::Child;

class OrderEntryTest : public shm::test::RingTest {
 protected:
  void SetUp() override {
    RingTest::SetUp();
    config_ = embedded_test_config();
    ExchangeOptions options;
    options.max_orders = 1 << 14;
    options.snapshot_interval_ticks = 0;
    options.stats_interval_ticks = 0;
    exchange_ = std::make_unique<Exchange>(config_.symbols, sink_, options);
  }
  void TearDown() override {
    stop_server();
    RingTest::TearDown();
  }

  void start_server(std::uint64_t report_capacity = 4 << 20) {
    server_thread_ = std::thread([this, report_capacity] {
      OrderEntryServer server(*exchange_, report_capacity);
      std::int64_t t = 1'000'000;
      while (!stop_.load()) {
        server.discover();
        for (int i = 0; i < 50; ++i) server.poll(t += 1000);
        std::this_thread::sleep_for(1ms);
      }
    });
  }
  void stop_server() {
    stop_.store(true);
    if (server_thread_.joinable()) server_thread_.join();
  }
  std::vector<ExecutionReport> reports(shm::OrderEntryClient& c, std::size_t n) {
    std::vector<ExecutionReport> out;
    while (out.size() < n) {
      auto r = c.wait(5s);
      if (!r) break;
      out.push_back(*r);
    }
    return out;
  }

  ExchangeConfig config_;
  BufferSink sink_;
  std::unique_ptr<Exchange> exchange_;
  std::thread server_thread_;
  std::atomic<bool> stop_{false};
};

TEST_F(OrderEntryTest, ReportsNewFillsAndCancelsForAClient) {
  start_server();
  auto alice = shm::OrderEntryClient::connect("alice");
  auto bob = shm::OrderEntryClient::connect("bob");
  const SymbolId aapl = alice.symbol("AAPL");
  alice.send_limit(aapl, Side::Sell, 18500, 100, 1);
  alice.send_limit(aapl, Side::Sell, 18505, 100, 2);
  auto a = reports(alice, 2);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].exec_type, ExecType::New);
  EXPECT_EQ(a[0].leaves_quantity, 100u);

  bob.send_limit(aapl, Side::Buy, 18505, 150, 7, TimeInForce::IOC);
  auto b = reports(bob, 3);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].exec_type, ExecType::New);
  EXPECT_EQ(b[1].exec_type, ExecType::PartiallyFilled);
  EXPECT_EQ(b[1].last_price, 18500);
  EXPECT_EQ(b[1].last_quantity, 100u);
  EXPECT_EQ(b[2].exec_type, ExecType::Filled);
  EXPECT_EQ(b[2].last_price, 18505);
  EXPECT_EQ(b[2].cumulative_quantity, 150u);
  EXPECT_EQ(b[2].leaves_quantity, 0u);
  EXPECT_EQ(b[2].client_order_id, 7u);
  EXPECT_TRUE(is_external(b[2].order_id));

  a = reports(alice, 2);  // the passive side of both fills
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].exec_type, ExecType::Filled);
  EXPECT_EQ(a[0].client_order_id, 1u);
  EXPECT_EQ(a[1].exec_type, ExecType::PartiallyFilled);
  EXPECT_EQ(a[1].leaves_quantity, 50u);

  alice.send_cancel(aapl, 2);
  a = reports(alice, 1);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].exec_type, ExecType::Cancelled);
  EXPECT_EQ(a[0].last_quantity, 50u);
  EXPECT_EQ(a[0].cancel_reason, CancelReason::AgentCancelled);
}

// A fill-or-kill order that cannot fill whole is killed before it trades: its
// client hears CANCELLED with the reason, not NEW and then nothing.
TEST_F(OrderEntryTest, AKilledFillOrKillOrderIsReportedCancelled) {
  start_server();
  auto alice = shm::OrderEntryClient::connect("alice");
  auto bob = shm::OrderEntryClient::connect("bob");
  const SymbolId aapl = alice.symbol("AAPL");
  alice.send_limit(aapl, Side::Sell, 18500, 100, 1);
  ASSERT_EQ(reports(alice, 1).size(), 1u);

  bob.send_limit(aapl, Side::Buy, 18500, 500, 5, TimeInForce::FOK);
  const auto b = reports(bob, 2);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].exec_type, ExecType::New);
  EXPECT_EQ(b[1].exec_type, ExecType::Cancelled);
  EXPECT_EQ(b[1].client_order_id, 5u);
  EXPECT_EQ(b[1].last_quantity, 500u);
  EXPECT_EQ(b[1].cumulative_quantity, 0u);
  EXPECT_EQ(b[1].leaves_quantity, 0u);
  EXPECT_EQ(b[1].cancel_reason, CancelReason::FillOrKill);
}

// A client that closes its order ring has gone, even while its process lives on
// (here, the test itself): the server must not take the closed ring for a new
// client and place its orders a second time.
TEST_F(OrderEntryTest, AClientThatClosedItsRingIsNotServedAgainWhileItsProcessLives) {
  start_server();
  {
    auto dave = shm::OrderEntryClient::connect("dave");
    dave.send_limit(dave.symbol("AAPL"), Side::Buy, 18000, 100, 1);
    const auto r = reports(dave, 1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].exec_type, ExecType::New);
  }  // closes orders.dave
  std::this_thread::sleep_for(500ms);  // hundreds of discover() rounds
  stop_server();
  std::size_t placed = 0;
  sink_.for_each([&](const FrameHeader& h) { placed += h.type == EventType::OrderPlaced ? 1 : 0; });
  EXPECT_EQ(placed, 1u);
}

TEST_F(OrderEntryTest, BadRequestsAreRejectedWithTheReasonAndTheEngineGoesOn) {
  start_server();
  auto c = shm::OrderEntryClient::connect("carol");
  const SymbolId aapl = c.symbol("AAPL");
  NewOrderRequest o{};
  init_order_entry_header(o, SymbolId{999}, 0);
  o.client_order_id = 1;
  o.price = 18500;
  o.quantity = 100;
  o.order_type = OrderType::Limit;
  c.send(o);                                            // unknown symbol
  c.send_limit(aapl, Side::Buy, 0, 100, 2);             // price not positive
  c.send_limit(aapl, Side::Buy, -5, 100, 3);            // price not positive
  c.send_limit(aapl, Side::Buy, 18500, 0, 4);           // bad quantity
  c.send_limit(aapl, Side::Buy, 18500, kMaxOrderQuantity + 1, 5);
  c.send_cancel(aapl, 424242);                          // unknown order id
  c.send_limit(aapl, Side::Buy, 18500, 100, 0);         // client order id 0
  o.header.symbol = aapl;
  o.client_order_id = 8;
  o.side = static_cast<Side>(7);                        // not a side
  c.send(o);
  c.send_limit(aapl, Side::Buy, 18500, 100, 9);         // fine
  c.send_limit(aapl, Side::Buy, 18500, 100, 9);         // duplicate while resting
  const auto r = reports(c, 10);
  ASSERT_EQ(r.size(), 10u);
  const RejectReason expected[] = {RejectReason::UnknownSymbol, RejectReason::BadPrice,   RejectReason::BadPrice,
                                   RejectReason::BadQuantity,   RejectReason::BadQuantity, RejectReason::UnknownOrder,
                                   RejectReason::BadOrderId,    RejectReason::BadRequest};
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(r[i].exec_type, ExecType::Rejected) << i;
    EXPECT_EQ(r[i].reject_reason, expected[i]) << i << ": " << to_string(r[i].reject_reason);
  }
  EXPECT_EQ(r[8].exec_type, ExecType::New);
  EXPECT_EQ(r[9].exec_type, ExecType::Rejected);
  EXPECT_EQ(r[9].reject_reason, RejectReason::DuplicateOrderId);
}

TEST_F(OrderEntryTest, AClientThatStopsReadingGetsReplyRingFullAndNeverStallsTheEngine) {
  start_server(64 << 10);  // room for ~900 reports
  auto slow = shm::OrderEntryClient::connect("slow");
  auto other = shm::OrderEntryClient::connect("other");
  const SymbolId aapl = slow.symbol("AAPL");
  for (std::uint64_t id = 1; id <= 1500; ++id) slow.send_limit(aapl, Side::Buy, 10000, 1, id);
  // Another client is served meanwhile.
  other.send_limit(aapl, Side::Sell, 20000, 1, 1);
  const auto o = reports(other, 1);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].exec_type, ExecType::New);
  std::this_thread::sleep_for(200ms);
  std::size_t news = 0, full = 0;
  while (auto r = slow.wait(500ms)) {
    if (r->exec_type == ExecType::New) ++news;
    if (r->exec_type == ExecType::Rejected && r->reject_reason == RejectReason::ReplyRingFull) ++full;
  }
  EXPECT_GT(news, 0u);
  EXPECT_GT(full, 0u);
}

// The real processes: ringside-engine with order entry, `ringside orders` from CSV.
TEST_F(OrderEntryTest, RingsideOrdersAgainstTheRealEngine) {
  const std::string bin = RINGSIDE_BIN_DIR;
  Child engine = Child::spawn(bin + "/ringside-engine",
                              {"--config", std::string(RINGSIDE_SOURCE_DIR) + "/config/test.toml", "--no-agents",
                               "--ring-mib", "8", "--backing", "shm", "--status-interval", "0"});
  const auto csv = dir() / "orders.csv";
  std::ofstream(csv) << "side,type,tif,symbol,quantity,price,client_order_id\n"
                        "Sell,Limit,GTC,AAPL,100,185.00,1\n"
                        "Buy,Limit,GTC,AAPL,40,185.00,2\n"          // self-trade: resting order 1 is cancelled
                        "Buy,Limit,GTC,NOPE,1,1.00,3\n"             // unknown symbol: refused by the tool
                        "Buy,Limit,GTC,AAPL,1,185.001,4\n"          // off the tick grid: refused by the tool
                        "Buy,Market,IOC,AAPL,10,,5\n"               // no liquidity
                        "Cancel,,,AAPL,,,2\n";
  Child orders = Child::spawn(bin + "/ringside", {"orders", "--client", "cli", "--json", csv.string()});
  ASSERT_TRUE(orders.wait_exit(60s).has_value());
  const std::string out = orders.output();
  std::istringstream lines(out);
  std::vector<nlohmann::json> reports;
  for (std::string line; std::getline(lines, line);) reports.push_back(nlohmann::json::parse(line));
  ASSERT_GE(reports.size(), 6u) << out;
  EXPECT_EQ(reports[0]["report"], "NEW");
  EXPECT_EQ(reports[1]["report"], "NEW");
  EXPECT_EQ(reports[1]["client_order_id"], 2);
  EXPECT_EQ(reports[2]["report"], "CANCELLED");
  EXPECT_EQ(reports[2]["cancel_reason"], "SelfTradePrevention");
  EXPECT_EQ(reports[2]["client_order_id"], 1);
  EXPECT_EQ(reports[3]["report"], "NEW");
  EXPECT_EQ(reports[4]["report"], "CANCELLED");
  EXPECT_EQ(reports[4]["cancel_reason"], "NoLiquidity");
  EXPECT_EQ(reports[5]["report"], "CANCELLED");
  EXPECT_EQ(reports[5]["client_order_id"], 2);
  EXPECT_EQ(reports[5]["cancel_reason"], "AgentCancelled");

  // The external orders are in the live ring as agent type External.
  shm::ReaderOptions read;
  read.start = shm::StartAt::Oldest;
  auto ring = shm::RingReader::attach("events", read);
  std::size_t external_placed = 0;
  for (;;) {
    const auto r = ring.read();
    if (r.status != shm::ReadStatus::Frame) break;
    if (r.frame->type == EventType::OrderPlaced) {
      OrderPlaced p;
      std::memcpy(&p, r.frame, sizeof p);
      EXPECT_EQ(agent_type_of(p.agent), AgentType::External);
      ++external_placed;
    }
  }
  EXPECT_EQ(external_placed, 3u);
  engine.signal(SIGTERM);
  const auto status = engine.wait_exit(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << engine.output();
}

}  // namespace
}  // namespace ringside::engine
