#include "ringside/core/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join
#include <toml++/toml.h>

#include "ringside/core/events.hpp"

namespace ringside {
namespace {

using Line = std::uint32_t;

// Limits that are policy rather than a property of the field's C++ type.
constexpr std::int64_t kMaxAgentsPerKind = 1'000'000;  // well inside the 24-bit agent index
constexpr std::int64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
constexpr double kMaxVolatility = 10.0;
constexpr double kMaxTickSize = 1'000'000.0;
// Initial prices stay far below 2^53 ticks so the double -> tick conversion is exact.
constexpr double kMaxInitialTicks = 1e15;
// Relative tolerance for "is this double a whole number": absorbs the binary
// representation error of decimal literals like 0.01 or 185.0 / 0.01.
constexpr double kWholeTolerance = 1e-9;
// A config is a few kilobytes; the cap stops a mistaken path like /dev/zero.
constexpr std::size_t kMaxFileBytes = 16u << 20;

std::string_view type_name(toml::node_type type) noexcept {
  switch (type) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "floating-point";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
  }
  return "unknown";
}

// toml++ reports line 0 for nodes it built without source text; fall back to
// the enclosing table so every message still points somewhere in the file.
Line line_of(const toml::source_region& region, Line fallback) noexcept {
  return region.begin.line != 0 ? region.begin.line : fallback;
}

// Whether x is within kWholeTolerance of a whole number; that number in `whole`.
bool near_whole(double x, double& whole) noexcept {
  whole = std::round(x);
  return std::abs(x - whole) < kWholeTolerance * std::max(1.0, std::abs(x));
}

// The smallest-decimals exact form of a tick size: 0.05 -> {5, 2}.
std::optional<PriceScale> exact_decimal(double tick) noexcept {
  for (int decimals = 0; decimals <= kMaxPriceDecimals; ++decimals) {
    double units = 0.0;
    // A whole part of zero is not a match: a tick far below 10^-9 would otherwise "fit" as 0 units.
    if (near_whole(tick * kDecimalScale[decimals], units) && units >= 1.0) {
      return PriceScale{static_cast<std::int64_t>(units), static_cast<std::uint8_t>(decimals)};
    }
  }
  return std::nullopt;
}

bool is_ticker_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool has_control_char(std::string_view text) noexcept {
  // NUL would truncate the symbol table image; the rest would garble logs and encoders.
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// A table under validation, and how messages name it.
struct Scope {
  const toml::table& table;
  std::string path;   // prefix of key paths: "simulation", "symbols[2]"; empty at the top level
  std::string where;  // "in [simulation]", "in symbols[2]", "at the top level"
  Line line;          // where the table starts: reported for its missing keys

  std::string key_path(std::string_view key) const {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
  }
};

// Validates a parsed document and builds the ExchangeConfig. Every check fails
// with a ConfigError at the line of the offending key, value or table.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  ExchangeConfig read(const toml::table& root) const {
    const Scope top{root, "", "at the top level", line_of(root.source(), 1)};
    reject_unknown_keys(top, {"server", "simulation", "agents", "data_quality", "symbols"});

    ExchangeConfig config;
    config.source = file_;
    if (const auto server = section(top, "server", false)) config.server = read_server(*server);
    config.simulation = read_simulation(*section(top, "simulation", true));
    config.agents = read_agents(*section(top, "agents", true));
    if (const auto quality = section(top, "data_quality", false)) config.data_quality = read_data_quality(*quality);
    config.symbols = SymbolTable(read_symbols(top));
    return config;
  }

 private:
  [[noreturn]] void fail(Line line, std::string problem) const {
    throw ConfigError(file_, std::max<Line>(line, 1), std::move(problem));
  }

  [[noreturn]] void fail_type(const Scope& scope, std::string_view key, const toml::node& node,
                              std::string_view expected) const {
    fail(line_of(node.source(), scope.line),
         fmt::format("{}: expected {}, got {}", scope.key_path(key), expected, type_name(node.type())));
  }

  // ---- tables and keys ----

  // Reports the unknown key that comes first in the file (toml++ iterates keys sorted).
  void reject_unknown_keys(const Scope& scope, std::initializer_list<std::string_view> allowed) const {
    const toml::key* first = nullptr;
    for (auto&& [key, node] : scope.table) {
      const bool known = std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end();
      if (!known && (first == nullptr || key.source().begin.line < first->source().begin.line)) first = &key;
    }
    if (first == nullptr) return;
    fail(line_of(first->source(), scope.line),
         fmt::format("unknown key '{}' {} (allowed: {})", first->str(), scope.where, fmt::join(allowed, ", ")));
  }

  const toml::node* optional(const Scope& scope, std::string_view key) const { return scope.table.get(key); }

