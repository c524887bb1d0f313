#include "ringside/gateway/hub.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <ctime>

#include "ringside/gateway/json_text.hpp"
#include "ringside/gateway/ws_frame.hpp"

namespace ringside::gateway {

bool RateLimiter::allow(std::int64_t now_ns) noexcept {
  if (last_ns_ != 0) {
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ns - last_ns_) * 1e-9 * rate_);
  }
  last_ns_ = now_ns;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

Client::Client(std::uint64_t client_id, const GatewayOptions& options, std::size_t channel_count, bool is_binary)
    : id(client_id),
      binary(is_binary),
      queue(QueueLimits{options.queue_max_bytes, options.queue_max_messages}),
      subscription(channel_count),
      limiter(options.rate_limit_per_s, options.rate_limit_burst) {}

Hub::Hub(boost::asio::io_context& io, const GatewayOptions& options)
    : io_(io), options_(options), channel_names_(channel_names(options.rings)), timer_(io) {
  rings_.resize(options.rings.size());
  for (std::size_t i = 0; i < rings_.size(); ++i) rings_[i].name = options.rings[i];
  scratch_.reserve(4096);
}

Hub::~Hub() = default;

std::int64_t Hub::now_ns() const noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

void Hub::start() { arm_timer(); }

void Hub::stop() {
  stopped_ = true;
  timer_.cancel();
}

void Hub::arm_timer() {
  // Checked four times per interval, so a heartbeat is at most a quarter late.
  const auto period = options_.heartbeat.count() > 0
                          ? std::clamp(options_.heartbeat / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(250))
                          : std::chrono::milliseconds(250);
  timer_.expires_after(period);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    if (options_.heartbeat.count() > 0) heartbeat();
    trim_memory();
    arm_timer();
  });
}

void Hub::trim_memory() {
  // At most every 10 s, and only after the batch pools freed surplus batches
  // (after a slow client was closed): hand the heap's free pages back to the
  // system. The batches' index vectors live in the reader thread's malloc
  // arena; the holes they leave stay resident, and without this each
  // slow-consumer episode added ~3 MiB of RSS (up to the arena's high-water
  // mark). Not on any per-event path: 0.03-1.7 ms, a few times per episode.
  const std::int64_t now = now_ns();
  constexpr std::int64_t kInterval = 10'000'000'000;
  if (now - last_trim_ns_ < kInterval) return;
  std::uint64_t freed = 0;
  for (const RingFeed* f : feeds_) freed += f->batches_freed();
  if (freed == trimmed_after_freed_) return;
  trimmed_after_freed_ = freed;
  last_trim_ns_ = now;
  ::malloc_trim(0);
  spdlog::debug("malloc_trim after {} batches freed: {} us", freed, (now_ns() - now) / 1000);
}

void Hub::heartbeat() {
  const std::int64_t now = now_ns();
  const std::int64_t interval = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.heartbeat).count();
  std::string text;
  for (Client* c : clients_) {
    if (c->closing || !c->subscription.active() || !c->queue.empty() || now - c->last_queued_ns < interval) continue;
    if (text.empty()) {
      timespec wall{};
      ::clock_gettime(CLOCK_REALTIME, &wall);
      text = "{\"type\":\"heartbeat\",\"ring\":";
      append_quoted(text, rings_[0].name);
      text += ",\"seq\":";
      append_uint(text, rings_[0].last_seq);
      text += ",\"time\":";
      append_timestamp(text, wall.tv_sec * 1'000'000'000LL + wall.tv_nsec);
      text += '}';
    }
    ++counters_.heartbeats;
    queue_text(*c, text);
  }
}

const std::vector<Client*>& Hub::listeners(std::uint32_t ring) {
  if (listeners_stale_) {
    listeners_.assign(rings_.size(), {});
    for (Client* c : clients_) {
      if (listens_to_events(*c)) listeners_[0].push_back(c);
      for (std::uint32_t r = 1; r < rings_.size(); ++r) {
        if (c->subscription.wants_any(ring_channel(r))) listeners_[r].push_back(c);
      }
    }
    listeners_stale_ = false;
  }
  return listeners_[ring];
}

void Hub::add(Client& client) {
  listeners_stale_ = true;
  clients_.push_back(&client);
  ++counters_.connections;
  (client.binary ? binary_clients_ : text_clients_).fetch_add(1, std::memory_order_relaxed);
  client.last_queued_ns = now_ns();
}

