#include "ringside/tools/lobster_import.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "ringside/core/order_file.hpp"

namespace ringside::tools {
namespace {

constexpr int kLobsterDecimals = 4;  // prices are dollars x 10^4

std::int64_t pow10(int n) noexcept {
  std::int64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

// An exact decimal: decimal(5853350, 4) == "585.3350".
std::string decimal(std::int64_t units, int decimals) {
  const bool negative = units < 0;
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  std::string digits = std::to_string(magnitude);
  const auto d = static_cast<std::size_t>(decimals);
  if (d > 0) {
    if (digits.size() <= d) digits.insert(0, d + 1 - digits.size(), '0');
    digits.insert(digits.size() - d, ".");
  }
  return negative ? "-" + digits : digits;
}

std::string tick_text(const PriceScale& tick) { return decimal(tick.tick_units, tick.decimals); }

Side side_of(int direction) noexcept { return direction == 1 ? Side::Buy : Side::Sell; }
Side opposite(Side side) noexcept { return side == Side::Buy ? Side::Sell : Side::Buy; }
const char* side_name(Side side) noexcept { return side == Side::Buy ? "buy" : "sell"; }
std::size_t index_of(Side side) noexcept { return side == Side::Buy ? 0 : 1; }

// Shares resting in the engine as the importer expects them.
struct Resting {
  std::uint64_t client_order_id = 0;
  Quantity remaining = 0;
  std::uint64_t lobster_id = 0;  // 0: anonymous (the opening book)
  AgentId agent{};
};
using Queue = std::deque<Resting>;  // one price, oldest first

// What LOBSTER says about an order of the file that is still live.
struct Known {
  Side side = Side::Buy;
  Ticks price = 0;
  std::int64_t remaining = 0;
  std::uint64_t client_order_id = 0;
  std::size_t line = 0;  // of its submission
};

class Importer {
 public:
  Importer(const LobsterSample& sample, const LobsterImportOptions& options) : sample_(sample), options_(options) {}

  LobsterImport run() {
    out_.symbols = make_symbols();
    seed();
    for (std::size_t i = 0; i < sample_.messages.size(); ++i) {
      apply(sample_.messages[i]);
      reveal(sample_.books[i]);
      out_.requests_after.push_back(out_.requests.size());
    }
    return std::move(out_);
  }

 private:
  struct Place {
    const std::string& file;
    std::size_t line;
    LobsterError error(const std::string& problem) const {
      return LobsterError(file + ":" + std::to_string(line) + ": " + problem);
    }
  };
  Place at(const LobsterMessage& m) const { return {sample_.message_file, m.line}; }

  Ticks ticks(std::int64_t price, const Place& where) const {
    if (auto t = lobster_ticks(price, options_.tick)) return *t;
    throw where.error("price " + std::to_string(price) + " ($" + decimal(price, kLobsterDecimals) +
                      ") is not on the tick grid of " + tick_text(options_.tick) + " (see --tick-size)");
  }
  Quantity quantity(std::int64_t size, const Place& where) const {
    if (size <= 0 || size > std::int64_t{kMaxOrderQuantity}) {
      throw where.error("size " + std::to_string(size) + " is out of range (1.." + std::to_string(kMaxOrderQuantity) +
                        ")");
    }
    return static_cast<Quantity>(size);
  }

  SymbolTable make_symbols() const {
    const LobsterBook& first = sample_.books.at(0);
    const Place where{sample_.orderbook_file, first.line};
    Ticks mid = 0;
    if (!first.asks.empty() && !first.bids.empty()) {
      mid = (ticks(first.asks[0].price, where) + ticks(first.bids[0].price, where)) / 2;
    } else if (!first.asks.empty() || !first.bids.empty()) {
      mid = ticks((first.asks.empty() ? first.bids : first.asks)[0].price, where);
    } else {
      throw where.error("the first row has an empty book: no initial price");
    }
    Instrument in;
    in.ticker = options_.ticker;
    in.name = options_.name.empty() ? options_.ticker + " (LOBSTER)" : options_.name;
    in.sector = options_.sector;
    in.scale = options_.tick;
    in.initial_price = mid;
    return SymbolTable({in});
  }

  // The first row is the book after the first message: undo that message and rest
  // what is left as one anonymous order per level, before any order of the file.
  void seed() {
    const LobsterBook& first = sample_.books.at(0);
    const Place where{sample_.orderbook_file, first.line};
    std::map<Ticks, std::int64_t> levels[2];
    for (const LobsterLevel& l : first.bids) levels[index_of(Side::Buy)][ticks(l.price, where)] += l.size;
    for (const LobsterLevel& l : first.asks) levels[index_of(Side::Sell)][ticks(l.price, where)] += l.size;

    const LobsterMessage& m = sample_.messages.at(0);
    time_ns_ = time_of(m);
    if (m.type <= LobsterEvent::Execution) {
      auto& side = levels[index_of(side_of(m.direction))];
      const Ticks price = ticks(m.price, at(m));
      // A submission added its shares to the row; the others took theirs from it.
      side[price] += m.type == LobsterEvent::Submission ? -m.size : m.size;
      if (side[price] <= 0) side.erase(price);
    }

    for (const Side s : {Side::Buy, Side::Sell}) {
      const auto& side = levels[index_of(s)];
      const auto rest = [&](const std::pair<const Ticks, std::int64_t>& level) {
        const Quantity q = quantity(level.second, where);
        const std::uint64_t id = next_id_++;
        emit_new(s, level.first, q, id, kLobsterSeedAgent, TimeInForce::GTC);
        book(s)[level.first].push_back({id, q, 0, kLobsterSeedAgent});
        ++out_.stats.seed_orders;
      };
      // Best first, so the engine's first quote is the touch.
      if (s == Side::Buy) {
        std::for_each(side.rbegin(), side.rend(), rest);
      } else {
        std::for_each(side.begin(), side.end(), rest);
      }
    }
    out_.seed_requests = out_.requests.size();
  }

  void apply(const LobsterMessage& m) {
    ++out_.stats.messages;
    ++out_.stats.by_type[static_cast<int>(m.type)];
    time_ns_ = time_of(m);
    switch (m.type) {
      case LobsterEvent::Submission: submit(m); break;
      case LobsterEvent::PartialCancel: remove(m, false); break;
      case LobsterEvent::Deletion: remove(m, true); break;
      case LobsterEvent::Execution: execute(m); break;
      case LobsterEvent::HiddenExecution:
      case LobsterEvent::Cross:
      case LobsterEvent::Halt: break;  // the visible book does not change
    }
  }

  // Orders from before the file that the first row did not show (deeper than its
  // levels, or not displayed at the open) come into view later with no message of
  // their own. When a row shows more shares at a price than the replay holds there,
  // the difference rests as anonymous liquidity, as the seed did for the first row.
  void reveal(const LobsterBook& row) {
    const Place where{sample_.orderbook_file, row.line};
    for (const Side s : {Side::Buy, Side::Sell}) {
      for (const LobsterLevel& level : s == Side::Buy ? row.bids : row.asks) {
        const Ticks price = ticks(level.price, where);
        const std::int64_t held = shares_at(s, price);
        if (held >= level.size) continue;
        if (crosses(s, price)) ++out_.stats.crossing_submissions;
        const Quantity q = quantity(level.size - held, where);
        const std::uint64_t id = next_id_++;
        emit_new(s, price, q, id, kLobsterSeedAgent, TimeInForce::GTC);
        book(s)[price].push_back({id, q, 0, kLobsterSeedAgent});
        ++out_.stats.revealed_orders;
        out_.stats.revealed_shares += q;
      }
    }
  }

  std::int64_t shares_at(Side side, Ticks price) {
    auto& levels = book(side);
    const auto level = levels.find(price);
    if (level == levels.end()) return 0;
    std::int64_t shares = 0;
    for (const Resting& r : level->second) shares += r.remaining;
    return shares;
  }

  void submit(const LobsterMessage& m) {
    const Place where = at(m);
    if (m.order_id == 0 || m.order_id >= kLobsterImporterIds) {
      throw where.error("order id " + std::to_string(m.order_id) + " is out of range (1.." +
                        std::to_string(kLobsterImporterIds - 1) + ")");
    }
    if (const auto it = known_.find(m.order_id); it != known_.end()) {
      throw where.error("order " + std::to_string(m.order_id) +
                        " is submitted again while it rests (submitted at line " + std::to_string(it->second.line) +
                        ")");
    }
    const Side side = side_of(m.direction);
    const Ticks price = ticks(m.price, where);
    const Quantity q = quantity(m.size, where);
    if (crosses(side, price)) ++out_.stats.crossing_submissions;
    // The LOBSTER id names the order in the engine too, unless an engine order
    // still rests under that id (the rest of an order LOBSTER saw deleted).
    const std::uint64_t id = resting_ids_.contains(m.order_id) ? next_id_++ : m.order_id;
    emit_new(side, price, q, id, kLobsterSubmissionAgent, TimeInForce::GTC);
    book(side)[price].push_back({id, q, m.order_id, kLobsterSubmissionAgent});
    known_[m.order_id] = Known{side, price, m.size, id, m.line};
  }

  void remove(const LobsterMessage& m, bool deletion) {
    const Side side = side_of(m.direction);
    const Ticks price = ticks(m.price, at(m));
    const std::uint64_t named = forget_shares(m, side, price, deletion);
    take_shares(side, price, m.size, named);
  }

  void execute(const LobsterMessage& m) {
    const Side resting = side_of(m.direction);
    const Ticks price = ticks(m.price, at(m));
    const Quantity q = quantity(m.size, at(m));
    emit_new(opposite(resting), price, q, next_id_++, kLobsterExecutionAgent, TimeInForce::IOC);
    const Quantity filled = match(resting, price, q);
    out_.stats.missing_shares += q - filled;
    forget_shares(m, resting, price, false);
  }

  // LOBSTER's side of a removal: the named order loses the message's shares.
  // Returns the client order id of the engine order LOBSTER means, 0 when the
  // order is from before the file.
  std::uint64_t forget_shares(const LobsterMessage& m, Side side, Ticks price, bool deletion) {
    const auto it = known_.find(m.order_id);
    if (it == known_.end()) {
      ++out_.stats.unknown_order_messages;
      return 0;
    }
    Known& k = it->second;
    if (k.side != side || k.price != price) {
      throw at(m).error("order " + std::to_string(m.order_id) + " was submitted at line " + std::to_string(k.line) +
                        " as a " + side_name(k.side) + " order at " + std::to_string(k.price) +
                        " ticks; this message has it as a " + side_name(side) + " order at " + std::to_string(price) +
                        " ticks");
    }
    const std::uint64_t id = k.client_order_id;
    k.remaining -= m.size;
    if (deletion || k.remaining <= 0) known_.erase(it);
    return id;
  }

  // Takes `shares` off the engine's orders at one price: the named order's first,
  // then anonymous ones (oldest first), then the newest others.
  void take_shares(Side side, Ticks price, std::int64_t shares, std::uint64_t named) {
    auto& levels = book(side);
    const auto level = levels.find(price);
    if (level == levels.end()) {
      out_.stats.missing_shares += static_cast<std::uint64_t>(shares);
      return;
    }
    Queue& queue = level->second;
    const auto take_from = [&](std::size_t i) {
      Resting& r = queue[i];
      const Quantity n = static_cast<Quantity>(std::min<std::int64_t>(shares, r.remaining));
      const bool intended = r.client_order_id == named || (named == 0 && !owned(r));
      if (!intended) out_.stats.reassigned_shares += n;
      emit_cancel(r, n == r.remaining ? 0 : n);
      r.remaining -= n;
      shares -= n;
      if (r.remaining == 0) {
        resting_ids_.erase(r.client_order_id);
        queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(i));
      }
    };
    if (named != 0) {
      const auto it =
          std::find_if(queue.begin(), queue.end(), [&](const Resting& r) { return r.client_order_id == named; });
      if (it != queue.end()) take_from(static_cast<std::size_t>(it - queue.begin()));
    }
    while (shares > 0 && !queue.empty()) {
      const auto anonymous = std::find_if(queue.begin(), queue.end(), [&](const Resting& r) { return !owned(r); });
      take_from(anonymous != queue.end() ? static_cast<std::size_t>(anonymous - queue.begin()) : queue.size() - 1);
    }
    if (shares > 0) out_.stats.missing_shares += static_cast<std::uint64_t>(shares);
    if (queue.empty()) levels.erase(level);
  }

  // The engine's matching of an IOC limit order against `resting`'s side, in price
  // then time priority. Returns the shares filled.
  Quantity match(Side resting, Ticks limit, Quantity quantity) {
    auto& levels = book(resting);
    Quantity filled = 0;
    while (filled < quantity && !levels.empty()) {
      const auto level = resting == Side::Sell ? levels.begin() : std::prev(levels.end());
      if (resting == Side::Sell ? level->first > limit : level->first < limit) break;
      Queue& queue = level->second;
      while (filled < quantity && !queue.empty()) {
        Resting& r = queue.front();
        const Quantity n = std::min(quantity - filled, r.remaining);
        r.remaining -= n;
        filled += n;
        if (r.remaining == 0) {
          resting_ids_.erase(r.client_order_id);
          queue.pop_front();
        }
      }
      if (queue.empty()) levels.erase(level);
    }
    return filled;
  }

  bool crosses(Side side, Ticks price) const {
    const auto& other = books_[index_of(opposite(side))];
    if (other.empty()) return false;
    return side == Side::Buy ? other.begin()->first <= price : std::prev(other.end())->first >= price;
  }

  // Shares whose LOBSTER order is still live under this engine id.
  bool owned(const Resting& r) const {
    if (r.lobster_id == 0) return false;
    const auto it = known_.find(r.lobster_id);
    return it != known_.end() && it->second.client_order_id == r.client_order_id;
  }

  std::map<Ticks, Queue>& book(Side side) { return books_[index_of(side)]; }

  std::int64_t time_of(const LobsterMessage& m) const {
    return options_.midnight_ns ? *options_.midnight_ns + m.time_ns : 0;
  }

  void emit_new(Side side, Ticks price, Quantity q, std::uint64_t id, AgentId agent, TimeInForce tif) {
    NewOrderRequest o{};
    init_order_entry_header(o, SymbolId{0}, time_ns_);
    o.client_order_id = id;
    o.price = price;
    o.quantity = q;
    o.agent = agent;
    o.side = side;
    o.order_type = OrderType::Limit;
    o.time_in_force = tif;
    out_.requests.emplace_back(o);
    ++out_.stats.new_orders;
    if (tif == TimeInForce::GTC) resting_ids_.insert(id);
  }

  void emit_cancel(const Resting& r, Quantity reduce_by) {
    CancelOrderRequest c{};
    init_order_entry_header(c, SymbolId{0}, time_ns_);
    c.client_order_id = r.client_order_id;
    c.reduce_by = reduce_by;
    c.agent = r.agent;
    out_.requests.emplace_back(c);
    ++(reduce_by == 0 ? out_.stats.cancels : out_.stats.reduces);
  }

  const LobsterSample& sample_;
  const LobsterImportOptions& options_;
  LobsterImport out_;
  std::map<Ticks, Queue> books_[2];  // bids, asks; ascending prices
  std::unordered_map<std::uint64_t, Known> known_;  // by LOBSTER order id
  std::unordered_set<std::uint64_t> resting_ids_;   // client order ids resting in the engine
  std::uint64_t next_id_ = kLobsterImporterIds;
  std::int64_t time_ns_ = 0;
};

void check_options(const LobsterImportOptions& o) {
  if (o.ticker.empty() || o.ticker.size() > kMaxTickerLength) {
    throw InputError("ticker '" + o.ticker + "': 1.." + std::to_string(kMaxTickerLength) + " characters");
  }
  if (o.name.size() > kMaxNameLength) {
    throw InputError("name: at most " + std::to_string(kMaxNameLength) + " characters");
  }
  if (o.sector.size() > kMaxSectorLength) {
    throw InputError("sector: at most " + std::to_string(kMaxSectorLength) + " characters");
  }
  if (o.tick.tick_units <= 0 || o.tick.decimals > kMaxPriceDecimals) throw InputError("tick size: out of range");
}

}  // namespace

const FrameHeader& header_of(const OrderRequest& request) noexcept {
  return std::visit([](const auto& frame) -> const FrameHeader& { return frame.header; }, request);
}

LobsterImport import_lobster(const LobsterSample& sample, const LobsterImportOptions& options) {
  check_options(options);
  if (sample.messages.empty() || sample.books.size() != sample.messages.size()) {
    throw LobsterError(sample.message_file + ": " + std::to_string(sample.messages.size()) + " messages and " +
                       std::to_string(sample.books.size()) + " orderbook rows");
  }
  return Importer(sample, options).run();
}

void write_order_file(const LobsterImport& imported, const std::filesystem::path& file) {
  OrderFileWriter writer(file, imported.symbols);
  for (const OrderRequest& request : imported.requests) {
    std::visit([&](const auto& frame) { writer.append(frame); }, request);
  }
  writer.close();
}

std::optional<Ticks> lobster_ticks(std::int64_t price, const PriceScale& tick) noexcept {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (tick.tick_units <= 0 || tick.decimals > kMaxPriceDecimals) return std::nullopt;
  if (tick.decimals >= kLobsterDecimals) {
    // Finer than LOBSTER's unit: scale the price up, then count ticks.
    const std::int64_t scale = pow10(tick.decimals - kLobsterDecimals);
    if (price > kMax / scale || price < -(kMax / scale)) return std::nullopt;
    const std::int64_t units = price * scale;
    if (units % tick.tick_units != 0) return std::nullopt;
    return units / tick.tick_units;
  }
  const std::int64_t scale = pow10(kLobsterDecimals - tick.decimals);
  if (tick.tick_units > kMax / scale) return std::nullopt;
  const std::int64_t per_tick = tick.tick_units * scale;  // LOBSTER units in one tick
  if (price % per_tick != 0) return std::nullopt;
  return price / per_tick;
}

PriceScale parse_tick_size(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return InputError("tick size '" + std::string(text) + "': " + why);
  };
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  const auto digits_only = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || !digits_only(whole) || !digits_only(fraction) ||
      (dot != std::string_view::npos && fraction.empty())) {
    throw bad("not a decimal number like 0.01");
  }
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (fraction.size() > static_cast<std::size_t>(kMaxPriceDecimals)) {
    throw bad("more than " + std::to_string(kMaxPriceDecimals) + " decimals");
  }
  std::string digits = std::string(whole) + std::string(fraction);
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) throw bad("must be positive");
  if (digits.size() > 15) throw bad("too large");
  std::int64_t units = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), units);
  return PriceScale{units, static_cast<std::uint8_t>(fraction.size())};
}

}  // namespace ringside::tools