  const toml::node& required(const Scope& scope, std::string_view key) const {
    const toml::node* node = scope.table.get(key);
    if (node == nullptr) fail(scope.line, fmt::format("missing required key '{}' {}", key, scope.where));
    return *node;
  }

  // A top-level section; nullopt when absent and optional.
  std::optional<Scope> section(const Scope& top, std::string_view key, bool is_required) const {
    const toml::node* node = top.table.get(key);
    if (node == nullptr) {
      if (is_required) fail(1, fmt::format("missing required section [{}]", key));
      return std::nullopt;
    }
    const toml::table* table = node->as_table();
    if (table == nullptr) fail_type(top, key, *node, "a table");
    return Scope{*table, std::string(key), fmt::format("in [{}]", key), line_of(node->source(), top.line)};
  }

  // ---- typed values ----

  std::int64_t integer(const Scope& scope, std::string_view key, const toml::node& node) const {
    const auto* value = node.as_integer();
    if (value == nullptr) fail_type(scope, key, node, "an integer");
    return value->get();
  }

  std::uint32_t integer_in(const Scope& scope, std::string_view key, const toml::node& node, std::int64_t min,
                           std::int64_t max) const {
    const std::int64_t value = integer(scope, key, node);
    if (value < min || value > max) {
      fail(line_of(node.source(), scope.line),
           fmt::format("{}: {} is out of range (allowed {}..{})", scope.key_path(key), value, min, max));
    }
    return static_cast<std::uint32_t>(value);
  }

  // A finite number; TOML integers are accepted (initial_price = 185).
  double number(const Scope& scope, std::string_view key, const toml::node& node) const {
    double value = 0.0;
    if (const auto* i = node.as_integer()) {
      value = static_cast<double>(i->get());
    } else if (const auto* f = node.as_floating_point()) {
      value = f->get();
    } else {
      fail_type(scope, key, node, "a number");
    }
    if (!std::isfinite(value)) {
      fail(line_of(node.source(), scope.line),
           fmt::format("{}: {} is not a finite number", scope.key_path(key), value));
    }
    return value;
  }

  std::string string(const Scope& scope, std::string_view key, const toml::node& node) const {
    const auto* value = node.as_string();
    if (value == nullptr) fail_type(scope, key, node, "a string");
    return value->get();
  }

  bool boolean(const Scope& scope, std::string_view key, const toml::node& node) const {
    const auto* value = node.as_boolean();
    if (value == nullptr) fail_type(scope, key, node, "a boolean");
    return value->get();
  }

  // A string of 1..max_bytes bytes without control characters.
  std::string text(const Scope& scope, std::string_view key, const toml::node& node, std::size_t max_bytes) const {
    std::string value = string(scope, key, node);
    const Line line = line_of(node.source(), scope.line);
    if (value.empty()) fail(line, fmt::format("{}: must not be empty", scope.key_path(key)));
    if (value.size() > max_bytes) {
      fail(line,
           fmt::format("{}: \"{}\" is {} bytes, at most {}", scope.key_path(key), value, value.size(), max_bytes));
    }
    if (has_control_char(value)) fail(line, fmt::format("{}: contains a control character", scope.key_path(key)));
    return value;
  }

  // ---- sections ----

  ServerConfig read_server(const Scope& scope) const {
    reject_unknown_keys(scope, {"websocket_addr", "websocket_port"});
    ServerConfig server;
    if (const auto* node = optional(scope, "websocket_addr")) {
      server.websocket_addr = text(scope, "websocket_addr", *node, 255);
    }
    if (const auto* node = optional(scope, "websocket_port")) {
      server.websocket_port = static_cast<std::uint16_t>(integer_in(scope, "websocket_port", *node, 1, 65535));
    }
    return server;
  }

  SimulationConfig read_simulation(const Scope& scope) const {
    reject_unknown_keys(scope,
                        {"tick_interval_ms", "snapshot_interval_ticks", "stats_interval_ticks", "snapshot_depth"});
    SimulationConfig sim;
    sim.tick_interval_ms = integer_in(scope, "tick_interval_ms", required(scope, "tick_interval_ms"), 1, kMaxU32);
    sim.snapshot_interval_ticks =
        integer_in(scope, "snapshot_interval_ticks", required(scope, "snapshot_interval_ticks"), 1, kMaxU32);
    sim.stats_interval_ticks =
        integer_in(scope, "stats_interval_ticks", required(scope, "stats_interval_ticks"), 1, kMaxU32);
    if (const auto* node = optional(scope, "snapshot_depth")) {
      sim.snapshot_depth = integer_in(scope, "snapshot_depth", *node, 1, static_cast<std::int64_t>(kMaxBookDepth));
    }
    return sim;
  }

