// ringside-bench egress: ringside-egress (kafka-egress/) against librdkafka's
// embedded mock cluster, in one process and one run:
//
//   raw         a plain librdkafka producer sends N messages: the egress's own
//               encoded values, topics, keys and six headers, with the egress's
//               producer properties; messages/s from the first produce to the
//               N-th delivery report. What librdkafka and the mock brokers allow
//               for these messages on this machine: the reference. Then the same
//               without headers, to show what the headers cost.
//   throughput  this process is the ring's writer; an Egress (its run() on a
//               thread) reads the ring as a lossless reader and produces. The
//               writer goes as fast as the egress lets it; messages/s from the
//               first publish to the N-th acknowledgement, and egress / raw
//               (target >= 0.80).
//   latency     the writer paced at --rate with evenly spaced publish times:
//               ring-to-acknowledgement latency per message (target p99 <= 50 ms
//               with the seed's batching, linger.ms = 10).
//
// Brokers, producer threads, egress and writer all share the machine (2 cores on
// the dev VM), so every figure is the whole system's; the raw producer pays the
// same brokers, which is why the ratio, not either rate, is the target.
#include "egress_bench.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "json_line.hpp"
#include "processes.hpp"
#include "ringside/core/embedded_config.hpp"
#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/iso_time.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/core/sample_events.hpp"
#include "ringside/egress/egress.hpp"
#include "ringside/egress/metrics.hpp"
#include "ringside/egress/mock_cluster.hpp"
#include "ringside/egress/options.hpp"
#include "ringside/egress/topics.hpp"
#include "ringside/shm/writer.hpp"