void Hub::schedule_wake(Client& c) {
  if (!c.wake_pending) {
    c.wake_pending = true;
    to_wake_.push_back(&c);
  }
  if (flush_posted_) return;
  flush_posted_ = true;
  boost::asio::post(io_, [this] { flush_wakes(); });
}

void Hub::flush_wakes() {
  flush_posted_ = false;
  std::vector<Client*> wake;
  wake.swap(to_wake_);
  for (Client* c : wake) {
    c->wake_pending = false;
    c->wake();
  }
  wake.clear();
  if (to_wake_.empty()) to_wake_.swap(wake);  // keeps the capacity: no allocation next time
  for (RingFeed* feed : done_after_flush_) feed->batch_done();
  done_after_flush_.clear();
}

void Hub::batch_dispatched(RingFeed& feed) {
  if (flush_posted_) {
    done_after_flush_.push_back(&feed);
  } else {
    feed.batch_done();
  }
}

void Hub::remove(Client& client) {
  if (client.wake_pending) {
    to_wake_.erase(std::remove(to_wake_.begin(), to_wake_.end(), &client), to_wake_.end());
    client.wake_pending = false;
  }
  const auto it = std::find(clients_.begin(), clients_.end(), &client);
  if (it == clients_.end()) return;
  listeners_stale_ = true;
  clients_.erase(it);
  (client.binary ? binary_clients_ : text_clients_).fetch_sub(1, std::memory_order_relaxed);
}

void Hub::sent(Client& client, std::size_t frames, std::size_t bytes) {
  client.frames_sent += frames;
  client.bytes_sent += bytes;
  counters_.frames_sent += frames;
  counters_.bytes_sent += bytes;
  ++counters_.writes;
}

// ---- rings -----------------------------------------------------------------

void Hub::on_ring(std::shared_ptr<const RingInfo> ring) {
  RingView& view = rings_[ring->index];
  view.info = std::move(ring);
  view.global.clear();
  for (const Instrument& instrument : view.info->symbols) view.global.push_back(registry_.intern(instrument.ticker));
  view.last_seq = 0;
  if (view.info->index == 0) {
    // Stale until the reader's first frame says otherwise (BookBuilder::announce).
    view.books.assign(view.info->symbols.size(), Replica{L2Book{}, 0, 0, BookFlags::kStale});
  }
  notify_ring(view, "attached");
  if (view.info->index != 0) return;
  // A new generation starts its books from nothing: book subscribers start over too.
  for (Client* c : clients_) {
    if (c->closing || !c->subscription.wants_any(kBookChannel)) continue;
    for (std::size_t s = 0; s < view.global.size(); ++s) {
      if (c->subscription.wants(kBookChannel, view.global[s])) send_book_snapshot(*c, static_cast<std::uint16_t>(s));
    }
  }
}

void Hub::on_ring_state(std::uint32_t ring, RingState state) {
  RingView& view = rings_[ring];
  view.state = state;
  if (state == RingState::WriterClosed || state == RingState::WriterDead) notify_ring(view, to_string(state));
}

void Hub::notify_ring(const RingView& ring, std::string_view state) {
  std::string text = "{\"type\":\"ring\",\"ring\":";
  append_quoted(text, ring.name);
  text += ",\"state\":";
  append_quoted(text, state);
  text += ",\"generation\":";
  append_uint(text, ring.info ? ring.info->generation : 0);
  text += ",\"seq\":";
  append_uint(text, ring.last_seq);
  text += '}';
  const std::uint32_t index = ring.info ? ring.info->index : 0;
  for (Client* c : clients_) {
    if (index == 0 ? listens_to_events(*c) : c->subscription.wants_any(ring_channel(index))) queue_text(*c, text);
  }
}

bool Hub::listens_to_events(const Client& c) noexcept {
  for (std::uint8_t ch = 0; ch <= kBookChannel; ++ch) {
    if (c.subscription.wants_any(ch)) return true;
  }
  return false;
}

bool Hub::wants(const Client& c, const RingView& ring, const Message& m) const noexcept {
  switch (m.kind) {
    case MessageKind::Event:
      return c.subscription.wants(m.channel, ring.global[m.symbol]);
    case MessageKind::Book:
    case MessageKind::BookSnapshot:
      return c.subscription.wants(kBookChannel, ring.global[m.symbol]);
    case MessageKind::Gap:
      return ring.info->index == 0 ? listens_to_events(c) : c.subscription.wants_any(ring_channel(ring.info->index));
  }
  return false;
}

