#include "ringside/tools/order_csv.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <vector>

namespace ringside::tools {
namespace {

std::vector<std::string> split_csv(std::string_view line) {
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
bool parse_int(std::string_view text, Int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

bool order_price_to_ticks(std::string_view text, const PriceScale& scale, Ticks& out, std::string& why) {
  // Parse as an integer count of 10^-decimals units, refusing digits beyond them.
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  std::string frac(dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1));
  std::int64_t w = 0;
  if (whole.empty() || !parse_int(whole, w) || w < 0) {
    why = "price '" + std::string(text) + "' is not a positive decimal number";
    return false;
  }
  while (frac.size() > scale.decimals && !frac.empty() && frac.back() == '0') frac.pop_back();
  if (frac.size() > scale.decimals) {
    why = fmt::format("price {} is off the tick grid (tick {})", text, scale.tick_size());
    return false;
  }
  std::int64_t f = 0;
  // Digits only: from_chars would take a sign ("1.-5").
  if (!frac.empty() && (frac.find_first_not_of("0123456789") != std::string::npos || !parse_int(frac, f))) {
    why = "price '" + std::string(text) + "' is not a decimal number";
    return false;
  }
  for (std::size_t i = frac.size(); i < scale.decimals; ++i) f *= 10;  // decimals <= kMaxPriceDecimals: no overflow
  std::int64_t units = w;
  for (int i = 0; i < scale.decimals; ++i) {
    if (__builtin_mul_overflow(units, 10, &units)) {
      why = "price '" + std::string(text) + "' is too large";
      return false;
    }
  }
  if (__builtin_add_overflow(units, f, &units)) {
    why = "price '" + std::string(text) + "' is too large";
    return false;
  }
  if (units % scale.tick_units != 0) {
    why = fmt::format("price {} is off the tick grid (tick {})", text, scale.tick_size());
    return false;
  }
  out = units / scale.tick_units;
  return true;
}

OrderCsvLine parse_order_csv_line(std::string_view line, const SymbolTable& symbols) {
  OrderCsvLine out;
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos || line[first] == '#') return out;
  const auto f = split_csv(line);
  if (lower(f[0]) == "side") return out;  // a header line
  auto refuse = [&](std::string why) {
    out.kind = OrderCsvLine::Kind::Refused;
    out.why = std::move(why);
    return out;
  };
  if (f.size() != 7) {
    return refuse(fmt::format("expected 7 fields (side,type,tif,symbol,quantity,price,client_order_id), found {}", f.size()));
  }
  const std::string side = lower(f[0]);
  const Instrument* instrument = symbols.find(f[3]);
  if (instrument == nullptr) return refuse("unknown symbol '" + f[3] + "'");
  std::uint64_t id = 0;
  if (!parse_int(f[6], id) || id == 0 || id > kMaxClientOrderId) {
    return refuse("client_order_id '" + f[6] + "' is not a number from 1 to " + std::to_string(kMaxClientOrderId));
  }
  std::uint32_t quantity = 0;
  if (!f[4].empty() && !parse_int(f[4], quantity)) return refuse("quantity '" + f[4] + "' is not a whole number");
  if (side == "cancel") {  // cancel,,,SYMBOL,REDUCE_BY (empty or 0: all),,CLIENT_ORDER_ID
    out.kind = OrderCsvLine::Kind::Cancel;
    out.symbol = instrument->id;
    out.client_order_id = id;
    out.reduce_by = quantity;
    return out;
  }
  if (side != "buy" && side != "sell") return refuse("side '" + f[0] + "' is not Buy, Sell or Cancel");
  const std::string type = lower(f[1]);
  const std::string tif = lower(f[2].empty() ? std::string("gtc") : f[2]);
  if (type != "limit" && type != "market") return refuse("type '" + f[1] + "' is not Limit or Market");
  if (tif != "gtc" && tif != "ioc" && tif != "fok") return refuse("time in force '" + f[2] + "' is not GTC, IOC or FOK");
  NewOrderRequest& request = out.order;
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
    } else if (!order_price_to_ticks(f[5], instrument->scale, request.price, why)) {
      return refuse(why);
    }
  }
  out.kind = OrderCsvLine::Kind::New;
  return out;
}

}  // namespace ringside::tools
