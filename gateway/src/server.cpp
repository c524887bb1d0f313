// The network side: listener, HTTP sessions, WebSocket sessions (Boost.Beast).
//
// WebSocket reads, the handshake, pings, pongs, closes and every RFC 6455 check
// are Beast's. Data frames are not: Beast writes one message per socket write,
// and the gateway sends many small messages, so it writes the frames the ring
// readers framed already, many per write (one writev of up to 64 runs of
// contiguous frames). FrameSocket, the layer under Beast's stream, keeps the two
// writers apart: Beast's control frames wait for a data write in progress and
// go before the next one, and no data frame ever follows a close frame.
#include "ringside/gateway/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>
#include <fmt/format.h>
#include <optional>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ringside/gateway/dashboard.hpp"
#include "ringside/gateway/hub.hpp"
#include "ringside/gateway/ring_feed.hpp"

namespace ringside::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// ---- FrameSocket: the next layer of Beast's websocket::stream ----------------

class FrameSocket {
 public:
  using executor_type = tcp::socket::executor_type;
  using next_layer_type = tcp::socket;
  using lowest_layer_type = tcp::socket;

  explicit FrameSocket(tcp::socket&& socket) : socket_(std::move(socket)) {}

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  tcp::socket& next_layer() noexcept { return socket_; }
  const tcp::socket& next_layer() const noexcept { return socket_; }

  template <class MutableBufferSequence, class ReadHandler>
  auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    return socket_.async_read_some(buffers, std::forward<ReadHandler>(handler));
  }

  // Beast's writes: control frames (pong, ping, close). Performed whole, so a
  // data write can never land inside one.
  template <class ConstBufferSequence, class WriteHandler>
  auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return net::async_initiate<WriteHandler, void(beast::error_code, std::size_t)>(
        [this](auto h, const ConstBufferSequence& b) { this->control_write(b, std::move(h)); }, handler, buffers);
  }

  // A write (Beast's or data) is in progress or waiting.
  bool busy() const noexcept { return writing_ || !pending_.empty(); }
  // A close frame is written or queued: nothing may follow it.
  bool close_sent() const noexcept { return close_sent_; }
  // Called whenever the socket becomes free for a data write.
  void on_idle(std::function<void()> f) { on_idle_ = std::move(f); }
  // The handshake is done: from now on Beast writes WebSocket frames, not HTTP.
  void start_framing() noexcept { framing_ = true; }

  template <class Handler>
  void data_write(std::span<const net::const_buffer> buffers, Handler&& handler) {
    writing_ = true;
    net::async_write(socket_, buffers,
                     [this, alive = std::weak_ptr<bool>(alive_), h = std::forward<Handler>(handler)](
                         beast::error_code ec, std::size_t n) mutable {
                       writing_ = false;
                       h(ec, n);
                       if (!alive.expired()) kick();  // h may have destroyed the session and this socket
                     });
  }

 private:
  struct Pending {
    virtual ~Pending() = default;
    virtual void start(FrameSocket& s) = 0;
  };
  template <class Buffers, class Handler>
  struct PendingWrite final : Pending {
    PendingWrite(const Buffers& b, Handler&& h) : buffers(b), handler(std::move(h)) {}
    void start(FrameSocket& s) override { s.start_control(buffers, std::move(handler)); }
    Buffers buffers;
    Handler handler;
  };

  template <class Buffers>
  static bool is_close_frame(const Buffers& buffers) {
    for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
      const net::const_buffer b = *it;
      if (b.size() == 0) continue;
      return static_cast<const unsigned char*>(b.data())[0] == 0x88;  // FIN + opcode 8 (close)
    }
    return false;
  }

  template <class Buffers, class Handler>
  void control_write(const Buffers& buffers, Handler&& handler) {
    if (framing_ && is_close_frame(buffers)) close_sent_ = true;
    if (writing_) {
      pending_.push_back(std::make_unique<PendingWrite<Buffers, std::decay_t<Handler>>>(buffers, std::move(handler)));
    } else {
      start_control(buffers, std::move(handler));
    }
  }

  template <class Buffers, class Handler>
  void start_control(const Buffers& buffers, Handler&& handler) {
    writing_ = true;
    net::async_write(socket_, buffers,
                     [this, alive = std::weak_ptr<bool>(alive_), h = std::move(handler)](beast::error_code ec,
                                                                                         std::size_t n) mutable {
                       writing_ = false;
                       h(ec, n);
                       if (!alive.expired()) kick();
                     });
  }

  void kick() {
    if (writing_) return;
    if (!pending_.empty()) {
      std::unique_ptr<Pending> next = std::move(pending_.front());
      pending_.pop_front();
      next->start(*this);
      return;
    }
    if (on_idle_) on_idle_();
  }

  tcp::socket socket_;
  bool writing_ = false;
  bool close_sent_ = false;
  bool framing_ = false;
  std::deque<std::unique_ptr<Pending>> pending_;
  std::function<void()> on_idle_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Beast finds these by argument-dependent lookup to end a connection after the