void Hub::on_batch(Batch& batch) {
  ++counters_.batches;
  RingView& ring = rings_[batch.ring->index];
  batch.refs = 1;  // held while dispatching
  if (ring.info != batch.ring) {
    // Cannot happen (a reader posts a generation's info before its batches);
    // dropping is safer than filtering with another generation's symbol map.
    release(&batch);
    return;
  }
  ring.last_seq = batch.last_seq;
  ring.lag = batch.ring_lag;
  if (batch.ring->index == 0) {
    for (const Message& m : batch.messages) {
      if (m.kind != MessageKind::Book && m.kind != MessageKind::BookSnapshot) continue;
      Replica& r = ring.books[m.symbol];
      if (m.kind == MessageKind::BookSnapshot) r.book.clear();
      for (std::uint32_t i = 0; i < m.changes_count; ++i) r.book.apply(batch.changes[m.changes_begin + i]);
      r.seq = m.seq;
      r.ring_seq = m.ring_seq;
      r.flags = m.book_flags;
    }
  }
  const std::int64_t now = now_ns();
  for (Client* c : listeners(batch.ring->index)) {
    if (c->closing) continue;
    bool queued = false;
    for (const Message& m : batch.messages) {
      if (!wants(*c, ring, m)) continue;
      const bool as_binary = c->binary && m.kind == MessageKind::Event;
      const std::uint32_t size = as_binary ? m.binary_size : m.text_size;
      if (size == 0) continue;  // not encoded in this form (nobody wanted it, or dropped on purpose)
      const std::byte* frame = as_binary ? batch.binary_frame(m) : batch.text_frame(m);
      if (!c->queue.push_shared(batch, frame, size)) {
        overflow(*c);
        queued = false;
        break;
      }
      if (m.kind == MessageKind::Gap) ++counters_.gaps_sent;
      queued = true;
    }
    if (queued) {
      c->last_queued_ns = now;
      schedule_wake(*c);
    }
  }
  release(&batch);
}

// ---- clients -----------------------------------------------------------------

void Hub::queue_text(Client& c, std::string_view json) {
  if (c.closing) return;
  if (!c.queue.push_owned(make_text_frame(json))) {
    overflow(c);
    return;
  }
  c.last_queued_ns = now_ns();
  schedule_wake(c);
}

void Hub::overflow(Client& c) {
  if (c.closing) return;
  ++counters_.slow_consumer_closes;
  const QueueLimits& l = c.queue.limits();
  c.close_slow(fmt::format("slow consumer: over {} frames or {} bytes queued", l.max_frames, l.max_bytes));
}

void Hub::reply_error(Client& c, std::string_view id, std::string_view code, std::string_view message) {
  ++counters_.control_errors;
  queue_text(c, control_error(id, code, message));
}

