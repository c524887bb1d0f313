// The engine's end of order entry: finds clients' "orders.NAME" rings, applies
// their requests to the Exchange, and answers on "reports.NAME" with execution
// reports (NEW, PARTIALLY_FILLED, FILLED, CANCELLED, REJECTED with a reason).
//
// The engine must never wait for a client. Before reading a client's next
// request the server checks that its report ring has room: with less than
// kReportReserve bytes free the request is answered REJECTED/ReplyRingFull, and
// with no room even for that, the client's requests stay unread (the client's own
// ring fills and the client waits). A report that finds no room (a passive fill
// for a client that stopped reading) is dropped and counted, never waited for.
//
// External orders appear in the live ring with agent type External and index =
// the client number; their order ids are external_order_id(client, client order id).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ringside/engine/exchange.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"

namespace ringside::engine {

struct OrderEntryStats {
  std::uint64_t clients_connected = 0;
  std::uint64_t requests = 0;
  std::uint64_t rejected = 0;
  std::uint64_t reports = 0;
  std::uint64_t reports_dropped = 0;
};

class OrderEntryServer final : public ExecutionListener {
 public:
  static constexpr std::uint64_t kReportReserve = 256 * sizeof(ExecutionReport);

  OrderEntryServer(Exchange& exchange, std::uint64_t report_ring_capacity = 4 << 20);
  ~OrderEntryServer() override;

  // Looks for new clients (a directory scan: once per tick, not per order).
  void discover();
  // Applies up to `budget` waiting requests per client. Returns how many it applied.
  std::size_t poll(std::int64_t now_ns, std::size_t budget = 256) noexcept;

  std::size_t clients() const noexcept;
  const OrderEntryStats& stats() const noexcept { return stats_; }

  void on_fill(const Order& order, Ticks price, Quantity quantity, std::int64_t now_ns) noexcept override;
  void on_cancel(const Order& order, Quantity cancelled, CancelReason reason, std::int64_t now_ns) noexcept override;

 private:
  struct Client;

  void apply(Client& client, const FrameHeader& frame, std::int64_t now_ns) noexcept;
  void report(Client& client, const ExecutionReport& report) noexcept;
  void reject(Client& client, const FrameHeader& request, std::uint64_t client_order_id, RejectReason why,
              std::int64_t now_ns) noexcept;
  void disconnect(Client& client, const char* why);
  Client* owner(const Order& order) noexcept;  // null when its client is unknown

  Exchange& exchange_;
  std::uint64_t report_ring_capacity_;
  std::vector<std::byte> symbol_image_;
  std::vector<std::unique_ptr<Client>> clients_;  // index = client number - 1; null once gone
  OrderEntryStats stats_;
};

}  // namespace ringside::engine