namespace ringside::bench {
namespace {

constexpr std::string_view kBench = "egress";
constexpr char kRing[] = "bench-egress";
constexpr double kTargetRatio = 0.80;
constexpr double kTargetP99Ms = 50;
// Frames generated once and cycled: enough that every symbol and type shows up
// in its realistic proportion, few enough (a few MB) to cost nothing to make.
constexpr std::size_t kPoolFrames = 1 << 15;
// Sent before each timed run (raw and egress alike), so neither pays for
// connections, metadata and the idempotent producer's id inside its figure.
constexpr std::uint64_t kWarmupMessages = 10'000;
// Produce calls between two rd_kafka_poll(0): the egress serves delivery reports
// once per pump of up to 2048 frames, and the reference does the same.
constexpr std::uint64_t kPollEvery = 2048;
// The engine commits once per 16 requests, ~1.7 frames each.
constexpr std::uint64_t kFramesPerCommit = 32;
constexpr auto kAckTimeout = std::chrono::seconds(120);
// The last messages before a stream stops wait 40-60 ms for their acknowledgement,
// whatever linger.ms, with a plain librdkafka producer and its mock brokers as
// with the egress: the stream ending, not the rate. So every run keeps sending
// past what it measures: a throughput run sends a tenth more behind its N
// messages and stops the clock at the N-th acknowledgement (otherwise the tail
// would be a sixth of the raw run's ~0.25 s), and the latency run goes on for
// kCooldownSeconds after its window.
constexpr std::uint64_t kTrailDivisor = 10;
constexpr double kCooldownSeconds = 0.5;

struct Options {
  std::uint64_t messages = 300'000;
  double rate = 100'000;
  double seconds = 5;
  double warmup = 1;
  std::string format = "flatbuffers";
  int brokers = 3;
  std::string cluster = "bench";
  std::vector<std::string> properties;
};

std::int64_t realtime_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

// User + system CPU seconds of the whole process: writer, egress, librdkafka's
// threads and the mock brokers alike.
double process_cpu_seconds() noexcept {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

void log_to_spdlog(const rd_kafka_t*, int level, const char* facility, const char* text) {
  const auto l = level <= 3 ? spdlog::level::err : level == 4 ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(l, "librdkafka (raw producer) {}: {}", facility, text);
}

// ---- the events --------------------------------------------------------------------

// Core's realistic mix, generated once: the writer copies frames out of it (the
// ring gives each its sequence and publish time), and the raw producer sends the
// same frames encoded, so both send the same values to the same topics and keys.
class FramePool {
 public:
  FramePool(const SymbolTable& symbols, std::size_t count) {
    SampleEvents events(symbols, 7, realtime_ns());
    offsets_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const FrameHeader& f = events.next();
      offsets_.push_back(bytes_.size());
      const auto* b = reinterpret_cast<const std::byte*>(&f);
      bytes_.insert(bytes_.end(), b, b + f.length);
    }
  }
  std::size_t size() const noexcept { return offsets_.size(); }
  // Frame lengths are multiples of kFrameAlignment and operator new aligns the
  // buffer beyond it, so every frame is aligned.
  const FrameHeader& operator[](std::uint64_t i) const noexcept {
    return *std::launder(reinterpret_cast<const FrameHeader*>(bytes_.data() + offsets_[i % offsets_.size()]));
  }

 private:
  std::vector<std::byte> bytes_;
  std::vector<std::size_t> offsets_;
};

struct RawMessage {
  std::size_t topic;
  std::string key;
  std::string value;
  std::string event_type;
};

struct EncodedPool {
  std::vector<RawMessage> messages;
  double mean_value_bytes = 0;
  double mean_key_bytes = 0;
};

EncodedPool encode_pool(const FramePool& pool, const SymbolTable& symbols, egress::ValueFormat format) {
  JsonEncoder json(symbols);
  FlatBuffersEncoder flatbuffers(symbols);
  EncodedPool out;
  out.messages.reserve(pool.size());
  double value_bytes = 0, key_bytes = 0;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    const FrameHeader& f = pool[i];
    if (check_frame(&f, f.length, symbols.size()) != FrameError::None) fail(fmt::format("sample frame {} is invalid", i));
    const auto value = format == egress::ValueFormat::Json ? json.encode(f) : flatbuffers.encode(f);
    if (!value) fail(fmt::format("sample frame {} cannot be encoded: {}", i, to_string(value.error)));
    AgentIdText agent;
    const std::string_view key = egress::partition_key(f, symbols, agent);
    out.messages.push_back(RawMessage{static_cast<std::size_t>(egress::topic_of(f.type)), std::string(key),
                                      std::string(value.bytes), std::string(to_string(f.type))});
    value_bytes += static_cast<double>(value.bytes.size());
    key_bytes += static_cast<double>(key.size());
  }
  out.mean_value_bytes = value_bytes / static_cast<double>(pool.size());
  out.mean_key_bytes = key_bytes / static_cast<double>(pool.size());
  return out;
}

// ---- 1. the reference: librdkafka alone ----------------------------------------------

struct RawResult {
  std::uint64_t messages = 0;
  std::uint64_t failed = 0;
  std::string first_error;
  double seconds = 0;
  double msgs_per_s = 0;
  double cpus = 0;
};

class RawProducer {
 public:
  RawProducer(const std::string& bootstrap, const egress::KafkaProperties& properties) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const auto set = [&](const std::string& name, const std::string& value) {
      if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        fail(fmt::format("kafka property {}={}: {}", name, value, error));
      }
    };
    set("bootstrap.servers", bootstrap);
    for (const auto& [name, value] : properties) set(name, value);
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* self) {
      static_cast<RawProducer*>(self)->delivered(*m);
    });
    rd_kafka_conf_set_log_cb(conf, log_to_spdlog);
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (producer_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      fail(fmt::format("raw producer: {}", error));
    }
    for (std::size_t t = 0; t < egress::kTopicCount; ++t) {
      topics_[t] = rd_kafka_topic_new(producer_, std::string(egress::kTopics[t].name).c_str(), nullptr);
      if (topics_[t] == nullptr) {
        const std::string why = rd_kafka_err2str(rd_kafka_last_error());
        close();  // no destructor runs for a constructor that throws
        fail(fmt::format("topic {}: {}", egress::kTopics[t].name, why));
      }
    }
  }
  ~RawProducer() { close(); }
  RawProducer(const RawProducer&) = delete;
  RawProducer& operator=(const RawProducer&) = delete;

  // Sends messages first..first+count-1 of `pool` (cycling) the way the egress's
  // loop does (produce, poll(0) every kPollEvery, poll(10) while the queue is
  // full), then waits for every delivery report. Returns false on timeout.
  bool send(const std::vector<RawMessage>& pool, std::uint64_t first, std::uint64_t count, bool headers) {
    const std::uint64_t target = reports() + count;
    char bridge_time[kIsoTimestampLength];
    write_iso_timestamp(bridge_time, realtime_ns());
    for (std::uint64_t i = first; i < first + count; ++i) {
      const RawMessage& m = pool[i % pool.size()];
      for (;;) {
        const rd_kafka_resp_err_t err = produce(m, headers ? make_headers(m, i, bridge_time) : nullptr);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) fail(fmt::format("raw produce: {}", rd_kafka_err2str(err)));
        rd_kafka_poll(producer_, 10);
      }
      if ((i - first + 1) % kPollEvery == 0) {
        rd_kafka_poll(producer_, 0);
        write_iso_timestamp(bridge_time, realtime_ns());
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + kAckTimeout;
    while (reports() < target && std::chrono::steady_clock::now() < deadline) rd_kafka_poll(producer_, 10);
    return reports() >= target;
  }

  std::uint64_t delivered() const noexcept { return delivered_; }
  std::uint64_t failed() const noexcept { return failed_; }
  const std::string& first_error() const noexcept { return first_error_; }
  // The clock stops when `reports` delivery reports (counted since construction) are in.
  void stop_clock_at(std::uint64_t reports) noexcept { clock_mark_ = reports; }
  std::int64_t clock_ns() const noexcept { return clock_ns_; }
  double clock_cpu_seconds() const noexcept { return clock_cpu_; }
  std::uint64_t reports() const noexcept { return delivered_ + failed_; }

 private:
  void close() noexcept {
    for (auto*& t : topics_) {
      if (t != nullptr) rd_kafka_topic_destroy(t);
      t = nullptr;
    }
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(producer_, 0);
    rd_kafka_destroy(producer_);
  }

  // The six headers the egress puts on every event (Egress::Impl::event_headers).
  static rd_kafka_headers_t* make_headers(const RawMessage& m, std::uint64_t seq, const char* bridge_time) {
    rd_kafka_headers_t* h = rd_kafka_headers_new(8);
    const auto add = [h](std::string_view name, std::string_view value) {
      rd_kafka_header_add(h, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    };
    add("event_type", m.event_type);
    add("source", "ringside");
    add("bridge_timestamp", std::string_view(bridge_time, kIsoTimestampLength));
    char text[24];
    add("seq", std::string_view(text, fmt::format_to_n(text, sizeof text, "{}", seq + 1).size));
    add("ring", kRing);
    add("generation", "1");
    return h;
  }

  // rd_kafka_produceva rather than rd_kafka_producev: the RD_KAFKA_V_* macros are
  // C casts, which -Wold-style-cast refuses. On success librdkafka owns `headers`.
  rd_kafka_resp_err_t produce(const RawMessage& m, rd_kafka_headers_t* headers) {
    rd_kafka_vu_t fields[6];
    std::size_t n = 0;
    fields[n].vtype = RD_KAFKA_VTYPE_RKT;
    fields[n++].u.rkt = topics_[m.topic];
    fields[n].vtype = RD_KAFKA_VTYPE_PARTITION;
    fields[n++].u.i32 = RD_KAFKA_PARTITION_UA;
    fields[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    fields[n++].u.i = RD_KAFKA_MSG_F_COPY;
    fields[n].vtype = RD_KAFKA_VTYPE_KEY;
    fields[n++].u.mem = {const_cast<char*>(m.key.data()), m.key.size()};
    fields[n].vtype = RD_KAFKA_VTYPE_VALUE;
    fields[n++].u.mem = {const_cast<char*>(m.value.data()), m.value.size()};
    if (headers != nullptr) {
      fields[n].vtype = RD_KAFKA_VTYPE_HEADERS;
      fields[n++].u.headers = headers;
    }
    rd_kafka_error_t* error = rd_kafka_produceva(producer_, fields, n);
    if (error == nullptr) return RD_KAFKA_RESP_ERR_NO_ERROR;
    const rd_kafka_resp_err_t err = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
    if (headers != nullptr) rd_kafka_headers_destroy(headers);
    return err;
  }

  void delivered(const rd_kafka_message_t& m) {
    if (m.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++delivered_;
    } else {
      if (failed_++ == 0) first_error_ = rd_kafka_err2str(m.err);
    }
    if (reports() == clock_mark_) {
      clock_ns_ = realtime_ns();
      clock_cpu_ = process_cpu_seconds();
    }
  }

  rd_kafka_t* producer_ = nullptr;
  std::array<rd_kafka_topic_t*, egress::kTopicCount> topics_{};
  // Delivery reports are served by rd_kafka_poll on the sending thread: no atomics.
  std::uint64_t delivered_ = 0;
  std::uint64_t failed_ = 0;
  std::string first_error_;
  std::uint64_t clock_mark_ = 0;
  std::int64_t clock_ns_ = 0;
  double clock_cpu_ = 0;
};

RawResult run_raw(const std::string& bootstrap, const egress::KafkaProperties& properties, const EncodedPool& encoded,
                  std::uint64_t n, bool headers) {
  RawProducer producer(bootstrap, properties);
  if (!producer.send(encoded.messages, 0, std::min(n, kWarmupMessages), headers)) fail("raw producer: warm-up not acknowledged");
  const std::uint64_t delivered_before = producer.delivered();
  const std::uint64_t failed_before = producer.failed();
  producer.stop_clock_at(producer.reports() + n);
  const double cpu_before = process_cpu_seconds();
  const std::int64_t start = realtime_ns();
  if (!producer.send(encoded.messages, kWarmupMessages, n + n / kTrailDivisor, headers)) {
    fail(fmt::format("raw producer: {} of {} messages acknowledged after {} s", producer.delivered() - delivered_before,
                     n + n / kTrailDivisor, kAckTimeout.count()));
  }
  RawResult r;
  r.seconds = static_cast<double>(producer.clock_ns() - start) * 1e-9;
  r.cpus = (producer.clock_cpu_seconds() - cpu_before) / r.seconds;
  r.messages = n;
  r.failed = producer.failed() - failed_before;
  r.first_error = producer.first_error();
  r.msgs_per_s = static_cast<double>(n) / r.seconds;
  return r;
}

// ---- the egress ------------------------------------------------------------------------

// Counts acknowledgements (called on the egress thread, from librdkafka's
// delivery reports) and records ring-to-ack latency of the frames published in
// the window set by measure().
class Acks final : public egress::AckObserver {
 public:
  Acks() : latency_(std::make_unique<Histogram>()) {}

  void acknowledged(std::int64_t publish_time_ns, std::int64_t ack_time_ns) noexcept override {
    if (publish_time_ns >= from_.load(std::memory_order_relaxed) && publish_time_ns < to_.load(std::memory_order_relaxed)) {
      latency_->record(ack_time_ns - publish_time_ns);
    }
    const std::uint64_t n = count_.load(std::memory_order_relaxed) + 1;
    if (n == clock_mark_.load(std::memory_order_relaxed)) {
      clock_ns_.store(ack_time_ns, std::memory_order_relaxed);
      clock_cpu_.store(process_cpu_seconds(), std::memory_order_relaxed);
    }
    // Release: a reader that sees the count sees the clock stored before it.
    count_.store(n, std::memory_order_release);
  }

  // The clock stops at the `count`-th acknowledgement (counted since construction).
  // Relaxed: set before the frames concerned are committed to the ring.
  void stop_clock_at(std::uint64_t count) noexcept { clock_mark_.store(count, std::memory_order_relaxed); }
  std::int64_t clock_ns() const noexcept { return clock_ns_.load(std::memory_order_relaxed); }
  double clock_cpu_seconds() const noexcept { return clock_cpu_.load(std::memory_order_relaxed); }

  // Relaxed: set before the window's frames are committed to the ring, which the
  // egress thread acquires before it sends them, let alone sees them acknowledged.
  void measure(std::int64_t from_ns, std::int64_t to_ns) noexcept {
    from_.store(from_ns, std::memory_order_relaxed);
    to_.store(to_ns, std::memory_order_relaxed);
  }
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_acquire); }
  // Only once the egress thread is joined.
  const Histogram& latency() const noexcept { return *latency_; }

 private:
  std::unique_ptr<Histogram> latency_;
  std::atomic<std::int64_t> from_{INT64_MAX};
  std::atomic<std::int64_t> to_{INT64_MIN};
  std::atomic<std::uint64_t> clock_mark_{0};
  std::atomic<std::int64_t> clock_ns_{0};
  std::atomic<double> clock_cpu_{0};
  std::atomic<std::uint64_t> count_{0};
};