  AgentCounts read_agents(const Scope& scope) const {
    reject_unknown_keys(scope, {"retail_traders", "institutional_investors", "market_makers", "hft_traders",
                                "noise_traders", "informed_traders"});
    auto count = [&](std::string_view key) {
      return integer_in(scope, key, required(scope, key), 0, kMaxAgentsPerKind);
    };
    AgentCounts agents;
    agents.retail_traders = count("retail_traders");
    agents.institutional_investors = count("institutional_investors");
    agents.market_makers = count("market_makers");
    agents.hft_traders = count("hft_traders");
    agents.noise_traders = count("noise_traders");
    agents.informed_traders = count("informed_traders");
    return agents;
  }

  DataQualityConfig read_data_quality(const Scope& scope) const {
    reject_unknown_keys(scope, {"enabled", "duplicate_rate", "out_of_order_rate", "missing_data_rate"});
    auto rate = [&](std::string_view key) {
      const toml::node* node = optional(scope, key);
      if (node == nullptr) return 0.0;
      const double value = number(scope, key, *node);
      if (value < 0.0 || value > 1.0) {
        fail(line_of(node->source(), scope.line),
             fmt::format("{}: {} is out of range (allowed 0.0..1.0)", scope.key_path(key), value));
      }
      return value;
    };
    DataQualityConfig quality;
    if (const auto* node = optional(scope, "enabled")) quality.enabled = boolean(scope, "enabled", *node);
    quality.duplicate_rate = rate("duplicate_rate");
    quality.out_of_order_rate = rate("out_of_order_rate");
    quality.missing_data_rate = rate("missing_data_rate");
    return quality;
  }

  // ---- symbols ----

  std::vector<Instrument> read_symbols(const Scope& top) const {
    const toml::node* node = top.table.get("symbols");
    if (node == nullptr) fail(1, "missing required section [[symbols]]");
    const toml::array* array = node->as_array();
    if (array == nullptr) fail_type(top, "symbols", *node, "an array of tables");
    const Line array_line = line_of(node->source(), top.line);
    if (array->empty()) fail(array_line, "symbols: at least one symbol is required");

    std::vector<Instrument> instruments;
    std::map<std::string, Line, std::less<>> first_seen;  // ticker -> line of its first definition
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const Line line = line_of(element.source(), array_line);
      if (i == kMaxSymbols) fail(line, fmt::format("symbols: more than {} symbols", kMaxSymbols));
      const std::string name = fmt::format("symbols[{}]", i);
      const toml::table* table = element.as_table();
      if (table == nullptr) fail(line, fmt::format("{}: expected a table, got {}", name, type_name(element.type())));

      const Scope scope{*table, name, "in " + name, line};
      Instrument instrument = read_symbol(scope);
      const Line ticker_line = line_of(table->get("ticker")->source(), line);  // present: read_symbol checked
      const auto [it, inserted] = first_seen.emplace(instrument.ticker, ticker_line);
      if (!inserted) {
        fail(ticker_line, fmt::format("{}.ticker: duplicate ticker '{}' (first defined at line {})", name,
                                      instrument.ticker, it->second));
      }
      instruments.push_back(std::move(instrument));
    }
    return instruments;
  }

  Instrument read_symbol(const Scope& scope) const {
    reject_unknown_keys(scope, {"ticker", "name", "initial_price", "volatility", "market_cap_category", "sector",
                                "tick_size"});
    Instrument in;
    in.ticker = read_ticker(scope);
    in.name = text(scope, "name", required(scope, "name"), kMaxNameLength);
    const toml::node& price_node = required(scope, "initial_price");
    const double price = positive(scope, "initial_price", price_node);
    in.volatility = read_volatility(scope);
    in.market_cap = read_market_cap(scope);
    const toml::node* sector = optional(scope, "sector");
    in.sector = sector != nullptr ? text(scope, "sector", *sector, kMaxSectorLength) : "Unknown";
    in.scale = read_tick_size(scope);
    in.initial_price = to_ticks(scope, price_node, price, in.scale);
    return in;
  }

  std::string read_ticker(const Scope& scope) const {
    const toml::node& node = required(scope, "ticker");
    const std::string ticker = string(scope, "ticker", node);
    const Line line = line_of(node.source(), scope.line);
    const std::string key = scope.key_path("ticker");
    if (ticker.empty()) fail(line, fmt::format("{}: must not be empty", key));
    if (ticker.size() > kMaxTickerLength) {
      fail(line, fmt::format("{}: \"{}\" is {} characters, at most {}", key, ticker, ticker.size(), kMaxTickerLength));
    }
    const auto bad = std::find_if_not(ticker.begin(), ticker.end(), is_ticker_char);
    if (bad != ticker.end()) {
      fail(line, fmt::format("{}: \"{}\" has a character other than A-Z, 0-9, '.' and '-'", key, ticker));
    }
    return ticker;
  }

  double positive(const Scope& scope, std::string_view key, const toml::node& node) const {
    const double value = number(scope, key, node);
    if (value <= 0.0) {
      fail(line_of(node.source(), scope.line),
           fmt::format("{}: {} is out of range (must be greater than 0)", scope.key_path(key), value));
    }
    return value;
  }

  double read_volatility(const Scope& scope) const {
    const toml::node& node = required(scope, "volatility");
    const double value = number(scope, "volatility", node);
    if (value <= 0.0 || value > kMaxVolatility) {
      fail(line_of(node.source(), scope.line),
           fmt::format("{}: {} is out of range (allowed > 0 and <= {})", scope.key_path("volatility"), value,
                       kMaxVolatility));
    }
    return value;
  }

  MarketCap read_market_cap(const Scope& scope) const {
    const toml::node& node = required(scope, "market_cap_category");
    const std::string text = string(scope, "market_cap_category", node);
    MarketCap cap{};
    if (!parse_market_cap(text, cap)) {
      fail(line_of(node.source(), scope.line),
           fmt::format("{}: \"{}\" is not one of mega, large, mid, small, micro", scope.key_path("market_cap_category"),
                       text));
    }
    return cap;
  }

  PriceScale read_tick_size(const Scope& scope) const {
    const toml::node* node = optional(scope, "tick_size");
    if (node == nullptr) return PriceScale{1, 2};
    const double tick = positive(scope, "tick_size", *node);
    const Line line = line_of(node->source(), scope.line);
    if (tick > kMaxTickSize) {
      fail(line, fmt::format("{}: {} is out of range (allowed > 0 and <= {})", scope.key_path("tick_size"), tick,
                             kMaxTickSize));
    }
    const auto scale = exact_decimal(tick);
    if (!scale) {
      fail(line, fmt::format("{}: {} is not a decimal with at most {} digits after the point",
                             scope.key_path("tick_size"), tick, kMaxPriceDecimals));
    }
    return *scale;
  }

  Ticks to_ticks(const Scope& scope, const toml::node& node, double price, const PriceScale& scale) const {
    const Line line = line_of(node.source(), scope.line);
    const std::string key = scope.key_path("initial_price");
    const double tick = scale.tick_size();
    double ticks = 0.0;
    if (!near_whole(price / tick, ticks)) {
      fail(line, fmt::format("{}: {} is not a multiple of tick_size {}", key, price, tick));
    }
    if (ticks < 1.0) fail(line, fmt::format("{}: {} is less than one tick_size {}", key, price, tick));
    if (ticks > kMaxInitialTicks) {
      fail(line, fmt::format("{}: {} is {} ticks of {}, at most {}", key, price, ticks, tick, kMaxInitialTicks));
    }
    return static_cast<Ticks>(ticks);
  }

  std::string file_;
};

