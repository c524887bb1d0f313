// The simulated market's clock: ticks of tick_interval_ms, paced three ways
// (seeds/001 section 2.3.5), with the market-hours profile (section 2.3.3).
//
//   realtime  each tick at its wall-clock time; events carry the wall clock
//   burst     realtime, with bursts every 30-120 s lasting 5-15 s in which agents
//             act 10-50x as often (seeded, so the schedule repeats)
//   max       as fast as possible; events carry simulated time from start_ns, so
//             the same config and seed give a byte-identical event stream
//
// Between ticks the loop polls order entry (hooks.between_ticks): with clients
// connected it spins so their orders wait microseconds, not a tick.
//
// A paced run that falls behind the clock makes up a lag of up to
// kMaxCatchUpNs by running ticks back to back. A longer one (the ring held
// the engine for a lossless reader, the process was stopped) is not made up:
// the schedule moves to now. Making up seconds would run the agents at many
// times their rate and lap every lossy reader (gateway clients, processors)
// just after the hold. Simulated time then trails the wall clock by the time
// not made up (time_not_made_up_ns(), hooks.schedule_moved).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "ringside/core/config.hpp"
#include "ringside/engine/agents.hpp"
#include "ringside/engine/exchange.hpp"

namespace ringside::engine {

enum class Pacing : std::uint8_t { Realtime, Burst, Max };
std::string_view to_string(Pacing) noexcept;  // "realtime", "burst", "max"
bool parse_pacing(std::string_view text, Pacing& out) noexcept;

// seeds/001 section 2.3.3: the US trading day in Eastern time (taken as UTC-5).
// Multiplier of agent activity at a time of day; 0 outside 04:00-20:00.
double market_hours_activity(std::int64_t time_ns) noexcept;
std::string_view market_period(std::int64_t time_ns) noexcept;  // "pre_market", ..., "closed"

struct BurstSchedule {
  double min_gap_s = 30, max_gap_s = 120;
  double min_length_s = 5, max_length_s = 15;
  double min_multiplier = 10, max_multiplier = 50;
};

struct SimulationOptions {
  Pacing pacing = Pacing::Realtime;
  std::uint64_t seed = 1;
  double duration_s = 0;     // simulated seconds to run (0: until stopped)
  bool market_hours = false;
  bool agents = true;
  std::int64_t start_ns = 0;  // max mode's first tick (0: 2026-01-05 09:30 ET); realtime uses the clock
  BurstSchedule burst;
};

struct SimulationHooks {
  std::function<void(std::uint64_t tick, std::int64_t now_ns)> every_tick;       // after the tick's work
  std::function<std::size_t(std::int64_t now_ns)> between_ticks;                // returns requests applied
  std::function<bool()> spin_between_ticks;                                      // true: busy-poll, else sleep
  std::function<void(std::uint64_t tick, std::int64_t late_ns)> schedule_moved;  // a lag not made up
};

inline constexpr std::int64_t kMaxCatchUpNs = 250'000'000;

class Simulation {
 public:
  Simulation(const ExchangeConfig& config, Exchange& exchange, const SimulationOptions& options);

  // Runs until `stop` is set or the duration is reached.
  void run(const std::atomic<bool>& stop, const SimulationHooks& hooks);
  // One tick at `now_ns` (exposed for tests).
  void step(std::int64_t now_ns) noexcept;

  std::uint64_t ticks() const noexcept { return tick_; }
  std::int64_t tick_interval_ns() const noexcept { return interval_ns_; }
  std::int64_t first_tick_ns() const noexcept { return start_ns_; }  // moved on by every lag not made up
  std::int64_t time_not_made_up_ns() const noexcept { return not_made_up_ns_; }
  double activity(std::int64_t now_ns) noexcept;
  bool in_burst() const noexcept { return burst_multiplier_ > 1.0; }
  std::size_t agent_count() const noexcept { return agents_.size(); }

 private:
  Exchange& exchange_;
  SimulationOptions options_;
  AgentPopulation agents_;
  std::int64_t interval_ns_;
  std::int64_t start_ns_ = 0;
  std::uint64_t tick_ = 0;
  std::int64_t not_made_up_ns_ = 0;
  std::uint64_t burst_state_;
  std::int64_t next_burst_ns_ = 0;
  std::int64_t burst_end_ns_ = 0;
  double burst_multiplier_ = 1.0;
};

}  // namespace ringside::engine
