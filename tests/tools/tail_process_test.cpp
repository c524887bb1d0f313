// `ringside tail` as a real process against rings written by ringside-engine:
// valid JSON envelopes with contiguous sequences, filters, readable lines with
// exact prices, gaps whose counts add up when the tail is lapped, a new writer
// generation, Ctrl-C, a closed stdout, and bad input.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "event_ring_fixture.hpp"
#include "ringside/shm/ring_file.hpp"
#include "ringside/shm/ring_status.hpp"

namespace ringside::tools::test {
namespace {

using nlohmann::json;

// The raw text of "key":VALUE in a JSON line (a number keeps its exact digits).
std::string raw_value(const std::string& line, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const auto at = line.find(needle);
  if (at == std::string::npos) return {};
  const auto start = at + needle.size();
  return line.substr(start, line.find_first_of(",}", start) - start);
}

class TailTest : public shm::test::RingTest {
 protected:
  // Runs the engine in max mode for `seconds` simulated seconds into `ring`; returns the events it published.
  std::uint64_t run_engine(const std::string& ring, int seconds, const std::string& ring_mib = "8") {
    Child engine = Child::spawn(kEngine, {"--mode", "max", "--duration", std::to_string(seconds), "--ring", ring,
                                          "--ring-mib", ring_mib, "--backing", "shm", "--status-interval", "0"});
    const auto done = engine.wait_event("engine_done", scaled(120s));
    EXPECT_TRUE(done.has_value()) << engine.output();
    EXPECT_EQ(engine.wait_exit(scaled(30s)), 0);
    return done ? (*done)["events"].get<std::uint64_t>() : 0;
  }

  // A JSON dump of the whole ring (it must have a closed writer).
  std::vector<std::string> dump(const std::string& ring, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"tail", ring, "--json", "--from", "oldest", "--exit-on-close"};
    args.insert(args.end(), extra.begin(), extra.end());
    const ToolRun run = run_ringside(args);
    EXPECT_EQ(run.status, 0);
    return lines_of(run.out);
  }

  // The tail's slot in the ring's reader table (nullopt until it registered).
  static std::optional<shm::ReaderStatus> tail_slot(const std::string& ring) {
    const shm::RingMap map = shm::open_ring(ring, false, std::chrono::milliseconds{0});
    for (const shm::ReaderStatus& r : shm::snapshot_ring(map).readers) {
      if (r.name == "tail" && r.state == shm::SlotState::Active) return r;
    }
    return std::nullopt;
  }
};

TEST_F(TailTest, JsonEnvelopesFromTheOldestAreContiguous) {
  const std::uint64_t events = run_engine("events", 10);
  ASSERT_GT(events, 2000u);
  const ToolRun run = run_ringside({"tail", "events", "--json", "--from", "oldest", "--count", "2000"});
  ASSERT_EQ(run.status, 0);
  const auto lines = lines_of(run.out);
  ASSERT_EQ(lines.size(), 2000u);
  std::set<std::string> types;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json e = json::parse(lines[i]);
    ASSERT_EQ(e["seq"], i + 1) << lines[i];
    ASSERT_TRUE(e["event_type"].is_string());
    ASSERT_EQ(e["timestamp"].get<std::string>().size(), 27u);
    ASSERT_TRUE(e["data"].is_object());
  }

  // To the writer's close: every frame the engine published, no gap.
  const auto all = dump("events");
  ASSERT_EQ(all.size(), events);
  EXPECT_EQ(json::parse(all.back())["seq"], events);
  for (const std::string& line : all) {
    ASSERT_EQ(line.find("\"gap\""), std::string::npos);
    types.insert(json::parse(line)["event_type"]);
  }
  EXPECT_GE(types.size(), 6u);  // the engine's mix: orders, cancels, quotes, trades, actions, snapshots, stats
}

TEST_F(TailTest, FiltersByTypeAndSymbol) {
  run_engine("events", 10);
  const auto all = dump("events");
  std::size_t expected = 0;
  for (const std::string& line : all) {
    const json e = json::parse(line);
    const std::string type = e["event_type"];
    if ((type == "TradeExecuted" || type == "QuoteUpdate") && (e["data"]["symbol"] == "AAPL" || e["data"]["symbol"] == "MSFT")) {
      ++expected;
    }
  }
  ASSERT_GT(expected, 0u);
  const auto some = dump("events", {"--type", "TradeExecuted,QuoteUpdate", "--symbol", "AAPL", "--symbol", "MSFT"});
  EXPECT_EQ(some.size(), expected);
  for (const std::string& line : some) {
    const json e = json::parse(line);
    EXPECT_TRUE(e["event_type"] == "TradeExecuted" || e["event_type"] == "QuoteUpdate") << line;
    EXPECT_TRUE(e["data"]["symbol"] == "AAPL" || e["data"]["symbol"] == "MSFT") << line;
  }
}

