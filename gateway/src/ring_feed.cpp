#include "ringside/gateway/ring_feed.hpp"

#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "ringside/core/frame_check.hpp"
#include "ringside/gateway/json_text.hpp"
#include "ringside/gateway/subscription.hpp"
#include "ringside/gateway/ws_frame.hpp"
#include "ringside/shm/reader.hpp"

namespace ringside::gateway {

std::string_view to_string(RingState s) noexcept {
  switch (s) {
    case RingState::Waiting: return "waiting";
    case RingState::Attached: return "attached";
    case RingState::WriterClosed: return "writer_closed";
    case RingState::WriterDead: return "writer_dead";
  }
  return "unknown";
}

namespace {

// Room one frame's messages can need at most: its JSON, a duplicate or delayed
// copy, and the book updates it causes. Larger book snapshots grow the arena.
constexpr std::size_t kFrameRoom = JsonEncoder::kMaxEncodedLength + 64 + 2048;
constexpr std::size_t kFrameMessages = 8;

}  // namespace

RingFeed::RingFeed(FeedOptions options, FeedSink& sink)
    : options_(std::move(options)),
      sink_(sink),
      pool_(kTextCapacity, 0, kMaxMessages),
      quality_(options_.index == 0 ? options_.data_quality : DataQualityConfig{}, options_.data_quality_seed) {
  if (options_.index != 0) {
    prefix_ = "{\"ring\":";
    append_quoted(prefix_, options_.ring);
    prefix_ += ',';
  }
  scratch_.reserve(4096);
}

RingFeed::~RingFeed() { stop(); }

void RingFeed::start() {
  thread_ = std::thread([this] { run(); });
}

void RingFeed::stop() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

void RingFeed::sleep_for(std::chrono::microseconds t) { std::this_thread::sleep_for(t); }

void RingFeed::run() {
  const std::string thread_name = "feed-" + options_.ring.substr(0, 10);
  ::pthread_setname_np(::pthread_self(), thread_name.c_str());
  if (options_.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<std::size_t>(options_.cpu), &set);
    const int rc = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
    if (rc == 0) {
      spdlog::info("ring '{}': reader pinned to cpu {}", options_.ring, options_.cpu);
    } else {
      spdlog::warn("ring '{}': pinning to cpu {} refused ({})", options_.ring, options_.cpu, std::strerror(rc));
    }
  }
  std::unique_ptr<shm::RingReader> reader;
  while (!stop_.load(std::memory_order_relaxed)) {
    if (!reader && !attach(reader)) continue;
    const shm::ReadStatus end = [&] {
      reader_ = reader.get();
      const shm::ReadStatus s = [&] {
        try {
          read_loop(*reader);
          return last_status_;
        } catch (const std::exception& e) {
          spdlog::error("ring '{}': {}", options_.ring, e.what());
          return shm::ReadStatus::WriterDead;
        }
      }();
      publish();
      return s;
    }();
    if (stop_.load(std::memory_order_relaxed)) break;
    if (end == shm::ReadStatus::NewGeneration) {
      spdlog::info("ring '{}': a new writer replaced generation {}", options_.ring, reader->generation());
      try {
        reader->reattach();
        start_generation(*reader);
      } catch (const std::exception& e) {
        spdlog::warn("ring '{}': reattach failed: {}", options_.ring, e.what());
        reader.reset();
      }
      continue;
    }
    const RingState state = end == shm::ReadStatus::WriterClosed ? RingState::WriterClosed : RingState::WriterDead;
    spdlog::info("ring '{}': {} (generation {}); waiting for a new writer", options_.ring, to_string(state),
                 reader->generation());
    sink_.post_ring_state(options_.index, state);
    if (!wait_for_new_generation(reader, reader->generation())) reader.reset();
  }
  reader_ = nullptr;
  reader.reset();
}

bool RingFeed::attach(std::unique_ptr<shm::RingReader>& reader) {
  try {
    shm::ReaderOptions o;
    o.kind = shm::ReaderKind::Lossy;
    o.start = options_.start == StartPoint::Oldest ? shm::StartAt::Oldest : shm::StartAt::Newest;
    // A live feed resumes at the newest frame after a lap: clients get the gap
    // notice and then current data, not a replay of stale frames.
    o.resume_after_lap = shm::StartAt::Newest;
    o.name = "gateway";
    reader = std::make_unique<shm::RingReader>(shm::RingReader::attach(options_.ring, o));
    start_generation(*reader);
    waiting_logged_ = false;
    return true;
  } catch (const std::exception& e) {
    reader.reset();
    if (!waiting_logged_) {
      spdlog::info("ring '{}': waiting for it to exist ({})", options_.ring, e.what());
      waiting_logged_ = true;
    }
    sleep_for(std::chrono::milliseconds(50));
    return false;
  }
}