// Egress::run on its own thread, stopped and joined on destruction whatever happens.
class EgressThread {
 public:
  explicit EgressThread(egress::Egress& e)
      : thread_([this, &e] {
          try {
            status_ = e.run(stop_);
          } catch (const std::exception& ex) {
            error_ = ex.what();
            status_ = 1;
          }
          done_.store(true, std::memory_order_release);
        }) {}
  ~EgressThread() { stop(); }
  EgressThread(const EgressThread&) = delete;
  EgressThread& operator=(const EgressThread&) = delete;

  int stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  bool done() const noexcept { return done_.load(std::memory_order_acquire); }
  // After done() or stop().
  const std::string& error() const noexcept { return error_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  int status_ = 0;
  std::string error_;
  std::thread thread_;  // last: it starts once the members it uses exist
};

// Waits until `target` acknowledgements in all; throws if the egress stopped or
// the timeout passed.
void wait_for_acks(const Acks& acks, std::uint64_t target, const EgressThread& egress, std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + kAckTimeout;
  while (acks.count() < target) {
    if (egress.done()) fail(fmt::format("{}: the egress stopped ({})", what, egress.error().empty() ? "fatal producer error" : egress.error()));
    if (std::chrono::steady_clock::now() >= deadline) {
      fail(fmt::format("{}: {} acknowledgements missing after {} s", what, target - acks.count(), kAckTimeout.count()));
    }
    // The clock is the acknowledgement's own time, not this wake-up's: no need to poll often.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void copy_into(shm::RingWriter& ring, const FrameHeader& f) {
  // May wait: the egress is a lossless reader.
  if (ring.claim_copy(f) == nullptr) fail(fmt::format("the ring refused a frame of {} bytes", f.length));
}

// Frames first..first+count-1 of the pool, committed kFramesPerCommit at a time
// and stamped at commit, as fast as the ring takes them.
void publish_burst(shm::RingWriter& ring, const FramePool& pool, std::uint64_t first, std::uint64_t count) {
  for (std::uint64_t i = first; i < first + count; ++i) {
    copy_into(ring, pool[i]);
    if ((i - first + 1) % kFramesPerCommit == 0 || i + 1 == first + count) ring.commit(realtime_ns());
    if ((i & 4095) == 0) ring.heartbeat();
  }
}

// ---- 2. throughput --------------------------------------------------------------------

struct ThroughputResult {
  std::uint64_t messages = 0;
  double seconds = 0;
  double msgs_per_s = 0;
  double writer_seconds = 0;   // publishing alone; short of `seconds` by what the ring could hold
  double stall_seconds = 0;    // the writer waiting for the egress (backpressure)
  std::uint64_t stalls = 0;
  double cpus = 0;
};

ThroughputResult run_throughput(shm::RingWriter& ring, const FramePool& pool, Acks& acks, const EgressThread& egress,
                                std::uint64_t n) {
  const std::uint64_t warm = std::min(n, kWarmupMessages);
  std::uint64_t acked = acks.count();
  publish_burst(ring, pool, 0, warm);
  wait_for_acks(acks, acked + warm, egress, "throughput warm-up");
  acked += warm;

  const auto& header = *ring.ring().header;
  const std::uint64_t stall_ns = header.stall_ns.load(std::memory_order_relaxed);
  const std::uint64_t stalls = header.stall_count.load(std::memory_order_relaxed);
  acks.stop_clock_at(acked + n);
  const double cpu_before = process_cpu_seconds();
  const std::int64_t start = realtime_ns();
  publish_burst(ring, pool, warm, n);
  const std::int64_t written = realtime_ns();
  const std::uint64_t stall_after = header.stall_ns.load(std::memory_order_relaxed);
  const std::uint64_t stalls_after = header.stall_count.load(std::memory_order_relaxed);
  publish_burst(ring, pool, warm + n, n / kTrailDivisor);
  wait_for_acks(acks, acked + n + n / kTrailDivisor, egress, "throughput");

  ThroughputResult r;
  r.messages = n;
  r.seconds = static_cast<double>(acks.clock_ns() - start) * 1e-9;
  r.msgs_per_s = static_cast<double>(n) / r.seconds;
  r.writer_seconds = static_cast<double>(written - start) * 1e-9;
  r.stall_seconds = static_cast<double>(stall_after - stall_ns) * 1e-9;
  r.stalls = stalls_after - stalls;
  r.cpus = (acks.clock_cpu_seconds() - cpu_before) / r.seconds;
  return r;
}

// ---- 3. latency at a fixed rate -----------------------------------------------------------

struct LatencyResult {
  double rate = 0;
  double achieved_rate = 0;
  std::uint64_t frames = 0;     // published in the measured window
  std::int64_t recorded = 0;    // acknowledged and recorded from it
  Percentiles ms;               // ring-to-acknowledgement
  Percentiles lag_ms;           // the writer behind its schedule (included in `ms`)
  double stall_seconds = 0;
  double cpus = 0;
};

void sleep_until_realtime(std::int64_t t) noexcept {
  const timespec ts{static_cast<time_t>(t / 1'000'000'000), static_cast<long>(t % 1'000'000'000)};
  while (::clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

// Open loop: frame i is due at start + i / rate and is stamped with that time,
// not the time it went out, so a writer that falls behind (descheduled, or held
// by the egress) charges the delay to every frame it held up. The writer sleeps
// until the next frame is due and then publishes everything due, one commit per
// frame: a few frames per wake-up (the kernel's timer slack, ~50 us), rather
// than a core spent spinning that the egress and the brokers need.
LatencyResult run_latency(shm::RingWriter& ring, const FramePool& pool, Acks& acks, const EgressThread& egress,
                          const Options& o, std::uint64_t first_frame) {
  const double interval_ns = 1e9 / o.rate;
  const auto warm = static_cast<std::uint64_t>(std::llround(o.warmup * o.rate));
  const auto measured = static_cast<std::uint64_t>(std::llround(o.seconds * o.rate));
  const auto cooldown = static_cast<std::uint64_t>(std::llround(kCooldownSeconds * o.rate));
  const std::uint64_t total = warm + measured + cooldown;
  const std::int64_t start = realtime_ns() + 1'000'000;
  const auto due = [&](std::uint64_t i) {
    return start + static_cast<std::int64_t>(std::llround(static_cast<double>(i) * interval_ns));
  };
  acks.measure(due(warm), due(warm + measured));
  const std::uint64_t acked = acks.count();
  const auto& header = *ring.ring().header;
  const std::uint64_t stall_ns = header.stall_ns.load(std::memory_order_relaxed);
  auto lag = std::make_unique<Histogram>();
  double cpu_before = 0, cpu_seconds = 0;
  std::int64_t first_sent = 0, last_sent = 0;
  for (std::uint64_t i = 0; i < total; ++i) {
    const std::int64_t intended = due(i);
    std::int64_t now = realtime_ns();
    if (now < intended) {
      sleep_until_realtime(intended);
      now = realtime_ns();
    }
    if (i == warm) {
      cpu_before = process_cpu_seconds();
      first_sent = now;
    }
    const bool measuring = i >= warm && i < warm + measured;
    if (measuring) lag->record(now - intended);
    copy_into(ring, pool[first_frame + i]);
    ring.commit(intended);
    if ((i & 4095) == 0) ring.heartbeat();
    if (measuring) last_sent = now;
    if (i + 1 == warm + measured) cpu_seconds = process_cpu_seconds() - cpu_before;
  }
  wait_for_acks(acks, acked + total, egress, "latency");

  LatencyResult r;
  r.rate = o.rate;
  r.frames = measured;
  const double span = static_cast<double>(last_sent - first_sent) * 1e-9;
  r.achieved_rate = span > 0 ? static_cast<double>(measured - 1) / span : 0;
  r.lag_ms = percentiles_of(*lag, 1e6);
  r.stall_seconds = static_cast<double>(header.stall_ns.load(std::memory_order_relaxed) - stall_ns) * 1e-9;
  r.cpus = span > 0 ? cpu_seconds / span : 0;
  return r;
}

// ---- the run ---------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/ringside-bench-egress-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) fail(fmt::format("mkdtemp: {}", std::strerror(errno)));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

egress::KafkaProperties parse_properties(const std::vector<std::string>& given) {
  egress::KafkaProperties out;
  for (const auto& p : given) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) fail(fmt::format("-X '{}': expected NAME=VALUE", p));
    out.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  return out;
}

std::string describe(const Percentiles& p) {
  return fmt::format("p50 {:.2f}  p90 {:.2f}  p99 {:.2f}  p99.9 {:.2f}  max {:.2f} ms", p.p50, p.p90, p.p99, p.p999, p.max);
}

}  // namespace

int run_egress(int argc, char** argv) {
  Options o;
  CLI::App app{"ringside-bench egress: ringside-egress against librdkafka's embedded mock cluster: a raw librdkafka "
               "producer of the same messages, six headers included (the reference; and once more without headers), "
               "the egress's messages/s from a ring written as fast as it allows, and ring-to-acknowledgement latency "
               "at a fixed rate"};
  app.add_option("--messages", o.messages, "messages per throughput run (raw and egress)")
      ->check(CLI::Range(std::uint64_t{1000}, std::uint64_t{100'000'000}))
      ->capture_default_str();
  app.add_option("--rate", o.rate, "events/s written to the ring in the latency run")
      ->check(CLI::Range(100.0, 10'000'000.0))
      ->capture_default_str();
  app.add_option("--seconds", o.seconds, "measured seconds of the latency run")
      ->check(CLI::Range(0.5, 600.0))
      ->capture_default_str();
  app.add_option("--warmup", o.warmup, "seconds of the latency run before measuring")
      ->check(CLI::Range(0.0, 60.0))
      ->capture_default_str();
  app.add_option("--format", o.format, "message values: flatbuffers or json")
      ->check(CLI::IsMember({"flatbuffers", "json"}))
      ->capture_default_str();
  app.add_option("--brokers", o.brokers, "brokers of the embedded cluster")->check(CLI::Range(1, 16))->capture_default_str();
  app.add_option("--cluster", o.cluster,
                 "who starts the embedded cluster: bench (this process, topics created before the egress's producer "
                 "exists) or egress (brokers = \"embedded\", as ringside-egress does)")
      ->check(CLI::IsMember({"bench", "egress"}))
      ->capture_default_str();
  app.add_option("-X,--property", o.properties, "librdkafka property NAME=VALUE over the seed's defaults, for the raw "
                                                "producer and the egress alike; repeat");
  CLI11_PARSE(app, argc, argv);

  try {
    // The egress logs every attach and librdkafka's notices at info; warnings and errors still show.
    spdlog::set_level(spdlog::level::warn);

    const ScratchRingDir ring_dir;
    const TempDir state_dir;
    const ExchangeConfig config = embedded_default_config();
    const auto image = config.symbols.to_image();

    egress::EgressOptions eo;
    eo.rings = {kRing};
    // "bench": the same mock cluster and topics made here, before any producer
    // exists, so the figures do not depend on how the Egress orders its start-up
    // (before fea77b7 it made its producer first, whose metadata request had the
    // mock auto-create a topic, and most starts failed: "Topic already exists").
    // "egress": brokers = "embedded", as ringside-egress runs by default.
    std::unique_ptr<egress::MockCluster> cluster;
    if (o.cluster == "bench") {
      cluster = std::make_unique<egress::MockCluster>(o.brokers);
      for (const auto& t : egress::kTopics) cluster->create_topic(t.name, t.partitions, std::min(3, o.brokers));
      eo.brokers = cluster->bootstrap();
      eo.create_topics = false;
    } else {
      eo.brokers = "embedded";
      eo.embedded_brokers = o.brokers;
    }
    eo.format = o.format == "json" ? egress::ValueFormat::Json : egress::ValueFormat::FlatBuffers;
    eo.state_dir = state_dir.path();
    eo.metrics_listen = "off";
    eo.kafka = parse_properties(o.properties);
    const egress::KafkaProperties properties = egress::producer_properties(eo);

    const FramePool pool(config.symbols, kPoolFrames);
    const EncodedPool encoded = encode_pool(pool, config.symbols, eo.format);

    egress::EgressMetrics metrics(eo.rings);
    egress::Egress egress(eo, metrics);
    std::string overrides;
    for (const auto& [name, value] : eo.kafka) overrides += fmt::format(" {}={}", name, value);
    fmt::print("ringside-bench egress: embedded cluster of {} brokers (started by the {}) at {}, {} values (mean {:.0f} B, "
               "keys {:.1f} B), {} CPUs\n",
               o.brokers, o.cluster == "bench" ? "benchmark" : "egress", egress.bootstrap(), o.format, encoded.mean_value_bytes, encoded.mean_key_bytes,
               std::thread::hardware_concurrency());
    fmt::print("producer properties: the seed's defaults{}\n", overrides.empty() ? "" : " with" + overrides);
    std::fflush(stdout);

    // 1. The references, before the egress's thread runs: nothing else is busy.
    // The target compares the egress with a producer of the same messages, its
    // six headers included (issue 7 point 1 requires them); the bare producer,
    // same values and keys without headers, shows what the headers cost.
    const auto print_raw = [](std::string_view what, const RawResult& r) {
      fmt::print("raw librdkafka, {}: {} messages in {:.3f} s = {:.0f} msgs/s ({:.2f} CPUs){}\n", what, r.messages,
                 r.seconds, r.msgs_per_s, r.cpus, r.failed == 0 ? "" : fmt::format("; {} FAILED ({})", r.failed, r.first_error));
      std::fflush(stdout);
    };
    const RawResult bare = run_raw(egress.bootstrap(), properties, encoded, o.messages, false);
    print_raw("the same values and keys without headers", bare);
    const RawResult raw = run_raw(egress.bootstrap(), properties, encoded, o.messages, true);
    print_raw("the egress's messages (values, keys and six headers)", raw);

    shm::CreateOptions create;
    create.capacity = 64u << 20;
    create.metadata = image;
    create.lock_memory = false;
    shm::RingWriter ring = shm::RingWriter::create(kRing, create);
    Acks acks;
    egress.set_ack_observer(&acks);
    EgressThread egress_thread(egress);
    const auto attach_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (metrics.rings[0]->attached.get() == 0) {
      if (egress_thread.done() || std::chrono::steady_clock::now() >= attach_deadline) {
        fail(fmt::format("the egress did not attach to ring '{}' {}", kRing, egress_thread.error()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    // 2. Throughput.
    const ThroughputResult tp = run_throughput(ring, pool, acks, egress_thread, o.messages);
    const double ratio = tp.msgs_per_s / raw.msgs_per_s;
    const double ratio_bare = tp.msgs_per_s / bare.msgs_per_s;
    const bool ratio_met = ratio >= kTargetRatio && raw.failed == 0;
    fmt::print("egress: {} messages in {:.3f} s = {:.0f} msgs/s ({:.2f} CPUs; the writer took {:.3f} s, of which {:.3f} s "
               "waiting for the egress in {} stalls)\n",
               tp.messages, tp.seconds, tp.msgs_per_s, tp.cpus, tp.writer_seconds, tp.stall_seconds, tp.stalls);
    fmt::print("egress / raw (same messages): {:.3f}   target: >= {:.2f} -> {}\n", ratio, kTargetRatio,
               ratio_met ? "met" : "NOT met");
    fmt::print("egress / raw without headers: {:.3f}   (the headers alone: raw with / without {:.3f})\n", ratio_bare,
               raw.msgs_per_s / bare.msgs_per_s);
    std::fflush(stdout);

    // 3. Latency at --rate.
    LatencyResult lat = run_latency(ring, pool, acks, egress_thread, o, kWarmupMessages + o.messages + o.messages / kTrailDivisor);
    const int status = egress_thread.stop();
    if (status != 0) fail(fmt::format("the egress exited with status {} {}", status, egress_thread.error()));
    lat.ms = percentiles_of(acks.latency(), 1e6);
    lat.recorded = lat.ms.count;
    const bool p99_met = lat.recorded == static_cast<std::int64_t>(lat.frames) && lat.ms.p99 <= kTargetP99Ms;
    fmt::print("latency at {:.0f} events/s (achieved {:.0f}/s, {} s after {} s of warm-up; {:.2f} CPUs): ring to ack "
               "{}   ({} of {} frames)\n",
               lat.rate, lat.achieved_rate, o.seconds, o.warmup, lat.cpus, describe(lat.ms), lat.recorded, lat.frames);
    fmt::print("{:<8} writer behind schedule (included above): p99 {:.3f}  max {:.3f} ms; waiting for the egress {:.3f} s\n",
               "", lat.lag_ms.p99, lat.lag_ms.max, lat.stall_seconds);
    fmt::print("p99 ring to ack: {:.2f} ms   target: <= {:.0f} ms -> {}\n", lat.ms.p99, kTargetP99Ms,
               p99_met ? "met" : "NOT met");

    JsonObject line;
    line.str("bench", kBench)
        .str("format", o.format)
        .integer("brokers", o.brokers)
        .str("cluster", o.cluster)
        .str("overrides", overrides.empty() ? "" : overrides.substr(1))
        .integer("messages", o.messages)
        .num("value_bytes_mean", encoded.mean_value_bytes, 1)
        .num("raw_msgs_per_s", raw.msgs_per_s, 0)
        .integer("raw_failed", raw.failed)
        .num("raw_cpus", raw.cpus, 2)
        .num("raw_bare_msgs_per_s", bare.msgs_per_s, 0)
        .integer("raw_bare_failed", bare.failed)
        .num("egress_msgs_per_s", tp.msgs_per_s, 0)
        .num("egress_cpus", tp.cpus, 2)
        .num("writer_stall_s", tp.stall_seconds, 3)
        .num("ratio", ratio, 3)
        .num("ratio_vs_bare", ratio_bare, 3)
        .num("target_ratio", kTargetRatio, 2)
        .boolean("ratio_met", ratio_met)
        .num("rate", lat.rate, 0)
        .num("achieved_rate", lat.achieved_rate, 0)
        .num("seconds", o.seconds, 1)
        .integer("latency_samples", lat.recorded)
        .num("p50_ms", lat.ms.p50, 3)
        .num("p90_ms", lat.ms.p90, 3)
        .num("p99_ms", lat.ms.p99, 3)
        .num("p999_ms", lat.ms.p999, 3)
        .num("max_ms", lat.ms.max, 3)
        .num("writer_lag_max_ms", lat.lag_ms.max, 3)
        .num("latency_cpus", lat.cpus, 2)
        .num("target_p99_ms", kTargetP99Ms, 0)
        .boolean("p99_met", p99_met)
        .boolean("targets_met", ratio_met && p99_met);
    fmt::print("{}\n", line.text());
    return 0;
  } catch (const std::exception& e) {
    return usage_error(kBench, e.what());
  }
}

}  // namespace ringside::bench
