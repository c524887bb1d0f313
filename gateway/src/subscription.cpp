#include "ringside/gateway/subscription.hpp"

#include <algorithm>

namespace ringside::gateway {

std::vector<std::string> channel_names(const std::vector<std::string>& rings) {
  std::vector<std::string> names;
  for (const EventType t : kMarketEventTypes) names.emplace_back(to_string(t));
  names.emplace_back("book");
  for (std::size_t i = 1; i < rings.size(); ++i) names.push_back(rings[i]);
  return names;
}

std::uint32_t SymbolRegistry::intern(std::string_view ticker) {
  if (const auto found = find(ticker)) return *found;
  const auto id = static_cast<std::uint32_t>(tickers_.size());
  tickers_.emplace_back(ticker);
  ids_.emplace(std::string(ticker), id);
  return id;
}

std::optional<std::uint32_t> SymbolRegistry::find(std::string_view ticker) const {
  const auto it = ids_.find(std::string(ticker));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

bool SymbolSet::empty() const noexcept {
  return !all_ && std::all_of(bits_.begin(), bits_.end(), [](std::uint64_t w) { return w == 0; });
}

void SymbolSet::add(std::uint32_t id) {
  if (all_) return;
  const std::size_t word = id / 64;
  if (word >= bits_.size()) bits_.resize(word + 1, 0);
  bits_[word] |= std::uint64_t{1} << (id % 64);
}

void SymbolSet::remove(std::uint32_t id, std::size_t universe) {
  if (all_) {
    all_ = false;
    bits_.assign((universe + 63) / 64, 0);
    for (std::uint32_t i = 0; i < universe; ++i) bits_[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  const std::size_t word = id / 64;
  if (word < bits_.size()) bits_[word] &= ~(std::uint64_t{1} << (id % 64));
}

Subscription::Subscription(std::size_t channel_count) : sets_(channel_count) {
  for (const EventType t : kMarketEventTypes) sets_[event_channel(t)].set_all();
}

bool Subscription::active() const noexcept {
  return std::any_of(sets_.begin(), sets_.end(), [](const SymbolSet& s) { return !s.empty(); });
}

void Subscription::clear_default() noexcept {
  if (!default_) return;
  default_ = false;
  for (SymbolSet& s : sets_) s.clear();
}

}  // namespace ringside::gateway