bool RingFeed::wait_for_new_generation(std::unique_ptr<shm::RingReader>& reader, std::uint64_t old_generation) {
  while (!stop_.load(std::memory_order_relaxed)) {
    sleep_for(std::chrono::milliseconds(50));
    try {
      const shm::RingMap map = shm::open_ring(options_.ring, false, std::chrono::milliseconds(0));
      if (map.header->generation == old_generation) continue;
      reader->reattach();
      start_generation(*reader);
      return true;
    } catch (const std::exception&) {
      // Not there yet (the old name removed, the new one not created): keep waiting.
    }
  }
  return false;
}

void RingFeed::start_generation(shm::RingReader& reader) {
  auto info = std::make_shared<RingInfo>();
  info->index = options_.index;
  info->name = options_.ring;
  info->generation = reader.generation();
  info->symbols = SymbolTable::from_image(reader.metadata());  // throws on a damaged table
  // The encoders refer to the symbol table: replace them before the table they use.
  json_.reset();
  flatbuffers_.reset();
  info_ = std::move(info);
  json_ = std::make_unique<JsonEncoder>(info_->symbols);
  flatbuffers_ = std::make_unique<FlatBuffersEncoder>(info_->symbols);
  books_.reset(info_->symbols.size(), false);
  first_frame_ = true;
  held_.active = false;
  spdlog::info("ring '{}': attached, generation {}, {} symbols", options_.ring, info_->generation,
               info_->symbols.size());
  sink_.post_ring(info_);
  sink_.post_ring_state(options_.index, RingState::Attached);
}

void RingFeed::read_loop(shm::RingReader& reader) {
  std::uint32_t empty_polls = 0;
  std::uint32_t since_clock = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    // Flow control towards the network thread only (never towards a client):
    // while it is this far behind, stop reading; the ring absorbs the wait or
    // laps this reader, which clients then see as an explicit gap.
    if (in_flight_.load(std::memory_order_acquire) >= kMaxInFlight) {
      sleep_for(std::chrono::microseconds(20));
      continue;
    }
    const shm::ReadResult r = reader.read();
    if (r.status == shm::ReadStatus::Frame) {
      empty_polls = 0;
      on_frame(*r.frame, r.missed);
      if ((++since_clock & 63) == 0 && current_ != nullptr &&
          std::chrono::steady_clock::now() - batch_started_ >= kMaxBatchDelay) {
        publish();
      }
      continue;
    }
    if (r.status != shm::ReadStatus::Empty) {
      last_status_ = r.status;
      return;
    }
    // Caught up. Hand the batch over at once if the network thread is idle;
    // while it is still busy with earlier batches, keep adding to this one (up to
    // kMaxBatchDelay): fewer, larger batches mean fewer socket writes per frame
    // exactly when the network thread is the bottleneck.
    if (current_ != nullptr && in_flight_.load(std::memory_order_acquire) > 0 &&
        std::chrono::steady_clock::now() - batch_started_ < kMaxBatchDelay) {
      sleep_for(std::chrono::microseconds(20));  // not a spin: the network thread needs the core
      continue;
    }
    publish();
    // Idle: yield a few times (the next frame is usually microseconds away),
    // then sleep briefly; a ring idle for long is polled every millisecond.
    ++empty_polls;
    if (empty_polls < 8) {
      std::this_thread::yield();
    } else if (empty_polls < 20000) {
      sleep_for(std::chrono::microseconds(50));
    } else {
      sleep_for(std::chrono::milliseconds(1));
    }
  }
  last_status_ = shm::ReadStatus::Empty;
}

