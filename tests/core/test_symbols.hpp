// A small symbol table shared by the core tests: three price scales.
#pragma once

#include "ringside/core/instrument.hpp"

namespace ringside::test {

inline SymbolTable test_symbols() {
  std::vector<Instrument> v(3);
  v[0].ticker = "AAPL";
  v[0].name = "Apple Inc.";
  v[0].sector = "Technology";
  v[0].scale = {1, 2};  // 0.01
  v[0].initial_price = 18500;
  v[0].volatility = 0.25;
  v[1].ticker = "BRK.B";
  v[1].name = "Berkshire \"B\"";
  v[1].sector = "Finance";
  v[1].scale = {5, 2};  // 0.05
  v[1].initial_price = 8000;
  v[1].volatility = 0.15;
  v[2].ticker = "EURUSD";
  v[2].name = "Euro";
  v[2].sector = "FX";
  v[2].market_cap = MarketCap::Mega;
  v[2].scale = {1, 4};  // 0.0001
  v[2].initial_price = 10850;
  v[2].volatility = 0.08;
  return SymbolTable(std::move(v));
}

}  // namespace ringside::test
