// ringside-engine as a user runs it: determinism in max mode, batch replay,
// clean stops, refused input.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "ringside/core/events.hpp"
#include "shm/process.hpp"

namespace ringside::engine {
namespace {

using namespace std::chrono_literals;
using shm::test::Child;

const std::string kBin = RINGSIDE_BIN_DIR;
const std::string kTestConfig = std::string(RINGSIDE_SOURCE_DIR) + "/config/test.toml";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

nlohmann::json last_json_line(const std::string& out) {
  nlohmann::json last;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] == '{') last = nlohmann::json::parse(line);
  }
  return last;
}

class EngineProcess : public shm::test::RingTest {
 protected:
  nlohmann::json run_max(const std::string& seed, const std::filesystem::path& out) {
    Child engine = Child::spawn(kBin + "/ringside-engine", {"--config", kTestConfig, "--mode", "max", "--duration",
                                                            "600", "--seed", seed, "--output", out.string()});
    const auto status = engine.wait_exit(120s);
    EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << engine.output();
    return last_json_line(engine.output());
  }
};

TEST_F(EngineProcess, MaxModeIsByteIdenticalForTheSameSeed) {
  const auto a = run_max("7", dir() / "a.bin");
  run_max("7", dir() / "b.bin");
  run_max("8", dir() / "c.bin");
  EXPECT_EQ(a.value("event", ""), "engine_done");
  EXPECT_EQ(a.value("ticks", 0), 12000);  // 600 s of 50 ms ticks
  EXPECT_GT(a.value("trades", 0), 0);
  const std::string sa = slurp(dir() / "a.bin");
  ASSERT_GT(sa.size(), 100'000u);
  EXPECT_TRUE(sa == slurp(dir() / "b.bin")) << "same seed, different streams";
  EXPECT_FALSE(sa == slurp(dir() / "c.bin")) << "different seeds, same stream";

  // The file is a sequence of well-formed frames numbered from 1.
  std::uint64_t expected = 1;
  std::size_t types[16] = {};
  for (std::size_t off = 0; off < sa.size();) {
    FrameHeader h;
    std::memcpy(&h, sa.data() + off, sizeof h);
    ASSERT_EQ(h.sequence, expected++) << "at offset " << off;
    ASSERT_GE(h.length, sizeof(FrameHeader));
    ASSERT_EQ(h.length % kFrameAlignment, 0u);
    ASSERT_LE(static_cast<unsigned>(h.type), kMaxEventType);
    ++types[static_cast<unsigned>(h.type)];
    off += h.length;
  }
  for (EventType t : {EventType::OrderPlaced, EventType::TradeExecuted, EventType::QuoteUpdate,
                      EventType::OrderBookSnapshot, EventType::AgentAction, EventType::MarketStats,
                      EventType::OrderCancelled}) {
    EXPECT_GT(types[static_cast<unsigned>(t)], 0u) << to_string(t);
  }
}

TEST_F(EngineProcess, RealtimeRunPublishesIntoTheRingAndStopsCleanlyOnSigint) {
  Child engine = Child::spawn(kBin + "/ringside-engine", {"--config", kTestConfig, "--ring-mib", "8", "--backing",
                                                          "shm", "--status-interval", "0"});
  std::this_thread::sleep_for(1500ms);
  engine.signal(SIGINT);
  const auto status = engine.wait_exit(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  const auto done = last_json_line(engine.output());
  EXPECT_EQ(done.value("event", ""), "engine_done");
  EXPECT_GT(done.value("events", 0), 0);
  EXPECT_TRUE(std::filesystem::exists(rings() / "events"));
}

TEST_F(EngineProcess, ABadConfigIsRefusedWithExitStatus2) {
  const auto bad = dir() / "bad.toml";
  std::ofstream(bad) << slurp(kTestConfig) << "\n[simulation2]\nx = 1\n";
  Child engine = Child::spawn(kBin + "/ringside-engine", {"--config", bad.string(), "--mode", "max"});
  const auto status = engine.wait_exit(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2);
}

}  // namespace
}  // namespace ringside::engine
