// LOBSTER sample files (lobsterdata.com): a message file with one event per line
// and an orderbook file with the visible book after each event.
//
//   message:   time (s after midnight, New York), type, order id, size, price ($ x 10000), direction
//   orderbook: askPrice1, askSize1, bidPrice1, bidSize1, askPrice2, ... (4 columns per level)
//
// Reading is strict: every problem is a LobsterError "FILE:LINE: problem" and
// nothing is guessed. Prices stay in LOBSTER units here; lobster_import.hpp turns
// them into ticks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ringside/tools/input_error.hpp"

namespace ringside::tools {

// "FILE:LINE: problem" (or "FILE: problem" when the file cannot be read).
class LobsterError : public InputError {
 public:
  using InputError::InputError;
};

enum class LobsterEvent : std::uint8_t {
  Submission = 1,
  PartialCancel = 2,  // size = shares removed
  Deletion = 3,       // size = shares removed (all that was left)
  Execution = 4,      // of a visible resting order; direction = that order's side
  HiddenExecution = 5,
  Cross = 6,
  Halt = 7,           // price -1 halt, 0 quoting resumes, 1 trading resumes
};
inline constexpr int kLobsterEventTypes = 7;
const char* to_string(LobsterEvent) noexcept;  // "submission", ...

// Prices are dollars x 10000.
inline constexpr std::int64_t kLobsterPriceUnitsPerDollar = 10'000;

struct LobsterMessage {
  std::size_t line = 0;       // 1-based, in the message file
  std::int64_t time_ns = 0;   // after midnight, exchange local time
  LobsterEvent type = LobsterEvent::Submission;
  std::uint64_t order_id = 0;
  std::int64_t size = 0;
  std::int64_t price = 0;     // dollars x 10000
  int direction = 1;          // 1 buy order, -1 sell order
};

struct LobsterLevel {
  std::int64_t price = 0;  // dollars x 10000
  std::int64_t size = 0;
  friend bool operator==(const LobsterLevel&, const LobsterLevel&) = default;
};

// The visible book after one message: occupied levels only, best first.
struct LobsterBook {
  std::size_t line = 0;  // 1-based, in the orderbook file
  std::vector<LobsterLevel> asks;
  std::vector<LobsterLevel> bids;
};

struct LobsterSample {
  std::string message_file;
  std::string orderbook_file;
  std::size_t levels = 0;  // levels per side in the orderbook file
  std::vector<LobsterMessage> messages;
  std::vector<LobsterBook> books;  // books[i]: after messages[i]
};

// Reads both files; they must have one row per message. Throws LobsterError.
LobsterSample read_lobster(const std::filesystem::path& message_file, const std::filesystem::path& orderbook_file);

// A trading date in a LOBSTER file name (TICKER_YYYY-MM-DD_START_END_message_N.csv):
// the ticker and the date, when the name has that form.
struct LobsterFileName {
  std::string ticker;
  int year = 0;
  int month = 0;
  int day = 0;
};
std::optional<LobsterFileName> parse_lobster_file_name(const std::filesystem::path& file);

// Nanoseconds since the Unix epoch of midnight in New York (US Eastern time, with
// the US daylight saving rules in force since 2007) on the given date; LOBSTER
// times are seconds after that midnight. Nullopt for an invalid date.
std::optional<std::int64_t> new_york_midnight_ns(int year, int month, int day);

}  // namespace ringside::tools
