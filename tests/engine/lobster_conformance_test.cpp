// Real-data conformance: a LOBSTER sample (AAPL, 2012-06-21, the first 999
// NASDAQ messages; ../shared/data/lobster) turned into orders by the importer and
// replayed through the Exchange must reproduce LOBSTER's visible book.
//
// After every message the top five levels of each side (price and size) are
// compared with that message's orderbook row. Levels deeper than the first row
// showed are unknown to the replay, so a few messages may differ there; at least
// 99 percent must match, and every mismatch is printed with its message. A
// submission (type 1) must never trade: LOBSTER shows marketable orders as
// executions followed by the submission of what rested.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "ringside/core/order_file.hpp"
#include "ringside/engine/exchange.hpp"
#include "ringside/engine/order_replay.hpp"
#include "ringside/tools/lobster_import.hpp"

namespace ringside::engine {
namespace {

namespace fs = std::filesystem;
using tools::LobsterBook;
using tools::LobsterEvent;
using tools::LobsterImport;
using tools::LobsterLevel;
using tools::LobsterSample;

constexpr std::size_t kComparedLevels = 5;
constexpr double kRequiredMatchRate = 0.99;
constexpr SymbolId kSymbol{0};

struct SampleFiles {
  fs::path messages;
  fs::path orderbook;
};

// AAPL_2012-06-21_*_message_10.csv and its orderbook file, if the shared data is there.
std::optional<SampleFiles> find_sample() {
  const fs::path dir = fs::path(RINGSIDE_SHARED_DIR) / "data" / "lobster";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = "_message_10.csv";
    if (name.rfind("AAPL_2012-06-21_", 0) != 0 || name.size() < suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const fs::path orderbook =
        dir / (name.substr(0, name.size() - suffix.size()) + "_orderbook_10.csv");
    if (fs::exists(orderbook)) return SampleFiles{entry.path(), orderbook};
  }
  return std::nullopt;
}

std::string describe(Ticks price, Volume size) { return std::to_string(price) + " x " + std::to_string(size); }

// "" when the engine's top levels of `side` are LOBSTER's, else the first difference.
std::string compare_side(const OrderBook& book, Side side, const std::vector<LobsterLevel>& lobster,
                         const PriceScale& tick) {
  const char* name = side == Side::Buy ? "bid" : "ask";
  for (std::size_t i = 0; i < kComparedLevels; ++i) {
    const bool in_lobster = i < lobster.size();
    const bool in_engine = i < book.level_count(side);
    if (!in_lobster && !in_engine) break;
    const std::string engine = in_engine ? describe(book.level(side, i).price, book.level(side, i).volume) : "empty";
    const std::string expected =
        in_lobster ? describe(*tools::lobster_ticks(lobster[i].price, tick), lobster[i].size) : "empty";
    if (engine != expected) {
      return std::string(name) + " level " + std::to_string(i + 1) + ": engine " + engine + ", LOBSTER " + expected;
    }
  }
  return {};
}

std::string compare_book(const OrderBook& book, const LobsterBook& lobster, const PriceScale& tick) {
  std::string bids = compare_side(book, Side::Buy, lobster.bids, tick);
  std::string asks = compare_side(book, Side::Sell, lobster.asks, tick);
  if (!bids.empty() && !asks.empty()) return bids + "; " + asks;
  return bids.empty() ? asks : bids;
}

// The replay clock of replay_order_file: the frame's own time, never backwards.
std::int64_t frame_time(const FrameHeader& h, std::int64_t previous) { return std::max(h.event_time_ns, previous); }

ExchangeOptions replay_options() {
  ExchangeOptions options;
  options.max_orders = 1 << 16;
  options.max_levels_per_side = 1 << 10;
  options.snapshot_interval_ticks = 0;
  options.stats_interval_ticks = 0;
  return options;
}

struct Shell {
  int status = -1;  // exit status, or -1 when it did not exit normally
  std::string output;  // stdout and stderr together
};

Shell run_shell(const std::string& command) {
  Shell out;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.output.append(buffer, n);
  const int status = ::pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

class LobsterConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = find_sample();
    if (!files_) return;
    sample_ = new LobsterSample(tools::read_lobster(files_->messages, files_->orderbook));
    tools::LobsterImportOptions options;
    options.ticker = "AAPL";
    options.midnight_ns = tools::new_york_midnight_ns(2012, 6, 21);
    imported_ = new LobsterImport(tools::import_lobster(*sample_, options));
  }
  static void TearDownTestSuite() {
    delete imported_;
    delete sample_;
    imported_ = nullptr;
    sample_ = nullptr;
  }

