// ringside import-lobster: see tools/README.md.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "ringside/tools/commands.hpp"
#include "ringside/tools/lobster_import.hpp"

namespace ringside::tools {
namespace {

struct ImportLobsterOptions {
  std::string message_file;
  std::string orderbook_file;
  std::string output;
  std::string ticker;
  std::string name;
  std::string sector;
  std::string tick_size = "0.01";
  std::string date;  // YYYY-MM-DD
  bool quiet = false;
};

// --date, else the date in a LOBSTER file name, else none (frames get time 0).
std::optional<std::int64_t> midnight_for(const ImportLobsterOptions& o, const std::optional<LobsterFileName>& name) {
  if (!o.date.empty()) {
    LobsterFileName parsed;
    if (const auto from_option = parse_lobster_file_name("X_" + o.date + "_")) parsed = *from_option;
    else throw InputError("--date '" + o.date + "': not a date like 2012-06-21");
    return new_york_midnight_ns(parsed.year, parsed.month, parsed.day);
  }
  if (name) return new_york_midnight_ns(name->year, name->month, name->day);
  return std::nullopt;
}

void print_summary(const ImportLobsterOptions& o, const LobsterImport& imported) {
  const LobsterImportStats& s = imported.stats;
  const Instrument& in = *imported.symbols.begin();
  fmt::print("import-lobster: {} ({}), tick size {}, initial price {} ticks\n", in.ticker, in.name,
             in.scale.tick_size(), in.initial_price);
  fmt::print("  {} messages:", s.messages);
  for (int t = 1; t <= kLobsterEventTypes; ++t) {
    fmt::print("{} {} {}", t == 1 ? "" : ",", s.by_type[t], to_string(static_cast<LobsterEvent>(t)));
  }
  fmt::print("\n  orders from before the file: {} seed orders for the first row, {} more ({} shares) as deeper "
             "levels came into view; {} messages about them\n",
             s.seed_orders, s.revealed_orders, s.revealed_shares, s.unknown_order_messages);
  fmt::print("  wrote {}: {} frames ({} new orders, {} cancels, {} reduces)\n", o.output, s.frames(), s.new_orders,
             s.cancels, s.reduces);
  if (s.missing_shares > 0) {
    fmt::print("  note: {} shares removed by messages were not in the book (deeper than the first row showed)\n",
               s.missing_shares);
  }
  if (s.crossing_submissions > 0) {
    fmt::print("  note: {} submissions cross the book as replayed and will trade\n", s.crossing_submissions);
  }
}

void run(const ImportLobsterOptions& o) {
  const std::optional<LobsterFileName> file_name = parse_lobster_file_name(o.message_file);
  LobsterImportOptions options;
  options.ticker = !o.ticker.empty() ? o.ticker : file_name ? file_name->ticker : "";
  if (options.ticker.empty()) {
    throw InputError(o.message_file + ": no ticker in the file name (TICKER_YYYY-MM-DD_...); give --ticker");
  }
  options.name = o.name;
  options.sector = o.sector;
  options.tick = parse_tick_size(o.tick_size);
  options.midnight_ns = midnight_for(o, file_name);

  const LobsterSample sample = read_lobster(o.message_file, o.orderbook_file);
  const LobsterImport imported = import_lobster(sample, options);
  write_order_file(imported, o.output);
  if (!o.quiet) print_summary(o, imported);
}

}  // namespace

void add_import_lobster_command(CLI::App& app) {
  auto o = std::make_shared<ImportLobsterOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import-lobster",
      "Turn a LOBSTER sample (message and orderbook CSV files) into an order file for "
      "`ringside-engine --orders`: the opening book as anonymous resting orders, submissions as GTC limit "
      "orders, cancels and deletions as cancels, visible executions as IOC orders against the book. "
      "Errors name the file and line (exit status 2).");
  cmd->add_option("message", o->message_file, "LOBSTER message file (TICKER_DATE_..._message_N.csv)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("orderbook", o->orderbook_file, "LOBSTER orderbook file with one row per message")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->output, "Order file to write")->required();
  cmd->add_option("--ticker", o->ticker, "Ticker of the instrument (default: from the message file name)");
  cmd->add_option("--name", o->name, "Instrument name (default: 'TICKER (LOBSTER)')");
  cmd->add_option("--sector", o->sector, "Instrument sector (default: none)");
  cmd->add_option("--tick-size", o->tick_size, "Tick size in dollars; every price must be a multiple")
      ->capture_default_str();
  cmd->add_option("--date", o->date,
                  "Trading date YYYY-MM-DD for event times (default: from the file name; without one, times are 0)");
  cmd->add_flag("-q,--quiet", o->quiet, "Print no summary");
  cmd->callback([o] { run(*o); });
}

}  // namespace ringside::tools
