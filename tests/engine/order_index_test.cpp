// The id index against std::unordered_map, with the id shapes the engine sees:
// the simulation's ids counting up, order-entry ids of many clients numbering
// their orders alike, and ids far apart that share a home slot.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "ringside/core/order_entry.hpp"
#include "ringside/engine/order_index.hpp"

namespace ringside::engine {
namespace {

class OrderIndexModel {
 public:
  explicit OrderIndexModel(std::size_t max_orders) : index_(max_orders), orders_(max_orders) {}

  void insert(OrderId id) {
    Order* o = &orders_[model_.size() % orders_.size()];
    ASSERT_TRUE(index_.insert(id, o));
    ASSERT_FALSE(index_.insert(id, o)) << "a second insert of " << raw(id);
    model_[raw(id)] = o;
  }
  void erase(OrderId id) {
    index_.erase(id);
    model_.erase(raw(id));
  }
  void check(const std::vector<OrderId>& ids) const {
    ASSERT_EQ(index_.size(), model_.size());
    for (const OrderId id : ids) {
      const auto it = model_.find(raw(id));
      ASSERT_EQ(index_.find(id), it == model_.end() ? nullptr : it->second) << "id " << raw(id);
    }
  }

 private:
  OrderIndex index_;
  std::vector<Order> orders_;
  std::unordered_map<std::uint64_t, Order*> model_;
};

TEST(OrderIndex, RandomInsertsAndErasesOfEveryIdShapeMatchAMap) {
  std::mt19937_64 rng(7);
  OrderIndexModel index(4096);  // 8192 slots
  std::vector<OrderId> ids;
  std::uint64_t next_sim = 1;
  std::vector<std::uint64_t> next_client(64, 1);
  std::vector<OrderId> live;
  for (int step = 0; step < 200'000; ++step) {
    const auto roll = rng() % 100;
    if (live.size() < 3000 && roll < 55) {
      OrderId id{};
      switch (rng() % 3) {
        case 0: id = OrderId{next_sim++}; break;                          // the simulation's
        case 1: {                                                        // 64 clients, alike
          const auto c = static_cast<std::uint32_t>(rng() % next_client.size());
          id = external_order_id(c + 1, next_client[c]++);
          break;
        }
        default: id = OrderId{(next_sim++) + (std::uint64_t{1} << 13) * (rng() % 4 + 1)};  // same home slot, 8192 apart
      }
      if (std::find(live.begin(), live.end(), id) != live.end()) continue;
      index.insert(id);
      live.push_back(id);
      ids.push_back(id);
    } else if (!live.empty()) {
      const std::size_t k = rng() % live.size();
      index.erase(live[k]);
      live[k] = live.back();
      live.pop_back();
    }
    if (step % 20'000 == 0) index.check(ids);
  }
  index.check(ids);
}

TEST(OrderIndex, ErasingAnAbsentIdChangesNothing) {
  OrderIndexModel index(16);
  index.insert(OrderId{5});
  index.erase(OrderId{6});
  index.erase(OrderId{5 + 32});  // same home slot
  index.check({OrderId{5}, OrderId{6}, OrderId{37}});
}

}  // namespace
}  // namespace ringside::engine
