// Fuzzer: the LOBSTER reader and importer (`ringside import-lobster`) on
// arbitrary text. Input: MESSAGE_FILE \0 ORDERBOOK_FILE [\0 TICK_SIZE [\0 FILE_NAME]].
// The two files are read (read_lobster), imported as ticker FUZZ (import_lobster,
// with New York midnight of the date in FILE_NAME when it parses, else 2012-06-21),
// and the order file written is read back by core's order-file reader. Bad input
// must be a LobsterError / InputError naming the file (and line); never a crash or UB.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "ringside/core/order_file.hpp"
#include "ringside/tools/lobster.hpp"
#include "ringside/tools/lobster_import.hpp"

namespace {

std::string_view next_part(std::string_view& rest) {
  const auto at = rest.find('\0');
  const std::string_view part = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at + 1);
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ringside;
  using namespace ringside::tools;
  std::string_view rest = fuzz::as_text(data, size);
  const std::string_view messages = next_part(rest);
  const std::string_view books = next_part(rest);
  const std::string_view tick = next_part(rest);
  const std::string_view name = next_part(rest);

  const auto dir = fuzz::scratch_dir();
  const auto message_file = dir / "FUZZ_message.csv";
  const auto book_file = dir / "FUZZ_orderbook.csv";
  fuzz::write_file(message_file, messages.data(), messages.size());
  fuzz::write_file(book_file, books.data(), books.size());

  LobsterImportOptions options;
  options.ticker = "FUZZ";
  if (!tick.empty()) {
    try {
      options.tick = parse_tick_size(tick);
    } catch (const InputError&) {
    }
  }
  std::optional<LobsterFileName> parsed_name = parse_lobster_file_name(std::string(name));
  if (parsed_name) {
    options.midnight_ns = new_york_midnight_ns(parsed_name->year, parsed_name->month, parsed_name->day);
  } else {
    options.midnight_ns = new_york_midnight_ns(2012, 6, 21);
  }

  LobsterSample sample;
  try {
    sample = read_lobster(message_file, book_file);
  } catch (const LobsterError&) {
    return 0;
  }
  if (sample.books.size() != sample.messages.size()) fuzz::invariant_failed("a book per message");
  LobsterImport imported;
  try {
    imported = import_lobster(sample, options);
  } catch (const LobsterError&) {
    return 0;
  }
  if (imported.requests_after.size() != sample.messages.size()) fuzz::invariant_failed("requests_after per message");
  const auto order_file = dir / "FUZZ.orders";
  write_order_file(imported, order_file);
  try {
    const OrderFile back = read_order_file(order_file);
    (void)back;
  } catch (const std::exception& e) {
    fuzz::invariant_failed((std::string("the order file written does not read back: ") + e.what()).c_str());
  }
  return 0;
}