TEST_F(TailTest, ReadableLinesRenderPricesExactly) {
  run_engine("events", 10);
  std::map<std::string, std::pair<std::string, std::string>> trades;  // seq -> (quantity, price) from the JSON
  for (const std::string& line : dump("events", {"--type", "TradeExecuted"})) {
    trades[raw_value(line, "seq")] = {raw_value(line, "quantity"), raw_value(line, "price")};
  }
  ASSERT_GT(trades.size(), 10u);
  const ToolRun run = run_ringside({"tail", "events", "--from", "oldest", "--exit-on-close", "--type", "TradeExecuted"});
  ASSERT_EQ(run.status, 0);
  // 4711 14:30:00.123456 TradeExecuted AAPL 100 @ 150.25 aggressor=Buy buyer=... seller=... trade=...
  const std::regex trade(R"(^(\d+) \d\d:\d\d:\d\d\.\d{6} TradeExecuted [A-Z]+ (\d+) @ (\d+\.\d+) aggressor=(Buy|Sell) buyer=\S+ seller=\S+ trade=[0-9a-f-]{36}$)");
  std::size_t matched = 0;
  for (const std::string& line : lines_of(run.out)) {
    if (line.rfind("-- ", 0) == 0) {
      EXPECT_TRUE(std::regex_match(line, std::regex(R"(-- \d{4}-\d\d-\d\d)"))) << line;
      continue;
    }
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, trade)) << line;
    const auto it = trades.find(m[1]);
    ASSERT_NE(it, trades.end()) << line;
    EXPECT_EQ(m[2], it->second.first) << line;
    EXPECT_EQ(m[3], it->second.second) << line;  // the same exact decimal as the JSON
    ++matched;
  }
  EXPECT_EQ(matched, trades.size());
}

