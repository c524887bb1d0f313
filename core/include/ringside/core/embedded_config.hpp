// The shipped configs (config/default.toml and config/test.toml), compiled into
// the library so every program runs on the defaults without finding files.
#pragma once

#include <string_view>

#include "ringside/core/config.hpp"

namespace ringside {

std::string_view embedded_default_config_text() noexcept;
std::string_view embedded_test_config_text() noexcept;

// Source names used in messages: "<embedded config/default.toml>".
inline constexpr std::string_view kEmbeddedDefaultName = "<embedded config/default.toml>";
inline constexpr std::string_view kEmbeddedTestName = "<embedded config/test.toml>";

// The embedded default (24 symbols, 258 agents) or test (2 symbols) config.
ExchangeConfig embedded_default_config();
ExchangeConfig embedded_test_config();

}  // namespace ringside
