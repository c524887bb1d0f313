#include "ringside/tools/event_filter.hpp"

#include "ringside/tools/input_error.hpp"

namespace ringside::tools {

std::array<bool, 16> EventFilter::all_types_mask() noexcept {
  std::array<bool, 16> mask{};
  for (const EventType t : kAllEventTypes) mask[static_cast<std::uint8_t>(t)] = true;
  return mask;
}

std::vector<std::string> split_list(const std::vector<std::string>& entries) {
  std::vector<std::string> out;
  for (const std::string& entry : entries) {
    std::size_t start = 0;
    while (start <= entry.size()) {
      std::size_t comma = entry.find(',', start);
      if (comma == std::string::npos) comma = entry.size();
      std::string part = entry.substr(start, comma - start);
      const auto b = part.find_first_not_of(" \t");
      const auto e = part.find_last_not_of(" \t");
      if (b != std::string::npos) out.push_back(part.substr(b, e - b + 1));
      start = comma + 1;
    }
  }
  return out;
}

void EventFilter::set_types(const std::vector<std::string>& names, std::string_view option) {
  const std::vector<std::string> parts = split_list(names);
  if (parts.empty()) {
    types_ = all_types_mask();
    all_types_ = true;
    return;
  }
  types_ = {};
  for (const std::string& name : parts) {
    EventType type{};
    if (!parse_event_type(name, type)) {
      std::string valid;
      for (const EventType t : kAllEventTypes) {
        if (!valid.empty()) valid += ", ";
        valid += to_string(t);
      }
      throw InputError(std::string(option) + ": unknown event type '" + name + "' (valid: " + valid + ")");
    }
    types_[static_cast<std::uint8_t>(type)] = true;
  }
  all_types_ = types_ == all_types_mask();
}

void EventFilter::set_tickers(const std::vector<std::string>& tickers) {
  tickers_ = split_list(tickers);
  symbols_.clear();
}

std::vector<std::string> EventFilter::bind(const SymbolTable& symbols) {
  std::vector<std::string> unknown;
  symbols_.assign(symbols.size(), 0);
  for (const std::string& ticker : tickers_) {
    if (const Instrument* instrument = symbols.find(ticker); instrument != nullptr) {
      symbols_[raw(instrument->id)] = 1;
    } else {
      unknown.push_back(ticker);
    }
  }
  return unknown;
}

std::vector<EventType> EventFilter::types() const {
  std::vector<EventType> out;
  for (const EventType t : kAllEventTypes) {
    if (passes(t)) out.push_back(t);
  }
  return out;
}

std::string unknown_symbol_message(const std::vector<std::string>& unknown, const SymbolTable& symbols,
                                   std::string_view source) {
  constexpr std::size_t kShown = 12;
  std::string names;
  for (const std::string& t : unknown) {
    names += names.empty() ? "'" : ", '";
    names += t;
    names += '\'';
  }
  std::string message = std::string(source) + ": unknown symbol" + (unknown.size() > 1 ? "s " : " ") + names;
  if (symbols.empty()) return message + " (it has no symbol table)";
  message += " (it has " + std::to_string(symbols.size()) + ": ";
  std::size_t shown = 0;
  for (const Instrument& instrument : symbols) {
    if (shown == kShown) {
      message += ", ...";
      break;
    }
    if (shown++ != 0) message += ", ";
    message += instrument.ticker;
  }
  return message + ")";
}

}  // namespace ringside::tools