// Stopped while the writer laps the ring, the tail reports the frames it lost
// as gap lines: each gap's range is exact and joins the frames around it.
TEST_F(TailTest, LappedTailReportsGapsThatAddUp) {
  Child engine = Child::spawn(kEngine, {"--mode", "max", "--duration", "100000", "--ring", "fast", "--ring-mib", "1",
                                        "--backing", "shm", "--status-interval", "0"});
  Child tail = Child::spawn(kRingside, {"tail", "fast", "--json", "--count", "30000", "--wait", "30"});
  // Stop the tail once it reads, then wait until the writer has overwritten its next frame.
  // (It cannot finish meanwhile: nobody drains its stdout pipe until wait_exit below.)
  std::optional<shm::ReaderStatus> slot;
  const auto deadline = std::chrono::steady_clock::now() + scaled(60s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(rings() / "fast")) slot = tail_slot("fast");
    if (slot && slot->next_sequence > 0) break;
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(slot && slot->next_sequence > 0) << "the tail never read a frame";
  tail.signal(SIGSTOP);
  slot = tail_slot("fast");
  ASSERT_TRUE(slot);
  bool lapped = false;
  while (!lapped && std::chrono::steady_clock::now() < deadline) {
    const shm::RingMap map = shm::open_ring("fast", false, std::chrono::milliseconds{0});
    // Well past the slot's position: the tail's own position is at most one frame beyond it.
    lapped = shm::snapshot_ring(map).head_position > slot->position + (512u << 10);
    if (!lapped) std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(lapped) << "the engine did not lap the stopped tail";
  tail.signal(SIGCONT);
  const auto status = tail.wait_exit(scaled(120s));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  engine.kill_and_reap();

  std::uint64_t events = 0;
  std::uint64_t gaps = 0;
  std::uint64_t previous = 0;  // seq of the last event line
  std::uint64_t gap_end = 0;   // to_seq of a gap just reported
  for (const std::string& line : lines_of(tail.output())) {
    const json j = json::parse(line);
    if (j.contains("gap")) {
      const json& g = j["gap"];
      const std::uint64_t missed = g["missed"], from = g["from_seq"], to = g["to_seq"];
      ASSERT_GT(missed, 0u);
      ASSERT_EQ(to - from + 1, missed) << line;
      if (previous != 0) {
        ASSERT_EQ(from, previous + 1) << line;
      }
      gap_end = to;
      ++gaps;
      continue;
    }
    const std::uint64_t seq = j["seq"];
    if (previous != 0 || gap_end != 0) {
      ASSERT_EQ(seq, (gap_end != 0 ? gap_end : previous) + 1) << "an unreported gap before " << line;
    }
    previous = seq;
    gap_end = 0;
    ++events;
  }
  EXPECT_EQ(events, 30000u);
  EXPECT_GE(gaps, 1u);
}

TEST_F(TailTest, FollowsANewWriterAndStopsOnCtrlC) {
  run_engine("events", 2);
  Child tail = Child::spawn(kRingside, {"tail", "events", "--json", "--from", "newest"});
  // The tail has printed the closed ring's newest frame and waits for a new writer.
  const auto printed = [&](std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + scaled(30s);
    while (lines_of(tail.output()).size() < n && std::chrono::steady_clock::now() < deadline) {
      (void)tail.wait_event("pump", 20ms);
    }
    return lines_of(tail.output()).size() >= n;
  };
  ASSERT_TRUE(printed(1));
  const std::uint64_t first = json::parse(lines_of(tail.output())[0])["seq"];
  EXPECT_GT(first, 1u);
  const std::uint64_t second_run = run_engine("events", 1);
  ASSERT_TRUE(printed(1 + second_run));
  const auto lines = lines_of(tail.output());
  // The new generation from its first frame: sequences start again at 1.
  EXPECT_EQ(json::parse(lines[1])["seq"], 1);
  EXPECT_EQ(json::parse(lines.back())["seq"], second_run);
  tail.signal(SIGINT);
  const auto status = tail.wait_exit(scaled(30s));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

TEST_F(TailTest, ClosedStdoutEndsQuietly) {
  run_engine("events", 10);  // ~10 MB of JSON: more than the tail's buffer and the pipe
  const std::string command = "set -o pipefail; " + shell_quote(kRingside) +
                              " tail events --json --from oldest 2>/dev/null | head -n 1 >/dev/null; "
                              "echo \"status ${PIPESTATUS[0]}\"";
  Child shell = Child::spawn("/bin/bash", {"-c", command});
  ASSERT_TRUE(shell.wait_exit(scaled(60s)).has_value());
  EXPECT_EQ(shell.output(), "status 0\n");
}

// A ring whose writer put no symbol table in its metadata (ring-test-driver's):
// readable lines name symbols by id and show prices in ticks; JSON is refused.
TEST_F(TailTest, RingWithoutSymbolTable) {
  Child writer = Child::driver({"write", "--ring", "bare", "--count", "50", "--capacity", "65536"});
  ASSERT_TRUE(writer.wait_event("done", scaled(30s)));
  const ToolRun run = run_ringside({"tail", "bare", "--from", "oldest", "--exit-on-close", "--count", "3"});
  EXPECT_EQ(run.status, 0);
  const auto lines = lines_of(run.out);
  ASSERT_EQ(lines.size(), 4u) << run.out;  // the date line, then three orders
  // ring-test-driver's frame 1: OrderPlaced, symbol 13, 5 shares at 3 ticks, order type Market.
  EXPECT_EQ(lines[1].rfind("1 00:00:00.000000 OrderPlaced #13 Sell Market IOC 5 agent=retail-0007 order=", 0), 0u)
      << lines[1];
  const ToolRun json_run = run_ringside({"tail", "bare", "--json"}, true);
  EXPECT_EQ(json_run.status, 2);
  EXPECT_NE(json_run.out.find("no symbol table"), std::string::npos) << json_run.out;
}

TEST_F(TailTest, BadInputNamesTheProblem) {
  ToolRun run = run_ringside({"tail", "nothere"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("no ring named 'nothere' in " + rings().string()), std::string::npos) << run.out;

  run = run_ringside({"tail", "nothere", "--wait", "0.2"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("(waited 0.2 s)"), std::string::npos) << run.out;

  run_engine("events", 1);
  run = run_ringside({"tail", "events", "--type", "Trade"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("--type: unknown event type 'Trade' (valid: OrderPlaced, TradeExecuted,"), std::string::npos)
      << run.out;

  run = run_ringside({"tail", "events", "--symbol", "AAPL,NOPE"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("ring 'events': unknown symbol 'NOPE' (it has 24: AAPL, GOOGL, MSFT,"), std::string::npos)
      << run.out;

  run = run_ringside({"tail", "events", "--from", "middle"}, true);
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.out.find("--from"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace ringside::tools::test
