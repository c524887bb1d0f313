#include "ringside/gateway/l2_book.hpp"

#include <algorithm>

namespace ringside::gateway {
namespace {

// Whether price a comes before price b on the side: higher bids, lower asks first.
bool better(Side side, Ticks a, Ticks b) noexcept { return side == Side::Buy ? a > b : a < b; }

auto find_level(const std::vector<PriceLevel>& levels, Side side, Ticks price) {
  return std::lower_bound(levels.begin(), levels.end(), price,
                          [side](const PriceLevel& level, Ticks p) { return better(side, level.price, p); });
}

}  // namespace

Volume L2Book::quantity_at(Side side, Ticks price) const noexcept {
  const auto& v = side == Side::Buy ? bids_ : asks_;
  const auto it = find_level(v, side, price);
  return it != v.end() && it->price == price ? it->quantity : 0;
}

void L2Book::set(Side side, Ticks price, Volume quantity) {
  auto& v = levels(side);
  const auto found = find_level(v, side, price);
  const auto at = v.begin() + (found - v.cbegin());
  const bool present = at != v.end() && at->price == price;
  if (quantity <= 0) {
    if (present) v.erase(at);
  } else if (present) {
    at->quantity = quantity;
  } else {
    v.insert(at, PriceLevel{price, quantity});
  }
}

}  // namespace ringside::gateway
