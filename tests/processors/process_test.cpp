// ringside-proc as a real process next to real writers, each test in a ring
// directory of its own: aggregates equal a brute-force recomputation over a
// recorded engine run (and over its capture replayed), book metrics for every
// snapshot, attach and detach while the engine runs, a lapped processor that
// reports its gap and continues, and bad command lines refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>
#include <tuple>

#include "core/test_symbols.hpp"
#include "processor_test_helpers.hpp"
#include "ringside/core/embedded_config.hpp"
#include "ringside/core/wide_int.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/ring_status.hpp"
#include "ringside/shm/writer.hpp"
#include "shm/process.hpp"

namespace ringside::processors::test {
namespace {

using shm::test::Child;
using shm::test::scaled;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kBin = RINGSIDE_BIN_DIR;
const std::string kEngine = kBin + "/ringside-engine";
const std::string kProc = kBin + "/ringside-proc";
const std::string kRingside = kBin + "/ringside";
const std::string kTestConfig = std::string(RINGSIDE_SOURCE_DIR) + "/config/test.toml";

std::string shell_quote(const std::string& s) {
  std::string out(1, '\'');
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

int exit_code(const std::optional<int>& status) {
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every frame of a ring from its oldest, until its writer has closed (bounded).
template <class F>
std::uint64_t for_each_frame(const std::string& ring, F&& visit) {
  shm::ReaderOptions options;
  options.kind = shm::ReaderKind::Lossy;
  options.start = shm::StartAt::Oldest;
  options.name = "test";
  shm::RingReader reader = shm::RingReader::attach(ring, options);
  std::uint64_t missed = 0;
  const auto deadline = std::chrono::steady_clock::now() + scaled(60s);
  for (;;) {
    const shm::ReadResult got = reader.read();
    if (got.status == shm::ReadStatus::Frame) {
      missed += got.missed;
      visit(*got.frame);
      continue;
    }
    if (got.status != shm::ReadStatus::Empty) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "ring " << ring << ": its writer never closed";
      break;
    }
    std::this_thread::sleep_for(1ms);
  }
  return missed;
}

// The last revision of each window: (symbol, window length, start) -> record.
using WindowKey = std::tuple<std::uint16_t, std::int64_t, std::int64_t>;
std::map<WindowKey, TradeAggregate> final_aggregates(const std::string& ring, std::uint64_t* generation = nullptr) {
  std::map<WindowKey, TradeAggregate> out;
  for_each_frame(ring, [&](const FrameHeader& h) {
    if (h.type != EventType::TradeAggregate) return;
    const auto& a = reinterpret_cast<const TradeAggregate&>(h);
    const WindowKey key{raw(h.symbol), a.window_end_ns - a.window_start_ns, a.window_start_ns};
    const auto it = out.find(key);
    if (it == out.end() || it->second.revision < a.revision) out[key] = a;
  });
  if (generation != nullptr) {
    const shm::RingMap map = shm::open_ring(ring, false, 0ms);
    *generation = map.header->generation;
  }
  return out;
}

// What a TradeAggregate must say, recomputed trade by trade.
struct Expected {
  detail::Int128 volume = 0, value = 0;
  std::uint64_t trades = 0, buys = 0, sells = 0;
  Ticks open = 0, high = 0, low = 0, close = 0;
  std::pair<std::int64_t, std::uint64_t> first{}, last{};
};

constexpr std::int64_t kSizes[] = {kMinute, 5 * kMinute, 15 * kMinute};

void add_trade(std::map<WindowKey, Expected>& windows, const TradeExecuted& t) {
  for (const std::int64_t size : kSizes) {
    const std::int64_t start = t.header.event_time_ns / size * size;  // event times are positive
    Expected& e = windows[{raw(t.header.symbol), size, start}];
    const std::pair<std::int64_t, std::uint64_t> at{t.header.event_time_ns, t.header.sequence};
    if (e.trades == 0) {
      e.open = e.high = e.low = e.close = t.price;
      e.first = e.last = at;
    }
    if (at < e.first) e.first = at, e.open = t.price;
    if (at > e.last) e.last = at, e.close = t.price;
    e.high = std::max(e.high, t.price);
    e.low = std::min(e.low, t.price);
    e.volume += t.quantity;
    e.value += static_cast<detail::Int128>(t.quantity) * t.price;
    ++e.trades;
    ++(t.aggressor_side == Side::Buy ? e.buys : e.sells);
  }
}

void expect_equal(const std::map<WindowKey, Expected>& expected, const std::map<WindowKey, TradeAggregate>& got) {
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [key, e] : expected) {
    const auto it = got.find(key);
    ASSERT_NE(it, got.end()) << "no record for symbol " << std::get<0>(key) << " window " << std::get<2>(key);
    const TradeAggregate& a = it->second;
    SCOPED_TRACE(testing::Message() << "symbol " << std::get<0>(key) << " size " << std::get<1>(key) << " start "
                                    << std::get<2>(key));
    EXPECT_EQ(a.total_volume, static_cast<Volume>(e.volume));
    EXPECT_EQ(a.total_value_ticks, static_cast<std::int64_t>(e.value));
    EXPECT_EQ(a.trade_count, e.trades);
    EXPECT_EQ(a.buy_count, e.buys);
    EXPECT_EQ(a.sell_count, e.sells);
    EXPECT_EQ(a.open, e.open);
    EXPECT_EQ(a.high, e.high);
    EXPECT_EQ(a.low, e.low);
    EXPECT_EQ(a.close, e.close);
  }
}

class ProcessorProcessTest : public shm::test::RingTest {
 protected:
  // The engine in max mode for `seconds` simulated seconds; its ring holds every event.
  void run_engine(const std::string& ring, int seconds) {
    Child engine = Child::spawn(kEngine, {"--mode", "max", "--duration", std::to_string(seconds), "--ring", ring,
                                          "--ring-mib", "64", "--backing", "shm", "--status-interval", "0"});
    ASSERT_TRUE(engine.wait_event("engine_done", scaled(120s)).has_value()) << engine.output();
    ASSERT_EQ(exit_code(engine.wait_exit(scaled(30s))), 0);
  }