Batch& RingFeed::batch() {
  if (current_ == nullptr) {
    current_ = spare_ != nullptr ? spare_ : pool_.take();
    spare_ = nullptr;
    current_->ring = info_;
    text_ = sink_.wants_text();
    binary_ = sink_.wants_binary();
    any_ = text_ || binary_ || sink_.wants_any();
    if (binary_ && current_->binary.size() < kBinaryCapacity) current_->binary.resize(kBinaryCapacity);
    batch_started_ = std::chrono::steady_clock::now();
  }
  return *current_;
}

void RingFeed::on_frame(const FrameHeader& frame, std::uint64_t missed) {
  ++frames_;
  {
    Batch& b = batch();
    if (b.text_used + kFrameRoom > b.text.size() ||
        (binary_ && b.binary_used + kFrameRoom > b.binary.size()) ||
        b.messages.size() + kFrameMessages > kMaxMessages) {
      publish();
    }
  }
  Batch& b = batch();
  const std::uint64_t seq = frame.sequence;
  const bool events_ring = options_.index == 0;
  if (first_frame_) {
    first_frame_ = false;
    // Books are exact only when built from the ring's very first frame.
    if (events_ring) {
      books_.reset(info_->symbols.size(), seq == 1 && missed == 0);
      books_.announce(seq, *this);
    }
  }
  if (missed > 0) {
    missed_ += missed;
    ++gaps_;
    append_gap(seq - missed, seq - 1);
    if (events_ring) books_.on_gap(seq, *this);
  }
  if (b.first_seq == 0) b.first_seq = seq;
  b.last_seq = seq;
  b.newest_publish_ns = frame.publish_time_ns;
  if (check_frame(&frame, frame.length, info_->symbols.size()) != FrameError::None) {
    ++invalid_;
    return;
  }
  // The events ring's channels are the nine market types (channel = type - 1); an
  // analytics record there has no channel of its own and would land on `book` or a
  // ring's channel, so it is refused like a malformed frame. Processors' rings are
  // served as ring channels, whatever their types.
  if (events_ring && !is_market_event(frame.type)) {
    ++invalid_;
    return;
  }
  if (events_ring) books_.before(frame, seq, *this);
  append_event(frame);
  if (events_ring) books_.apply(frame, seq, *this);
}

std::optional<std::uint32_t> RingFeed::add_text_frame(std::string_view payload) {
  return add_text_frame(std::string_view{}, payload);
}

std::optional<std::uint32_t> RingFeed::add_text_frame(std::string_view head, std::string_view rest) {
  Batch& b = *current_;
  const std::size_t payload = head.size() + rest.size();
  const std::size_t size = ws_header_size(payload) + payload;
  if (b.text_used + size > b.text.size()) b.text.resize(std::max(b.text.size() * 2, b.text_used + size));
  std::byte* at = b.text.data() + b.text_used;
  const std::size_t header = write_ws_header(at, WsOpcode::Text, payload);
  // An empty view may hold a null pointer, and memcpy from null is undefined even
  // for 0 bytes (UBSan's nonnull-attribute check).
  if (!head.empty()) std::memcpy(at + header, head.data(), head.size());
  if (!rest.empty()) std::memcpy(at + header + head.size(), rest.data(), rest.size());
  const auto offset = static_cast<std::uint32_t>(b.text_used);
  b.text_used += size;
  last_frame_size_ = static_cast<std::uint32_t>(size);
  return offset;
}

std::optional<std::uint32_t> RingFeed::add_binary_frame(std::string_view payload) {
  Batch& b = *current_;
  const std::size_t size = ws_header_size(payload.size()) + payload.size();
  if (b.binary_used + size > b.binary.size()) b.binary.resize(std::max(b.binary.size() * 2, b.binary_used + size));
  std::byte* at = b.binary.data() + b.binary_used;
  const std::size_t header = write_ws_header(at, WsOpcode::Binary, payload.size());
  if (!payload.empty()) std::memcpy(at + header, payload.data(), payload.size());
  const auto offset = static_cast<std::uint32_t>(b.binary_used);
  b.binary_used += size;
  last_frame_size_ = static_cast<std::uint32_t>(size);
  return offset;
}

