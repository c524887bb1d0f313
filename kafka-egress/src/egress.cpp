#include "ringside/egress/egress.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "ringside/core/data_quality.hpp"
#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/iso_time.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/egress/delivery_window.hpp"
#include "ringside/egress/mock_cluster.hpp"
#include "ringside/egress/state_file.hpp"
#include "ringside/egress/state_writer.hpp"
#include "ringside/egress/topics.hpp"
#include "ringside/shm/reader.hpp"

namespace ringside::egress {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t realtime_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

std::string iso_now() {
  char text[kIsoTimestampLength];
  write_iso_timestamp(text, realtime_ns());
  return {text, sizeof text};
}

// A message's opaque: the ring (8 bits), the event type (4 bits; 0 for a frame
// that has none) and the frame's sequence (52 bits: 4.5e15 frames).
constexpr std::uint64_t kSequenceMask = (std::uint64_t{1} << 52) - 1;
void* message_opaque(std::size_t ring, unsigned type, std::uint64_t sequence) noexcept {
  return reinterpret_cast<void*>((std::uint64_t{ring} << 56) | (std::uint64_t{type & 0xF} << 52) | (sequence & kSequenceMask));
}
struct OpaqueParts {
  std::size_t ring;
  unsigned type;
  std::uint64_t sequence;
};
OpaqueParts parts_of(void* opaque) noexcept {
  const auto v = reinterpret_cast<std::uint64_t>(opaque);
  return {static_cast<std::size_t>(v >> 56), static_cast<unsigned>((v >> 52) & 0xF), v & kSequenceMask};
}

struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* h) const noexcept { rd_kafka_headers_destroy(h); }
};
using Headers = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;

void add_header(rd_kafka_headers_t* h, std::string_view name, std::string_view value) {
  rd_kafka_header_add(h, name.data(), static_cast<ssize_t>(name.size()), value.data(), static_cast<ssize_t>(value.size()));
}

// Errors after which the same message is simply sent again: librdkafka gave up
// on time, not on the message (a broker outage longer than delivery.timeout.ms).
bool send_again(rd_kafka_resp_err_t err) noexcept {
  return err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT || err == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE ||
         err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT;
}

// A message the delivery report handed back, to send again or as a dead letter
// once poll() has returned.
struct Resend {
  Topic topic;
  void* opaque;
  std::string key, value;
  Headers headers;
  bool dead_letter;
  int attempts = 0;                 // refusals so far (see refused())
  Clock::time_point not_before{};   // backoff before the next attempt
};

// A message librdkafka refuses outright for its topic (an error it learnt from
// the cluster moments ago, e.g. while partitions are unknown) is tried again
// this many times, backing off, before it becomes a dead letter: the seed's
// three retries (seeds/000 section 3.5.2).
constexpr int kRefusalRetries = 3;
constexpr auto kRefusalBackoff = std::chrono::milliseconds(100);

struct RingSource {
  std::size_t index = 0;
  std::string name;
  std::filesystem::path state_path;
  RingMetrics* metrics = nullptr;
  std::optional<shm::RingReader> reader;
  SymbolTable symbols;
  std::unique_ptr<JsonEncoder> json;
  std::unique_ptr<FlatBuffersEncoder> flatbuffers;
  DeliveryWindow window{1 << 18};
  std::uint64_t generation = 0;
  std::string generation_text;
  std::uint64_t resume_from = 0;     // frames below were acknowledged before a restart or eviction
  bool check_resume = false;         // compare the first frame read with resume_from
  std::uint64_t committed = 0;       // next_sequence last handed to the state writer
  bool committed_posted = false;     // `committed` was handed over in this generation
  // Positions handed to the state writer, oldest first, with the ring position
  // they let go of; the ring is released only as far as the state file holds.
  struct Posted {
    std::uint64_t ticket, next_sequence, position;
  };
  std::deque<Posted> posted;
  Posted durable{0, 0, 0};
  bool draining = false;             // a new generation waits until this one is acknowledged
  bool writer_gone_logged = false;
  Clock::time_point next_attach{};
  std::uint64_t invalid_reported = 0;
};

}  // namespace

struct Egress::Impl {
  EgressOptions options;
  EgressMetrics& metrics;
  std::unique_ptr<MockCluster> cluster;
  std::string bootstrap;
  rd_kafka_t* producer = nullptr;
  std::array<rd_kafka_topic_t*, kTopicCount> topics{};
  std::vector<std::unique_ptr<RingSource>> sources;
  DataQualityInjector quality;
  AckObserver* observer = nullptr;
  std::deque<Resend> resends;
  std::string delayed_value, delayed_key;  // data quality: one message held back behind the next
  Topic delayed_topic = Topic::Orders;
  Headers delayed_headers;
  void* delayed_opaque = nullptr;
  bool has_delayed = false;
  char bridge_time[kIsoTimestampLength] = {};
  bool brokers_down = false;
  bool fatal = false;
  std::string fatal_reason;
  Clock::time_point next_commit{}, next_report{};
  std::uint64_t acked_since_report = 0;
  StateWriter state_writer;  // the state files, off this thread