// close handshake: the socket's own teardown does it.
template <class TeardownHandler>
void async_teardown(beast::role_type role, FrameSocket& socket, TeardownHandler&& handler) {
  websocket::async_teardown(role, socket.next_layer(), std::forward<TeardownHandler>(handler));
}
inline void teardown(beast::role_type role, FrameSocket& socket, beast::error_code& ec) {
  websocket::teardown(role, socket.next_layer(), ec);
}

// ---- the server's shared state ---------------------------------------------------

namespace {

constexpr std::size_t kMaxWriteFrames = 4096;      // frames per socket write
constexpr std::size_t kMaxWriteBytes = 1u << 20;   // bytes per socket write
constexpr std::size_t kMaxIov = 64;                // runs per write: asio's writev limit
constexpr std::size_t kMaxRefusing = 64;           // connections being told 503 at once
constexpr std::string_view kServerName = "ringside-gateway";
constexpr std::string_view kFlatBuffersProtocol = "ringside.flatbuffers";
constexpr std::string_view kJsonProtocol = "ringside.json";

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = hex(s[i + 1]);
      const int lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

// The path of a request target and one query parameter of it.
struct Target {
  std::string_view path;
  std::string_view query;

  explicit Target(std::string_view target) {
    const auto q = target.find('?');
    path = target.substr(0, q);
    query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  }
  std::optional<std::string> param(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
      const auto eq = pair.find('=');
      if (pair.substr(0, eq) == name) {
        return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
      }
    }
    return std::nullopt;
  }
};

// Beast (Boost 1.74) has its own string_view.
std::string_view sv(beast::string_view s) noexcept { return {s.data(), s.size()}; }
beast::string_view bsv(std::string_view s) noexcept { return {s.data(), s.size()}; }

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

struct Server::Impl final : FeedSink {
  explicit Impl(GatewayOptions o) : options(std::move(o)) {}

  // Declared first so they are destroyed last: batches held by clients go back
  // to their pools when the io_context's handlers are destroyed.
  GatewayOptions options;
  std::vector<std::unique_ptr<RingFeed>> feeds;
  net::io_context io{1};
  std::shared_ptr<Hub> hub = std::make_shared<Hub>(io, options);
  tcp::acceptor acceptor{io};
  net::signal_set signals{io, SIGINT, SIGTERM};
  std::size_t open_connections = 0;  // network thread
  std::size_t refusing = 0;
  std::uint64_t next_client_id = 1;
  bool stopping = false;
  std::list<std::weak_ptr<void>> http_sessions;  // for shutdown

  // FeedSink (called on reader threads): hand over to the network thread.
  void post_ring(std::shared_ptr<const RingInfo> ring) override {
    net::post(io, [this, ring = std::move(ring)]() mutable { hub->on_ring(std::move(ring)); });
  }
  void post_ring_state(std::uint32_t ring, RingState state) override {
    net::post(io, [this, ring, state] { hub->on_ring_state(ring, state); });
  }
  void post_batch(Batch* batch) override {
    RingFeed* feed = feeds[batch->ring->index].get();
    net::post(io, [this, batch, feed] {
      hub->on_batch(*batch);
      hub->batch_dispatched(*feed);
    });
  }
  bool wants_text() const noexcept override { return hub->wants_text(); }
  bool wants_binary() const noexcept override { return hub->wants_binary(); }
  bool wants_any() const noexcept override { return hub->wants_any(); }

