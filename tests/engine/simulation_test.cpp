// Simulation's realtime pacing after a hold: a short lag is made up, a long one
// (the ring held the engine for a lossless reader) is not.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "ringside/core/embedded_config.hpp"
#include "ringside/engine/exchange.hpp"
#include "ringside/engine/simulation.hpp"

namespace ringside::engine {
namespace {

struct PacedRun {
  std::vector<std::int64_t> tick_ns;  // when each tick ran, from the hook
  std::vector<std::int64_t> moved;    // lags not made up
  std::int64_t not_made_up_ns = 0;
  std::int64_t interval_ns = 0;

  // The ticks after tick `hold_tick` that ran back to back with the first of
  // them (within 10 ms of it; paced ticks are 50 ms apart).
  std::size_t back_to_back_after(std::size_t hold_tick) const {
    const std::int64_t first = tick_ns[hold_tick];  // tick hold_tick + 1 (tick numbers start at 1)
    return static_cast<std::size_t>(std::count_if(tick_ns.begin() + static_cast<std::ptrdiff_t>(hold_tick),
                                                  tick_ns.end(), [&](std::int64_t t) { return t - first <= 10'000'000; }));
  }
};

// Runs `ticks` realtime ticks of the test config (50 ms) with no agents; the
// every-tick hook of tick `hold_tick` sleeps `hold`, as a ring held by a
// lossless reader holds the matching thread.
PacedRun run_with_hold(std::uint64_t ticks, std::uint64_t hold_tick, std::chrono::milliseconds hold) {
  const ExchangeConfig config = embedded_test_config();
  BufferSink sink;
  Exchange exchange(config.symbols, sink, options_for(config));
  SimulationOptions options;
  options.pacing = Pacing::Realtime;
  options.agents = false;
  options.duration_s = static_cast<double>(ticks * config.simulation.tick_interval_ms) / 1e3;
  Simulation paced(config, exchange, options);

  PacedRun run;
  run.interval_ns = paced.tick_interval_ns();
  SimulationHooks hooks;
  hooks.every_tick = [&](std::uint64_t tick, std::int64_t now_ns) {
    run.tick_ns.push_back(now_ns);
    if (tick == hold_tick) std::this_thread::sleep_for(hold);
  };
  hooks.schedule_moved = [&](std::uint64_t, std::int64_t late_ns) { run.moved.push_back(late_ns); };
  const std::atomic<bool> stop{false};
  paced.run(stop, hooks);
  run.not_made_up_ns = paced.time_not_made_up_ns();
  EXPECT_EQ(paced.ticks(), ticks) << "the duration counts ticks, held or not";
  return run;
}

TEST(Simulation, ALongHoldIsNotMadeUpTheScheduleMovesToNow) {
  // 1.5 s held = 30 ticks of 50 ms. Made up, they would all run at once.
  const PacedRun run = run_with_hold(40, 5, std::chrono::milliseconds(1500));
  ASSERT_EQ(run.tick_ns.size(), 40u);
  ASSERT_EQ(run.moved.size(), 1u) << "one hold, one move";
  EXPECT_GT(run.moved[0], kMaxCatchUpNs);
  EXPECT_GE(run.moved[0], std::chrono::nanoseconds(std::chrono::milliseconds(1500)).count() - run.interval_ns);
  EXPECT_EQ(run.not_made_up_ns, run.moved[0]);
  // Paced from now: the ticks after the hold come 50 ms apart, not 30 at once.
  EXPECT_LE(run.back_to_back_after(5), 3u);
}

TEST(Simulation, AShortLagIsMadeUpByTicksBackToBack) {
  // 150 ms held (under kMaxCatchUpNs) = 3 ticks behind: they run at once.
  const PacedRun run = run_with_hold(20, 5, std::chrono::milliseconds(150));
  ASSERT_EQ(run.tick_ns.size(), 20u);
  EXPECT_TRUE(run.moved.empty());
  EXPECT_EQ(run.not_made_up_ns, 0);
  EXPECT_GE(run.back_to_back_after(5), 2u) << "the missed ticks ran right after the hold";
  // And the run as a whole kept to the clock: 20 ticks in about 1 s.
  EXPECT_GE(run.tick_ns.back() - run.tick_ns.front(), 18 * run.interval_ns);
}

}  // namespace
}  // namespace ringside::engine
