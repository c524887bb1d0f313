// The exchange configuration: the engine's TOML format of seeds/000 section 2.5.
//
// Parsing is strict. Unknown keys, missing fields, wrong types, duplicate tickers
// and out-of-range numbers are refused with a ConfigError naming the file, the
// line and the problem; nothing is silently defaulted except the optional fields
// documented in config/README.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ringside/core/instrument.hpp"

namespace ringside {

struct ServerConfig {
  std::string websocket_addr = "0.0.0.0";
  std::uint16_t websocket_port = 8765;
};

struct SimulationConfig {
  std::uint32_t tick_interval_ms = 100;
  std::uint32_t snapshot_interval_ticks = 100;
  std::uint32_t stats_interval_ticks = 100;
  std::uint32_t snapshot_depth = 20;  // levels per side in OrderBookSnapshot (1..kMaxBookDepth)
};

struct AgentCounts {
  std::uint32_t retail_traders = 0;
  std::uint32_t institutional_investors = 0;
  std::uint32_t market_makers = 0;
  std::uint32_t hft_traders = 0;
  std::uint32_t noise_traders = 0;
  std::uint32_t informed_traders = 0;

  std::uint32_t total() const noexcept {
    return retail_traders + institutional_investors + market_makers + hft_traders + noise_traders +
           informed_traders;
  }
};

struct DataQualityConfig {
  bool enabled = false;
  double duplicate_rate = 0.0;
  double out_of_order_rate = 0.0;
  double missing_data_rate = 0.0;
};

struct ExchangeConfig {
  std::string source;  // file it was read from, for messages
  ServerConfig server;
  SimulationConfig simulation;
  AgentCounts agents;
  DataQualityConfig data_quality;
  SymbolTable symbols;
};

class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, std::uint32_t line, std::string problem);

  const std::string& file() const noexcept { return file_; }
  std::uint32_t line() const noexcept { return line_; }  // 1-based; 0 when the file could not be read
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string file_;
  std::uint32_t line_;
  std::string problem_;
};

// Reads and validates a config file. Throws ConfigError ("FILE:LINE: problem").
ExchangeConfig load_exchange_config(const std::filesystem::path& file);
// The same for text already in memory; source_name stands in for the file name.
ExchangeConfig parse_exchange_config(std::string_view toml_text, std::string_view source_name);

}  // namespace ringside
