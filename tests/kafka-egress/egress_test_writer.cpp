// egress-test-writer: a ring writer for the egress's process tests
// (tests/kafka-egress/*.py). It creates a ring in $RINGSIDE_SHM_DIR with a
// symbol table in its metadata, as ringside-engine does, and publishes:
//
//   --mix all   (default) --count frames cycling through the nine event types
//               (core's SampleEvents over the embedded default config's 24
//               symbols, with --extremes: full 64-level snapshots, 8 agent
//               details, huge values): every type and topic in a few frames,
//               TradingHalt and TradingResume included, which a short engine
//               run rarely has.
//   --mix bad   valid TradeExecuted frames (embedded test config, 2 symbols)
//               with three frames no encoder may accept among them:
//                 sequence K:   TradeExecuted with symbol id 999 (not in the table)
//                 sequence K+2: TradeExecuted with aggressor side 7 (enum out of range)
//                 sequence K+4: a 64-byte frame of event type 42 (no such type)
//               (K = --bad-at, default 5)
//
//   egress-test-writer --ring NAME [--mix all|bad] [--count N] [--bad-at K] [--extremes 0|1]
//                      [--seed S] [--linger-ms MS] [--wait-readers N]
//
// --wait-readers N: publish only once N lossless readers are attached (at most
// 30 s), so that a test's egress reads from the first frame however fast the
// writer is.
//
// Prints one JSON line {"event":"done","ring":...,"last_seq":...,"bad":[...]}
// once every frame is committed, heartbeats for --linger-ms (default 500) and
// closes the ring. Exit status 0, or 2 on a bad command line or a ring error.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ringside/core/embedded_config.hpp"
#include "ringside/core/events.hpp"
#include "ringside/core/sample_events.hpp"
#include "ringside/shm/ring_status.hpp"
#include "ringside/shm/writer.hpp"

namespace {

using namespace ringside;

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "egress-test-writer: %s\nusage: egress-test-writer --ring NAME [--mix all|bad] [--count N] "
               "[--bad-at K] [--extremes 0|1] [--seed S] [--linger-ms MS] [--wait-readers N]\n",
               problem.c_str());
  std::exit(2);
}

std::uint64_t number(const char* text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') usage(std::string("expected a number, got '") + text + "'");
  return v;
}

void fill_trade(TradeExecuted& t, std::uint16_t symbol, std::uint64_t i) {
  std::memset(&t, 0, sizeof t);
  init_header(t, SymbolId{symbol}, 1'700'000'000'000'000'000LL + static_cast<std::int64_t>(i) * 1'000'000);
  t.trade_id = TradeId{i};
  t.buyer_order_id = OrderId{2 * i};
  t.seller_order_id = OrderId{2 * i + 1};
  t.price = 18'500 + static_cast<Ticks>(i % 7);
  t.quantity = 100;
  t.buyer_agent = make_agent_id(AgentType::Retail, 1);
  t.seller_agent = make_agent_id(AgentType::MarketMaker, 2);
  t.aggressor_side = Side::Buy;
}

shm::RingWriter create(const std::string& ring, const SymbolTable& symbols, std::vector<std::byte>& image) {
  image = symbols.to_image();
  shm::CreateOptions options;
  options.capacity = 4 << 20;
  options.metadata = image;
  options.backing = shm::BackingChoice::SharedMemory;
  options.lock_memory = false;
  return shm::RingWriter::create(ring, options);
}

std::uint64_t lossless_readers(const shm::RingWriter& writer) {
  const shm::RingStatus status = shm::snapshot_ring(writer.ring());
  return static_cast<std::uint64_t>(std::count_if(status.readers.begin(), status.readers.end(), [](const auto& r) {
    return r.kind == shm::ReaderKind::Lossless && r.state == shm::SlotState::Active;
  }));
}

void wait_for_readers(shm::RingWriter& writer, std::uint64_t readers) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (lossless_readers(writer) < readers) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("no reader attached within 30 s");
    writer.heartbeat();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void publish(shm::RingWriter& writer, const FrameHeader& frame) {
  if (!writer.publish(frame)) throw std::runtime_error("claim failed");
}

}  // namespace

int main(int argc, char** argv) {
  std::string ring, mix = "all";
  std::uint64_t count = 90, bad_at = 5, linger_ms = 500, extremes = 0, seed = 7, wait_readers = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (i + 1 >= argc) usage("every option takes a value");
    const char* value = argv[++i];
    if (key == "--ring") {
      ring = value;
    } else if (key == "--mix") {
      mix = value;
    } else if (key == "--count") {
      count = number(value);
    } else if (key == "--bad-at") {
      bad_at = number(value);
    } else if (key == "--extremes") {
      extremes = number(value);
    } else if (key == "--seed") {
      seed = number(value);
    } else if (key == "--linger-ms") {
      linger_ms = number(value);
    } else if (key == "--wait-readers") {
      wait_readers = number(value);
    } else {
      usage("unknown option " + key);
    }
  }
  if (ring.empty()) usage("--ring is required");
  if (mix != "all" && mix != "bad") usage("--mix is all or bad");
  if (mix == "bad" && (bad_at < 1 || bad_at + 4 > count)) usage("--bad-at K needs 1 <= K and K + 4 <= --count");
  try {
    std::vector<std::byte> image;
    std::vector<std::uint64_t> bad;
    const ExchangeConfig config = mix == "all" ? embedded_default_config() : embedded_test_config();
    shm::RingWriter writer = create(ring, config.symbols, image);
    wait_for_readers(writer, wait_readers);
    if (mix == "all") {
      SampleEvents samples(config.symbols, seed, 1'700'000'000'000'000'000LL);
      samples.set_extremes(extremes != 0);
      for (std::uint64_t i = 0; i < count; ++i) {
        publish(writer, samples.make(static_cast<EventType>(1 + i % kMarketEventTypeCount)));
      }
    } else {
      const auto symbols = static_cast<std::uint16_t>(config.symbols.size());
      for (std::uint64_t seq = 1; seq <= count; ++seq) {
        if (seq == bad_at + 4) {
          // No such event type: a whole, aligned frame a reader can skip, but no encoder knows.
          alignas(8) std::byte raw[64] = {};
          auto* h = reinterpret_cast<FrameHeader*>(raw);
          h->length = sizeof raw;
          h->type = static_cast<EventType>(42);
          h->schema_version = kSchemaVersion;
          h->symbol = SymbolId{0};
          h->event_time_ns = 1'700'000'000'000'000'000LL;
          publish(writer, *h);
          bad.push_back(seq);
          continue;
        }
        TradeExecuted t;
        fill_trade(t, static_cast<std::uint16_t>(seq % symbols), seq);
        if (seq == bad_at) {
          t.header.symbol = SymbolId{999};
          bad.push_back(seq);
        } else if (seq == bad_at + 2) {
          t.aggressor_side = static_cast<Side>(7);
          bad.push_back(seq);
        }
        publish(writer, t.header);
      }
    }
    std::string list;
    for (const auto b : bad) {
      if (!list.empty()) list += ',';
      list += std::to_string(b);
    }
    std::printf("{\"event\":\"done\",\"ring\":\"%s\",\"last_seq\":%llu,\"bad\":[%s]}\n", ring.c_str(),
                static_cast<unsigned long long>(writer.next_sequence() - 1), list.c_str());
    std::fflush(stdout);
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(linger_ms);
    while (std::chrono::steady_clock::now() < until) {
      writer.heartbeat();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "egress-test-writer: %s\n", e.what());
    return 2;
  }
  return 0;
}
