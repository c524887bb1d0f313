// One symbol's price levels (L2): total shares per price on each side.
//
// Kept as two sorted vectors, best price first, because books are a few hundred
// levels at most and the changes cluster near the touch: a binary search and a
// short memmove beat a node-based map and allocate only when a side grows past
// its largest size so far.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ringside/core/enums.hpp"
#include "ringside/core/events.hpp"

namespace ringside::gateway {

// A level's new total; quantity 0 removes the level. Absolute, not a delta, so
// applying a change twice is harmless and a client can check it in isolation.
struct LevelChange {
  Side side;
  Ticks price;
  Volume quantity;
  friend bool operator==(const LevelChange&, const LevelChange&) = default;
};

class L2Book {
 public:
  // Levels best first: bids descending, asks ascending.
  std::span<const PriceLevel> bids() const noexcept { return bids_; }
  std::span<const PriceLevel> asks() const noexcept { return asks_; }
  std::span<const PriceLevel> side(Side s) const noexcept { return s == Side::Buy ? bids() : asks(); }

  Volume quantity_at(Side side, Ticks price) const noexcept;
  // Sets a level's total (0 removes it).
  void set(Side side, Ticks price, Volume quantity);
  void apply(const LevelChange& change) { set(change.side, change.price, change.quantity); }
  void clear() noexcept {
    bids_.clear();
    asks_.clear();
  }
  std::size_t level_count() const noexcept { return bids_.size() + asks_.size(); }

 private:
  std::vector<PriceLevel>& levels(Side s) noexcept { return s == Side::Buy ? bids_ : asks_; }
  std::vector<PriceLevel> bids_;
  std::vector<PriceLevel> asks_;
};

}  // namespace ringside::gateway