  Impl(EgressOptions o, EgressMetrics& m)
      : options(std::move(o)), metrics(m), quality(options.data_quality, options.data_quality_seed) {
    if (options.state_dir.empty()) options.state_dir = default_state_dir();
    std::error_code ec;
    std::filesystem::create_directories(options.state_dir, ec);
    if (ec || ::access(options.state_dir.c_str(), W_OK) != 0) {
      throw std::runtime_error(fmt::format("state directory {}: not writable ({})", options.state_dir.string(),
                                           ec ? ec.message() : std::strerror(errno)));
    }
    for (std::size_t i = 0; i < options.rings.size(); ++i) {
      auto s = std::make_unique<RingSource>();
      s->index = i;
      s->name = options.rings[i];
      s->state_path = position_file(options.state_dir, s->name);
      s->metrics = metrics.rings[i].get();
      sources.push_back(std::move(s));
    }
    if (options.brokers == "embedded") {
      cluster = std::make_unique<MockCluster>(options.embedded_brokers);
      bootstrap = cluster->bootstrap();
    } else {
      bootstrap = options.brokers;
    }
    // The embedded cluster's topics come first: the producer's first metadata
    // request would auto-create them with the mock's default partition count.
    if (cluster && options.create_topics) create_topics();
    make_producer();
    if (!cluster && options.create_topics) create_topics();
  }

  ~Impl() {
    for (auto* t : topics) {
      if (t != nullptr) rd_kafka_topic_destroy(t);
    }
    if (producer != nullptr) {
      // Anything still queued was not acknowledged, so it is not committed either:
      // a restart sends it again.
      rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      rd_kafka_poll(producer, 0);
      rd_kafka_destroy(producer);
    }
  }

  // --- producer ---------------------------------------------------------------

