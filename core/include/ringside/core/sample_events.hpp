// Randomised, valid event frames over a symbol table: for round-trip tests, the
// encoder benchmarks and `ringside-contract sample`. Deterministic for a seed.
// This is not the exchange simulation (that is engine/); prices and sizes are
// random within valid ranges, not the outcome of matching.
#pragma once

#include <cstdint>
#include <random>

#include "ringside/core/events.hpp"
#include "ringside/core/instrument.hpp"

namespace ringside {

// Relative weight of each type (indexed by EventType value - 1) in a stream.
// The "realistic mix" follows the seed's agents: every order decision is an
// AgentAction plus an OrderPlaced, most HFT and market-maker orders are
// cancelled, a fraction trades and moves the quote, snapshots (20 levels a
// side) and stats are periodic, halts are rare.
struct EventMix {
  unsigned weight[kEventTypeCount];
};
extern const EventMix kRealisticMix;

class SampleEvents {
 public:
  SampleEvents(const SymbolTable& symbols, std::uint64_t seed, std::int64_t start_time_ns);

  // A frame of the given type with random contents; sequence and event time advance.
  const FrameHeader& make(EventType type);
  // A frame whose type is drawn from the mix.
  const FrameHeader& next(const EventMix& mix = kRealisticMix);

  // When set, contents also include extreme values (huge ids and prices, full
  // snapshots, every detail key) to stress encoders and round trips.
  void set_extremes(bool on) noexcept { extremes_ = on; }

 private:
  const SymbolTable& symbols_;
  std::mt19937_64 rng_;
  std::uint64_t sequence_ = 0;
  std::int64_t time_ns_;
  bool extremes_ = false;
  FrameBuffer frame_;
};

}  // namespace ringside
