// Shared by the tests of ls, inspect, tail and export: the `ringside` binary run
// as a real process (every wait bounded), and rings of real events written in
// the test process, in a ring directory of the test's own (shm::test::RingTest).
#pragma once

#include <sys/wait.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/test_symbols.hpp"
#include "ringside/core/events.hpp"
#include "ringside/shm/writer.hpp"
#include "shm/process.hpp"

namespace ringside::tools::test {

using shm::test::Child;
using shm::test::scaled;
using namespace std::chrono_literals;

inline const std::string kRingside = std::string(RINGSIDE_BIN_DIR) + "/ringside";
inline const std::string kEngine = std::string(RINGSIDE_BIN_DIR) + "/ringside-engine";

struct ToolRun {
  int status = -1;  // exit status; -1 if killed by a signal or timed out
  std::string out;  // stdout, and stderr too when asked for
};

inline std::string shell_quote(const std::string& s) {
  std::string out(1, '\'');
  for (const char c : s) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

// Runs `ringside ARGS...` to its end (bounded), stderr merged into out if asked.
inline ToolRun run_ringside(const std::vector<std::string>& args, bool with_stderr = false,
                        std::chrono::milliseconds timeout = 60s) {
  std::string command("exec ");
  command.append(shell_quote(kRingside));
  for (const std::string& a : args) command.append(1, ' ').append(shell_quote(a));
  if (with_stderr) command.append(" 2>&1");
  Child child = Child::spawn("/bin/sh", {"-c", command});
  const std::optional<int> status = child.wait_exit(scaled(timeout));
  ToolRun run;
  if (!status) {
    ADD_FAILURE() << "ringside " << command << " still running after " << timeout.count() << " ms";
    child.kill_and_reap();
    return run;
  }
  run.status = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  run.out = child.output();
  return run;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// A small /dev/shm ring (no locking or NUMA binding: tests run many at once)
// whose metadata is `symbols`; the reader timeout is long so a test writer that
// never heartbeats still counts as running.
inline shm::CreateOptions small_ring(std::uint64_t capacity, const std::vector<std::byte>& metadata) {
  shm::CreateOptions o;
  o.capacity = capacity;
  o.backing = shm::BackingChoice::SharedMemory;
  o.metadata = metadata;
  o.lock_memory = false;
  o.bind_numa = false;
  o.reader_timeout = std::chrono::milliseconds(600'000);
  return o;
}

// Event time of trade k, and its publish time: k microseconds after a fixed start.
inline constexpr std::int64_t kTradeTime0 = 1'767'623'400'000'000'000;  // 2026-01-05T14:30:00Z
inline constexpr std::int64_t kPublishTime0 = 1'767'623'400'500'000'000;

// Publishes `n` trades, one commit each: trade k (k = its sequence) is symbol k % 3
// at 100 + k ticks for k shares, published kPublishTime0 + k us.
inline void publish_trades(shm::RingWriter& w, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t k = w.next_sequence();
    auto& t = w.claim<TradeExecuted>();
    t = TradeExecuted{};
    init_header(t, SymbolId{static_cast<std::uint16_t>(k % 3)}, kTradeTime0 + static_cast<std::int64_t>(k) * 1000);
    t.trade_id = TradeId{k};
    t.buyer_order_id = OrderId{2 * k};
    t.seller_order_id = OrderId{2 * k + 1};
    t.price = static_cast<Ticks>(100 + k);
    t.quantity = static_cast<Quantity>(k);
    t.buyer_agent = make_agent_id(AgentType::Retail, 1);
    t.seller_agent = make_agent_id(AgentType::MarketMaker, 2);
    t.aggressor_side = k % 2 == 0 ? Side::Buy : Side::Sell;
    w.commit(kPublishTime0 + static_cast<std::int64_t>(k) * 1000);
  }
}

}  // namespace ringside::tools::test
