// What a client receives: per channel, a set of symbols.
//
// Channels: the nine event types of the event ring (channel = type - 1), `book`
// (the L2 books built from it), and one channel per further ring, named after
// the ring (processors' output). Symbols are global ids handed out by the
// SymbolRegistry, so a ring that restarts with another symbol table keeps the
// clients' filters meaningful.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ringside/core/frame.hpp"

namespace ringside::gateway {

inline constexpr std::uint8_t kBookChannel = 9;
inline constexpr std::uint8_t kFirstRingChannel = 10;  // channel of ring index 1; ring i has 9 + i

// Precondition: is_market_event(type); the events ring refuses other types (ring_feed.cpp).
constexpr std::uint8_t event_channel(EventType type) noexcept { return static_cast<std::uint8_t>(type) - 1; }
constexpr std::uint8_t ring_channel(std::uint32_t ring_index) noexcept {
  return static_cast<std::uint8_t>(kFirstRingChannel + ring_index - 1);
}

// Channel names, in channel order: "OrderPlaced", ..., "OrderCancelled", "book", then ring names.
std::vector<std::string> channel_names(const std::vector<std::string>& rings);

// Tickers of every ring seen, each with a stable global id.
class SymbolRegistry {
 public:
  std::uint32_t intern(std::string_view ticker);
  std::optional<std::uint32_t> find(std::string_view ticker) const;
  const std::string& ticker(std::uint32_t id) const { return tickers_[id]; }
  std::size_t size() const noexcept { return tickers_.size(); }

 private:
  std::vector<std::string> tickers_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

// All symbols, or a set of global ids.
class SymbolSet {
 public:
  bool test(std::uint32_t id) const noexcept {
    if (all_) return true;
    const std::size_t word = id / 64;
    return word < bits_.size() && (bits_[word] >> (id % 64) & 1u) != 0;
  }
  bool all() const noexcept { return all_; }
  bool empty() const noexcept;
  void set_all() noexcept {
    all_ = true;
    bits_.clear();
  }
  void clear() noexcept {
    all_ = false;
    bits_.clear();
  }
  void add(std::uint32_t id);
  // Removing one symbol from "all" needs the universe: the registry's size.
  void remove(std::uint32_t id, std::size_t universe);

 private:
  bool all_ = false;
  std::vector<std::uint64_t> bits_;
};

class Subscription {
 public:
  // The default of a client that never sends a control message: the nine event
  // channels, every symbol (the seed's stream).
  explicit Subscription(std::size_t channel_count);

  bool wants(std::uint8_t channel, std::uint32_t symbol) const noexcept {
    return channel < sets_.size() && sets_[channel].test(symbol);
  }
  bool wants_any(std::uint8_t channel) const noexcept { return channel < sets_.size() && !sets_[channel].empty(); }
  bool active() const noexcept;  // subscribed to anything at all
  SymbolSet& channel(std::uint8_t c) { return sets_[c]; }
  const SymbolSet& channel(std::uint8_t c) const { return sets_[c]; }
  std::size_t channel_count() const noexcept { return sets_.size(); }

  // The first subscribe replaces the default instead of adding to it.
  bool is_default() const noexcept { return default_; }
  void clear_default() noexcept;
  // An unsubscribe ends the default too, but keeps what is left of it.
  void make_explicit() noexcept { default_ = false; }

 private:
  std::vector<SymbolSet> sets_;
  bool default_ = true;
};

}  // namespace ringside::gateway