  void accept();
  void shutdown();
  void wait_for_connections();

  net::steady_timer shutdown_timer{io};
  std::chrono::steady_clock::time_point shutdown_deadline;
};

// ---- WebSocket sessions ---------------------------------------------------------------

class WsSession final : public Client, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(Server::Impl& server, tcp::socket&& socket, bool binary_frames)
      : Client(server.next_client_id++, server.options, server.hub->channels().size(), binary_frames),
        server_(server),
        hub_(server.hub),
        ws_(std::move(socket)) {
    ++server_.open_connections;
  }

  ~WsSession() override {
    if (registered_) hub_->remove(*this);
    --server_.open_connections;
  }

  void start(http::request<http::string_body> request, std::string protocol) {
    websocket::stream_base::timeout t;
    t.handshake_timeout = server_.options.close_timeout;  // also bounds the close handshake
    t.idle_timeout = server_.options.idle_timeout.count() > 0 ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(server_.options.idle_timeout)
                                                              : websocket::stream_base::none();
    t.keep_alive_pings = true;  // a ping at half the idle timeout; the pong keeps the client alive
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator([protocol](websocket::response_type& res) {
      res.set(http::field::server, bsv(kServerName));
      if (!protocol.empty()) res.set(http::field::sec_websocket_protocol, bsv(protocol));
    }));
    ws_.read_message_max(server_.options.hard_message_bytes);
    ws_.next_layer().on_idle([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->pump();
    });
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  void wake() override { pump(); }

  void close_slow(std::string reason) override {
    closing = true;
    queue.truncate(in_flight_frames_);
    if (reason.size() > 120) reason.resize(120);  // a close frame's reason is at most 123 bytes
    ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, reason),
                    [self = shared_from_this()](beast::error_code) {});
  }

  void close_going_away() {
    if (closing || !accepted_) return;
    closing = true;
    queue.truncate(in_flight_frames_);
    ws_.async_close(websocket::close_reason(websocket::close_code::going_away, "gateway shutting down"),
                    [self = shared_from_this()](beast::error_code) {});
  }

  void force_close() {
    beast::error_code ignored;
    ws_.next_layer().next_layer().close(ignored);
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      spdlog::debug("client {}: handshake failed: {}", id, ec.message());
      return;
    }
    ws_.next_layer().start_framing();
    accepted_ = true;
    registered_ = true;
    hub_->add(*this);
    if (server_.stopping) {
      close_going_away();
    }
    read();
    pump();
  }

  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      finish(ec);
      return;
    }
    if (!closing) handle_message();
    in_.consume(in_.size());
    read();
  }

  void handle_message() {
    const std::string_view text(static_cast<const char*>(in_.cdata().data()), in_.size());
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    if (!limiter.allow(ts.tv_sec * 1'000'000'000LL + ts.tv_nsec)) {
      ++hub_->counters().rate_limited;
      hub_->reply_error(*this, "", "rate_limited",
                        fmt::format("more than {} messages per second", server_.options.rate_limit_per_s));
      return;
    }
    if (ws_.got_binary()) {
      hub_->reply_error(*this, "", "binary_not_supported", "control messages are JSON text frames");
      return;
    }
    if (text.size() > server_.options.max_message_bytes) {
      hub_->reply_error(*this, "", "message_too_large",
                        fmt::format("{} bytes; control messages are at most {} bytes", text.size(),
                                    server_.options.max_message_bytes));
      return;
    }
    hub_->on_text(*this, text);
  }

  void pump() {
    if (!accepted_ || writing_ || queue.empty() || ws_.next_layer().busy() || ws_.next_layer().close_sent()) return;
    if (iov_.capacity() == 0) iov_.reserve(kMaxIov);
    iov_.clear();
    std::size_t frames = 0;
    std::size_t bytes = 0;
    const std::size_t available = std::min(queue.frames(), kMaxWriteFrames);
    while (frames < available && bytes < kMaxWriteBytes) {
      const OutFrame& f = queue.at(frames);
      // Frames of one batch usually sit back to back: one run covers them all.
      if (!iov_.empty() && static_cast<const std::byte*>(iov_.back().data()) + iov_.back().size() == f.data) {
        iov_.back() = net::const_buffer(iov_.back().data(), iov_.back().size() + f.size);
      } else {
        if (iov_.size() == kMaxIov) break;
        iov_.emplace_back(f.data, f.size);
      }
      bytes += f.size;
      ++frames;
    }
    writing_ = true;
    in_flight_frames_ = frames;
    ws_.next_layer().data_write(std::span<const net::const_buffer>(iov_),
                                [self = shared_from_this(), frames, bytes](beast::error_code ec, std::size_t) {
                                  self->on_written(ec, frames, bytes);
                                });
  }

  void on_written(beast::error_code ec, std::size_t frames, std::size_t bytes) {
    writing_ = false;
    in_flight_frames_ = 0;
    if (ec) {
      // The read side sees the broken connection too and finishes the session.
      closing = true;
      queue.clear();
      return;
    }
    queue.pop(frames);
    hub_->sent(*this, frames, bytes);
    // The next write starts from FrameSocket's idle callback, after any control
    // frame Beast queued meanwhile.
  }

  void finish(beast::error_code ec) {
    closing = true;
    if (registered_) {
      registered_ = false;
      hub_->remove(*this);
    }
    queue.truncate(in_flight_frames_);
    if (ec == beast::error::timeout) {
      ++hub_->counters().idle_timeouts;
    } else if (ec.category() == websocket::make_error_code(websocket::error::closed).category() &&
               ec != websocket::error::closed) {
      ++hub_->counters().protocol_closes;  // Beast already sent the close frame with the RFC 6455 code
      spdlog::debug("client {}: protocol violation: {}", id, ec.message());
    }
  }

  Server::Impl& server_;
  std::shared_ptr<Hub> hub_;  // outlives every session, even at shutdown
  websocket::stream<FrameSocket> ws_;
  beast::flat_buffer in_;
  std::vector<net::const_buffer> iov_;
  std::size_t in_flight_frames_ = 0;
  bool accepted_ = false;
  bool registered_ = false;
  bool writing_ = false;
};

