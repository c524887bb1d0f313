// ringside orders: submit orders from CSV through an order-entry ring and print
// the engine's execution reports. See tools/README.md.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "ringside/shm/order_entry_client.hpp"
#include "ringside/tools/commands.hpp"
#include "ringside/tools/input_error.hpp"
#include "ringside/tools/order_csv.hpp"

namespace ringside::tools {
namespace {

struct OrdersOptions {
  std::string input = "-";
  std::string client;
  bool json = false;
  std::uint32_t wait_ms = 10'000;
  std::uint32_t linger_ms = 500;
};

std::string format_price(Ticks ticks, const PriceScale& scale) {
  return fmt::format("{:.{}f}", scale.to_double(ticks), scale.decimals);
}

void print_report(const ExecutionReport& r, const SymbolTable& symbols, bool json) {
  const bool known = symbols.contains(r.header.symbol);
  const std::string ticker = known ? symbols[r.header.symbol].ticker : std::to_string(raw(r.header.symbol));
  const PriceScale scale = known ? symbols[r.header.symbol].scale : PriceScale{};
  if (json) {
    fmt::print(
        "{{\"report\":\"{}\",\"client_order_id\":{},\"order_id\":{},\"symbol\":\"{}\",\"last_price\":{},"
        "\"last_quantity\":{},\"cumulative_quantity\":{},\"leaves_quantity\":{},\"reject_reason\":\"{}\","
        "\"cancel_reason\":\"{}\"}}\n",
        to_string(r.exec_type), r.client_order_id, raw(r.order_id), ticker, scale.to_double(r.last_price),
        r.last_quantity, r.cumulative_quantity, r.leaves_quantity,
        r.exec_type == ExecType::Rejected ? to_string(r.reject_reason) : "",
        r.exec_type == ExecType::Cancelled ? to_string(r.cancel_reason) : "");
  } else {
    std::string detail;
    switch (r.exec_type) {
      case ExecType::New: detail = fmt::format("leaves {}", r.leaves_quantity); break;
      case ExecType::PartiallyFilled:
      case ExecType::Filled:
        detail = fmt::format("{} @ {}, filled {}, leaves {}", r.last_quantity, format_price(r.last_price, scale),
                             r.cumulative_quantity, r.leaves_quantity);
        break;
      case ExecType::Cancelled:
        detail = fmt::format("{} cancelled ({}), leaves {}", r.last_quantity, to_string(r.cancel_reason), r.leaves_quantity);
        break;
      case ExecType::Rejected: detail = std::string(to_string(r.reject_reason)); break;
    }
    fmt::print("{:<6} {:>8}  {:<17} {}\n", ticker, r.client_order_id, to_string(r.exec_type), detail);
  }
  std::fflush(stdout);
}

void run(const OrdersOptions& o) {
  std::ifstream file;
  std::istream* in = &std::cin;
  const std::string source = o.input == "-" ? "<stdin>" : o.input;
  if (o.input != "-") {
    file.open(o.input);
    if (!file) throw InputError(o.input + ": cannot open");
    in = &file;
  }
  shm::OrderEntryOptions options;
  options.wait_for_engine = std::chrono::milliseconds(o.wait_ms);
  const std::string name = o.client.empty() ? fmt::format("cli-{}", ::getpid()) : o.client;
  shm::OrderEntryClient client = shm::OrderEntryClient::connect(name, options);
  fmt::print(stderr, "orders: connected as '{}' ({} symbols)\n", name, client.symbols().size());

  std::uint64_t sent = 0;
  std::uint64_t refused = 0;
  std::string line;
  auto drain = [&] {
    while (auto r = client.poll()) print_report(*r, client.symbols(), o.json);
  };
  for (std::uint64_t n = 1; std::getline(*in, line); ++n) {
    const OrderCsvLine parsed = parse_order_csv_line(line, client.symbols());
    switch (parsed.kind) {
      case OrderCsvLine::Kind::Skip: continue;
      case OrderCsvLine::Kind::Refused:
        ++refused;
        fmt::print(stderr, "{}:{}: {} (not sent)\n", source, n, parsed.why);
        continue;
      case OrderCsvLine::Kind::Cancel: client.send_cancel(parsed.symbol, parsed.client_order_id, parsed.reduce_by); break;
      case OrderCsvLine::Kind::New: client.send(parsed.order); break;
    }
    ++sent;
    drain();
  }
  // Reports for the last orders: wait until the engine has been quiet a while.
  auto quiet_since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - quiet_since < std::chrono::milliseconds(o.linger_ms)) {
    if (auto r = client.wait(std::chrono::milliseconds(10))) {
      print_report(*r, client.symbols(), o.json);
      quiet_since = std::chrono::steady_clock::now();
    }
  }
  fmt::print(stderr, "orders: {} requests sent, {} lines refused\n", sent, refused);
  if (refused > 0) throw InputError(fmt::format("{}: {} lines refused (see above)", source, refused));
}

}  // namespace

void add_orders_command(CLI::App& app) {
  auto o = std::make_shared<OrdersOptions>();
  CLI::App* cmd = app.add_subcommand(
      "orders",
      "Submit orders to a running ringside-engine and print its execution reports.\n"
      "Input: CSV lines side,type,tif,symbol,quantity,price,client_order_id, e.g.\n"
      "  Buy,Limit,GTC,AAPL,100,185.00,1\n"
      "  Sell,Market,IOC,AAPL,50,,2\n"
      "  Cancel,,,AAPL,,,1          (a quantity reduces the order by that much instead)\n"
      "A header line and #-comments are skipped; a bad line is reported with its number and skipped.");
  cmd->add_option("input", o->input, "CSV file, or - for stdin")->capture_default_str();
  cmd->add_option("--client", o->client, "client name: the rings are orders.NAME and reports.NAME (default cli-PID)");
  cmd->add_flag("--json", o->json, "print each report as one JSON line");
  cmd->add_option("--wait-ms", o->wait_ms, "how long to wait for the engine to answer")->capture_default_str();
  cmd->add_option("--linger-ms", o->linger_ms, "after the last line, print reports until quiet this long")
      ->capture_default_str();
  cmd->callback([o] { run(*o); });
}

}  // namespace ringside::tools
