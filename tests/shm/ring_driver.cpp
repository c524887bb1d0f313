// ring-test-driver: one end of a ring in a process of its own, for tests/shm.
//
//   ring-test-driver write --ring NAME --count N [--frame-bytes 64|256|mixed] [--batch B]
//                          [--rate EV_PER_S] [--capacity BYTES] [--timeout-ms MS]
//                          [--backing shm|huge|auto] [--wait-readers K [--wait-readers-ms MS]]
//                          [--measure-claims]
//                          [--linger-ms MS] [--hold]
//   ring-test-driver read  --ring NAME --kind lossy|lossless --start oldest|newest|next
//                          [--resume oldest|newest] [--frame-bytes 64|256|mixed] [--wait-ms MS]
//                          [--until closed|count] [--expect N] [--sleep-every N --sleep-us U]
//                          [--announce-at K] [--follow GENERATIONS] [--liveness-ms MS]
//   ring-test-driver fault --ring NAME --kind lossy|lossless --target data|header
//
// Every subcommand prints JSON lines on stdout, each with an "event" member:
// progress lines (created, written, attached, progress, writer_dead, reattached)
// and a last line "done" with the results. Exit status 0 on success, 2 on a bad
// command line or a RingError, 3 when --deadline-ms (default 120000) passes.
// The driver dies with its parent (PR_SET_PDEATHSIG) so a failed test leaves no
// process behind.
#include <signal.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"
#include "test_frames.hpp"

namespace {

using namespace ringside;
using namespace ringside::shm;
using namespace ringside::shm::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(int status, const std::string& message) {
  const json line = {{"event", "error"}, {"message", message}};
  std::printf("%s\n", line.dump().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "ring-test-driver: %s\n", message.c_str());
  std::exit(status);
}

void emit(const json& line) {
  std::printf("%s\n", line.dump().c_str());
  std::fflush(stdout);
}

class Args {
 public:
  Args(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) {
      std::string key = argv[i];
      if (key.rfind("--", 0) != 0) die(2, "unexpected argument '" + key + "'");
      key = key.substr(2);
      const bool is_flag = key == "hold" || key == "measure-claims";
      if (!is_flag && i + 1 >= argc) die(2, "--" + key + " needs a value");
      values_.insert_or_assign(key, std::string(is_flag ? "yes" : argv[++i]));
    }
  }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  std::string str(const std::string& key, const std::string& fallback = "") const {
    used_.push_back(key);
    const auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
  }
  std::uint64_t u64(const std::string& key, std::uint64_t fallback) const {
    const std::string s = str(key);
    if (s.empty()) return fallback;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (end == nullptr || *end != '\0') die(2, "--" + key + ": not a number: '" + s + "'");
    return v;
  }
  bool flag(const std::string& key) const { return !str(key).empty(); }
  // Refuses options no subcommand asked for (a typo must not pass silently).
  void check_all_used() const {
    for (const auto& [key, value] : values_) {
      bool used = false;
      for (const auto& u : used_) used = used || u == key;
      if (!used) die(2, "unknown option --" + key);
    }
  }

 private:
  std::map<std::string, std::string> values_;
  mutable std::vector<std::string> used_;
};

FrameMix mix_option(const Args& a) {
  FrameMix mix{};
  if (!parse_mix(a.str("frame-bytes", "64"), mix)) die(2, "--frame-bytes: 64, 256 or mixed");
  return mix;
}

StartAt start_option(const std::string& s, const char* what) {
  if (s == "oldest") return StartAt::Oldest;
  if (s == "newest") return StartAt::Newest;
  if (s == "next") return StartAt::Next;
  die(2, std::string(what) + ": oldest, newest or next");
}

ReaderKind kind_option(const Args& a) {
  const std::string s = a.str("kind", "lossy");
  if (s == "lossy") return ReaderKind::Lossy;
  if (s == "lossless") return ReaderKind::Lossless;
  die(2, "--kind: lossy or lossless");
}

