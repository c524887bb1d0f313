// ringside-gateway: WebSocket and HTTP on one port (Boost.Beast), fed by one
// reader thread per ring.
//
// Threads: one network thread runs the io_context (every socket, timer and the
// hub); each ring has its reader thread (ring_feed.hpp). Nothing is shared
// between them but posted batches and a few relaxed counters.
#pragma once

#include <cstdint>
#include <memory>

#include "ringside/gateway/options.hpp"

namespace ringside::gateway {

class Server {
 public:
  explicit Server(GatewayOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; throws std::system_error naming the address. Returns the
  // bound port (useful with port 0).
  std::uint16_t listen();
  // Starts the ring readers and serves until SIGINT/SIGTERM or stop(). Returns
  // after closing every client (1001 going away) and joining the readers.
  void run();
  // Thread-safe: asks run() to return.
  void stop();

  struct Impl;  // the implementation (server.cpp); public only so its sessions can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringside::gateway
