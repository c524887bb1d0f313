// The egress's HTTP endpoint, on a thread of its own.
#pragma once

#include <memory>
#include <string>

#include "ringside/egress/metrics.hpp"

namespace ringside::egress {

// GET /metrics (Prometheus text) and /healthz on its own thread, with Asio.
class MetricsServer {
 public:
  // "HOST:PORT"; port 0 takes any. Throws std::runtime_error if it cannot listen.
  MetricsServer(const EgressMetrics& metrics, const std::string& listen);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  std::string address() const;  // "127.0.0.1:9091", the port actually bound

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringside::egress