std::string slot_state_name(std::uint32_t s) {
  switch (static_cast<SlotState>(s)) {
    case SlotState::Free: return "free";
    case SlotState::Claimed: return "claimed";
    case SlotState::Active: return "active";
    case SlotState::Evicted: return "evicted";
  }
  return "?";
}

json header_stats(const RingMap& m) {
  const RingHeader& h = *m.header;
  json slots = json::array();
  for (std::uint32_t i = 0; i < h.reader_slots; ++i) {
    const ReaderSlot& s = m.slots[i];
    const std::uint32_t state = s.state.load(std::memory_order_acquire);
    if (state == static_cast<std::uint32_t>(SlotState::Free)) continue;
    slots.push_back({{"index", i},
                     {"state", slot_state_name(state)},
                     {"pid", s.pid},
                     {"kind", s.kind == ReaderKind::Lossless ? "lossless" : "lossy"},
                     {"stall_caused_ns", s.stall_caused_ns.load(std::memory_order_relaxed)}});
  }
  return {{"generation", h.generation},
          {"next_sequence", h.next_sequence.load(std::memory_order_relaxed)},
          {"stall_ns", h.stall_ns.load(std::memory_order_relaxed)},
          {"stall_count", h.stall_count.load(std::memory_order_relaxed)},
          {"evictions", h.evictions.load(std::memory_order_relaxed)},
          {"slots", slots}};
}

Clock::time_point g_deadline;
void check_deadline(const char* doing) {
  if (Clock::now() > g_deadline) die(3, std::string("deadline passed while ") + doing);
}

void sleep_us(std::uint64_t us) {
  timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>(us % 1'000'000) * 1000};
  while (::nanosleep(&ts, &ts) != 0) {
  }
}

// --- write ------------------------------------------------------------------

// Active slots (any kind) in the writer's reader table; with `at_sequence`, only
// those whose reader has consumed everything before it.
std::uint32_t ready_readers(const RingWriter& w, std::uint64_t at_sequence) {
  std::uint32_t n = 0;
  const RingMap& m = w.ring();
  for (std::uint32_t i = 0; i < m.header->reader_slots; ++i) {
    const ReaderSlot& s = m.slots[i];
    if (s.state.load(std::memory_order_acquire) != static_cast<std::uint32_t>(SlotState::Active)) continue;
    if (s.next_sequence.load(std::memory_order_relaxed) >= at_sequence) ++n;
  }
  return n;
}

void wait_for_readers(const RingWriter& w, std::uint32_t wanted, std::uint64_t at_sequence,
                      std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (ready_readers(w, at_sequence) < wanted) {
    if (Clock::now() > deadline) {
      die(3, "only " + std::to_string(ready_readers(w, at_sequence)) + " of " + std::to_string(wanted) +
                 " readers ready after " + std::to_string(timeout.count()) + " ms");
    }
    sleep_us(200);
  }
}