void Hub::on_text(Client& c, std::string_view message) {
  ++counters_.control_messages;
  listeners_stale_ = true;  // a subscription may change
  const ParsedControl parsed = parse_control(message);
  if (parsed.error) {
    reply_error(c, parsed.request.id, parsed.error->code, parsed.error->message);
    return;
  }
  const ControlRequest& r = parsed.request;
  switch (r.op) {
    case ControlOp::Subscribe: subscribe(c, r); break;
    case ControlOp::Unsubscribe: unsubscribe(c, r); break;
    case ControlOp::List: list(c, r); break;
    case ControlOp::Ping: {
      timespec wall{};
      ::clock_gettime(CLOCK_REALTIME, &wall);
      std::string text = "{\"id\":";
      text += r.id.empty() ? "null" : r.id;
      text += ",\"ok\":true,\"time\":";
      append_timestamp(text, wall.tv_sec * 1'000'000'000LL + wall.tv_nsec);
      text += '}';
      queue_text(c, text);
      break;
    }
  }
}

namespace {

// Channel names to ids; "*" is the nine event types.
bool resolve_channels(const std::vector<std::string>& names, const std::vector<std::string>& known,
                      std::vector<std::uint8_t>& out, std::string& unknown) {
  for (const std::string& name : names) {
    if (name == "*") {
      for (const EventType t : kMarketEventTypes) out.push_back(event_channel(t));
      continue;
    }
    const auto it = std::find(known.begin(), known.end(), name);
    if (it == known.end()) {
      unknown = name;
      return false;
    }
    out.push_back(static_cast<std::uint8_t>(it - known.begin()));
  }
  return true;
}

}  // namespace

void Hub::subscribe(Client& c, const ControlRequest& r) {
  std::vector<std::uint8_t> channels;
  std::string unknown;
  if (!resolve_channels(*r.channels, channel_names_, channels, unknown)) {
    reply_error(c, r.id, "unknown_channel",
                fmt::format("unknown channel \"{}\" (channels: *, {})", unknown, fmt::join(channel_names_, ", ")));
    return;
  }
  bool all = !r.symbols.has_value();
  std::vector<std::uint32_t> symbols;
  std::vector<std::string> missing;
  if (r.symbols) {
    for (const std::string& s : *r.symbols) {
      if (s == "*") {
        all = true;
      } else if (const auto id = registry_.find(s)) {
        symbols.push_back(*id);
      } else {
        missing.push_back(s);
      }
    }
  }
  if (!missing.empty()) {
    reply_error(c, r.id, "unknown_symbol",
                registry_.size() == 0
                    ? fmt::format("unknown symbol {} (no ring attached yet)", fmt::join(missing, ", "))
                    : fmt::format("unknown symbol {}", fmt::join(missing, ", ")));
    return;
  }
  c.subscription.clear_default();
  for (const std::uint8_t ch : channels) {
    if (all) {
      c.subscription.channel(ch).set_all();
    } else {
      for (const std::uint32_t s : symbols) c.subscription.channel(ch).add(s);
    }
  }
  queue_text(c, control_ok(r.id));
  // Snapshots of the requested books, then the updates that follow them.
  if (std::find(channels.begin(), channels.end(), kBookChannel) == channels.end()) return;
  const RingView& events = rings_[0];
  for (std::size_t local = 0; local < events.global.size() && local < events.books.size(); ++local) {
    const std::uint32_t g = events.global[local];
    if (all || std::find(symbols.begin(), symbols.end(), g) != symbols.end()) {
      send_book_snapshot(c, static_cast<std::uint16_t>(local));
    }
  }
}

void Hub::unsubscribe(Client& c, const ControlRequest& r) {
  std::vector<std::uint8_t> channels;
  if (r.channels) {
    std::string unknown;
    if (!resolve_channels(*r.channels, channel_names_, channels, unknown)) {
      reply_error(c, r.id, "unknown_channel",
                  fmt::format("unknown channel \"{}\" (channels: *, {})", unknown, fmt::join(channel_names_, ", ")));
      return;
    }
  } else {
    for (std::size_t ch = 0; ch < channel_names_.size(); ++ch) channels.push_back(static_cast<std::uint8_t>(ch));
  }
  std::vector<std::uint32_t> symbols;
  bool all = !r.symbols.has_value();
  if (r.symbols) {
    std::vector<std::string> missing;
    for (const std::string& s : *r.symbols) {
      if (s == "*") {
        all = true;
      } else if (const auto id = registry_.find(s)) {
        symbols.push_back(*id);
      } else {
        missing.push_back(s);
      }
    }
    if (!missing.empty()) {
      reply_error(c, r.id, "unknown_symbol", fmt::format("unknown symbol {}", fmt::join(missing, ", ")));
      return;
    }
  }
  c.subscription.make_explicit();
  for (const std::uint8_t ch : channels) {
    if (all) {
      c.subscription.channel(ch).clear();
    } else {
      for (const std::uint32_t s : symbols) c.subscription.channel(ch).remove(s, registry_.size());
    }
  }
  queue_text(c, control_ok(r.id));
}

void Hub::list(Client& c, const ControlRequest& r) {
  std::string text = "{\"id\":";
  text += r.id.empty() ? "null" : r.id;
  text += ",\"ok\":true,\"format\":";
  text += c.binary ? "\"flatbuffers\"" : "\"json\"";
  text += ",\"channels\":[";
  for (std::size_t i = 0; i < channel_names_.size(); ++i) {
    if (i != 0) text += ',';
    append_quoted(text, channel_names_[i]);
  }
  text += "],\"symbols\":[";
  for (std::size_t i = 0; i < registry_.size(); ++i) {
    if (i != 0) text += ',';
    append_quoted(text, registry_.ticker(static_cast<std::uint32_t>(i)));
  }
  text += "],\"subscriptions\":{";
  bool first = true;
  for (std::size_t ch = 0; ch < channel_names_.size(); ++ch) {
    const SymbolSet& set = c.subscription.channel(static_cast<std::uint8_t>(ch));
    if (set.empty()) continue;
    if (!first) text += ',';
    first = false;
    append_quoted(text, channel_names_[ch]);
    text += ':';
    if (set.all()) {
      text += "\"*\"";
      continue;
    }
    text += '[';
    bool first_symbol = true;
    for (std::size_t s = 0; s < registry_.size(); ++s) {
      if (!set.test(static_cast<std::uint32_t>(s))) continue;
      if (!first_symbol) text += ',';
      first_symbol = false;
      append_quoted(text, registry_.ticker(static_cast<std::uint32_t>(s)));
    }
    text += ']';
  }
  text += "}}";
  queue_text(c, text);
}

void Hub::send_book_snapshot(Client& c, std::uint16_t symbol) {
  const RingView& events = rings_[0];
  if (!events.info || symbol >= events.books.size()) return;
  const Replica& r = events.books[symbol];
  scratch_.clear();
  book_snapshot_json(scratch_, events.info->symbols[SymbolId{symbol}], r.seq, r.ring_seq, r.flags, r.book.bids(),
                     r.book.asks());
  queue_text(c, scratch_);
}

// ---- figures -----------------------------------------------------------------

std::string Hub::health_json(bool& healthy) const {
  healthy = std::all_of(rings_.begin(), rings_.end(), [](const RingView& r) { return r.state == RingState::Attached; });
  std::string text = "{\"status\":";
  text += healthy ? "\"ok\"" : "\"degraded\"";
  text += ",\"clients\":";
  append_uint(text, clients_.size());
  text += ",\"rings\":[";
  for (std::size_t i = 0; i < rings_.size(); ++i) {
    const RingView& r = rings_[i];
    if (i != 0) text += ',';
    text += "{\"name\":";
    append_quoted(text, r.name);
    text += ",\"state\":";
    append_quoted(text, to_string(r.state));
    text += ",\"generation\":";
    append_uint(text, r.info ? r.info->generation : 0);
    text += ",\"symbols\":";
    append_uint(text, r.info ? r.info->symbols.size() : 0);
    text += ",\"last_seq\":";
    append_uint(text, r.last_seq);
    text += ",\"lag\":";
    append_uint(text, r.lag);
    text += '}';
  }
  text += "]}";
  return text;
}

std::string Hub::metrics_text(std::size_t open_connections) const {
  std::string out;
  out.reserve(8192);
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP ringside_gateway_{} {}\n# TYPE ringside_gateway_{} {}\n", name,
                   help, name, type);
  };
  auto value = [&](std::string_view name, std::uint64_t v) {
    fmt::format_to(std::back_inserter(out), "ringside_gateway_{} {}\n", name, v);
  };
  auto counter = [&](std::string_view name, std::string_view help, std::uint64_t v) {
    metric(name, "counter", help);
    value(name, v);
  };
  auto gauge = [&](std::string_view name, std::string_view help, std::uint64_t v) {
    metric(name, "gauge", help);
    value(name, v);
  };
  std::uint64_t queue_frames = 0, queue_bytes = 0, queue_bytes_max = 0, binary = 0;
  for (const Client* c : clients_) {
    queue_frames += c->queue.frames();
    queue_bytes += c->queue.bytes();
    queue_bytes_max = std::max<std::uint64_t>(queue_bytes_max, c->queue.bytes());
    if (c->binary) ++binary;
  }
  gauge("clients", "WebSocket clients connected", clients_.size());
  gauge("clients_binary", "clients receiving FlatBuffers frames", binary);
  gauge("connections_open", "open TCP connections (WebSocket and HTTP)", open_connections);
  counter("connections_total", "WebSocket sessions opened", counters_.connections);
  counter("http_requests_total", "plain HTTP requests served", counters_.http_requests);
  metric("connections_refused_total", "counter", "connections refused, by reason");
  fmt::format_to(std::back_inserter(out), "ringside_gateway_connections_refused_total{{reason=\"limit\"}} {}\n",
                 counters_.refused_limit);
  fmt::format_to(std::back_inserter(out), "ringside_gateway_connections_refused_total{{reason=\"token\"}} {}\n",
                 counters_.refused_auth);
  fmt::format_to(std::back_inserter(out), "ringside_gateway_connections_refused_total{{reason=\"origin\"}} {}\n",
                 counters_.refused_origin);
  counter("frames_sent_total", "WebSocket frames written to clients", counters_.frames_sent);
  counter("bytes_sent_total", "bytes written to clients", counters_.bytes_sent);
  counter("writes_total", "socket writes (each carries one or more frames)", counters_.writes);
  counter("slow_consumer_closes_total", "clients closed with 1008 for an overflowing queue",
          counters_.slow_consumer_closes);
  counter("protocol_closes_total", "clients closed for an RFC 6455 violation", counters_.protocol_closes);
  counter("idle_timeouts_total", "clients closed after the idle timeout", counters_.idle_timeouts);
  counter("control_messages_total", "control messages received", counters_.control_messages);
  counter("control_errors_total", "control messages answered with an error", counters_.control_errors);
  counter("rate_limited_total", "inbound messages refused by the rate limit", counters_.rate_limited);
  counter("heartbeats_total", "heartbeats sent on idle subscriptions", counters_.heartbeats);
  counter("gap_notices_total", "gap messages queued to clients", counters_.gaps_sent);
  counter("batches_total", "batches dispatched from the ring readers", counters_.batches);
  gauge("queue_frames", "frames queued to clients, all clients", queue_frames);
  gauge("queue_bytes", "bytes queued to clients, all clients", queue_bytes);
  gauge("queue_bytes_max", "bytes queued to the most backed-up client", queue_bytes_max);

  auto per_ring = [&](std::string_view name, std::string_view type, std::string_view help, auto get) {
    metric(name, type, help);
    for (std::size_t i = 0; i < rings_.size(); ++i) {
      fmt::format_to(std::back_inserter(out), "ringside_gateway_{}{{ring=\"{}\"}} {}\n", name, rings_[i].name,
                     get(i));
    }
  };
  auto stat = [&](std::size_t i, const std::atomic<std::uint64_t> FeedStats::*field) -> std::uint64_t {
    // Relaxed: independent statistics, each read on its own.
    return i < feeds_.size() ? (feeds_[i]->stats().*field).load(std::memory_order_relaxed) : 0;
  };
  per_ring("ring_attached", "gauge", "1 while the ring is attached and its writer running",
           [&](std::size_t i) { return rings_[i].state == RingState::Attached ? 1 : 0; });
  per_ring("ring_generation", "gauge", "writer generation of the ring",
           [&](std::size_t i) { return rings_[i].info ? rings_[i].info->generation : 0; });
  per_ring("ring_last_seq", "gauge", "ring sequence of the newest frame dispatched",
           [&](std::size_t i) { return rings_[i].last_seq; });
  per_ring("ring_lag_frames", "gauge", "frames the writer was ahead of the reader at its last batch",
           [&](std::size_t i) { return rings_[i].lag; });
  per_ring("ring_frames_total", "counter", "frames read", [&](std::size_t i) { return stat(i, &FeedStats::frames); });
  per_ring("ring_missed_frames_total", "counter", "frames lost to laps (each reported to clients as a gap)",
           [&](std::size_t i) { return stat(i, &FeedStats::missed); });
  per_ring("ring_gaps_total", "counter", "laps", [&](std::size_t i) { return stat(i, &FeedStats::gaps); });
  per_ring("ring_invalid_frames_total", "counter", "frames refused by check_frame",
           [&](std::size_t i) { return stat(i, &FeedStats::invalid); });
  per_ring("ring_batches_allocated", "gauge", "batches the reader's pool holds (in use or idle)",
           [&](std::size_t i) { return i < feeds_.size() ? feeds_[i]->batches_allocated() : 0; });
  counter("book_resyncs_total", "L2 books replaced from an OrderBookSnapshot (stale or mismatched)", stat(0, &FeedStats::book_resyncs));
  counter("book_mismatches_total", "exact L2 books that differed from an OrderBookSnapshot", stat(0, &FeedStats::book_mismatches));
  counter("data_quality_dropped_total", "JSON events dropped by data-quality injection", stat(0, &FeedStats::dq_dropped));
  counter("data_quality_duplicated_total", "JSON events sent twice by data-quality injection", stat(0, &FeedStats::dq_duplicated));
  counter("data_quality_reordered_total", "JSON events sent out of order by data-quality injection", stat(0, &FeedStats::dq_delayed));
  return out;
}

}  // namespace ringside::gateway
