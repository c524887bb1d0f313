#include "ringside/engine/order_entry_server.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <filesystem>
#include <system_error>

#include "ringside/engine/order_request.hpp"
#include "ringside/shm/order_entry_client.hpp"

namespace ringside::engine {

struct OrderEntryServer::Client {
  std::string name;
  std::uint32_t number = 0;  // 1, 2, ...: the External agent index and the order id's client field
  shm::RingReader orders;
  shm::RingWriter reports;
  bool connected = true;
};

OrderEntryServer::OrderEntryServer(Exchange& exchange, std::uint64_t report_ring_capacity)
    : exchange_(exchange), report_ring_capacity_(report_ring_capacity), symbol_image_(exchange.symbols().to_image()) {
  exchange_.set_execution_listener(this);
}

OrderEntryServer::~OrderEntryServer() {
  exchange_.set_execution_listener(nullptr);
  for (auto& c : clients_) {
    if (c != nullptr && c->connected) shm::remove_ring(std::string(shm::kReportsRingPrefix) + c->name);
  }
}

std::size_t OrderEntryServer::clients() const noexcept {
  std::size_t n = 0;
  for (const auto& c : clients_) n += c != nullptr && c->connected ? 1u : 0u;
  return n;
}

void OrderEntryServer::discover() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(shm::ring_directory(), ec)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(shm::kOrdersRingPrefix, 0) != 0) continue;
    const std::string name = file.substr(shm::kOrdersRingPrefix.size());
    bool known = false;
    for (const auto& c : clients_) known = known || (c != nullptr && c->connected && c->name == name);
    if (known || name.empty()) continue;
    try {
      shm::ReaderOptions read;
      read.kind = shm::ReaderKind::Lossless;
      read.start = shm::StartAt::Oldest;
      read.name = "ringside-engine";
      shm::RingReader orders = shm::RingReader::attach(file, read);
      // A client that has gone: nothing to answer. Closed counts even while its
      // process lives on (exiting, or a program done with order entry): its ring
      // still holds the requests already served, and reading it again from the
      // oldest frame would place them twice.
      const shm::WriterStatus writer = orders.writer_status();
      if (!writer.alive || writer.state != shm::WriterState::Running) continue;
      if (clients_.size() >= kMaxExternalClients) {
        spdlog::warn("order entry: client '{}' refused: {} clients is the limit", name, kMaxExternalClients);
        continue;
      }
      shm::CreateOptions create;
      create.capacity = report_ring_capacity_;
      create.metadata = symbol_image_;
      create.backing = shm::BackingChoice::SharedMemory;
      create.lock_memory = false;
      shm::RingWriter reports = shm::RingWriter::create(std::string(shm::kReportsRingPrefix) + name, create);
      auto client = std::make_unique<Client>(Client{name, static_cast<std::uint32_t>(clients_.size() + 1),
                                                    std::move(orders), std::move(reports), true});
      spdlog::info("order entry: client '{}' connected as ext-{:04d} (rings {}{} and {}{})", name, client->number,
                   shm::kOrdersRingPrefix, name, shm::kReportsRingPrefix, name);
      clients_.push_back(std::move(client));
      ++stats_.clients_connected;
    } catch (const std::exception& e) {
      spdlog::warn("order entry: cannot attach to client ring '{}': {}", file, e.what());
    }
  }
}

void OrderEntryServer::disconnect(Client& client, const char* why) {
  spdlog::info("order entry: client '{}' (ext-{:04d}) {}; its resting orders stay on the book", client.name,
               client.number, why);
  client.connected = false;
  shm::remove_ring(std::string(shm::kReportsRingPrefix) + client.name);
}

std::size_t OrderEntryServer::poll(std::int64_t now_ns, std::size_t budget) noexcept {
  std::size_t applied = 0;
  for (auto& c : clients_) {
    if (c == nullptr || !c->connected) continue;
    for (std::size_t n = 0; n < budget; ++n) {
      // No room even to say "no": leave the request unread until the client reads.
      if (!c->reports.can_claim_now(sizeof(ExecutionReport))) break;
      const shm::ReadResult r = c->orders.read();
      if (r.status == shm::ReadStatus::WriterClosed || r.status == shm::ReadStatus::WriterDead) {
        try {
          disconnect(*c, r.status == shm::ReadStatus::WriterClosed ? "disconnected" : "died");
        } catch (...) {
        }
        break;
      }
      if (r.status != shm::ReadStatus::Frame) break;
      apply(*c, *r.frame, now_ns);
      ++applied;
    }
  }
  if (applied != 0) exchange_.commit();  // the input ran dry: publish the last batch
  return applied;
}