void RingFeed::append_event(const FrameHeader& frame) {
  Batch& b = *current_;
  Message m;
  m.kind = MessageKind::Event;
  m.seq = frame.sequence;
  m.symbol = raw(frame.symbol);
  m.channel = options_.index == 0 ? event_channel(frame.type) : ring_channel(options_.index);
  if (text_) {
    const Encoded e = json_->encode(frame);
    if (!e) {
      ++invalid_;
      return;
    }
    if (options_.index == 0) {
      m.text_offset = *add_text_frame(e.bytes);
    } else {
      m.text_offset = *add_text_frame(prefix_, e.bytes.substr(1));  // {"ring":"NAME", + the rest after '{'
    }
    m.text_size = last_frame_size_;
  }
  if (binary_) {
    const Encoded e = flatbuffers_->encode(frame);
    if (e) {
      m.binary_offset = *add_binary_frame(e.bytes);
      m.binary_size = last_frame_size_;
    }
  }
  if (m.text_size == 0 && m.binary_size == 0) return;

  const bool had_held = held_.active;
  if (m.text_size != 0 && quality_.enabled()) {
    switch (quality_.decide()) {
      case Injection::None:
        break;
      case Injection::Drop:
        m.text_size = 0;
        break;
      case Injection::Duplicate: {
        b.messages.push_back(m);
        m.binary_size = 0;  // the copy is for JSON clients only
        break;
      }
      case Injection::Delay:
        if (!held_.active) {
          held_.active = true;
          held_.message = m;
          held_.message.binary_size = 0;
          m.text_size = 0;
        }
        break;
    }
  }
  if (m.text_size != 0 || m.binary_size != 0) b.messages.push_back(m);
  if (had_held) flush_held();
}

void RingFeed::flush_held() {
  if (!held_.active || current_ == nullptr) return;
  current_->messages.push_back(held_.message);
  held_.active = false;
}

void RingFeed::append_gap(std::uint64_t from, std::uint64_t to) {
  Batch& b = *current_;
  Message m;
  m.kind = MessageKind::Gap;
  m.seq = from;
  m.ring_seq = to;
  m.channel = kRingWide;
  if (any_) {
    scratch_.clear();
    scratch_ += "{\"type\":\"gap\",\"ring\":";
    append_quoted(scratch_, options_.ring);
    scratch_ += ",\"from\":";
    append_uint(scratch_, from);
    scratch_ += ",\"to\":";
    append_uint(scratch_, to);
    scratch_ += ",\"missed\":";
    append_uint(scratch_, to - from + 1);
    scratch_ += '}';
    m.text_offset = *add_text_frame(scratch_);
    m.text_size = last_frame_size_;
  }
  b.messages.push_back(m);
}

namespace {

// [price,quantity]: one level, as snapshots and updates both send it.
void level_json(std::string& out, Ticks price, Volume quantity, const PriceScale& scale) {
  out += '[';
  append_price(out, price, scale);
  out += ',';
  append_int(out, quantity);
  out += ']';
}

void levels_json(std::string& out, std::span<const PriceLevel> levels, const PriceScale& scale) {
  out += '[';
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (i != 0) out += ',';
    level_json(out, levels[i].price, levels[i].quantity, scale);
  }
  out += ']';
}

void changes_json(std::string& out, std::span<const LevelChange> changes, Side side, const PriceScale& scale) {
  out += '[';
  bool first = true;
  for (const LevelChange& c : changes) {
    if (c.side != side) continue;
    if (!first) out += ',';
    first = false;
    level_json(out, c.price, c.quantity, scale);
  }
  out += ']';
}

}  // namespace

void RingFeed::book_update(SymbolId symbol, std::uint64_t book_seq, std::uint64_t ring_seq,
                           std::span<const LevelChange> changes) {
  Batch& b = *current_;
  Message m;
  m.kind = MessageKind::Book;
  m.book_flags = books_.flags(symbol);
  m.seq = book_seq;
  m.ring_seq = ring_seq;
  m.symbol = raw(symbol);
  m.channel = kBookChannel;
  m.changes_begin = static_cast<std::uint32_t>(b.changes.size());
  m.changes_count = static_cast<std::uint32_t>(changes.size());
  b.changes.insert(b.changes.end(), changes.begin(), changes.end());
  if (any_) {
    const Instrument& instrument = info_->symbols[symbol];
    scratch_.clear();
    scratch_ += "{\"type\":\"book\",\"symbol\":";
    append_quoted(scratch_, instrument.ticker);
    scratch_ += ",\"seq\":";
    append_uint(scratch_, book_seq);
    scratch_ += ",\"ring_seq\":";
    append_uint(scratch_, ring_seq);
    scratch_ += ",\"bids\":";
    changes_json(scratch_, changes, Side::Buy, instrument.scale);
    scratch_ += ",\"asks\":";
    changes_json(scratch_, changes, Side::Sell, instrument.scale);
    scratch_ += '}';
    m.text_offset = *add_text_frame(scratch_);
    m.text_size = last_frame_size_;
  }
  b.messages.push_back(m);
}