// ---- HTTP sessions -----------------------------------------------------------------------

class HttpSession final : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(Server::Impl& server, tcp::socket&& socket, bool refuse)
      : server_(server), stream_(std::move(socket)), refuse_(refuse) {
    if (refuse_) {
      ++server_.refusing;
    } else {
      ++server_.open_connections;
    }
  }
  ~HttpSession() {
    if (refuse_) {
      --server_.refusing;
    } else {
      --server_.open_connections;
    }
  }

  void start() { read(); }
  void close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(8 * 1024);
    stream_.expires_after(server_.options.close_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return;  // closed, timed out or malformed: nothing to answer
    http::request<http::string_body> req = parser_->release();
    if (refuse_) {
      ++server_.hub->counters().refused_limit;
      respond(req, http::status::service_unavailable, "text/plain",
              fmt::format("too many connections (max_connections = {})\n", server_.options.max_connections), false);
      return;
    }
    const Target target(sv(req.target()));
    if (websocket::is_upgrade(req)) {
      upgrade(std::move(req), target);
      return;
    }
    ++server_.hub->counters().http_requests;
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      respond(req, http::status::method_not_allowed, "text/plain", "only GET\n", req.keep_alive());
      return;
    }
    if (target.path == "/healthz") {
      bool healthy = false;
      std::string body = server_.hub->health_json(healthy);
      body += '\n';
      respond(req, healthy ? http::status::ok : http::status::service_unavailable, "application/json", std::move(body),
              req.keep_alive());
      return;
    }
    if (target.path != "/" && target.path != "/index.html" && target.path != "/metrics") {
      respond(req, http::status::not_found, "text/plain", "not found (try /, /metrics, /healthz)\n", req.keep_alive());
      return;
    }
    if (!authorized(req, target)) {
      ++server_.hub->counters().refused_auth;
      respond(req, http::status::unauthorized, "text/plain", "a bearer token is required\n", false);
      return;
    }
    if (target.path == "/metrics") {
      respond(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
              server_.hub->metrics_text(server_.open_connections), req.keep_alive());
      return;
    }
    respond(req, http::status::ok, "text/html; charset=utf-8", std::string(dashboard_html()), req.keep_alive());
  }

  bool authorized(const http::request<http::string_body>& req, const Target& target) const {
    const std::string& token = server_.options.token;
    if (token.empty()) return true;
    const auto header = req.find(http::field::authorization);
    if (header != req.end()) {
      const std::string_view value = sv(header->value());
      constexpr std::string_view kBearer = "Bearer ";
      if (value.size() > kBearer.size() && beast::iequals(bsv(value.substr(0, kBearer.size())), bsv(kBearer)) &&
          constant_time_equal(value.substr(kBearer.size()), token)) {
        return true;
      }
    }
    const auto param = target.param("token");
    return param && constant_time_equal(*param, token);
  }

  void upgrade(http::request<http::string_body> req, const Target& target) {
    if (!authorized(req, target)) {
      ++server_.hub->counters().refused_auth;
      respond(req, http::status::unauthorized, "text/plain", "a bearer token is required\n", false);
      return;
    }
    const auto& origins = server_.options.allowed_origins;
    const auto origin = req.find(http::field::origin);
    if (!origins.empty() && origin != req.end() &&
        std::find(origins.begin(), origins.end(), sv(origin->value())) == origins.end()) {
      ++server_.hub->counters().refused_origin;
      respond(req, http::status::forbidden, "text/plain", "origin not allowed\n", false);
      return;
    }
    // FlatBuffers on request: the subprotocol, or ?format=flatbuffers for clients
    // that cannot set one.
    bool binary = false;
    std::string protocol;
    const auto format = target.param("format");
    if (format && (*format == "flatbuffers" || *format == "binary")) binary = true;
    if (const auto offered = req.find(http::field::sec_websocket_protocol); offered != req.end()) {
      std::string_view list = sv(offered->value());
      while (!list.empty()) {
        const auto comma = list.find(',');
        std::string_view p = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
        while (!p.empty() && p.back() == ' ') p.remove_suffix(1);
        if (p == kFlatBuffersProtocol || p == kJsonProtocol) {
          protocol = std::string(p);
          binary = p == kFlatBuffersProtocol;
          break;
        }
      }
    }
    stream_.expires_never();
    auto session = std::make_shared<WsSession>(server_, stream_.release_socket(), binary);
    session->start(std::move(req), std::move(protocol));
  }

  void respond(const http::request<http::string_body>& req, http::status status, std::string_view type,
               std::string body, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(status, req.version());
    res->set(http::field::server, bsv(kServerName));
    res->set(http::field::content_type, bsv(type));
    res->set(http::field::cache_control, "no-store");
    res->keep_alive(keep_alive);
    if (req.method() == http::verb::head) {
      res->content_length(body.size());
    } else {
      res->body() = std::move(body);
      res->prepare_payload();
    }
    stream_.expires_after(server_.options.close_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (res->keep_alive() && !self->refuse_ && !self->server_.stopping) {
        self->read();
        return;
      }
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  Server::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool refuse_;
};

// ---- listener and lifecycle ---------------------------------------------------------------

void Server::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping && ec != net::error::operation_aborted) {
        spdlog::warn("accept: {}", ec.message());
        accept();
      }
      return;
    }
    if (stopping) return;
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (open_connections >= options.max_connections) {
      // Over the limit: answer the request with 503, unless even the refusals
      // pile up, then just close.
      if (refusing < kMaxRefusing) {
        std::make_shared<HttpSession>(*this, std::move(socket), true)->start();
      } else {
        ++hub->counters().refused_limit;
      }
    } else {
      auto session = std::make_shared<HttpSession>(*this, std::move(socket), false);
      http_sessions.remove_if([](const std::weak_ptr<void>& w) { return w.expired(); });
      http_sessions.push_back(session);
      session->start();
    }
    accept();
  });
}

