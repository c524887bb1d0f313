// Resting orders and price levels, pooled: sized once at start-up, recycled
// through free lists, never allocated on the matching path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "ringside/core/enums.hpp"
#include "ringside/core/ids.hpp"

namespace ringside::engine {

struct Level;

// A resting order: a node of its level's FIFO.
struct Order {
  Order* next = nullptr;  // towards the back of the queue (later orders); free list link
  Order* prev = nullptr;
  Level* level = nullptr;
  OrderId id{};
  AgentId agent{};
  Ticks price = 0;
  Quantity remaining = 0;
  Quantity filled = 0;
  Side side = Side::Buy;
  SymbolId symbol{};
};

// One price on one side: the queue of its orders in time priority.
struct Level {
  Ticks price = 0;
  Volume volume = 0;        // shares resting at this price
  std::uint32_t count = 0;  // orders resting at this price
  Order* head = nullptr;    // oldest
  Order* tail = nullptr;    // newest
  Level* next_free = nullptr;
};

// A fixed array of T with a free list; acquire() returns nullptr when exhausted.
template <class T>
class Pool {
 public:
  explicit Pool(std::size_t capacity) : items_(std::make_unique<T[]>(capacity)), capacity_(capacity) {
    for (std::size_t i = 0; i + 1 < capacity; ++i) link(items_[i]) = &items_[i + 1];
    free_ = capacity > 0 ? &items_[0] : nullptr;
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  T* acquire() noexcept {
    T* item = free_;
    if (item == nullptr) return nullptr;
    free_ = link(*item);
    *item = T{};
    ++in_use_;
    return item;
  }
  void release(T* item) noexcept {
    link(*item) = free_;
    free_ = item;
    --in_use_;
  }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t in_use() const noexcept { return in_use_; }

 private:
  static T*& link(T& item) noexcept {
    if constexpr (std::is_same_v<T, Order>) {
      return item.next;
    } else {
      return item.next_free;
    }
  }

  std::unique_ptr<T[]> items_;
  std::size_t capacity_;
  T* free_ = nullptr;
  std::size_t in_use_ = 0;
};

using OrderPool = Pool<Order>;
using LevelPool = Pool<Level>;

}  // namespace ringside::engine