void RingFeed::book_snapshot(SymbolId symbol, std::uint64_t book_seq, std::uint64_t ring_seq, std::uint8_t flags,
                             const L2Book& book) {
  Batch& b = *current_;
  Message m;
  m.kind = MessageKind::BookSnapshot;
  m.seq = book_seq;
  m.ring_seq = ring_seq;
  m.symbol = raw(symbol);
  m.channel = kBookChannel;
  m.book_flags = flags;
  m.changes_begin = static_cast<std::uint32_t>(b.changes.size());
  for (const PriceLevel& l : book.bids()) b.changes.push_back(LevelChange{Side::Buy, l.price, l.quantity});
  for (const PriceLevel& l : book.asks()) b.changes.push_back(LevelChange{Side::Sell, l.price, l.quantity});
  m.changes_count = static_cast<std::uint32_t>(b.changes.size() - m.changes_begin);
  if (any_) {
    const Instrument& instrument = info_->symbols[symbol];
    scratch_.clear();
    book_snapshot_json(scratch_, instrument, book_seq, ring_seq, flags, book.bids(), book.asks());
    m.text_offset = *add_text_frame(scratch_);
    m.text_size = last_frame_size_;
  }
  b.messages.push_back(m);
}

void book_snapshot_json(std::string& out, const Instrument& instrument, std::uint64_t book_seq,
                        std::uint64_t ring_seq, std::uint8_t flags, std::span<const PriceLevel> bids,
                        std::span<const PriceLevel> asks) {
  out += "{\"type\":\"book_snapshot\",\"symbol\":";
  append_quoted(out, instrument.ticker);
  out += ",\"seq\":";
  append_uint(out, book_seq);
  out += ",\"ring_seq\":";
  append_uint(out, ring_seq);
  out += (flags & BookFlags::kExact) != 0 ? ",\"exact\":true" : ",\"exact\":false";
  out += (flags & BookFlags::kStale) != 0 ? ",\"stale\":true" : ",\"stale\":false";
  out += ",\"bids\":";
  levels_json(out, bids, instrument.scale);
  out += ",\"asks\":";
  levels_json(out, asks, instrument.scale);
  out += '}';
}

void RingFeed::publish() {
  if (current_ == nullptr) return;
  flush_held();
  Batch* b = current_;
  current_ = nullptr;
  if (b->messages.empty() && b->last_seq == 0) {
    // No frame read (only held data, or nothing): keep it for the next batch.
    // A batch of frames with no messages (no client listening) still goes out:
    // it carries the ring position and lag for /healthz and /metrics.
    b->clear();
    spare_ = b;
  } else {
    if (reader_ != nullptr) {
      // Relaxed: next_sequence is a statistic the writer stores at each commit;
      // an old value only makes the reported lag a little stale.
      const std::uint64_t written = reader_->ring().header->next_sequence.load(std::memory_order_relaxed);
      b->ring_lag = written > reader_->next_sequence() ? written - reader_->next_sequence() : 0;
    }
    ++batches_;
    stats_.lag.store(b->ring_lag, std::memory_order_relaxed);
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    sink_.post_batch(b);
  }
  stats_.frames.store(frames_, std::memory_order_relaxed);
  stats_.missed.store(missed_, std::memory_order_relaxed);
  stats_.gaps.store(gaps_, std::memory_order_relaxed);
  stats_.invalid.store(invalid_, std::memory_order_relaxed);
  stats_.batches.store(batches_, std::memory_order_relaxed);
  stats_.book_resyncs.store(books_.resyncs(), std::memory_order_relaxed);
  stats_.book_mismatches.store(books_.mismatches(), std::memory_order_relaxed);
  stats_.dq_dropped.store(quality_.dropped(), std::memory_order_relaxed);
  stats_.dq_duplicated.store(quality_.duplicated(), std::memory_order_relaxed);
  stats_.dq_delayed.store(quality_.delayed(), std::memory_order_relaxed);
}

}  // namespace ringside::gateway