void OrderEntryServer::apply(Client& client, const FrameHeader& frame, std::int64_t now_ns) noexcept {
  ++stats_.requests;
  // The frame sits in the client's ring: copy it out before trusting any field.
  alignas(8) std::byte copy[sizeof(NewOrderRequest)] = {};
  const std::size_t length = std::min<std::size_t>(frame.length, sizeof copy);
  std::memcpy(copy, &frame, length);
  const auto& header = *reinterpret_cast<const FrameHeader*>(copy);
  std::uint64_t client_order_id = 0;
  if (length >= offsetof(NewOrderRequest, client_order_id) + sizeof(std::uint64_t)) {
    std::memcpy(&client_order_id, copy + offsetof(NewOrderRequest, client_order_id), sizeof client_order_id);
  }
  if (const RejectReason why = malformed_request(header); why != RejectReason::None) {
    reject(client, header, client_order_id, why, now_ns);
    return;
  }
  const OrderId id = external_order_id(client.number, client_order_id);
  if (order_entry_type(header) == OrderEntryType::CancelOrder) {
    const auto& cancel = *reinterpret_cast<const CancelOrderRequest*>(copy);
    const Order* order = exchange_.find_order(id);
    const RejectReason why = raw(header.symbol) >= exchange_.symbol_count()           ? RejectReason::UnknownSymbol
                             : order == nullptr || order->symbol != header.symbol ? RejectReason::UnknownOrder
                             : cancel.reduce_by == 0 ? exchange_.cancel(header.symbol, id, now_ns)
                                                     : exchange_.reduce(header.symbol, id, cancel.reduce_by, now_ns);
    if (why != RejectReason::None) reject(client, header, client_order_id, why, now_ns);
    exchange_.request_done();
    return;
  }
  const auto& request = *reinterpret_cast<const NewOrderRequest*>(copy);
  NewOrder order = to_new_order(request, client.number, make_agent_id(AgentType::External, client.number));
  if (order.type == OrderType::Market) {  // a client's market order is immediate-or-cancel, whatever it says
    order.time_in_force = TimeInForce::IOC;
    order.price = 0;
  }
  RejectReason why = exchange_.validate(header.symbol, order);
  if (why == RejectReason::None && !client.reports.can_claim_now(static_cast<std::uint32_t>(kReportReserve))) {
    why = RejectReason::ReplyRingFull;
  }
  if (why != RejectReason::None) {
    reject(client, header, client_order_id, why, now_ns);
    return;
  }
  ExecutionReport ack{};
  init_order_entry_header(ack, header.symbol, now_ns);
  ack.client_order_id = client_order_id;
  ack.order_id = id;
  ack.leaves_quantity = request.quantity;
  ack.exec_type = ExecType::New;
  report(client, ack);
  const SubmitResult result = exchange_.submit(header.symbol, order, now_ns);  // fills and cancels via the listener
  if (result.reject != RejectReason::None) reject(client, header, client_order_id, result.reject, now_ns);
  exchange_.request_done();
}

void OrderEntryServer::reject(Client& client, const FrameHeader& request, std::uint64_t client_order_id,
                              RejectReason why, std::int64_t now_ns) noexcept {
  ++stats_.rejected;
  ExecutionReport r{};
  init_order_entry_header(r, request.symbol, now_ns);
  r.client_order_id = client_order_id;
  r.exec_type = ExecType::Rejected;
  r.reject_reason = why;
  report(client, r);
}

void OrderEntryServer::report(Client& client, const ExecutionReport& report) noexcept {
  if (!client.connected || !client.reports.can_claim_now(sizeof(ExecutionReport))) {
    ++stats_.reports_dropped;
    return;
  }
  ++stats_.reports;
  client.reports.publish(report.header);
}

OrderEntryServer::Client* OrderEntryServer::owner(const Order& order) noexcept {
  const std::uint32_t number = client_of(order.id);
  if (number == 0 || number > clients_.size()) return nullptr;
  return clients_[number - 1].get();
}

namespace {

// The fields every report about a known order shares.
ExecutionReport report_about(const Order& order, std::int64_t now_ns) noexcept {
  ExecutionReport r{};
  init_order_entry_header(r, order.symbol, now_ns);
  r.client_order_id = client_order_id_of(order.id);
  r.order_id = order.id;
  r.cumulative_quantity = order.filled;
  r.leaves_quantity = order.remaining;
  return r;
}

}  // namespace

void OrderEntryServer::on_fill(const Order& order, Ticks price, Quantity quantity, std::int64_t now_ns) noexcept {
  Client* client = owner(order);
  if (client == nullptr) return;
  ExecutionReport r = report_about(order, now_ns);
  r.last_price = price;
  r.last_quantity = quantity;
  r.exec_type = order.remaining == 0 ? ExecType::Filled : ExecType::PartiallyFilled;
  report(*client, r);
}

void OrderEntryServer::on_cancel(const Order& order, Quantity cancelled, CancelReason reason,
                                 std::int64_t now_ns) noexcept {
  Client* client = owner(order);
  if (client == nullptr) return;
  ExecutionReport r = report_about(order, now_ns);
  r.last_quantity = cancelled;
  r.exec_type = ExecType::Cancelled;
  r.cancel_reason = reason;
  report(*client, r);
}

}  // namespace ringside::engine
