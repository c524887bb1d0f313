#include "ringside/egress/metrics_server.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <charconv>
#include <stdexcept>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ringside::egress {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct MetricsServer::Impl {
  const EgressMetrics& metrics;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;

  explicit Impl(const EgressMetrics& m) : metrics(m) {}

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed
      serve(std::move(socket));
      accept();
    });
  }

  // One request per connection, answered synchronously: scrapes are rare and small.
  void serve(tcp::socket socket) {
    // A client that connects and says nothing must not hold the thread: reads time out.
    const timeval timeout{2, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(socket, buffer, request, ec);
    if (ec) return;
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    if (request.target() == "/metrics") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; version=0.0.4");
      response.body() = metrics.render();
    } else if (request.target() == "/healthz") {
      const bool up = metrics.brokers_up.get() != 0;
      response.result(up ? http::status::ok : http::status::service_unavailable);
      response.set(http::field::content_type, "text/plain");
      response.body() = up ? "ok\n" : "brokers down: buffering\n";
    } else {
      response.result(http::status::not_found);
      response.set(http::field::content_type, "text/plain");
      response.body() = "ringside-egress serves /metrics and /healthz\n";
    }
    response.prepare_payload();
    http::write(socket, response, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
};

MetricsServer::MetricsServer(const EgressMetrics& metrics, const std::string& listen)
    : impl_(std::make_unique<Impl>(metrics)) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error(fmt::format("metrics listen '{}': expected HOST:PORT", listen));
  std::string host = listen.substr(0, colon);
  unsigned port = 0;
  const std::string port_text = listen.substr(colon + 1);
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    throw std::runtime_error(fmt::format("metrics listen '{}': port must be 0..65535", listen));
  }
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error(fmt::format("metrics listen '{}': '{}' is not an IP address", listen, host));
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint, ec);
  if (ec) throw std::runtime_error(fmt::format("metrics listen '{}': {}", listen, ec.message()));
  impl_->acceptor.listen();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

MetricsServer::~MetricsServer() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->thread.join();
}

std::string MetricsServer::address() const {
  const auto e = impl_->acceptor.local_endpoint();
  return fmt::format("{}:{}", e.address().to_string(), e.port());
}

}  // namespace ringside::egress