  void SetUp() override {
    if (!files_) {
      GTEST_SKIP() << "no LOBSTER sample (AAPL_2012-06-21_*_message_10.csv) in " << RINGSIDE_SHARED_DIR
                   << "/data/lobster";
    }
    dir_ = fs::temp_directory_path() / ("ringside_lobster_test." + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  static inline std::optional<SampleFiles> files_;
  static inline LobsterSample* sample_ = nullptr;
  static inline LobsterImport* imported_ = nullptr;
  fs::path dir_;
};

TEST_F(LobsterConformance, ReplayReproducesTheVisibleBookAfterEveryMessage) {
  const LobsterSample& sample = *sample_;
  const LobsterImport& imported = *imported_;
  const PriceScale tick = imported.symbols[kSymbol].scale;
  ASSERT_EQ(imported.requests_after.size(), sample.messages.size());

  BufferSink sink;
  Exchange exchange(imported.symbols, sink, replay_options());
  std::int64_t now = 0;
  std::size_t next = 0;
  std::uint64_t rejected = 0;
  const auto apply = [&](std::size_t i, SubmitResult& result) {
    const FrameHeader& h = tools::header_of(imported.requests[i]);
    now = frame_time(h, now);
    const RejectReason reject = apply_order_frame(h, exchange, now, &result);
    if (reject != RejectReason::None) {
      ++rejected;
      ADD_FAILURE() << "request " << i << " rejected: " << to_string(reject);
    }
    // Only the execution aggressors (IOC) may trade; every GTC order of the import
    // (opening book, submissions, liquidity coming into view) must rest whole.
    const auto* order = std::get_if<NewOrderRequest>(&imported.requests[i]);
    if (order != nullptr && order->time_in_force == TimeInForce::GTC && result.filled > 0) {
      ADD_FAILURE() << "request " << i << " (GTC order " << order->client_order_id << ") traded " << result.filled;
    }
  };
  for (SubmitResult result; next < imported.seed_requests; ++next) apply(next, result);

  std::size_t matches = 0;
  std::size_t submissions_that_traded = 0;
  Volume executed_shares = 0;
  for (std::size_t m = 0; m < sample.messages.size(); ++m) {
    const tools::LobsterMessage& message = sample.messages[m];
    if (message.type == LobsterEvent::Execution) executed_shares += message.size;
    for (; next < imported.requests_after[m]; ++next) {
      SubmitResult result;
      apply(next, result);
      if (message.type == LobsterEvent::Submission && result.filled > 0) {
        ++submissions_that_traded;
        ADD_FAILURE() << "message " << m << " (line " << message.line << "): submission of order "
                      << message.order_id << " traded " << result.filled << " shares";
      }
    }
    const std::string difference = compare_book(exchange.book(kSymbol), sample.books[m], tick);
    if (difference.empty()) {
      ++matches;
    } else {
      std::cout << "mismatch after message " << m << " (line " << message.line << ", " << to_string(message.type)
                << " of order " << message.order_id << "): " << difference << "\n";
    }
  }

  Volume traded = 0;
  sink.for_each([&](const FrameHeader& h) {
    if (h.type != EventType::TradeExecuted) return;
    TradeExecuted t;
    std::memcpy(&t, &h, sizeof t);
    traded += t.quantity;
  });

  const double rate = static_cast<double>(matches) / static_cast<double>(sample.messages.size());
  std::cout << "LOBSTER conformance: " << matches << " of " << sample.messages.size()
            << " messages leave the top " << kComparedLevels << " levels as LOBSTER shows them (" << rate * 100.0
            << " %); " << imported.requests.size() << " requests, " << traded << " shares traded of "
            << executed_shares << " executed in LOBSTER; " << imported.stats.revealed_orders << " anonymous orders ("
            << imported.stats.revealed_shares << " shares) came into view after the first row; "
            << imported.stats.missing_shares << " shares removed that were never in view\n";
  EXPECT_GE(rate, kRequiredMatchRate);
  EXPECT_EQ(submissions_that_traded, 0u);
  EXPECT_EQ(rejected, 0u);
  EXPECT_EQ(imported.stats.crossing_submissions, 0u);
  // Every LOBSTER execution is a trade in the engine, for its full size.
  EXPECT_EQ(traded, executed_shares);
}

// The order file is the same replay: written, read back and run by replay_order_file
// it publishes exactly the events of the in-process replay.
TEST_F(LobsterConformance, OrderFileReplayPublishesTheSameEvents) {
  const LobsterImport& imported = *imported_;
  const fs::path file = dir_ / "aapl.orders";
  tools::write_order_file(imported, file);
  const OrderFile orders = read_order_file(file);
  ASSERT_EQ(orders.count, imported.requests.size());
  EXPECT_EQ(orders.symbols, imported.symbols);

  BufferSink direct_sink;
  Exchange direct(imported.symbols, direct_sink, replay_options());
  std::int64_t now = 0;
  for (const tools::OrderRequest& request : imported.requests) {
    const FrameHeader& h = tools::header_of(request);
    now = frame_time(h, now);
    apply_order_frame(h, direct, now);
  }

  BufferSink replay_sink;
  Exchange replayed(orders.symbols, replay_sink, replay_options());
  std::uint64_t progress_calls = 0;
  const ReplayReport report =
      replay_order_file(orders, replayed, 1, [&](const ReplayReport&) { ++progress_calls; }, 100);
  EXPECT_EQ(report.frames, imported.requests.size());
  EXPECT_EQ(report.orders, imported.stats.new_orders);
  EXPECT_EQ(report.cancels, imported.stats.cancels);
  EXPECT_EQ(report.reduces, imported.stats.reduces);
  EXPECT_EQ(report.rejected, 0u);
  EXPECT_EQ(progress_calls, imported.requests.size() / 100 + 1);
  EXPECT_EQ(report.first_event_ns, tools::header_of(imported.requests.front()).event_time_ns);
  EXPECT_GT(report.first_event_ns, 1'340'000'000'000'000'000);  // 2012-06-18: times are the trading day's

  const auto bytes_of = [](const BufferSink& sink) {
    const auto span = sink.committed();
    return std::vector<std::byte>(span.begin(), span.end());
  };
  EXPECT_GT(direct_sink.committed().size(), 0u);
  EXPECT_TRUE(bytes_of(direct_sink) == bytes_of(replay_sink)) << "the order file replay published other events";
}

// The real `ringside import-lobster` binary: the sample, and bad input that names file and line.
TEST_F(LobsterConformance, ImportCommandWritesTheSameFileAndNamesBadLines) {
  const fs::path tool = fs::path(RINGSIDE_BIN_DIR) / "ringside";
  ASSERT_TRUE(fs::exists(tool)) << tool;
  const fs::path out = dir_ / "cli.orders";
  const Shell ok = run_shell(quoted(tool) + " import-lobster " + quoted(files_->messages) + " " +
                             quoted(files_->orderbook) + " -o " + quoted(out));
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("999 messages"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find(std::to_string(imported_->requests.size()) + " frames"), std::string::npos) << ok.output;
  const fs::path in_process = dir_ / "in_process.orders";
  tools::write_order_file(*imported_, in_process);
  const OrderFile from_command = read_order_file(out);
  const OrderFile from_library = read_order_file(in_process);
  EXPECT_EQ(from_command.symbols, from_library.symbols);
  EXPECT_TRUE(from_command.frames == from_library.frames) << "the command and the library wrote different frames";

  // Ten messages with a bad size on line 7, and their ten orderbook rows.
  std::ifstream messages(files_->messages);
  std::ifstream books(files_->orderbook);
  const fs::path bad_messages = dir_ / "bad_message.csv";
  const fs::path short_books = dir_ / "short_orderbook.csv";
  const fs::path ten_books = dir_ / "ten_orderbook.csv";
  {
    std::ofstream m(bad_messages);
    std::ofstream b(ten_books);
    std::ofstream s(short_books);
    std::string line;
    for (int i = 1; i <= 10 && std::getline(messages, line); ++i) {
      if (i == 7) line = line.substr(0, line.find(',', line.find(',', line.find(',') + 1) + 1) + 1) + "abc,1,1";
      m << line << "\n";
    }
    for (int i = 1; i <= 10 && std::getline(books, line); ++i) {
      b << line << "\n";
      if (i <= 8) s << line << "\n";
    }
  }
  const Shell bad = run_shell(quoted(tool) + " import-lobster " + quoted(bad_messages) + " " + quoted(ten_books) +
                              " --ticker AAPL -o " + quoted(dir_ / "bad.orders"));
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find(bad_messages.string() + ":7: size: 'abc' is not an integer"), std::string::npos)
      << bad.output;

  // The message file repaired, the orderbook two rows short.
  {
    std::ifstream src(files_->messages);
    std::ofstream m(bad_messages);
    std::string line;
    for (int i = 1; i <= 10 && std::getline(src, line); ++i) m << line << "\n";
  }
  const Shell rows = run_shell(quoted(tool) + " import-lobster " + quoted(bad_messages) + " " + quoted(short_books) +
                               " --ticker AAPL -o " + quoted(dir_ / "rows.orders"));
  EXPECT_EQ(rows.status, 2) << rows.output;
  EXPECT_NE(rows.output.find(short_books.string() + ":8: ends after 8 rows"), std::string::npos) << rows.output;

  // Off the tick grid of a 0.05 tick.
  const Shell tick = run_shell(quoted(tool) + " import-lobster " + quoted(bad_messages) + " " + quoted(ten_books) +
                               " --ticker AAPL --tick-size 0.05 -o " + quoted(dir_ / "tick.orders"));
  EXPECT_EQ(tick.status, 2) << tick.output;
  EXPECT_NE(tick.output.find("is not on the tick grid of 0.05"), std::string::npos) << tick.output;

  const Shell help = run_shell(quoted(tool) + " import-lobster --help");
  EXPECT_EQ(help.status, 0) << help.output;
  EXPECT_NE(help.output.find("--tick-size"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace ringside::engine