Server::Server(GatewayOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  for (std::size_t i = 0; i < impl_->options.rings.size(); ++i) {
    FeedOptions f;
    f.ring = impl_->options.rings[i];
    f.index = static_cast<std::uint32_t>(i);
    f.start = impl_->options.start;
    f.cpu = impl_->options.cpu;
    f.data_quality = impl_->options.data_quality;
    f.data_quality_seed = impl_->options.data_quality_seed;
    impl_->feeds.push_back(std::make_unique<RingFeed>(std::move(f), *impl_));
  }
  std::vector<RingFeed*> feeds;
  for (auto& f : impl_->feeds) feeds.push_back(f.get());
  impl_->hub->set_feeds(std::move(feeds));
}

Server::~Server() {
  if (!impl_) return;
  for (auto& f : impl_->feeds) f->stop();
}

std::uint16_t Server::listen() {
  Impl& s = *impl_;
  beast::error_code ec;
  const auto address = net::ip::make_address(s.options.listen.host, ec);
  if (ec) {
    throw std::system_error(ec, fmt::format("listen address '{}'", s.options.listen.host));
  }
  const tcp::endpoint endpoint(address, s.options.listen.port);
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(net::socket_base::reuse_address(true));
  s.acceptor.bind(endpoint, ec);
  if (ec) {
    throw std::system_error(ec, fmt::format("bind {}:{}", s.options.listen.host, s.options.listen.port));
  }
  s.acceptor.listen(net::socket_base::max_listen_connections);
  return s.acceptor.local_endpoint().port();
}