int cmd_write(const Args& a) {
  const std::string ring = a.str("ring");
  const std::uint64_t count = a.u64("count", 0);
  const FrameMix mix = mix_option(a);
  const auto batch = static_cast<std::uint32_t>(a.u64("batch", 1));
  const std::uint64_t rate = a.u64("rate", 0);
  const auto readers = static_cast<std::uint32_t>(a.u64("wait-readers", 0));
  const std::chrono::milliseconds readers_timeout(a.u64("wait-readers-ms", 30'000));
  const bool measure = a.flag("measure-claims");
  const bool hold = a.flag("hold");
  const std::uint64_t linger_ms = a.u64("linger-ms", 0);
  CreateOptions options;
  options.capacity = a.u64("capacity", 1u << 20);
  options.reader_timeout = std::chrono::milliseconds(a.u64("timeout-ms", 5000));
  const std::string backing = a.str("backing", "shm");
  if (backing == "shm") options.backing = BackingChoice::SharedMemory;
  else if (backing == "huge") options.backing = BackingChoice::Hugetlbfs;
  else if (backing == "auto") options.backing = BackingChoice::Auto;
  else die(2, "--backing: shm, huge or auto");
  a.check_all_used();
  if (ring.empty() || batch == 0) die(2, "write needs --ring and a --batch of at least 1");

  RingWriter w = [&] {
    try {
      return RingWriter::create(ring, options);
    } catch (const RingError& e) {
      die(2, e.what());
    }
  }();
  emit({{"event", "created"},
        {"pid", ::getpid()},
        {"generation", w.generation()},
        {"capacity", w.capacity()},
        {"backing", w.backing().backing == Backing::Hugetlbfs ? "hugetlbfs" : "shm"},
        {"page_size", w.backing().page_size}});

  std::uint64_t written = 0;
  std::int64_t max_claim_ns = 0;
  const auto write_batch = [&](std::uint32_t n) {
    const std::uint64_t base = w.next_sequence();
    for (std::uint32_t k = 0; k < n; ++k) {
      const std::uint64_t seq = base + k;
      const std::uint32_t length = frame_length(mix, seq);
      const std::int64_t t0 = measure ? monotonic_ns() : 0;
      void* at = w.claim(length);
      if (measure) max_claim_ns = std::max(max_claim_ns, monotonic_ns() - t0);
      if (at == nullptr) die(1, "claim(" + std::to_string(length) + ") returned nullptr");
      fill_frame(at, length, seq);
    }
    w.commit();
    written += n;
  };

  if (readers > 0 && count > 0) {
    // Every reader attached, and has read frame 1, before the stream starts: so a
    // reader's first frame is sequence 1 however fast the writer laps it.
    wait_for_readers(w, readers, 0, readers_timeout);
    write_batch(1);
    wait_for_readers(w, readers, 2, readers_timeout);
  }
  const auto started = Clock::now();
  while (written < count) {
    write_batch(static_cast<std::uint32_t>(std::min<std::uint64_t>(batch, count - written)));
    if ((written & 4095) < batch) {
      w.heartbeat();
      check_deadline("writing");
    }
    if (rate != 0) {
      const auto due = started + std::chrono::nanoseconds(written * 1'000'000'000 / rate);
      if (due > Clock::now()) std::this_thread::sleep_until(due);
    }
  }
  json line = header_stats(w.ring());
  line["event"] = "written";
  line["published"] = written;
  line["max_claim_ns"] = max_claim_ns;
  emit(line);

  if (hold) {
    // Running, until the test kills this process.
    for (;;) {
      check_deadline("holding");
      w.heartbeat();
      sleep_us(10'000);
    }
  }
  if (linger_ms != 0) std::this_thread::sleep_for(std::chrono::milliseconds(linger_ms));
  line = header_stats(w.ring());
  line["event"] = "done";
  line["published"] = written;
  line["max_claim_ns"] = max_claim_ns;
  emit(line);
  return 0;  // ~RingWriter marks the ring Closed
}

// --- read -------------------------------------------------------------------

// A lossless reader's read() and the check of the frame it returns, taking this
// long, may have been stopped (SIGSTOP) or descheduled long enough to be evicted
// meanwhile, and then see the frame overwritten: such a frame's failed check is
// counted apart ("unchecked"), not as torn. Not for lossy readers: a lossy reader
// never returns a torn frame, however slow.
constexpr std::int64_t kSlowReadNs = 50'000'000;

struct GenerationStats {
  std::uint64_t generation = 0;
  std::uint64_t received = 0;
  std::uint64_t missed = 0;       // sum of ReadResult::missed
  std::uint64_t lapped = 0;       // frames that came with missed > 0
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t torn = 0;         // frames not self-consistent
  std::uint64_t unchecked = 0;    // lossless frames failing the check after a slow read (see kSlowReadNs)
  std::uint64_t out_of_order = 0; // sequence not above the previous one
  std::uint64_t gaps = 0;         // sequence not previous + 1
  std::uint64_t missed_mismatch = 0;  // missed != sequence - previous - 1
  std::string first_problem;

  json to_json() const {
    return {{"generation", generation}, {"received", received}, {"missed", missed},
            {"lapped", lapped},         {"first", first},       {"last", last},
            {"torn", torn},             {"unchecked", unchecked}, {"out_of_order", out_of_order}, {"gaps", gaps},
            {"missed_mismatch", missed_mismatch}, {"first_problem", first_problem}};
  }
};

int cmd_read(const Args& a) {
  const std::string ring = a.str("ring");
  ReaderOptions options;
  options.kind = kind_option(a);
  options.start = start_option(a.str("start", "oldest"), "--start");
  options.resume_after_lap = start_option(a.str("resume", "newest"), "--resume");
  options.wait_for_ring = std::chrono::milliseconds(a.u64("wait-ms", 0));
  options.liveness_check = std::chrono::milliseconds(a.u64("liveness-ms", 100));
  options.name = "ring-test-driver";
  const FrameMix mix = mix_option(a);
  const std::string until = a.str("until", "closed");
  const std::uint64_t expect = a.u64("expect", 0);
  const std::uint64_t sleep_every = a.u64("sleep-every", 0);
  const std::uint64_t sleep_for_us = a.u64("sleep-us", 0);
  const std::uint64_t announce_at = a.u64("announce-at", 0);
  std::uint64_t follow = a.u64("follow", 0);
  a.check_all_used();
  if (ring.empty() || (until != "closed" && until != "count")) die(2, "read needs --ring; --until closed|count");

  RingReader r = [&] {
    try {
      return RingReader::attach(ring, options);
    } catch (const RingError& e) {
      die(2, e.what());
    }
  }();
  emit({{"event", "attached"}, {"pid", ::getpid()}, {"generation", r.generation()},
        {"registered", r.registered()}, {"position", r.position()}});

  std::vector<GenerationStats> done_generations;
  GenerationStats g;
  g.generation = r.generation();
  std::uint64_t total = 0;
  std::uint32_t idle_spins = 0;
  bool announced_dead = false;
  ReadStatus final_status = ReadStatus::Empty;
  std::uint64_t behind = 0;
  // The last few reads: when each began (CLOCK_MONOTONIC, comparable across
  // processes) and what it returned, so a test can tell which reads began after
  // it did something (e.g. sent SIGCONT).
  constexpr std::size_t kRecent = 4;
  std::pair<std::int64_t, ReadStatus> recent[kRecent]{};
  std::uint64_t reads = 0;
  const bool lossless = options.kind == ReaderKind::Lossless;

  std::int64_t began = monotonic_ns();
  for (;;) {
    const ReadResult got = r.read();
    recent[reads++ % kRecent] = {began, got.status};
    if (got.status == ReadStatus::Frame) {
      idle_spins = 0;
      const std::uint64_t seq = got.frame->sequence;
      if (std::string problem = check_frame(*got.frame, mix); !problem.empty()) {
        if (lossless && monotonic_ns() - began > kSlowReadNs) {
          ++g.unchecked;
        } else if (g.torn++ == 0) {
          g.first_problem = std::move(problem);
        }
      }
      if (g.received == 0) {
        g.first = seq;
      } else {
        if (seq <= g.last) ++g.out_of_order;
        if (seq != g.last + 1) ++g.gaps;
        if (seq > g.last && got.missed != seq - g.last - 1) ++g.missed_mismatch;
      }
      g.last = seq;
      ++g.received;
      ++total;
      g.missed += got.missed;
      if (got.missed != 0) ++g.lapped;
      if (announce_at != 0 && total == announce_at) {
        emit({{"event", "progress"}, {"received", total}, {"last", seq}});
      }
      if (until == "count" && total >= expect) {
        final_status = ReadStatus::Frame;
        break;
      }
      if (sleep_every != 0 && g.received % sleep_every == 0) {
        sleep_us(sleep_for_us);
        r.heartbeat();
      }
      if ((total & 65535) == 0) check_deadline("reading");
      began = monotonic_ns();
      continue;
    }
    if (got.status == ReadStatus::Empty) {
      if (++idle_spins > 64) sleep_us(idle_spins > 4096 ? 200 : 20);
      if ((idle_spins & 255) == 0) check_deadline("waiting for frames");
      began = monotonic_ns();
      continue;
    }
    idle_spins = 0;
    if (got.status == ReadStatus::WriterDead && follow != 0) {
      // Wait for the writer's successor, which marks this generation Superseded
      // and puts its own file under the name: read() then says NewGeneration.
      if (!announced_dead) {
        emit({{"event", "writer_dead"}, {"generation", r.generation()}, {"received", g.received},
              {"last", g.last}});
        announced_dead = true;
      }
      check_deadline("waiting for a new writer");
      sleep_us(5'000);
      began = monotonic_ns();
      continue;
    }
    if (got.status == ReadStatus::NewGeneration && follow != 0) {
      const std::uint64_t old_generation = r.generation();
      try {
        r.reattach(std::chrono::milliseconds(10'000));
      } catch (const RingError& e) {
        die(2, std::string("reattach: ") + e.what());
      }
      --follow;
      announced_dead = false;
      done_generations.push_back(g);
      g = GenerationStats{};
      g.generation = r.generation();
      emit({{"event", "reattached"}, {"generation", r.generation()}, {"previous", old_generation}});
      began = monotonic_ns();
      continue;
    }
    final_status = got.status;
    behind = r.behind_frames();
    break;
  }

  done_generations.push_back(g);
  json gens = json::array();
  for (const auto& s : done_generations) gens.push_back(s.to_json());
  json line = g.to_json();
  line["event"] = "done";
  line["status"] = std::string(to_string(final_status));
  line["total"] = total;
  line["behind_frames"] = behind;
  line["missed_total"] = r.missed_total();
  json last_reads = json::array();
  for (std::uint64_t i = reads > kRecent ? reads - kRecent : 0; i < reads; ++i) {
    last_reads.push_back({{"began_ns", recent[i % kRecent].first},
                          {"status", std::string(to_string(recent[i % kRecent].second))}});
  }
  line["last_reads"] = last_reads;
  line["generations"] = gens;
  line["header"] = header_stats(r.ring());
  emit(line);
  return 0;
}

// --- fault ------------------------------------------------------------------

// Writes through a reader's read-only mapping; must die of SIGSEGV.
int cmd_fault(const Args& a) {
  const std::string ring = a.str("ring");
  ReaderOptions options;
  options.kind = kind_option(a);
  options.start = StartAt::Oldest;
  const std::string target = a.str("target", "data");
  a.check_all_used();
  RingReader r = [&] {
    try {
      return RingReader::attach(ring, options);
    } catch (const RingError& e) {
      die(2, e.what());
    }
  }();
  // The default action, whatever a sanitizer runtime installed.
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSEGV, &sa, nullptr);
  emit({{"event", "attached"}, {"pid", ::getpid()}, {"target", target}});
  if (target == "data") {
    auto* data = const_cast<std::byte*>(static_cast<const std::byte*>(r.ring().data));
    *reinterpret_cast<volatile std::uint64_t*>(data + 64) = 0x0bad0bad0bad0badull;
  } else if (target == "header") {
    auto* header = const_cast<RingHeader*>(static_cast<const RingHeader*>(r.ring().header));
    *reinterpret_cast<volatile std::uint64_t*>(&header->capacity) = 1;
  } else {
    die(2, "--target: data or header");
  }
  emit({{"event", "survived"}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc < 2) die(2, "usage: ring-test-driver write|read|fault --ring NAME ... (see the source)");
  const std::string command = argv[1];
  {
    const Args peek(argc, argv, 2);
    g_deadline = Clock::now() + std::chrono::milliseconds(peek.u64("deadline-ms", 120'000));
  }
  Args args(argc, argv, 2);
  args.str("deadline-ms");  // consumed above
  if (command == "write") return cmd_write(args);
  if (command == "read") return cmd_read(args);
  if (command == "fault") return cmd_fault(args);
  die(2, "unknown command '" + command + "'");
}