// Reads a whole file; on failure returns the reason and leaves `text` unspecified.
std::optional<std::string> read_file(const std::filesystem::path& file, std::string& text) {
  errno = 0;
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> stream(std::fopen(file.c_str(), "rb"), &std::fclose);
  auto reason = [] { return std::error_code(errno != 0 ? errno : EIO, std::generic_category()).message(); };
  if (!stream) return reason();
  char buffer[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, stream.get());
    text.append(buffer, got);
    if (text.size() > kMaxFileBytes) return fmt::format("larger than {} bytes", kMaxFileBytes);
    if (got < sizeof buffer) break;
  }
  if (std::ferror(stream.get()) != 0) return reason();  // e.g. EISDIR: fopen accepts a directory
  return std::nullopt;
}

std::string describe(const std::string& file, std::uint32_t line, const std::string& problem) {
  return line == 0 ? fmt::format("{}: {}", file, problem) : fmt::format("{}:{}: {}", file, line, problem);
}

}  // namespace

ConfigError::ConfigError(std::string file, std::uint32_t line, std::string problem)
    : std::runtime_error(describe(file, line, problem)),
      file_(std::move(file)),
      line_(line),
      problem_(std::move(problem)) {}

ExchangeConfig load_exchange_config(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::string text;
  if (const auto reason = read_file(file, text)) throw ConfigError(name, 0, "cannot read: " + *reason);
  return parse_exchange_config(text, name);
}

ExchangeConfig parse_exchange_config(std::string_view toml_text, std::string_view source_name) {
  const std::string file(source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    throw ConfigError(file, std::max<Line>(error.source().begin.line, 1), std::string(error.description()));
  }
  return Reader(file).read(root);
}

}  // namespace ringside
