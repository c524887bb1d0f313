// Small JSON text helpers for the messages the gateway makes itself (book
// updates, replies, heartbeats, gap notices). Events are never written here:
// they come from core's JsonEncoder.
//
// Appends to a std::string the caller reuses, so steady-state use allocates
// nothing once the string has grown to its working size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ringside/core/ids.hpp"
#include "ringside/core/instrument.hpp"

namespace ringside::gateway {

// "text" with quotes; escapes quotes, backslashes and control characters.
void append_quoted(std::string& out, std::string_view text);
void append_int(std::string& out, std::int64_t value);
void append_uint(std::string& out, std::uint64_t value);
// An exact decimal price with the symbol's decimals: 185.50, as core's encoders print it.
void append_price(std::string& out, Ticks ticks, const PriceScale& scale);
// "2026-02-18T14:30:00.123456Z" with quotes.
void append_timestamp(std::string& out, std::int64_t unix_ns);

}  // namespace ringside::gateway
