// Order id -> resting order: open addressing with linear probing and
// backward-shift deletion, sized at start-up to at most half full, so a lookup
// touches one or two cache lines and nothing is allocated after construction.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ringside/core/ids.hpp"
#include "ringside/engine/order_pool.hpp"

namespace ringside::engine {

class OrderIndex {
 public:
  // Room for `max_orders` entries at a load factor of at most one half.
  explicit OrderIndex(std::size_t max_orders)
      : capacity_(std::bit_ceil(max_orders * 2 < 16 ? std::size_t{16} : max_orders * 2)),
        mask_(capacity_ - 1),
        slots_(std::make_unique<Slot[]>(capacity_)) {}

  // Ids are never 0 (0 marks an empty slot). False if the id is present already.
  bool insert(OrderId id, Order* order) noexcept {
    const std::uint64_t key = raw(id);
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == 0) {
        slots_[i] = {key, order};
        ++size_;
        return true;
      }
      if (slots_[i].key == key) return false;
    }
  }

  Order* find(OrderId id) const noexcept {
    const std::uint64_t key = raw(id);
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].order;
      if (slots_[i].key == 0) return nullptr;
    }
  }

  void erase(OrderId id) noexcept {
    const std::uint64_t key = raw(id);
    std::size_t i = home(key);
    while (slots_[i].key != key) {
      if (slots_[i].key == 0) return;
      i = (i + 1) & mask_;
    }
    // Backward shift: pull later entries of the probe run into the hole, so
    // lookups never need tombstones.
    for (std::size_t j = (i + 1) & mask_; slots_[j].key != 0; j = (j + 1) & mask_) {
      const std::size_t want = home(slots_[j].key);
      // Move j into the hole at i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (want > i && want <= j) : (want > i || want <= j);
      if (!stays) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = {};
    --size_;
  }

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Slot {
    std::uint64_t key = 0;
    Order* order = nullptr;
  };

  std::size_t home(std::uint64_t key) const noexcept {
    // Ids below 2^40 (the simulation's, counting up from 1) are their own hash: a
    // new id lands next to the ids just before it, in a cache line the engine has
    // just touched, and ids live at the same time never collide until they span
    // the whole table. Above that sit order-entry ids (bit 63, client << 40, client
    // order id): each client's sequence keeps that locality, and a golden-ratio
    // multiple of the client's bits moves each client to a base of its own, so
    // clients that number their orders alike do not pile up in one probe run.
    // (murmur3 here cost a cache miss per lookup: a quarter of the matching time.)
    return static_cast<std::size_t>(key + (key >> 40) * 0x9e3779b97f4a7c15ULL) & mask_;
  }

  std::size_t capacity_;
  std::size_t mask_;
  std::unique_ptr<Slot[]> slots_;
  std::size_t size_ = 0;
};

}  // namespace ringside::engine
