// Fuzzer: core's strict TOML exchange config (parse_exchange_config, toml++
// underneath) on arbitrary text. Bad input must be a ConfigError naming the
// source and a line; a config it accepts must give a symbol table whose binary
// image (ring metadata, capture headers) reads back to the same table.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.hpp"
#include "ringside/core/config.hpp"
#include "ringside/core/instrument.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ringside;
  ExchangeConfig config;
  try {
    config = parse_exchange_config(fuzz::as_text(data, size), "fuzz.toml");
  } catch (const ConfigError& e) {
    if (e.file() != "fuzz.toml") fuzz::invariant_failed("a ConfigError naming another file");
    return 0;
  }
  const auto image = config.symbols.to_image();
  SymbolTable again;
  try {
    again = SymbolTable::from_image(image);
  } catch (const std::exception& e) {
    fuzz::invariant_failed((std::string("the image of an accepted config does not read back: ") + e.what()).c_str());
  }
  if (again.size() != config.symbols.size() || again.to_image() != image) {
    fuzz::invariant_failed("the symbol table image does not round-trip");
  }
  return 0;
}
