#include "ringside/tools/lobster.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

namespace ringside::tools {
namespace {

constexpr std::size_t kMessageColumns = 6;
constexpr std::size_t kColumnsPerLevel = 4;
// Past this a file is not a LOBSTER sample we want in memory.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{4} << 30;

// Far beyond any real share count or price; bounding them keeps every sum the
// importer forms far from overflow.
constexpr std::int64_t kMaxSize = 1'000'000'000'000;
constexpr std::int64_t kMaxPrice = 1'000'000'000'000'000;  // $10^11

const char* const kMessageColumnNames[kMessageColumns] = {"time", "type", "order id", "size", "price", "direction"};

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw LobsterError(file.string() + ": cannot read: " + std::strerror(errno));
  std::error_code ec;
  if (const auto size = std::filesystem::file_size(file, ec); !ec && size > kMaxFileBytes) {
    throw LobsterError(file.string() + ": " + std::to_string(size) + " bytes, more than a LOBSTER file can be");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw LobsterError(file.string() + ": read error");
  return std::move(text).str();
}

// The lines of a CSV file, without their terminators ("\n" or "\r\n"); a final
// newline does not start another line.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const std::size_t comma = line.find(',');
    fields.push_back(line.substr(0, comma));
    if (comma == std::string_view::npos) return fields;
    line.remove_prefix(comma + 1);
  }
}

// Where a problem is: "FILE:LINE: ".
struct Place {
  const std::string& file;
  std::size_t line;

  LobsterError error(const std::string& problem) const {
    return LobsterError(file + ":" + std::to_string(line) + ": " + problem);
  }
};

template <class Int>
Int parse_integer(std::string_view field, const Place& at, const char* what) {
  Int value{};
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || ec != std::errc{} || end != field.data() + field.size()) {
    const bool range = ec == std::errc::result_out_of_range;
    throw at.error(std::string(what) + ": '" + std::string(field) + "' is " +
                   (range ? "out of range" : "not an integer"));
  }
  return value;
}

// "34200.004241176" -> ns. At most 9 decimals (LOBSTER writes nanoseconds).
std::int64_t parse_time_ns(std::string_view field, const Place& at) {
  const std::size_t dot = field.find('.');
  const std::string_view whole = field.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : field.substr(dot + 1);
  const auto bad = [&] { return at.error("time: '" + std::string(field) + "' is not seconds after midnight"); };
  if (whole.empty() || (dot != std::string_view::npos && fraction.empty()) || fraction.size() > 9) throw bad();
  for (const char c : fraction) {
    if (c < '0' || c > '9') throw bad();
  }
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (ec != std::errc{} || end != whole.data() + whole.size() || seconds < 0 || seconds > 7 * 86'400) throw bad();
  std::int64_t ns = 0;
  for (std::size_t i = 0; i < 9; ++i) ns = ns * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  return seconds * 1'000'000'000 + ns;
}

LobsterMessage parse_message(std::string_view line, const Place& at) {
  const std::vector<std::string_view> f = split_fields(line);
  if (f.size() != kMessageColumns) {
    throw at.error("expected " + std::to_string(kMessageColumns) + " columns (time, type, order id, size, price, "
                   "direction), found " + std::to_string(f.size()));
  }
  LobsterMessage m;
  m.line = at.line;
  m.time_ns = parse_time_ns(f[0], at);
  const int type = parse_integer<int>(f[1], at, kMessageColumnNames[1]);
  if (type < 1 || type > kLobsterEventTypes) {
    throw at.error("type: unknown event type " + std::to_string(type) + " (LOBSTER has 1..7)");
  }
  m.type = static_cast<LobsterEvent>(type);
  m.order_id = parse_integer<std::uint64_t>(f[2], at, kMessageColumnNames[2]);
  m.size = parse_integer<std::int64_t>(f[3], at, kMessageColumnNames[3]);
  m.price = parse_integer<std::int64_t>(f[4], at, kMessageColumnNames[4]);
  m.direction = parse_integer<int>(f[5], at, kMessageColumnNames[5]);
  if (m.direction != 1 && m.direction != -1) {
    throw at.error("direction: " + std::to_string(m.direction) + " (1 buy order, -1 sell order)");
  }
  if (m.size < 0) throw at.error("size: " + std::to_string(m.size) + " is negative");
  if (m.size > kMaxSize) throw at.error("size: " + std::to_string(m.size) + " is too large");
  if (m.price > kMaxPrice || m.price < -kMaxPrice) {
    throw at.error("price: " + std::to_string(m.price) + " is too large");
  }
  const bool visible = m.type <= LobsterEvent::Execution;
  if (visible && m.size == 0) throw at.error(std::string("size: 0 for a ") + to_string(m.type));
  if (visible && m.price <= 0) {
    throw at.error("price: " + std::to_string(m.price) + " is not positive for a " + to_string(m.type));
  }
  return m;
}

LobsterBook parse_book(std::string_view line, std::size_t columns, const Place& at) {
  const std::vector<std::string_view> f = split_fields(line);
  if (f.size() != columns) {
    throw at.error("expected " + std::to_string(columns) + " columns like the first row, found " +
                   std::to_string(f.size()));
  }
  LobsterBook book;
  book.line = at.line;
  bool asks_ended = false;
  bool bids_ended = false;
  for (std::size_t level = 0; level * kColumnsPerLevel < columns; ++level) {
    const std::size_t c = level * kColumnsPerLevel;
    const auto read_level = [&](std::size_t column, const char* side, bool& ended, std::vector<LobsterLevel>& out) {
      const std::string what = std::string(side) + " level " + std::to_string(level + 1);
      const auto price = parse_integer<std::int64_t>(f[column], at, (what + " price").c_str());
      const auto size = parse_integer<std::int64_t>(f[column + 1], at, (what + " size").c_str());
      if (size < 0) throw at.error(what + " size " + std::to_string(size) + " is negative");
      if (size > kMaxSize) throw at.error(what + " size " + std::to_string(size) + " is too large");
      if (size == 0) {  // empty: LOBSTER writes ask 9999999999 / bid -9999999999
        ended = true;
        return;
      }
      if (ended) throw at.error(what + " is occupied below an empty level");
      if (price <= 0) throw at.error(what + " price " + std::to_string(price) + " is not positive");
      if (price > kMaxPrice) throw at.error(what + " price " + std::to_string(price) + " is too large");
      if (!out.empty() && (side[0] == 'a' ? price <= out.back().price : price >= out.back().price)) {
        throw at.error(what + " price " + std::to_string(price) + " is not worse than the level above");
      }
      out.push_back({price, size});
    };
    read_level(c, "ask", asks_ended, book.asks);
    read_level(c + 2, "bid", bids_ended, book.bids);
  }
  return book;
}

}  // namespace