void Server::stop() {
  net::post(impl_->io, [impl = impl_.get()] { impl->shutdown(); });
}

void Server::Impl::shutdown() {
  if (stopping) return;
  stopping = true;
  spdlog::info("stopping: closing {} clients", hub->client_count());
  beast::error_code ignored;
  acceptor.close(ignored);
  signals.cancel(ignored);
  hub->stop();
  // No more batches: the readers stop between two reads (at most a millisecond).
  for (auto& f : feeds) f->stop();
  for (auto& w : http_sessions) {
    if (auto s = std::static_pointer_cast<HttpSession>(w.lock())) s->close();
  }
  hub->for_each_client([](Client& c) { static_cast<WsSession&>(c).close_going_away(); });
  // Clients get close_timeout to answer the close; then whatever is left is cut.
  // run() returns as soon as the last connection is gone.
  shutdown_deadline = std::chrono::steady_clock::now() + options.close_timeout;
  wait_for_connections();
}

void Server::Impl::wait_for_connections() {
  if (open_connections == 0 && refusing == 0) return;  // nothing left: the io_context runs dry
  if (std::chrono::steady_clock::now() >= shutdown_deadline) {
    hub->for_each_client([](Client& c) { static_cast<WsSession&>(c).force_close(); });
    for (auto& w : http_sessions) {
      if (auto s = std::static_pointer_cast<HttpSession>(w.lock())) s->close();
    }
  }
  shutdown_timer.expires_after(std::chrono::milliseconds(20));
  shutdown_timer.async_wait([this](beast::error_code ec) {
    if (!ec) wait_for_connections();
  });
}

void Server::run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](beast::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping", signal);
    s.shutdown();
  });
  s.hub->start();
  s.accept();
  for (auto& f : s.feeds) f->start();
  // The io_context runs out of work once the acceptor, the signals, the timer
  // and every connection are gone.
  s.io.run();
  for (auto& f : s.feeds) f->stop();
}

}  // namespace ringside::gateway
