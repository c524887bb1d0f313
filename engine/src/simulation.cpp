#include "ringside/engine/simulation.hpp"

#include <time.h>

#include <chrono>
#include <cmath>

#include "ringside/shm/ring_file.hpp"

namespace ringside::engine {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kEasternOffset = -5 * 3600;  // EST; the profile is about shape, not DST

struct Period {
  int start_minute;  // minutes after midnight, Eastern
  int end_minute;
  double multiplier;
  std::string_view name;
};
constexpr Period kPeriods[] = {
    {4 * 60, 9 * 60 + 30, 0.1, "pre_market"},     {9 * 60 + 30, 9 * 60 + 45, 3.0, "opening_auction"},
    {9 * 60 + 45, 11 * 60 + 30, 1.5, "morning"},   {11 * 60 + 30, 13 * 60, 0.6, "midday"},
    {13 * 60, 15 * 60 + 30, 1.0, "afternoon"},      {15 * 60 + 30, 16 * 60, 2.5, "closing_auction"},
    {16 * 60, 20 * 60, 0.1, "after_hours"},
};

const Period* period_at(std::int64_t time_ns) noexcept {
  std::int64_t seconds = time_ns / kSecond + kEasternOffset;
  seconds %= 86'400;
  if (seconds < 0) seconds += 86'400;
  const int minute = static_cast<int>(seconds / 60);
  for (const Period& p : kPeriods) {
    if (minute >= p.start_minute && minute < p.end_minute) return &p;
  }
  return nullptr;
}

// splitmix64: the burst schedule's own stream, independent of the agents'.
std::uint64_t next_random(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
double uniform(std::uint64_t& state, double lo, double hi) noexcept {
  return lo + (hi - lo) * static_cast<double>(next_random(state) >> 11) * 0x1.0p-53;
}

std::int64_t default_start_ns() {
  using namespace std::chrono;
  // Monday 2026-01-05, 09:30 Eastern (14:30 UTC): the open.
  const sys_days day = year{2026} / January / 5;
  return duration_cast<nanoseconds>((day + hours{14} + minutes{30}).time_since_epoch()).count();
}

void sleep_until_realtime(std::int64_t when_ns) noexcept {
  timespec ts{static_cast<time_t>(when_ns / kSecond), static_cast<long>(when_ns % kSecond)};
  while (::clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

}  // namespace

std::string_view to_string(Pacing p) noexcept {
  switch (p) {
    case Pacing::Realtime: return "realtime";
    case Pacing::Burst: return "burst";
    case Pacing::Max: return "max";
  }
  return "";
}

bool parse_pacing(std::string_view text, Pacing& out) noexcept {
  for (Pacing p : {Pacing::Realtime, Pacing::Burst, Pacing::Max}) {
    if (text == to_string(p)) {
      out = p;
      return true;
    }
  }
  return false;
}

double market_hours_activity(std::int64_t time_ns) noexcept {
  const Period* p = period_at(time_ns);
  return p == nullptr ? 0.0 : p->multiplier;
}

std::string_view market_period(std::int64_t time_ns) noexcept {
  const Period* p = period_at(time_ns);
  return p == nullptr ? "closed" : p->name;
}

Simulation::Simulation(const ExchangeConfig& config, Exchange& exchange, const SimulationOptions& options)
    : exchange_(exchange),
      options_(options),
      agents_(config, options.seed),
      interval_ns_(std::int64_t{config.simulation.tick_interval_ms} * 1'000'000),
      burst_state_(options.seed ^ 0x6275727374ULL) {
  agents_.attach(exchange_);
}

double Simulation::activity(std::int64_t now_ns) noexcept {
  double a = options_.market_hours ? market_hours_activity(now_ns) : 1.0;
  if (options_.pacing == Pacing::Burst) {
    const BurstSchedule& b = options_.burst;
    if (next_burst_ns_ == 0) {
      next_burst_ns_ = now_ns + static_cast<std::int64_t>(uniform(burst_state_, b.min_gap_s, b.max_gap_s) * kSecond);
    }
    if (burst_multiplier_ > 1.0 && now_ns >= burst_end_ns_) {
      burst_multiplier_ = 1.0;
      next_burst_ns_ = now_ns + static_cast<std::int64_t>(uniform(burst_state_, b.min_gap_s, b.max_gap_s) * kSecond);
    } else if (burst_multiplier_ == 1.0 && now_ns >= next_burst_ns_) {
      burst_multiplier_ = uniform(burst_state_, b.min_multiplier, b.max_multiplier);
      burst_end_ns_ = now_ns + static_cast<std::int64_t>(uniform(burst_state_, b.min_length_s, b.max_length_s) * kSecond);
    }
    a *= burst_multiplier_;
  }
  return a;
}

void Simulation::step(std::int64_t now_ns) noexcept {
  ++tick_;
  if (options_.agents) agents_.on_tick(tick_, now_ns, activity(now_ns), exchange_);
  exchange_.on_tick(tick_, now_ns);
}

void Simulation::run(const std::atomic<bool>& stop, const SimulationHooks& hooks) {
  const bool paced = options_.pacing != Pacing::Max;
  start_ns_ = paced ? shm::realtime_ns() : (options_.start_ns != 0 ? options_.start_ns : default_start_ns());
  const std::uint64_t last_tick =
      options_.duration_s > 0 ? static_cast<std::uint64_t>(std::ceil(options_.duration_s * 1e9 / static_cast<double>(interval_ns_))) : 0;
  while (!stop.load(std::memory_order_relaxed) && (last_tick == 0 || tick_ < last_tick)) {
    const std::int64_t due = start_ns_ + static_cast<std::int64_t>(tick_) * interval_ns_;
    if (paced) {
      // Order entry between ticks: spin while clients are connected, else sleep.
      while (shm::realtime_ns() < due && !stop.load(std::memory_order_relaxed)) {
        const std::size_t applied = hooks.between_ticks ? hooks.between_ticks(shm::realtime_ns()) : 0;
        if (applied == 0 && !(hooks.spin_between_ticks && hooks.spin_between_ticks())) {
          sleep_until_realtime(std::min(due, shm::realtime_ns() + 2'000'000));
        }
      }
      if (stop.load(std::memory_order_relaxed)) break;
    } else if (hooks.between_ticks) {
      hooks.between_ticks(due);
    }
    const std::int64_t now = paced ? shm::realtime_ns() : due;
    if (now - due > kMaxCatchUpNs) {  // paced only: in max mode now == due
      start_ns_ += now - due;         // this tick is due now, and the ones after it from now on
      not_made_up_ns_ += now - due;
      if (hooks.schedule_moved) hooks.schedule_moved(tick_ + 1, now - due);
    }
    step(now);
    if (hooks.every_tick) hooks.every_tick(tick_, now);
  }
}

}  // namespace ringside::engine