const char* to_string(LobsterEvent type) noexcept {
  switch (type) {
    case LobsterEvent::Submission: return "submission";
    case LobsterEvent::PartialCancel: return "partial cancel";
    case LobsterEvent::Deletion: return "deletion";
    case LobsterEvent::Execution: return "execution";
    case LobsterEvent::HiddenExecution: return "hidden execution";
    case LobsterEvent::Cross: return "cross";
    case LobsterEvent::Halt: return "halt";
  }
  return "?";
}

LobsterSample read_lobster(const std::filesystem::path& message_file, const std::filesystem::path& orderbook_file) {
  LobsterSample sample;
  sample.message_file = message_file.string();
  sample.orderbook_file = orderbook_file.string();

  const std::string messages = read_text(message_file);
  const std::vector<std::string_view> message_lines = split_lines(messages);
  if (message_lines.empty()) throw Place{sample.message_file, 1}.error("no messages (empty file)");
  for (std::size_t i = 0; i < message_lines.size(); ++i) {
    const Place at{sample.message_file, i + 1};
    if (message_lines[i].empty()) throw at.error("empty line");
    sample.messages.push_back(parse_message(message_lines[i], at));
  }

  const std::string books = read_text(orderbook_file);
  const std::vector<std::string_view> book_lines = split_lines(books);
  if (book_lines.empty()) throw Place{sample.orderbook_file, 1}.error("no rows (empty file)");
  const std::size_t columns = split_fields(book_lines[0]).size();
  if (columns % kColumnsPerLevel != 0) {
    throw Place{sample.orderbook_file, 1}.error(std::to_string(columns) +
                                                " columns, not 4 per level (ask price, ask size, bid price, bid size)");
  }
  sample.levels = columns / kColumnsPerLevel;
  for (std::size_t i = 0; i < book_lines.size(); ++i) {
    const Place at{sample.orderbook_file, i + 1};
    if (book_lines[i].empty()) throw at.error("empty line");
    if (i == sample.messages.size()) {
      throw at.error("more rows than the " + std::to_string(sample.messages.size()) + " messages of " +
                     sample.message_file + " (one row per message)");
    }
    sample.books.push_back(parse_book(book_lines[i], columns, at));
  }
  if (sample.books.size() < sample.messages.size()) {
    throw Place{sample.orderbook_file, sample.books.size()}.error(
        "ends after " + std::to_string(sample.books.size()) + " rows, but " + sample.message_file + " has " +
        std::to_string(sample.messages.size()) + " messages (one row per message)");
  }
  return sample;
}

std::optional<LobsterFileName> parse_lobster_file_name(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  const std::size_t first = name.find('_');
  if (first == std::string::npos || first == 0 || name.size() < first + 11) return std::nullopt;
  const std::string_view date = std::string_view(name).substr(first + 1, 10);
  if (date[4] != '-' || date[7] != '-' || (name.size() > first + 11 && name[first + 11] != '_')) return std::nullopt;
  LobsterFileName out;
  out.ticker = name.substr(0, first);
  const auto number = [&](std::size_t pos, std::size_t len, int& value) {
    const auto [end, ec] = std::from_chars(date.data() + pos, date.data() + pos + len, value);
    return ec == std::errc{} && end == date.data() + pos + len;
  };
  if (!number(0, 4, out.year) || !number(5, 2, out.month) || !number(8, 2, out.day)) return std::nullopt;
  if (!new_york_midnight_ns(out.year, out.month, out.day)) return std::nullopt;
  return out;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return std::int64_t{era} * 146'097 + doe - 719'468;
}

int weekday(std::int64_t days) {  // 0 = Sunday; 1970-01-01 (day 0) was a Thursday
  return static_cast<int>((days + 4) % 7);
}

// Day of the month of the n-th Sunday of a month.
int nth_sunday(int year, int month, int n) {
  const int first = weekday(days_from_civil(year, month, 1));
  return 1 + (7 - first) % 7 + 7 * (n - 1);
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

std::optional<std::int64_t> new_york_midnight_ns(int year, int month, int day) {
  if (year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    return std::nullopt;
  }
  // Daylight saving time (UTC-4) from the second Sunday of March to the first
  // Sunday of November; at midnight the change of those days has not happened yet.
  const bool after_march_change = month > 3 || (month == 3 && day > nth_sunday(year, 3, 2));
  const bool before_november_change = month < 11 || (month == 11 && day <= nth_sunday(year, 11, 1));
  const int utc_offset_hours = after_march_change && before_november_change ? -4 : -5;
  const std::int64_t seconds = days_from_civil(year, month, day) * 86'400 - utc_offset_hours * 3'600;
  return seconds * 1'000'000'000;
}

}  // namespace ringside::tools
