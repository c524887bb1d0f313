// The network thread's view of everything: connected clients, their
// subscriptions, the batches the ring readers post, replicas of the L2 books,
// control messages, heartbeats and the figures for /metrics and /healthz.
//
// Everything here runs on the single network thread (the io_context's), so
// nothing in it is locked. The ring readers talk to it only by posting.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/gateway/batch.hpp"
#include "ringside/gateway/client_queue.hpp"
#include "ringside/gateway/control.hpp"
#include "ringside/gateway/options.hpp"
#include "ringside/gateway/ring_feed.hpp"
#include "ringside/gateway/subscription.hpp"

namespace ringside::gateway {

// A per-connection budget of inbound messages (token bucket).
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst), tokens_(burst) {}
  bool allow(std::int64_t now_ns) noexcept;

 private:
  double rate_;
  double burst_;
  double tokens_;
  std::int64_t last_ns_ = 0;
};

// A connected WebSocket client as the hub sees it; the connection (server.cpp)
// implements the two actions.
class Client {
 public:
  Client(std::uint64_t id, const GatewayOptions& options, std::size_t channel_count, bool binary);
  virtual ~Client() = default;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Frames were queued: start writing if not already.
  virtual void wake() = 0;
  // The queue overflowed: drop what is not being written, close with 1008.
  virtual void close_slow(std::string reason) = 0;

  const std::uint64_t id;
  const bool binary;           // FlatBuffers for events
  ClientQueue queue;
  Subscription subscription;
  RateLimiter limiter;
  bool closing = false;        // no more frames: a close is under way
  bool wake_pending = false;   // in the hub's list of clients to wake
  std::int64_t last_queued_ns = 0;  // for heartbeats on idle subscriptions
  std::uint64_t frames_sent = 0;
  std::uint64_t bytes_sent = 0;
};

// Counters of the network thread (single-threaded: plain integers).
struct HubCounters {
  std::uint64_t connections = 0;          // WebSocket sessions opened
  std::uint64_t http_requests = 0;
  std::uint64_t refused_limit = 0;        // 503: max_connections
  std::uint64_t refused_auth = 0;         // 401: token
  std::uint64_t refused_origin = 0;       // 403: Origin
  std::uint64_t frames_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t writes = 0;               // socket writes (frames_sent / writes: coalescing)
  std::uint64_t slow_consumer_closes = 0;
  std::uint64_t protocol_closes = 0;      // closed by Beast for an RFC 6455 violation
  std::uint64_t idle_timeouts = 0;
  std::uint64_t control_messages = 0;
  std::uint64_t control_errors = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t heartbeats = 0;
  std::uint64_t gaps_sent = 0;            // gap notices queued to clients
  std::uint64_t batches = 0;
};

class Hub {
 public:
  Hub(boost::asio::io_context& io, const GatewayOptions& options);
  ~Hub();

  void set_feeds(std::vector<RingFeed*> feeds) { feeds_ = std::move(feeds); }
  void start();   // heartbeat and housekeeping timer
  void stop();

  // From the ring readers (posted to this thread).
  void on_ring(std::shared_ptr<const RingInfo> ring);
  void on_ring_state(std::uint32_t ring, RingState state);
  void on_batch(Batch& batch);
  // The feed's batch is dispatched; the feed learns it once the writes it caused
  // have started, so a reader keeps filling its next batch while this thread writes.
  void batch_dispatched(RingFeed& feed);

  // Clients.
  void add(Client& client);
  void remove(Client& client);
  void on_text(Client& client, std::string_view message);  // a control message
  void reply_error(Client& client, std::string_view id, std::string_view code, std::string_view message);
  void sent(Client& client, std::size_t frames, std::size_t bytes);  // a socket write completed
  std::size_t client_count() const noexcept { return clients_.size(); }
  // Over a copy: f may end a client's session.
  template <class F>
  void for_each_client(F f) {
    const std::vector<Client*> copy = clients_;
    for (Client* c : copy) f(*c);
  }

  // What the readers need to encode (relaxed: sampled once per batch; a client
  // that joins just then starts with the next batch).
  bool wants_text() const noexcept { return text_clients_.load(std::memory_order_relaxed) > 0; }
  bool wants_binary() const noexcept { return binary_clients_.load(std::memory_order_relaxed) > 0; }
  bool wants_any() const noexcept { return wants_text() || wants_binary(); }

  HubCounters& counters() noexcept { return counters_; }
  std::string metrics_text(std::size_t open_connections) const;
  // {"status":...}; healthy when every ring is attached.
  std::string health_json(bool& healthy) const;
  const std::vector<std::string>& channels() const noexcept { return channel_names_; }

 private:
  struct Replica {  // an L2 book as of the last dispatched batch
    L2Book book;
    std::uint64_t seq = 0;
    std::uint64_t ring_seq = 0;
    std::uint8_t flags = 0;
  };
  struct RingView {
    std::string name;
    std::shared_ptr<const RingInfo> info;
    std::vector<std::uint32_t> global;  // ring-local symbol id -> registry id
    RingState state = RingState::Waiting;
    std::uint64_t last_seq = 0;
    std::uint64_t lag = 0;
    std::vector<Replica> books;          // event ring only
  };

  bool wants(const Client& c, const RingView& ring, const Message& m) const noexcept;
  static bool listens_to_events(const Client& c) noexcept;  // any channel of the event ring
  void queue_text(Client& c, std::string_view json);  // an owned frame; overflow closes
  void overflow(Client& c);
  void notify_ring(const RingView& ring, std::string_view state);
  void send_book_snapshot(Client& c, std::uint16_t symbol);
  void subscribe(Client& c, const ControlRequest& r);
  void unsubscribe(Client& c, const ControlRequest& r);
  void list(Client& c, const ControlRequest& r);
  // Wakes the client after the batches already posted are dispatched, so a
  // client behind by several batches gets them in one write.
  void schedule_wake(Client& c);
  void flush_wakes();
  void heartbeat();
  void trim_memory();  // malloc_trim(0) after batches were freed, at most every 10 s
  void arm_timer();
  std::int64_t now_ns() const noexcept;

  boost::asio::io_context& io_;
  const GatewayOptions& options_;
  std::vector<std::string> channel_names_;
  std::vector<RingView> rings_;
  std::vector<RingFeed*> feeds_;
  SymbolRegistry registry_;
  std::vector<Client*> clients_;
  // Per ring, the clients subscribed to any of its channels: a batch visits only
  // them (1,000 idle clients cost nothing per batch). Rebuilt after any change.
  std::vector<std::vector<Client*>> listeners_;
  bool listeners_stale_ = true;
  const std::vector<Client*>& listeners(std::uint32_t ring);
  HubCounters counters_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  std::int64_t last_trim_ns_ = 0;
  std::uint64_t trimmed_after_freed_ = 0;  // batches the pools had freed at the last trim
  // Counts of connected clients by format, read by the reader threads.
  std::atomic<int> text_clients_{0};
  std::atomic<int> binary_clients_{0};
  std::string scratch_;
  std::vector<Client*> to_wake_;
  std::vector<RingFeed*> done_after_flush_;
  bool flush_posted_ = false;
};

}  // namespace ringside::gateway
