#include "ringside/shm/order_entry_client.hpp"

#include <cstring>
#include <stdexcept>
#include <thread>

namespace ringside::shm {

OrderEntryClient OrderEntryClient::connect(std::string_view name, const OrderEntryOptions& options) {
  CreateOptions create;
  create.capacity = options.capacity;
  create.backing = options.backing;
  create.lock_memory = false;  // a strategy process, not the engine: no need to pin its pages
  RingWriter orders = RingWriter::create(std::string(kOrdersRingPrefix) + std::string(name), create);

  ReaderOptions read;
  read.kind = ReaderKind::Lossless;
  read.start = StartAt::Oldest;
  read.wait_for_ring = options.wait_for_engine;
  read.name = std::string(name);
  const std::string reports_name = std::string(kReportsRingPrefix) + std::string(name);
  RingReader reports = [&] {
    try {
      return RingReader::attach(reports_name, read);
    } catch (const RingError& e) {
      throw RingError(std::string("no engine answered order-entry client '") + std::string(name) + "': " + e.what() +
                      " (is ringside-engine running with the same RINGSIDE_SHM_DIR?)");
    }
  }();
  SymbolTable symbols = SymbolTable::from_image(reports.metadata());
  return OrderEntryClient(std::string(name), std::move(orders), std::move(reports), std::move(symbols));
}

OrderEntryClient::OrderEntryClient(std::string name, RingWriter orders, RingReader reports, SymbolTable symbols)
    : name_(std::move(name)), orders_(std::move(orders)), reports_(std::move(reports)), symbols_(std::move(symbols)) {}

SymbolId OrderEntryClient::symbol(std::string_view ticker) const {
  const Instrument* instrument = symbols_.find(ticker);
  if (instrument == nullptr) throw std::invalid_argument("unknown symbol '" + std::string(ticker) + "'");
  return instrument->id;
}

void OrderEntryClient::send(const NewOrderRequest& order) noexcept { orders_.publish(order.header); }

void OrderEntryClient::send(const CancelOrderRequest& cancel) noexcept { orders_.publish(cancel.header); }

void OrderEntryClient::send_limit(SymbolId symbol, Side side, Ticks price, Quantity quantity,
                                  std::uint64_t client_order_id, TimeInForce time_in_force) noexcept {
  NewOrderRequest o{};
  init_order_entry_header(o, symbol, realtime_ns());
  o.client_order_id = client_order_id;
  o.price = price;
  o.quantity = quantity;
  o.side = side;
  o.order_type = OrderType::Limit;
  o.time_in_force = time_in_force;
  send(o);
}

void OrderEntryClient::send_market(SymbolId symbol, Side side, Quantity quantity,
                                   std::uint64_t client_order_id) noexcept {
  NewOrderRequest o{};
  init_order_entry_header(o, symbol, realtime_ns());
  o.client_order_id = client_order_id;
  o.quantity = quantity;
  o.side = side;
  o.order_type = OrderType::Market;
  o.time_in_force = TimeInForce::IOC;
  send(o);
}

void OrderEntryClient::send_cancel(SymbolId symbol, std::uint64_t client_order_id, Quantity reduce_by) noexcept {
  CancelOrderRequest c{};
  init_order_entry_header(c, symbol, realtime_ns());
  c.client_order_id = client_order_id;
  c.reduce_by = reduce_by;
  send(c);
}

std::optional<ExecutionReport> OrderEntryClient::poll() noexcept {
  for (;;) {
    const ReadResult r = reports_.read();
    if (r.status != ReadStatus::Frame) return std::nullopt;
    if (order_entry_type(*r.frame) != OrderEntryType::ExecutionReport || r.frame->length != sizeof(ExecutionReport)) {
      continue;  // not ours to interpret; the engine writes only reports
    }
    ExecutionReport report;
    std::memcpy(&report, r.frame, sizeof report);
    return report;
  }
}

std::optional<ExecutionReport> OrderEntryClient::wait(std::chrono::milliseconds timeout) noexcept {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto report = poll()) return report;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

bool OrderEntryClient::engine_alive() noexcept { return reports_.writer_status().alive; }

}  // namespace ringside::shm