  void make_producer() {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const auto set = [&](const std::string& name, const std::string& value) {
      if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(fmt::format("kafka property {}={}: {}", name, value, error));
      }
    };
    set("bootstrap.servers", bootstrap);
    for (const auto& [name, value] : producer_properties(options)) set(name, value);
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* self) {
      static_cast<Impl*>(self)->delivered(*m);
    });
    rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int err, const char* reason, void* self) {
      static_cast<Impl*>(self)->kafka_error(static_cast<rd_kafka_resp_err_t>(err), reason);
    });
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* facility, const char* text) {
      // librdkafka's notices and infos (connection churn, idempotence handshakes)
      // are its own business; the egress logs what they mean for delivery.
      const auto l = level <= 3 ? spdlog::level::err : level == 4 ? spdlog::level::warn : spdlog::level::debug;
      spdlog::log(l, "librdkafka {}: {}", facility, text);
    });
    producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (producer == nullptr) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(fmt::format("kafka producer: {}", error));
    }
    for (std::size_t t = 0; t < kTopicCount; ++t) {
      topics[t] = rd_kafka_topic_new(producer, std::string(kTopics[t].name).c_str(), nullptr);
      if (topics[t] == nullptr) throw std::runtime_error(fmt::format("topic {}: {}", kTopics[t].name, rd_kafka_err2str(rd_kafka_last_error())));
    }
  }

  void create_topics() {
    if (cluster) {
      const int replication = std::min(3, cluster->brokers());
      for (const auto& t : kTopics) cluster->create_topic(t.name, t.partitions, replication);
      spdlog::info("embedded Kafka: created the {} topics with the seed's partitions (replication {}; the embedded "
                   "cluster keeps messages in memory, so retention does not apply)",
                   kTopicCount, replication);
      return;
    }
    // Only what is missing: a cluster whose topics exist already (created by its
    // operators, or the standalone embedded cluster) is not asked at all.
    const rd_kafka_metadata_t* metadata = nullptr;
    const auto listed = rd_kafka_metadata(producer, 1, nullptr, &metadata, 5000);
    if (listed != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("create_topics: cannot list the topics of {} ({}); producing to the topics as they are", bootstrap,
                   rd_kafka_err2str(listed));
      return;
    }
    std::vector<std::string_view> missing;
    for (const auto& t : kTopics) {
      bool found = false;
      for (int i = 0; i < metadata->topic_cnt && !found; ++i) {
        found = t.name == metadata->topics[i].topic && metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
      }
      if (!found) missing.push_back(t.name);
    }
    rd_kafka_metadata_destroy(metadata);
    if (missing.empty()) {
      spdlog::info("create_topics: the {} topics exist already", kTopicCount);
      return;
    }
    std::vector<rd_kafka_NewTopic_t*> requests;
    char error[512];
    for (const auto& t : kTopics) {
      if (std::find(missing.begin(), missing.end(), t.name) == missing.end()) continue;
      rd_kafka_NewTopic_t* n = rd_kafka_NewTopic_new(std::string(t.name).c_str(), t.partitions,
                                                     options.replication_factor, error, sizeof error);
      if (n == nullptr) throw std::runtime_error(fmt::format("topic {}: {}", t.name, error));
      rd_kafka_NewTopic_set_config(n, "retention.ms", std::to_string(t.retention_ms).c_str());
      requests.push_back(n);
    }
    rd_kafka_queue_t* queue = rd_kafka_queue_new(producer);
    rd_kafka_AdminOptions_t* admin = rd_kafka_AdminOptions_new(producer, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(admin, 5'000, error, sizeof error);
    rd_kafka_CreateTopics(producer, requests.data(), requests.size(), admin, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 8'000);
    if (event == nullptr) {
      spdlog::warn("create_topics: no answer from {} within 8 s; producing to the topics as they are", bootstrap);
    } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("create_topics: the cluster refused ({}); producing to the topics as they are",
                   rd_kafka_event_error_string(event));
    } else {
      std::size_t count = 0;
      const rd_kafka_topic_result_t** results =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
      for (std::size_t i = 0; i < count; ++i) {
        const auto err = rd_kafka_topic_result_error(results[i]);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          spdlog::info("created topic {}", rd_kafka_topic_result_name(results[i]));
        } else if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          spdlog::warn("topic {} not created: {}", rd_kafka_topic_result_name(results[i]),
                       rd_kafka_topic_result_error_string(results[i]));
        }
      }
    }
    if (event != nullptr) rd_kafka_event_destroy(event);
    rd_kafka_AdminOptions_destroy(admin);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());
  }

  void kafka_error(rd_kafka_resp_err_t err, const char* reason) {
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char text[512];
      const auto original = rd_kafka_fatal_error(producer, text, sizeof text);
      fatal = true;
      fatal_reason = fmt::format("{}: {}", rd_kafka_err2name(original), text);
      spdlog::critical("fatal producer error: {}; stopping (the state file holds what Kafka acknowledged)", fatal_reason);
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
      if (!brokers_down) {
        brokers_down = true;
        metrics.brokers_up.set(0);
        spdlog::warn("all brokers are down ({}): buffering in librdkafka's queue, then holding the ring", reason);
      }
      return;
    }
    spdlog::debug("kafka: {}: {}", rd_kafka_err2name(err), reason);
  }

  // --- delivery reports (rd_kafka_poll, this thread) ------------------------------

  void delivered(const rd_kafka_message_t& m) {
    const OpaqueParts p = parts_of(m._private);
    if (p.ring >= sources.size()) return;
    RingSource& s = *sources[p.ring];
    std::size_t t = 0;
    while (t < kTopicCount && topics[t] != m.rkt) ++t;
    const Topic topic = static_cast<Topic>(t < kTopicCount ? t : kTopicCount - 1);
    if (m.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (brokers_down) {
        brokers_down = false;
        metrics.brokers_up.set(1);
        spdlog::info("brokers reachable again: catching up ({} messages queued)", rd_kafka_outq_len(producer));
      }
      metrics.produced[t][p.type].add();
      ++acked_since_report;
      if (!s.window.in_flight(p.sequence)) return;  // from a generation already left behind
      const std::int64_t published = s.window.finish(p.sequence);
      const std::int64_t now = realtime_ns();
      metrics.latency[t].observe(now - published);
      if (observer != nullptr && topic != Topic::DeadLetters) observer->acknowledged(published, now);
      return;
    }
    if (m.err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m.err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) return;  // shutting down
    if (m.err == RD_KAFKA_RESP_ERR__FATAL) return;  // kafka_error stops the egress; nothing is committed past it
    rd_kafka_headers_t* original = nullptr;
    rd_kafka_message_headers(&m, &original);
    Resend r{topic, m._private,
             std::string(static_cast<const char*>(m.key), m.key != nullptr ? m.key_len : 0),
             std::string(static_cast<const char*>(m.payload), m.payload != nullptr ? m.len : 0),
             Headers(original != nullptr ? rd_kafka_headers_copy(original) : rd_kafka_headers_new(8)), false};
    if (send_again(m.err)) {
      metrics.retried[t].add();
      spdlog::warn("ring {} seq {}: {} to {}: sending it again", s.name, p.sequence, rd_kafka_err2name(m.err),
                   kTopics[t].name);
      resends.push_back(std::move(r));
      return;
    }
    metrics.failed[t].add();
    if (topic == Topic::DeadLetters) {
      metrics.dead_letter_failures.add();
      spdlog::error("ring {} seq {}: the dead letter itself failed ({}: {}); it is given up, and counted in "
                    "ringside_egress_dlq_failures_total",
                    s.name, p.sequence, rd_kafka_err2name(m.err), rd_kafka_err2str(m.err));
      if (s.window.in_flight(p.sequence)) s.window.finish(p.sequence);
      return;
    }
    const std::string error = fmt::format("{}: {}", rd_kafka_err2name(m.err), rd_kafka_err2str(m.err));
    spdlog::warn("ring {} seq {}: delivery to {} failed for good ({}): to {}", s.name, p.sequence, kTopics[t].name,
                 error, spec(Topic::DeadLetters).name);
    dead_letter_headers(r.headers.get(), topic, r.key, error, DeadLetterReason::Delivery, r.value.size(), false);
    metrics.dead_letters[t][static_cast<std::size_t>(DeadLetterReason::Delivery)].add();
    r.dead_letter = true;
    resends.push_back(std::move(r));
  }

  static void dead_letter_headers(rd_kafka_headers_t* h, Topic original, std::string_view key, std::string_view error,
                                  DeadLetterReason reason, std::size_t value_size, bool value_omitted) {
    add_header(h, "original_topic", spec(original).name);
    add_header(h, "original_key", key);
    add_header(h, "error", error);
    add_header(h, "failure_reason", to_string(reason));
    add_header(h, "failed_at", iso_now());
    add_header(h, "original_size", std::to_string(value_size));
    if (value_omitted) add_header(h, "value_omitted", "true");
  }

  // Sends what delivery reports handed back. A dead letter too large for the
  // producer goes without its value (its headers say so, and seq finds it).
  void send_resends() {
    const auto now = Clock::now();
    while (!resends.empty() && !fatal) {
      Resend& r = resends.front();
      if (r.not_before > now) return;
      const Topic topic = r.dead_letter ? Topic::DeadLetters : r.topic;
      auto err = produce(topic, r.key, r.value, r.headers, r.opaque);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return;  // the next loop tries again
      if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE && r.dead_letter) {
        add_header(r.headers.get(), "value_omitted", "true");
        err = produce(topic, r.key, {}, r.headers, r.opaque);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR && !r.dead_letter) {
        // Sent again after a timeout, now refused outright: a dead letter after all.
        Resend failed = std::move(r);
        resends.pop_front();
        refused(failed.topic, failed.key, failed.value, std::move(failed.headers), failed.opaque, err, failed.attempts);
        continue;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) give_up(r.opaque, topic, err);
      resends.pop_front();
    }
  }

  void give_up(void* opaque, Topic topic, rd_kafka_resp_err_t err) {
    const OpaqueParts p = parts_of(opaque);
    RingSource& s = *sources[p.ring];
    metrics.dead_letter_failures.add();
    spdlog::error("ring {} seq {}: cannot produce to {} ({}); given up, counted in ringside_egress_dlq_failures_total",
                  s.name, p.sequence, spec(topic).name, rd_kafka_err2str(err));
    if (s.window.in_flight(p.sequence)) s.window.finish(p.sequence);
  }

  // One message. On success librdkafka owns the headers (`headers` is emptied).
  rd_kafka_resp_err_t produce(Topic topic, std::string_view key, std::string_view value, Headers& headers, void* opaque) {
    rd_kafka_vu_t fields[7];
    fields[0].vtype = RD_KAFKA_VTYPE_RKT;
    fields[0].u.rkt = topics[static_cast<std::size_t>(topic)];
    fields[1].vtype = RD_KAFKA_VTYPE_PARTITION;
    fields[1].u.i32 = RD_KAFKA_PARTITION_UA;
    fields[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    fields[2].u.i = RD_KAFKA_MSG_F_COPY;
    fields[3].vtype = RD_KAFKA_VTYPE_KEY;
    fields[3].u.mem = {const_cast<char*>(key.data()), key.size()};
    fields[4].vtype = RD_KAFKA_VTYPE_VALUE;
    fields[4].u.mem = {const_cast<char*>(value.data()), value.size()};
    fields[5].vtype = RD_KAFKA_VTYPE_HEADERS;
    fields[5].u.headers = headers.get();
    fields[6].vtype = RD_KAFKA_VTYPE_OPAQUE;
    fields[6].u.ptr = opaque;
    rd_kafka_error_t* error = rd_kafka_produceva(producer, fields, 7);
    const rd_kafka_resp_err_t err = error == nullptr ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_error_code(error);
    if (error != nullptr) rd_kafka_error_destroy(error);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) (void)headers.release();
    return err;
  }

  // Produces, waiting while librdkafka's queue is full (brokers slow or down):
  // the ring holds meanwhile. Returns false if asked to stop while waiting.
  bool produce_waiting(Topic topic, std::string_view key, std::string_view value, Headers& headers, void* opaque,
                       const std::atomic<bool>& stop, rd_kafka_resp_err_t& err) {
    for (;;) {
      err = produce(topic, key, value, headers, opaque);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return true;
      rd_kafka_poll(producer, 10);
      housekeeping(false);
      if (stop.load(std::memory_order_relaxed) || fatal) return false;
    }
  }

  // --- rings ---------------------------------------------------------------------

  void try_attach(RingSource& s) {
    if (!s.window.empty()) return;  // messages of a lost attachment are still in flight: they finish first
    const auto now = Clock::now();
    if (now < s.next_attach) return;
    s.next_attach = now + std::chrono::milliseconds(500);
    std::optional<CommittedPosition> saved;
    state_writer.flush();  // what this egress committed before is in the file (not a registered reader yet)
    try {
      saved = load_position(s.state_path);
    } catch (const std::exception& e) {
      throw std::runtime_error(e.what());
    }
    const shm::ReaderOptions ro =
        reader_options(saved || options.start == "oldest" ? shm::StartAt::Oldest : shm::StartAt::Newest);
    try {
      s.reader.emplace(shm::RingReader::attach(s.name, ro));
    } catch (const shm::RingError& e) {
      if (s.metrics->attached.get() == 0 && s.next_attach - now == std::chrono::milliseconds(500) && !s.writer_gone_logged) {
        spdlog::info("ring {}: waiting for it ({})", s.name, e.what());
        s.writer_gone_logged = true;
      }
      return;
    }
    begin_generation(s, saved, false);
  }

  static shm::ReaderOptions reader_options(shm::StartAt start) {
    shm::ReaderOptions ro;
    ro.kind = shm::ReaderKind::Lossless;
    ro.name = "egress";
    ro.release_on_read = false;  // frames stay held until Kafka acknowledges them
    ro.start = start;
    return ro;
  }

  // `following`: a new generation replaced the one this egress was reading.
  void begin_generation(RingSource& s, const std::optional<CommittedPosition>& saved, bool following) {
    shm::RingReader& r = *s.reader;
    try {
      s.symbols = r.metadata().empty() ? SymbolTable{} : SymbolTable::from_image(r.metadata());
    } catch (const std::exception& e) {
      spdlog::error("ring {}: its symbol table is unreadable ({}); every frame would be a dead letter, so it is "
                    "not read. Retrying in 5 s.",
                    s.name, e.what());
      s.reader.reset();
      s.next_attach = Clock::now() + std::chrono::seconds(5);
      return;
    }
    s.json = std::make_unique<JsonEncoder>(s.symbols);
    s.flatbuffers = std::make_unique<FlatBuffersEncoder>(s.symbols);
    s.generation = r.generation();
    s.generation_text = std::to_string(s.generation);
    s.draining = false;
    s.writer_gone_logged = false;
    s.invalid_reported = 0;
    const std::uint64_t first = r.next_sequence();
    s.resume_from = 0;
    if (saved && saved->generation == s.generation) {
      s.resume_from = saved->next_sequence;
      spdlog::info("ring {}: generation {}, resuming at seq {} (committed in {})", s.name, s.generation,
                   s.resume_from, s.state_path.string());
    } else if (saved) {
      spdlog::warn("ring {}: the state file is for generation {} but the ring is at generation {} (the writer "
                   "restarted while the egress was stopped); frames of generation {} after seq {} that were not "
                   "acknowledged cannot be recovered. Starting at the oldest frame of generation {}.",
                   s.name, saved->generation, s.generation, saved->generation, saved->next_sequence, s.generation);
    } else if (!following) {
      spdlog::info("ring {}: generation {}, no committed position: starting at the {} frame (seq {})", s.name,
                   s.generation, options.start, first);
    }
    s.check_resume = s.resume_from != 0;
    s.window.reset(std::max(s.resume_from, first), r.position());
    s.committed = s.window.next_unfinished();
    s.committed_posted = false;
    s.posted.clear();
    s.durable = {0, s.committed, r.position()};
    s.metrics->generation.set(s.generation);
    s.metrics->attached.set(1);
    s.metrics->committed_sequence.set(s.committed);
    commit(s);
    if (options.announce) {
      std::fputs(fmt::format("{{\"event\":\"attached\",\"ring\":\"{}\",\"generation\":{},\"resume_sequence\":{}}}\n",
                             s.name, s.generation, s.window.next_unfinished())
                     .c_str(),
                 stdout);
      std::fflush(stdout);
    }
  }

  void lost(RingSource& s, std::uint64_t from, std::uint64_t to, std::string_view why) {
    if (to <= from) return;
    s.metrics->lost_frames.add(to - from);
    spdlog::error("ring {}: {} frames (seq {}..{}) were overwritten before the egress read them ({}); they are not "
                  "in Kafka. Replay them from a recording if one was running.",
                  s.name, to - from, from, to - 1, why);
  }

  // Reads up to `budget` frames of one ring. Returns how many it handled.
  std::size_t pump(RingSource& s, std::size_t budget, const std::atomic<bool>& stop) {
    if (!s.reader) {
      try_attach(s);
      return 0;
    }
    if (s.draining) {
      // Sequences start again in the new generation, so the old one's messages
      // must all be finished before its window is reused.
      if (s.window.empty() && resends.empty() && !has_delayed) switch_generation(s);
      return 0;
    }
    std::size_t handled = 0;
    while (handled < budget) {
      // The next frame is the reader's next sequence, which after an eviction lies
      // past the window's (the frames in between were lost); an empty window moves
      // to any sequence, a busy one only within its capacity.
      const std::uint64_t upcoming = std::max(s.window.next_sequence(), s.reader->next_sequence());
      if (!s.window.empty() && !s.window.has_room(upcoming)) {
        s.reader->heartbeat();  // full of unfinished frames: the ring holds the writer
        break;
      }
      const shm::ReadResult got = s.reader->read();
      switch (got.status) {
        case shm::ReadStatus::Frame:
          if (s.writer_gone_logged) {
            s.writer_gone_logged = false;
            s.metrics->attached.set(1);
          }
          handle(s, *got.frame, got.missed, stop);
          ++handled;
          if (fatal || stop.load(std::memory_order_relaxed)) return handled;
          continue;
        case shm::ReadStatus::Empty: return handled;
        case shm::ReadStatus::WriterClosed:
        case shm::ReadStatus::WriterDead:
          if (!s.writer_gone_logged) {
            s.writer_gone_logged = true;
            s.metrics->attached.set(0);
            spdlog::info("ring {}: the writer {} after seq {}; waiting for a new generation", s.name,
                         got.status == shm::ReadStatus::WriterClosed ? "closed the ring" : "died",
                         s.window.next_sequence() - 1);
          }
          return handled;
        case shm::ReadStatus::NewGeneration:
          spdlog::info("ring {}: a new generation replaced {}; finishing its {} unacknowledged frames first", s.name,
                       s.generation, s.window.frames_in_flight());
          s.draining = true;
          return handled;
        case shm::ReadStatus::Evicted: {
          const std::uint64_t behind = s.reader->behind_frames();
          spdlog::error("ring {}: the writer evicted the egress ({} frames behind, {} in flight; it stopped "
                        "heartbeating past the ring's reader timeout). Re-attaching.",
                        s.name, behind, s.window.frames_in_flight());
          s.resume_from = s.window.next_sequence();
          s.check_resume = true;
          try {
            s.reader.reset();
            s.reader.emplace(shm::RingReader::attach(s.name, reader_options(shm::StartAt::Oldest)));
            if (s.reader->generation() != s.generation) {
              s.draining = true;  // the evicting writer is gone too; treat as a new generation
              return handled;
            }
          } catch (const shm::RingError& e) {
            spdlog::error("ring {}: re-attach failed ({}); retrying", s.name, e.what());
            s.reader.reset();
            s.metrics->attached.set(0);
          }
          return handled;
        }
      }
    }
    return handled;
  }

  void switch_generation(RingSource& s) {
    commit(s);
    const std::uint64_t previous = s.generation;
    shm::ReaderOptions ro = reader_options(shm::StartAt::Oldest);  // a new generation is followed from its first frame
    try {
      s.reader.reset();
      s.reader.emplace(shm::RingReader::attach(s.name, ro));
    } catch (const shm::RingError& e) {
      spdlog::warn("ring {}: attaching to the new generation failed ({}); retrying", s.name, e.what());
      s.reader.reset();
      s.metrics->attached.set(0);
      return;
    }
    spdlog::info("ring {}: generation {} is all in Kafka; following generation {} from its first frame", s.name,
                 previous, s.reader->generation());
    begin_generation(s, std::nullopt, true);
  }

  void handle(RingSource& s, const FrameHeader& frame, std::uint64_t missed, const std::atomic<bool>& stop) {
    const std::uint64_t seq = frame.sequence;
    s.metrics->frames_read.add();
    if (s.check_resume) {
      s.check_resume = false;
      if (seq > s.resume_from) lost(s, s.resume_from, seq, "the egress was stopped or evicted for too long");
    } else if (missed != 0) {
      lost(s, seq - missed, seq, "the reader was lapped");
    }
    if (seq < s.window.next_sequence()) return;  // sent before a restart or eviction: already committed or in flight
    const std::uint64_t end = s.reader->position();
    const auto type_raw = static_cast<unsigned>(frame.type);

    const FrameError problem = check_frame(&frame, frame.length, s.symbols.size());
    if (problem != FrameError::None) {
      dead_letter_frame(s, frame, end, fmt::format("invalid frame: {}", to_string(problem)), DeadLetterReason::Encode, stop);
      return;
    }
    const Topic topic = topic_of(frame.type);
    AgentIdText agent;
    const std::string_view key = partition_key(frame, s.symbols, agent);
    const Encoded value = options.format == ValueFormat::Json ? s.json->encode(frame) : s.flatbuffers->encode(frame);
    if (!value) {
      dead_letter_frame(s, frame, end, fmt::format("cannot encode: {}", to_string(value.error)), DeadLetterReason::Encode, stop);
      return;
    }
    if (value.bytes.size() > options.max_message_bytes) {
      dead_letter_value(s, frame, end, topic, key, value.bytes,
                        fmt::format("encoded size {} exceeds max_message_bytes {}", value.bytes.size(), options.max_message_bytes),
                        DeadLetterReason::TooLarge, stop);
      return;
    }
    const Injection injection = quality.decide();
    const std::uint32_t copies = injection == Injection::Drop ? 0 : injection == Injection::Duplicate ? 2 : 1;
    s.window.add(seq, end, copies, frame.publish_time_ns);
    switch (injection) {
      case Injection::Drop: metrics.dq_dropped.add(); return;
      case Injection::Duplicate: metrics.dq_duplicated.add(); break;
      case Injection::Delay: metrics.dq_delayed.add(); break;
      case Injection::None: break;
    }
    void* opaque = message_opaque(s.index, type_raw, seq);
    if (injection == Injection::Delay) {
      send_delayed(stop);  // at most one held back at a time
      delayed_topic = topic;
      delayed_key.assign(key);
      delayed_value.assign(value.bytes);
      delayed_headers = event_headers(s, frame);
      delayed_opaque = opaque;
      has_delayed = true;
      return;
    }
    for (std::uint32_t i = 0; i < copies; ++i) {
      Headers h = event_headers(s, frame);
      rd_kafka_resp_err_t err{};
      if (!produce_waiting(topic, key, value.bytes, h, opaque, stop, err)) return;
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) refused(topic, key, value.bytes, event_headers(s, frame), opaque, err);
    }
    send_delayed(stop);
  }

  // librdkafka refused a message outright: too large (a dead letter at once), or
  // a topic error it already knows (tried again kRefusalRetries times, then a
  // dead letter).
  void refused(Topic topic, std::string_view key, std::string_view value, Headers headers, void* opaque,
               rd_kafka_resp_err_t err, int attempts = 0) {
    if (err != RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE && attempts < kRefusalRetries) {
      metrics.retried[static_cast<std::size_t>(topic)].add();
      resends.push_back(Resend{topic, opaque, std::string(key), std::string(value), std::move(headers), false,
                               attempts + 1, Clock::now() + kRefusalBackoff * (1 << attempts)});
      return;
    }
    const DeadLetterReason reason =
        err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? DeadLetterReason::TooLarge : DeadLetterReason::Delivery;
    const std::string error = fmt::format("{}: {}", rd_kafka_err2name(err), rd_kafka_err2str(err));
    dead_letter_headers(headers.get(), topic, key, error, reason, value.size(), false);
    metrics.failed[static_cast<std::size_t>(topic)].add();
    metrics.dead_letters[static_cast<std::size_t>(topic)][static_cast<std::size_t>(reason)].add();
    resends.push_back(Resend{topic, opaque, std::string(key), std::string(value), std::move(headers), true});
  }

  void send_delayed(const std::atomic<bool>& stop) {
    if (!has_delayed) return;
    has_delayed = false;
    rd_kafka_resp_err_t err{};
    if (!produce_waiting(delayed_topic, delayed_key, delayed_value, delayed_headers, delayed_opaque, stop, err)) return;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      refused(delayed_topic, delayed_key, delayed_value, std::move(delayed_headers), delayed_opaque, err);
    }
  }

  Headers event_headers(const RingSource& s, const FrameHeader& frame) const {
    Headers h(rd_kafka_headers_new(8));
    add_header(h.get(), "event_type", to_string(frame.type));
    add_header(h.get(), "source", "ringside");
    add_header(h.get(), "bridge_timestamp", std::string_view(bridge_time, sizeof bridge_time));
    char seq[24];
    const auto n = fmt::format_to_n(seq, sizeof seq, "{}", frame.sequence).size;
    add_header(h.get(), "seq", std::string_view(seq, n));
    add_header(h.get(), "ring", s.name);
    add_header(h.get(), "generation", s.generation_text);
    return h;
  }

  // An event that could not be encoded: its binary frame goes to the dead-letter topic.
  void dead_letter_frame(RingSource& s, const FrameHeader& frame, std::uint64_t end, const std::string& error,
                         DeadLetterReason reason, const std::atomic<bool>& stop) {
    const std::size_t size = std::min<std::size_t>(frame.length, s.reader->ring().header->max_frame_length);
    const std::string_view raw(reinterpret_cast<const char*>(&frame), size);
    const auto type = static_cast<unsigned>(frame.type);
    const bool routable = type >= kMinEventType && type <= kMaxEventType;
    if (++s.invalid_reported <= 10) {
      spdlog::warn("ring {} seq {}: {}; the raw frame goes to {}", s.name, frame.sequence, error,
                   spec(Topic::DeadLetters).name);
    }
    Headers h(rd_kafka_headers_new(12));
    add_header(h.get(), "event_type", routable ? to_string(frame.type) : std::string_view("unknown"));
    add_header(h.get(), "source", "ringside");
    add_header(h.get(), "bridge_timestamp", std::string_view(bridge_time, sizeof bridge_time));
    add_header(h.get(), "seq", std::to_string(frame.sequence));
    add_header(h.get(), "ring", s.name);
    add_header(h.get(), "generation", s.generation_text);
    add_header(h.get(), "value_format", "ringside-frame");
    const Topic original = routable ? topic_of(frame.type) : Topic::DeadLetters;
    dead_letter_headers(h.get(), original, "", error, reason, raw.size(), false);
    metrics.dead_letters[static_cast<std::size_t>(original)][static_cast<std::size_t>(reason)].add();
    s.window.add(frame.sequence, end, 1, frame.publish_time_ns);
    send_dead_letter(s, frame.sequence, routable ? type : 0, "", raw, h, stop);
  }

  // An event encoded fine but refused (too large): the value goes to the dead-letter topic.
  void dead_letter_value(RingSource& s, const FrameHeader& frame, std::uint64_t end, Topic original, std::string_view key,
                         std::string_view value, const std::string& error, DeadLetterReason reason,
                         const std::atomic<bool>& stop) {
    spdlog::warn("ring {} seq {}: {}; to {}", s.name, frame.sequence, error, spec(Topic::DeadLetters).name);
    Headers h = event_headers(s, frame);
    dead_letter_headers(h.get(), original, key, error, reason, value.size(), false);
    metrics.dead_letters[static_cast<std::size_t>(original)][static_cast<std::size_t>(reason)].add();
    s.window.add(frame.sequence, end, 1, frame.publish_time_ns);
    send_dead_letter(s, frame.sequence, static_cast<unsigned>(frame.type), key, value, h, stop);
  }

  void send_dead_letter(RingSource& s, std::uint64_t seq, unsigned type, std::string_view key, std::string_view value,
                        Headers& h, const std::atomic<bool>& stop) {
    void* opaque = message_opaque(s.index, type, seq);
    rd_kafka_resp_err_t err{};
    if (!produce_waiting(Topic::DeadLetters, key, value, h, opaque, stop, err)) return;
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      add_header(h.get(), "value_omitted", "true");
      if (!produce_waiting(Topic::DeadLetters, key, {}, h, opaque, stop, err)) return;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) give_up(opaque, Topic::DeadLetters, err);
  }

  // --- commit and housekeeping -------------------------------------------------------

  // Lets the ring overwrite frames only as far as the state file holds: a restart
  // resumes there, so every frame after it must still be in the ring.
  void release(RingSource& s) {
    s.window.advance();
    if (!s.reader) return;
    const std::uint64_t written = state_writer.written();
    while (!s.posted.empty() && s.posted.front().ticket <= written) {
      s.durable = s.posted.front();
      s.posted.pop_front();
    }
    s.reader->release(s.durable.position, s.durable.next_sequence);
  }

  void commit(RingSource& s) {
    if (s.generation == 0) return;
    const std::uint64_t next = s.window.next_unfinished();
    s.metrics->committed_sequence.set(next);
    if (next == s.committed && s.committed_posted) return;
    const std::uint64_t ticket = state_writer.post(s.state_path, CommittedPosition{s.name, s.generation, next});
    s.committed = next;
    s.committed_posted = true;
    if (s.reader) {
      // With nothing in flight, every frame read so far is done (sent or skipped).
      const std::uint64_t through = s.window.empty() ? s.reader->position() : s.window.released_position();
      s.posted.push_back({ticket, next, through});
    }
  }

  void housekeeping(bool full) {
    const auto now = Clock::now();
    for (auto& sp : sources) release(*sp);
    if (!full && now < next_commit) return;
    next_commit = now + options.commit_interval;
    send_resends();
    metrics.queue_depth.set(static_cast<std::uint64_t>(rd_kafka_outq_len(producer)));
    for (auto& sp : sources) {
      RingSource& s = *sp;
      if (!s.reader) continue;
      commit(s);
      s.reader->heartbeat();
      // Relaxed: a gauge for the lag metric; nothing is read on the strength of it.
      const std::uint64_t published = s.reader->ring().header->next_sequence.load(std::memory_order_relaxed);
      s.metrics->lag_frames.set(published > s.committed ? published - s.committed : 0);
      s.metrics->in_flight_frames.set(s.window.frames_in_flight());
    }
    if (now >= next_report) {
      if (next_report != Clock::time_point{}) report();
      next_report = now + std::chrono::seconds(10);
    }
  }

  void report() {
    std::string rings;
    for (const auto& sp : sources) {
      const RingSource& s = *sp;
      rings += fmt::format("{}{}: committed seq {}, lag {}, in flight {}", rings.empty() ? "" : "; ", s.name,
                           s.committed, s.metrics->lag_frames.get(), s.metrics->in_flight_frames.get());
    }
    spdlog::info("{:.0f} messages/s acknowledged over 10 s; queue {}; brokers {}; {}", static_cast<double>(acked_since_report) / 10.0,
                 rd_kafka_outq_len(producer), brokers_down ? "DOWN (buffering)" : "up", rings);
    acked_since_report = 0;
  }

  int run(const std::atomic<bool>& stop) {
    // Relaxed loads of `stop` everywhere: it carries no data, only "finish up";
    // seeing it one iteration late changes nothing.
    while (!stop.load(std::memory_order_relaxed) && !fatal) {
      write_iso_timestamp(bridge_time, realtime_ns());
      std::size_t handled = 0;
      for (auto& s : sources) handled += pump(*s, 2048, stop);
      if (handled == 0) send_delayed(stop);
      rd_kafka_poll(producer, handled == 0 ? 1 : 0);
      housekeeping(false);
    }
    return drain(stop);
  }

  int drain(const std::atomic<bool>&) {
    const std::atomic<bool> never{false};
    if (!fatal) send_delayed(never);
    const auto deadline = Clock::now() + options.drain_timeout;
    const auto in_flight = [&] {
      std::uint64_t n = 0;
      for (auto& s : sources) {
        s->window.advance();
        n += s->window.frames_in_flight();
      }
      return n;
    };
    while (!fatal && (in_flight() != 0 || !resends.empty()) && Clock::now() < deadline) {
      rd_kafka_poll(producer, 50);
      housekeeping(true);
    }
    for (auto& s : sources) {
      release(*s);
      commit(*s);
    }
    state_writer.flush();
    const std::uint64_t left = in_flight();
    if (left != 0) {
      spdlog::warn("stopped with {} frames unacknowledged; they are sent again at the next start", left);
    } else {
      spdlog::info("stopped: everything read is acknowledged and committed");
    }
    return fatal ? 3 : 0;
  }
};

Egress::Egress(EgressOptions options, EgressMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), metrics)) {}
Egress::~Egress() = default;
const std::string& Egress::bootstrap() const noexcept { return impl_->bootstrap; }
MockCluster* Egress::embedded_cluster() noexcept { return impl_->cluster.get(); }
void Egress::set_ack_observer(AckObserver* observer) noexcept { impl_->observer = observer; }
int Egress::run(const std::atomic<bool>& stop) { return impl_->run(stop); }

}  // namespace ringside::egress
