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

namespace ringside::tools {
namespace {

struct OrdersOptions {
  std::string input = "-";
  std::string client;
  bool json = false;
  std::uint32_t wait_ms = 10'000;
  std::uint32_t linger_ms = 500;
};

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  for (char c : line) {
    if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  fields.push_back(field);
  for (auto& f : fields) {
    const auto b = f.find_first_not_of(" \t");
    const auto e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? std::string() : f.substr(b, e - b + 1);
  }
  return fields;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

template <class Int>
bool parse_int(const std::string& text, Int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

// An exact decimal price to ticks of `scale`; false when off the grid or malformed.
bool price_to_ticks(const std::string& text, const PriceScale& scale, Ticks& out, std::string& why) {
  // Parse as an integer count of 10^-decimals units, refusing digits beyond them.
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  std::int64_t w = 0;
  if (whole.empty() || !parse_int(whole, w) || w < 0) {
    why = "price '" + text + "' is not a positive decimal number";
    return false;
  }
  while (frac.size() > scale.decimals && !frac.empty() && frac.back() == '0') frac.pop_back();
  if (frac.size() > scale.decimals) {
    why = fmt::format("price {} is off the tick grid (tick {})", text, scale.tick_size());
    return false;
  }
  std::int64_t f = 0;
  if (!frac.empty() && !parse_int(frac, f)) {
    why = "price '" + text + "' is not a decimal number";
    return false;
  }
  for (std::size_t i = frac.size(); i < scale.decimals; ++i) f *= 10;
  std::int64_t units = w;
  for (int i = 0; i < scale.decimals; ++i) units *= 10;
  units += f;
  if (units % scale.tick_units != 0) {
    why = fmt::format("price {} is off the tick grid (tick {})", text, scale.tick_size());
    return false;
  }
  out = units / scale.tick_units;
  return true;
}

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
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto f = split_csv(line);
    if (lower(f[0]) == "side") continue;  // a header line
    auto refuse = [&](const std::string& why) {
      ++refused;
      fmt::print(stderr, "{}:{}: {} (not sent)\n", source, n, why);
    };
    if (f.size() != 7) {
      refuse(fmt::format("expected 7 fields (side,type,tif,symbol,quantity,price,client_order_id), found {}", f.size()));
      continue;
    }
    const std::string side = lower(f[0]);
    const Instrument* instrument = client.symbols().find(f[3]);
    if (instrument == nullptr) {
      refuse("unknown symbol '" + f[3] + "'");
      continue;
    }
    std::uint64_t id = 0;
    if (!parse_int(f[6], id) || id == 0 || id > kMaxClientOrderId) {
      refuse("client_order_id '" + f[6] + "' is not a number from 1 to " + std::to_string(kMaxClientOrderId));
      continue;
    }
    std::uint32_t quantity = 0;
    if (!f[4].empty() && !parse_int(f[4], quantity)) {
      refuse("quantity '" + f[4] + "' is not a whole number");
      continue;
    }
    if (side == "cancel") {  // cancel,,,SYMBOL,REDUCE_BY (empty or 0: all),,CLIENT_ORDER_ID
      client.send_cancel(instrument->id, id, quantity);
      ++sent;
      drain();
      continue;
    }
    if (side != "buy" && side != "sell") {
      refuse("side '" + f[0] + "' is not Buy, Sell or Cancel");
      continue;
    }
    const std::string type = lower(f[1]);
    const std::string tif = lower(f[2].empty() ? std::string("gtc") : f[2]);
    if (type != "limit" && type != "market") {
      refuse("type '" + f[1] + "' is not Limit or Market");
      continue;
    }
    if (tif != "gtc" && tif != "ioc" && tif != "fok") {
      refuse("time in force '" + f[2] + "' is not GTC, IOC or FOK");
      continue;
    }
    NewOrderRequest request{};
    init_order_entry_header(request, instrument->id, 0);
    request.client_order_id = id;
    request.quantity = quantity;  // 0 and oversized quantities are the engine's to reject
    request.side = side == "buy" ? Side::Buy : Side::Sell;
    request.order_type = type == "limit" ? OrderType::Limit : OrderType::Market;
    request.time_in_force = tif == "gtc" ? TimeInForce::GTC : tif == "ioc" ? TimeInForce::IOC : TimeInForce::FOK;
    if (request.order_type == OrderType::Limit) {
      std::string why;
      if (f[5].size() > 1 && f[5][0] == '-') {
        request.price = -1;  // the engine rejects it: BadPrice
      } else if (!price_to_ticks(f[5], instrument->scale, request.price, why)) {
        refuse(why);
        continue;
      }
    }
    client.send(request);
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