  // ringside-proc ARGS with stderr into `log` (stdout is captured by the Child).
  Child proc(const std::vector<std::string>& args, const fs::path& log) {
    std::string command("exec ");
    command.append(shell_quote(kProc));
    for (const std::string& a : args) command.append(1, ' ').append(shell_quote(a));
    command.append(" 2>").append(shell_quote(log.string()));
    return Child::spawn("/bin/sh", {"-c", command});
  }

  // Runs a command to its end; its exit status.
  int run(const std::string& program, const std::vector<std::string>& args, const fs::path& log) {
    std::string command("exec ");
    command.append(shell_quote(program));
    for (const std::string& a : args) command.append(1, ' ').append(shell_quote(a));
    command.append(" >").append(shell_quote(log.string())).append(" 2>&1");
    Child child = Child::spawn("/bin/sh", {"-c", command});
    const auto status = child.wait_exit(scaled(120s));
    if (!status) child.kill_and_reap();
    return exit_code(status);
  }

  // Polls the file until it holds `text`.
  static bool wait_for_text(const fs::path& file, const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (read_file(file).find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
};

TEST_F(ProcessorProcessTest, AggregatesAndBookMetricsEqualABruteForceOverAnEngineRun) {
  run_engine("events", 150);
  const fs::path log = dir() / "proc.log";
  Child p = proc({"--ring", "events", "--from", "oldest", "--job", "aggregates,book", "--exit-on-close", "--ndjson",
                  "--status-interval", "0"},
                 log);
  ASSERT_EQ(exit_code(p.wait_exit(scaled(60s))), 0) << read_file(log);
  const std::string stderr_text = read_file(log);
  EXPECT_NE(stderr_text.find("proc: done"), std::string::npos) << stderr_text;
  EXPECT_NE(stderr_text.find("0 gaps (0 frames missed)"), std::string::npos) << stderr_text;

  // The engine's ring, recomputed.
  std::map<WindowKey, Expected> expected;
  std::vector<OrderBookMetrics> snapshots;
  std::uint64_t first_sequence = 0;
  const std::uint64_t missed = for_each_frame("events", [&](const FrameHeader& h) {
    if (first_sequence == 0) first_sequence = h.sequence;
    if (h.type == EventType::TradeExecuted) add_trade(expected, reinterpret_cast<const TradeExecuted&>(h));
    if (h.type != EventType::OrderBookSnapshot) return;
    const auto& s = reinterpret_cast<const OrderBookSnapshot&>(h);
    OrderBookMetrics m{};
    m.header.symbol = h.symbol;
    m.header.event_time_ns = h.event_time_ns;
    m.best_bid = s.bid_count ? s.levels[0].price : 0;
    m.best_ask = s.ask_count ? s.levels[s.bid_count].price : 0;
    const std::size_t levels[] = {5, 10, 20};
    for (std::size_t d = 0; d < 3; ++d) {
      for (std::size_t i = 0; i < s.bid_count && i < levels[d]; ++i) m.bid_depth[d] += s.levels[i].quantity;
      for (std::size_t i = 0; i < s.ask_count && i < levels[d]; ++i) m.ask_depth[d] += s.levels[s.bid_count + i].quantity;
    }
    m.snapshot_sequence = s.sequence_number;
    snapshots.push_back(m);
  });
  ASSERT_EQ(first_sequence, 1u);
  ASSERT_EQ(missed, 0u);
  ASSERT_GT(expected.size(), 24u * 4);
  ASSERT_GT(snapshots.size(), 24u * 10);

  // The processor's ring: every window once (the engine's time never goes back:
  // nothing late, nothing flagged), equal to the recomputation.
  std::uint64_t records = 0;
  std::vector<OrderBookMetrics> metrics;
  std::map<WindowKey, TradeAggregate> aggregates;
  for_each_frame("analytics", [&](const FrameHeader& h) {
    ++records;
    if (h.type == EventType::OrderBookMetrics) {
      metrics.push_back(reinterpret_cast<const OrderBookMetrics&>(h));
      return;
    }
    ASSERT_EQ(h.type, EventType::TradeAggregate);
    const auto& a = reinterpret_cast<const TradeAggregate&>(h);
    EXPECT_EQ(a.revision, 0);
    EXPECT_EQ(a.flags, 0);
    EXPECT_EQ(h.event_time_ns, a.window_end_ns);
    EXPECT_TRUE(aggregates.emplace(WindowKey{raw(h.symbol), a.window_end_ns - a.window_start_ns, a.window_start_ns}, a)
                    .second);
  });
  expect_equal(expected, aggregates);
  ASSERT_EQ(metrics.size(), snapshots.size());
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const OrderBookMetrics& m = metrics[i];
    const OrderBookMetrics& e = snapshots[i];
    ASSERT_EQ(m.header.symbol, e.header.symbol);
    ASSERT_EQ(m.header.event_time_ns, e.header.event_time_ns);
    ASSERT_EQ(m.best_bid, e.best_bid);
    ASSERT_EQ(m.best_ask, e.best_ask);
    ASSERT_EQ(m.snapshot_sequence, e.snapshot_sequence);
    for (std::size_t d = 0; d < 3; ++d) {
      ASSERT_EQ(m.bid_depth[d], e.bid_depth[d]) << i;
      ASSERT_EQ(m.ask_depth[d], e.ask_depth[d]) << i;
    }
  }

  // --ndjson: the same records, as the JSON envelope with the ring's sequences.
  std::istringstream lines(p.output());
  std::string line;
  std::uint64_t n = 0;
  while (std::getline(lines, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    ++n;
    EXPECT_EQ(j["seq"].get<std::uint64_t>(), n);
    const std::string type = j["event_type"];
    EXPECT_TRUE(type == "TradeAggregate" || type == "OrderBookMetrics") << line;
  }
  EXPECT_EQ(n, records);
}

TEST_F(ProcessorProcessTest, AReplayedCaptureGivesTheSameAggregates) {
  run_engine("events", 90);
  const fs::path capture = dir() / "day.rscap";
  ASSERT_EQ(run(kRingside, {"record", "events", capture.string(), "--from", "oldest", "--until-writer-stops"},
                dir() / "record.log"),
            0)
      << read_file(dir() / "record.log");
  const fs::path live_log = dir() / "live.log";
  Child live = proc({"--ring", "events", "--from", "oldest", "--job", "aggregates", "--out", "live",
                     "--exit-on-close", "--status-interval", "0"},
                    live_log);
  ASSERT_EQ(exit_code(live.wait_exit(scaled(60s))), 0) << read_file(live_log);

  const fs::path replayed_log = dir() / "replayed.log";
  Child replayed = proc({"--ring", "again", "--wait", "30", "--from", "oldest", "--job", "aggregates", "--out",
                         "replayed", "--exit-on-close", "--status-interval", "0"},
                        replayed_log);
  ASSERT_EQ(run(kRingside, {"replay", capture.string(), "--ring", "again", "--speed", "max"}, dir() / "replay.log"), 0)
      << read_file(dir() / "replay.log");
  ASSERT_EQ(exit_code(replayed.wait_exit(scaled(60s))), 0) << read_file(replayed_log);

  const auto a = final_aggregates("live");
  const auto b = final_aggregates("replayed");
  ASSERT_GT(a.size(), 24u * 3);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, x] : a) {
    const auto it = b.find(key);
    ASSERT_NE(it, b.end());
    TradeAggregate y = it->second;
    y.computed_at_ns = x.computed_at_ns;  // wall clock: the only field allowed to differ
    y.header.sequence = x.header.sequence;
    y.header.publish_time_ns = x.header.publish_time_ns;
    EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0) << "symbol " << std::get<0>(key) << " start " << std::get<2>(key);
  }
}

TEST_F(ProcessorProcessTest, AttachesAndDetachesWhileTheEngineRuns) {
  // Real time, the test config: 2 symbols, a snapshot a second.
  Child engine = Child::spawn(kEngine, {"--config", kTestConfig, "--duration", "7", "--ring", "events", "--ring-mib",
                                        "16", "--backing", "shm", "--status-interval", "0"});
  const auto deadline = std::chrono::steady_clock::now() + scaled(20s);
  while (!fs::exists(rings() / "events") && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(fs::exists(rings() / "events"));

  // First attach: from the newest frame, stopped by Ctrl-C after 2.5 s.
  const fs::path first_log = dir() / "first.log";
  Child first = proc({"--job", "book,aggregates", "--status-interval", "0.5"}, first_log);
  ASSERT_TRUE(wait_for_text(first_log, "-> ring 'analytics' generation 1", scaled(10s))) << read_file(first_log);
  std::this_thread::sleep_for(2500ms);
  first.signal(SIGINT);
  ASSERT_EQ(exit_code(first.wait_exit(scaled(10s))), 0) << read_file(first_log);
  const std::string first_text = read_file(first_log);
  EXPECT_NE(first_text.find("proc: done"), std::string::npos) << first_text;
  EXPECT_NE(first_text.find("frames ("), std::string::npos) << first_text;  // status lines
  std::size_t first_metrics = 0;
  for_each_frame("analytics", [&](const FrameHeader& h) {
    first_metrics += h.type == EventType::OrderBookMetrics;
    EXPECT_NE(h.type, EventType::TradeAggregate);  // Ctrl-C: open windows are not emitted
  });
  EXPECT_GE(first_metrics, 2u);

  // Second attach while the engine still runs, to its end.
  const fs::path second_log = dir() / "second.log";
  Child second = proc({"--job", "aggregates,book", "--exit-on-close", "--status-interval", "0"}, second_log);
  ASSERT_EQ(exit_code(second.wait_exit(scaled(30s))), 0) << read_file(second_log);
  ASSERT_EQ(exit_code(engine.wait_exit(scaled(30s))), 0);
  const std::string second_text = read_file(second_log);
  EXPECT_NE(second_text.find("closed the ring; pending windows emitted"), std::string::npos) << second_text;
  std::smatch joined;
  ASSERT_TRUE(std::regex_search(second_text, joined, std::regex("joined at seq ([0-9]+)"))) << second_text;
  const std::uint64_t join = std::stoull(joined[1]);

  std::uint64_t generation = 0;
  const auto aggregates = final_aggregates("analytics", &generation);
  EXPECT_EQ(generation, 2u);  // each start of ringside-proc is a new generation of its ring
  ASSERT_FALSE(aggregates.empty());
  // It joined mid-stream: the windows holding the join are flagged; every trade
  // from the join on is counted.
  std::map<WindowKey, Expected> expected;
  std::int64_t join_time = 0;
  for_each_frame("events", [&](const FrameHeader& h) {
    if (h.sequence == join) join_time = h.event_time_ns;
    if (h.sequence >= join && h.type == EventType::TradeExecuted) {
      add_trade(expected, reinterpret_cast<const TradeExecuted&>(h));
    }
  });
  expect_equal(expected, aggregates);
  for (const auto& [key, a] : aggregates) {
    EXPECT_EQ(a.flags != 0, a.window_start_ns <= join_time) << std::get<2>(key);
  }
}

TEST_F(ProcessorProcessTest, ALappedProcessorReportsTheGapAndContinues) {
  // A writer of this test: 1 MiB of trades, 100 ms apart in event time.
  const SymbolTable symbols = ringside::test::test_symbols();
  const std::vector<std::byte> image = symbols.to_image();
  shm::CreateOptions options;
  options.capacity = 1u << 20;
  options.backing = shm::BackingChoice::SharedMemory;
  options.metadata = image;
  options.lock_memory = false;
  std::optional<shm::RingWriter> writer(shm::RingWriter::create("events", options));
  TradeMaker maker;
  std::uint64_t published = 0;
  const auto publish = [&](std::uint64_t count) {
    for (std::uint64_t i = 0; i < count; ++i, ++published) {
      const auto t = maker.make(SymbolId{0}, static_cast<std::int64_t>(published) * 100'000'000, 18500, 10,
                                published % 3 == 0 ? Side::Sell : Side::Buy);
      ASSERT_TRUE(writer->publish(t.header));
    }
  };
  publish(1000);  // 100 s: [0, 60) complete before the gap

  const fs::path log = dir() / "proc.log";
  Child p = proc({"--from", "oldest", "--job", "aggregates", "--exit-on-close", "--status-interval", "0"}, log);
  // Until it has read all 1000.
  const auto deadline = std::chrono::steady_clock::now() + scaled(20s);
  bool caught_up = false;
  while (!caught_up && std::chrono::steady_clock::now() < deadline) {
    const shm::RingMap map = shm::open_ring("events", false, 0ms);
    for (const shm::ReaderStatus& r : shm::snapshot_ring(map).readers) {
      caught_up |= r.name == "ringside-proc" && r.next_sequence == 1001;
    }
    if (!caught_up) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(caught_up) << read_file(log);

  p.signal(SIGSTOP);
  publish(50'000);  // about 4 MiB: lapped several times over
  p.signal(SIGCONT);
  publish(1000);
  writer.reset();  // closed: the processor emits what is pending and exits
  ASSERT_EQ(exit_code(p.wait_exit(scaled(30s))), 0) << read_file(log);

  const std::string text = read_file(log);
  EXPECT_NE(text.find("proc: gap: missed"), std::string::npos) << text;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex("done after .*: ([0-9]+) frames read; 1 gap \\(([0-9]+) frames missed\\)")))
      << text;
  const std::uint64_t read = std::stoull(m[1]);
  const std::uint64_t missed = std::stoull(m[2]);
  EXPECT_EQ(read + missed, published);
  EXPECT_GT(missed, 10'000u);

  const auto aggregates = final_aggregates("analytics");
  std::uint64_t counted = 0;
  std::size_t flagged = 0;
  for (const auto& [key, a] : aggregates) {
    if (std::get<1>(key) != kMinute) continue;
    counted += a.trade_count;
    flagged += a.flags != 0;
    if (a.window_start_ns == kBase) {
      EXPECT_EQ(a.trade_count, 600u);  // before the gap: whole and unflagged
      EXPECT_EQ(a.flags, 0);
    }
  }
  EXPECT_EQ(counted, read);  // every trade it read is in exactly one 1 min window
  EXPECT_GE(flagged, 1u);
  EXPECT_TRUE(aggregates.count(WindowKey{0, kMinute, kBase + (published - 1) * 100'000'000 / kMinute * kMinute}))
      << "the last window, after the gap";
}

TEST_F(ProcessorProcessTest, BadCommandLinesAreRefused) {
  const fs::path log = dir() / "bad.log";
  EXPECT_EQ(run(kProc, {"--job", "nonsense", "--ring", "events"}, log), 2);
  EXPECT_NE(read_file(log).find("unknown job 'nonsense' (jobs: aggregates, book"), std::string::npos) << read_file(log);
  EXPECT_EQ(run(kProc, {"--job", "book", "--ring", "nothere"}, log), 2);
  EXPECT_NE(read_file(log).find("nothere"), std::string::npos) << read_file(log);
  EXPECT_EQ(run(kProc, {"--job", "book", "--ring", "events", "--out", "events"}, log), 2);
  EXPECT_EQ(run(kProc, {"--job", "aggregates", "--windows", "1m,1m"}, log), 2);
  EXPECT_NE(read_file(log).find("given twice"), std::string::npos) << read_file(log);
  EXPECT_EQ(run(kProc, {"--job", "aggregates", "--allowed-lateness", "soon"}, log), 2);
  EXPECT_NE(run(kProc, {}, log), 0);  // --job is required (CLI11's exit status, as every ringside command)
  EXPECT_NE(read_file(log).find("--job is required"), std::string::npos) << read_file(log);
  EXPECT_EQ(run(kProc, {"--help"}, log), 0);
  EXPECT_NE(read_file(log).find("--allowed-lateness"), std::string::npos);

  // The new jobs' options: a bad reference file names its file and line; bad percentages and windows.
  const fs::path reference = dir() / "ref.csv";
  std::ofstream(reference) << "symbol,company_name,sector,industry,market_cap_tier\nAAPL,Apple,Tech,Phones,large\n";
  EXPECT_EQ(run(kProc, {"--job", "enrich", "--ring", "events", "--reference", reference.string()}, log), 2);
  EXPECT_NE(read_file(log).find(reference.string() + ":1: missing column 'exchange'"), std::string::npos)
      << read_file(log);
  EXPECT_EQ(run(kProc, {"--job", "alerts", "--alert-threshold", "two"}, log), 2);
  EXPECT_NE(read_file(log).find("'two': not a percentage"), std::string::npos) << read_file(log);
  EXPECT_EQ(run(kProc, {"--job", "alerts", "--alert-severities", "5,2,10", "--ring", "events"}, log), 2);
  EXPECT_NE(read_file(log).find("increasing"), std::string::npos) << read_file(log);
  EXPECT_EQ(run(kProc, {"--job", "ofi", "--ofi-window", "1s,1s", "--ring", "events"}, log), 2);
  EXPECT_NE(read_file(log).find("ofi: a window size is given twice"), std::string::npos) << read_file(log);
}

// The ofi and enrich jobs over an engine run, recomputed from the engine's ring
// by a plain independent implementation.
TEST_F(ProcessorProcessTest, OfiAndEnrichEqualABruteForceOverAnEngineRun) {
  run_engine("events", 90);
  const fs::path log = dir() / "proc.log";
  Child p = proc({"--ring", "events", "--from", "oldest", "--job", "ofi,enrich", "--exit-on-close", "--status-interval",
                  "0"},
                 log);
  ASSERT_EQ(exit_code(p.wait_exit(scaled(60s))), 0) << read_file(log);
  const std::string stderr_text = read_file(log);
  EXPECT_NE(stderr_text.find("0 gaps (0 frames missed)"), std::string::npos) << stderr_text;
  EXPECT_NE(stderr_text.find("enrich: trades "), std::string::npos) << stderr_text;
  EXPECT_NE(stderr_text.find(", unknown 0 (reference <embedded config/reference.csv>, 24 symbols)"), std::string::npos)
      << stderr_text;

  // Recomputed: e(n) per (symbol, window size, start); every trade in order.
  struct Ofi {
    std::int64_t ofi = 0, bid = 0, ask = 0, depth = 0;
    std::uint64_t count = 0;
    QuoteUpdate last{};
  };
  constexpr std::int64_t kOfiSizes[] = {kSecond, 10 * kSecond};
  std::map<WindowKey, Ofi> expected;
  std::map<std::uint16_t, QuoteUpdate> previous;
  std::vector<TradeExecuted> trades;
  for_each_frame("events", [&](const FrameHeader& h) {
    if (h.type == EventType::TradeExecuted) trades.push_back(reinterpret_cast<const TradeExecuted&>(h));
    if (h.type != EventType::QuoteUpdate) return;
    const auto& q = reinterpret_cast<const QuoteUpdate&>(h);
    const auto it = previous.find(raw(h.symbol));
    if (it != previous.end()) {
      const QuoteUpdate& b = it->second;
      std::int64_t bid = 0, ask = 0;
      if (q.bid_price > b.bid_price) bid = q.bid_size;
      if (q.bid_price == b.bid_price) bid = q.bid_size - b.bid_size;
      if (q.bid_price < b.bid_price) bid = -b.bid_size;
      // An empty ask is the highest ask of all.
      const auto ask_at = [](Ticks price) { return price == 0 ? std::numeric_limits<Ticks>::max() : price; };
      if (ask_at(q.ask_price) < ask_at(b.ask_price)) ask = q.ask_size;
      if (ask_at(q.ask_price) == ask_at(b.ask_price)) ask = q.ask_size - b.ask_size;
      if (ask_at(q.ask_price) > ask_at(b.ask_price)) ask = -b.ask_size;
      for (const std::int64_t size : kOfiSizes) {
        Ofi& w = expected[{raw(h.symbol), size, h.event_time_ns / size * size}];
        w.bid += bid;
        w.ask += ask;
        w.ofi += bid - ask;
        w.depth += q.bid_size + q.ask_size;
        ++w.count;
        w.last = q;
      }
    }
    previous[raw(h.symbol)] = q;
  });
  ASSERT_GT(expected.size(), 24u * 20);
  ASSERT_GT(trades.size(), 100u);

  const ExchangeConfig config = embedded_default_config();
  std::map<WindowKey, OrderFlowImbalance> got;
  std::vector<EnrichedTrade> enriched;
  for_each_frame("analytics", [&](const FrameHeader& h) {
    if (h.type == EventType::EnrichedTrade) {
      enriched.push_back(reinterpret_cast<const EnrichedTrade&>(h));
      return;
    }
    ASSERT_EQ(h.type, EventType::OrderFlowImbalance);
    const auto& r = reinterpret_cast<const OrderFlowImbalance&>(h);
    EXPECT_EQ(r.flags, 0);
    EXPECT_TRUE(got.emplace(WindowKey{raw(h.symbol), r.window_end_ns - r.window_start_ns, r.window_start_ns}, r).second);
  });
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [key, e] : expected) {
    const auto it = got.find(key);
    ASSERT_NE(it, got.end()) << "no record for symbol " << std::get<0>(key) << " window " << std::get<2>(key);
    const OrderFlowImbalance& r = it->second;
    SCOPED_TRACE(testing::Message() << "symbol " << std::get<0>(key) << " size " << std::get<1>(key) << " start "
                                    << std::get<2>(key));
    EXPECT_EQ(r.ofi, e.ofi);
    EXPECT_EQ(r.bid_flow, e.bid);
    EXPECT_EQ(r.ask_flow, e.ask);
    EXPECT_EQ(r.depth_sum, e.depth);
    EXPECT_EQ(r.update_count, e.count);
    EXPECT_EQ(r.best_bid, e.last.bid_price);
    EXPECT_EQ(r.best_ask, e.last.ask_price);
    EXPECT_EQ(r.bid_size, e.last.bid_size);
    EXPECT_EQ(r.ask_size, e.last.ask_size);
  }

  ASSERT_EQ(enriched.size(), trades.size());
  for (std::size_t i = 0; i < trades.size(); ++i) {
    const TradeExecuted& t = trades[i];
    const EnrichedTrade& r = enriched[i];
    ASSERT_EQ(r.header.symbol, t.header.symbol) << i;
    ASSERT_EQ(r.header.event_time_ns, t.header.event_time_ns) << i;
    ASSERT_EQ(r.trade_id, t.trade_id) << i;
    ASSERT_EQ(r.price, t.price) << i;
    ASSERT_EQ(r.quantity, t.quantity) << i;
    ASSERT_EQ(r.aggressor_side, t.aggressor_side) << i;
    ASSERT_EQ(r.buyer_agent, t.buyer_agent) << i;
    ASSERT_EQ(r.seller_order_id, t.seller_order_id) << i;
    const Instrument& s = config.symbols[t.header.symbol];
    ASSERT_EQ(r.reference_found, 1) << i;
    ASSERT_EQ(text_of(r.company_name), s.name) << i;
    ASSERT_EQ(text_of(r.sector), s.sector) << i;
    ASSERT_EQ(text_of(r.market_cap_tier), to_string(s.market_cap)) << i;
  }
}

}  // namespace
}  // namespace ringside::processors::test
