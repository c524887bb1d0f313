// Rings across real processes: every writer and reader here is a separate
// ring-test-driver process (tests/shm/ring_driver.cpp), started with posix_spawn,
// signalled (SIGKILL, SIGSTOP, SIGCONT) and reaped by the test.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"

namespace ringside::shm::test {
namespace {

using nlohmann::json;
using Args = std::vector<std::string>;

Child write(const std::string& ring, std::uint64_t count, Args more = {}) {
  Args args{"write", "--ring", ring, "--count", std::to_string(count), "--wait-readers-ms",
            std::to_string(scaled(15s).count())};
  args.insert(args.end(), more.begin(), more.end());
  return Child::driver(args);
}

Child read(const std::string& ring, const std::string& kind, Args more = {}) {
  Args args{"read", "--ring", ring, "--kind", kind, "--wait-ms", std::to_string(scaled(10s).count())};
  args.insert(args.end(), more.begin(), more.end());
  return Child::driver(args);
}

// The slot `pid` holds in a driver's "slots" list, or null.
json slot_of(const json& stats, pid_t pid) {
  for (const auto& s : stats.value("slots", json::array())) {
    if (s.value("pid", 0) == pid) return s;
  }
  return nullptr;
}

// The reader table entry of `pid` in the ring's current file, read in this process.
std::string slot_state(const std::string& ring, pid_t pid) {
  const RingMap m = open_ring(ring, false, std::chrono::milliseconds(0));
  for (std::uint32_t i = 0; i < m.header->reader_slots; ++i) {
    if (m.slots[i].pid != static_cast<std::uint32_t>(pid)) continue;
    switch (static_cast<SlotState>(m.slots[i].state.load())) {
      case SlotState::Free: return "free";
      case SlotState::Claimed: return "claimed";
      case SlotState::Active: return "active";
      case SlotState::Evicted: return "evicted";
    }
  }
  return "none";
}

// A lossless reader's results: every frame once, in order, intact.
void expect_complete(const json& done, std::uint64_t count, const std::string& who) {
  SCOPED_TRACE(who + ": " + done.dump());
  EXPECT_EQ(done.value("received", 0ull), count);
  EXPECT_EQ(done.value("first", 0ull), 1u);
  EXPECT_EQ(done.value("last", 0ull), count);
  EXPECT_EQ(done.value("missed", 1ull), 0u);
  EXPECT_EQ(done.value("gaps", 1ull), 0u);
  EXPECT_EQ(done.value("out_of_order", 1ull), 0u);
  EXPECT_EQ(done.value("torn", 1ull), 0u);
  EXPECT_EQ(done.value("unchecked", 1ull), 0u);
}

// A lossy reader's results: strictly increasing, intact, and exact about what it missed.
void expect_exact_losses(const json& done, std::uint64_t count, const std::string& who) {
  SCOPED_TRACE(who + ": " + done.dump());
  EXPECT_EQ(done.value("first", 0ull), 1u);
  EXPECT_EQ(done.value("last", 0ull), count);
  EXPECT_EQ(done.value("received", 0ull) + done.value("missed", 0ull), count);
  EXPECT_EQ(done.value("missed_total", 0ull), done.value("missed", 1ull));
  EXPECT_EQ(done.value("out_of_order", 1ull), 0u);
  EXPECT_EQ(done.value("missed_mismatch", 1ull), 0u);
  EXPECT_EQ(done.value("torn", 1ull), 0u);
}

using CrossProcess = RingTest;

// Issue point 7: ordering and completeness across processes for 10 million frames.
TEST_F(CrossProcess, TenMillionFramesArriveInOrderAndIntact) {
  // Sanitizer builds run a tenth (ASan) or a twentieth (TSan) of it: same code paths.
  const std::uint64_t count = kSanitizer.empty() ? 10'000'000 : kSanitizer == "address" ? 1'000'000 : 500'000;
  Child lossless = read("events", "lossless", {"--start", "oldest"});
  Child lossy = read("events", "lossy", {"--start", "oldest"});
  Child writer = write("events", count, {"--capacity", std::to_string(1 << 20), "--batch", "4", "--wait-readers", "2"});
  const json w = writer.finish(scaled(240s));
  EXPECT_EQ(w.value("published", 0ull), count);
  const json a = lossless.finish(scaled(60s));
  expect_complete(a, count, "lossless");
  EXPECT_EQ(a.value("status", ""), "writer closed");
  const json b = lossy.finish(scaled(60s));
  expect_exact_losses(b, count, "lossy");
  EXPECT_EQ(b.value("status", ""), "writer closed");
}

// Issue point 5: an order-entry client writes, the engine reads losslessly; the
// engine starts first and waits for the client's ring to appear.
TEST_F(CrossProcess, OrderEntryClientToEngineArrivesInOrder) {
  const std::uint64_t count = 200'000;
  Child engine = read("orders.client1", "lossless", {"--start", "oldest"});
  std::this_thread::sleep_for(200ms);  // the ring does not exist yet: the engine waits for it
  Child client = write("orders.client1", count, {"--capacity", std::to_string(64 << 10), "--wait-readers", "1"});
  const json c = client.finish(scaled(60s));
  EXPECT_EQ(c.value("published", 0ull), count);
  const json e = engine.finish(scaled(60s));
  expect_complete(e, count, "engine");
  EXPECT_EQ(e.value("status", ""), "writer closed");
}

TEST_F(CrossProcess, LappedLossyReadersCountExactlyWhatTheyMissedAndNeverTear) {
  const std::uint64_t count = kSanitizer.empty() ? 1'000'000 : 200'000;
  const Args slow{"--start", "oldest", "--frame-bytes", "mixed", "--sleep-every", "50", "--sleep-us", "100"};
  Args resume_oldest = slow;
  resume_oldest.insert(resume_oldest.end(), {"--resume", "oldest"});
  Child newest = read("events", "lossy", slow);
  Child oldest = read("events", "lossy", resume_oldest);
  // A 16 KiB ring holds ~140 frames of this mix: the readers are lapped all the time.
  Child writer = write("events", count,
                       {"--capacity", "16384", "--frame-bytes", "mixed", "--batch", "3", "--wait-readers", "2"});
  const json w = writer.finish(scaled(120s));
  EXPECT_EQ(w.value("published", 0ull), count);
  for (auto* reader : {&newest, &oldest}) {
    const json done = reader->finish(scaled(60s));
    expect_exact_losses(done, count, reader == &newest ? "resume newest" : "resume oldest");
    EXPECT_EQ(done.value("status", ""), "writer closed");
    EXPECT_GT(done.value("missed", 0ull), 0u) << "never lapped: the test proves nothing";
    EXPECT_GT(done.value("lapped", 0ull), 10u);
  }
}

// 256-byte frames in a 16 KiB ring: a chunk (capacity/64) is one frame, so the
// overwrite horizon moves frame by frame and a reader resuming at the oldest frame
// races the writer for the very frame it copies. Without the lossy reader's
// re-check of the horizon after its copy, this test sees torn frames.
TEST_F(CrossProcess, LossyReadersRacingTheWriterNeverReturnATornFrame) {
  const std::uint64_t count = kSanitizer.empty() ? 3'000'000 : 300'000;
  const Args racing{"--start", "oldest", "--frame-bytes", "256", "--resume", "oldest"};
  Args pausing = racing;
  pausing.insert(pausing.end(), {"--sleep-every", "50", "--sleep-us", "100"});
  Child a = read("events", "lossy", racing);
  Child b = read("events", "lossy", pausing);
  Child writer = write("events", count, {"--capacity", "16384", "--frame-bytes", "256", "--wait-readers", "2"});
  const json w = writer.finish(scaled(120s));
  EXPECT_EQ(w.value("published", 0ull), count);
  for (auto* reader : {&a, &b}) {
    const json done = reader->finish(scaled(60s));
    expect_exact_losses(done, count, reader == &a ? "racing" : "pausing");
    EXPECT_EQ(done.value("status", ""), "writer closed");
    EXPECT_GT(done.value("lapped", 0ull), 0u) << "never lapped: the test proves nothing";
  }
}

TEST_F(CrossProcess, SlowLosslessReaderStallsTheWriterAndLosesNothing) {
  const std::uint64_t count = kSanitizer.empty() ? 100'000 : 30'000;
  Child reader = read("events", "lossless", {"--start", "oldest", "--frame-bytes", "mixed", "--sleep-every", "64",
                                             "--sleep-us", "200"});
  Child writer = write("events", count, {"--capacity", "16384", "--frame-bytes", "mixed", "--wait-readers", "1"});
  const json w = writer.finish(scaled(120s));
  EXPECT_EQ(w.value("published", 0ull), count);
  EXPECT_GT(w.value("stall_ns", 0ull), 0u) << w.dump();
  EXPECT_GT(w.value("stall_count", 0ull), 0u) << w.dump();
  EXPECT_EQ(w.value("evictions", 1ull), 0u) << w.dump();
  const json r = reader.finish(scaled(60s));
  expect_complete(r, count, "slow lossless reader");
  EXPECT_EQ(r.value("status", ""), "writer closed");
  // The same counters, read from the ring's header by this process.
  const RingMap m = open_ring("events", false, std::chrono::milliseconds(0));
  EXPECT_GT(m.header->stall_ns.load(), 0u);
  EXPECT_EQ(m.header->stall_ns.load(), w.value("stall_ns", 0ull));
  EXPECT_EQ(m.header->evictions.load(), 0u);
  EXPECT_EQ(m.header->next_sequence.load(), count + 1);
}

// A lossless reader dies (kill -9) while the writer waits for it: the writer
// evicts it and goes on, within the reader timeout. `reap` says whether this
// process reaps the reader at once (then the writer finds the process gone) or
// leaves it a zombie until the writer is done (then only the silent heartbeat
// gives it away: a zombie counts as alive).
void killed_lossless_reader_releases_the_writer(bool reap) {
  const std::uint64_t count = 200'000;
  const auto timeout = 300ms;
  Child reader = read("events", "lossless",
                      {"--start", "oldest", "--sleep-every", "16", "--sleep-us", "500", "--announce-at", "2000"});
  Child writer = write("events", count,
                       {"--capacity", "16384", "--timeout-ms", std::to_string(timeout.count()), "--wait-readers", "1",
                        "--measure-claims"});
  ASSERT_TRUE(reader.wait_event("progress", scaled(30s))) << reader.output();
  ASSERT_FALSE(writer.wait_event("written", 0ms)) << "the writer never waited for the reader";
  const pid_t reader_pid = reader.pid();
  if (reap) {
    reader.kill_and_reap();
  } else {
    reader.signal(SIGKILL);
  }
  const auto killed = std::chrono::steady_clock::now();
  const json w = writer.finish(scaled(10s) + timeout);
  const auto released = std::chrono::steady_clock::now() - killed;
  EXPECT_EQ(w.value("published", 0ull), count);
  EXPECT_EQ(w.value("evictions", 0ull), 1u) << w.dump();
  EXPECT_EQ(slot_of(w, reader_pid).value("state", ""), "evicted") << w.dump();
  // The longest the writer waited in one claim: the eviction, bounded by the timeout.
  EXPECT_LT(w.value("max_claim_ns", std::int64_t{0}), std::chrono::nanoseconds(timeout + scaled(1500ms)).count());
  EXPECT_LT(released, timeout + scaled(5s));
  EXPECT_EQ(slot_state("events", reader_pid), "evicted");
  const RingMap m = open_ring("events", false, std::chrono::milliseconds(0));
  EXPECT_EQ(m.header->evictions.load(), 1u);
  const std::optional<int> status = reader.wait_exit(1s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
}

TEST_F(CrossProcess, KilledLosslessReaderIsEvictedAndReleasesTheWriter) {
  killed_lossless_reader_releases_the_writer(true);
}

TEST_F(CrossProcess, KilledLosslessReaderLeftAZombieIsEvictedByItsSilence) {
  killed_lossless_reader_releases_the_writer(false);
}

TEST_F(CrossProcess, StoppedLosslessReaderIsEvictedAndToldSoWhenContinued) {
  const std::uint64_t count = 100'000;
  Child reader = read("events", "lossless",
                      {"--start", "oldest", "--sleep-every", "16", "--sleep-us", "200", "--announce-at", "1000"});
  Child writer = write("events", count, {"--capacity", "16384", "--timeout-ms", "300", "--wait-readers", "1"});
  ASSERT_TRUE(reader.wait_event("progress", scaled(30s))) << reader.output();
  reader.signal(SIGSTOP);
  // Stopped, the reader's heartbeat goes silent: after 300 ms the writer evicts it and finishes.
  const json w = writer.finish(scaled(20s));
  EXPECT_EQ(w.value("published", 0ull), count);
  EXPECT_EQ(w.value("evictions", 0ull), 1u) << w.dump();
  EXPECT_EQ(slot_of(w, reader.pid()).value("state", ""), "evicted") << w.dump();
  EXPECT_EQ(slot_state("events", reader.pid()), "evicted");
  const std::int64_t continued_ns = monotonic_ns();
  reader.signal(SIGCONT);
  const json r = reader.finish(scaled(20s));
  // The first read() begun after SIGCONT says Evicted (the driver stops there).
  // One begun before SIGSTOP may still return a frame: it checked for eviction
  // before it stopped, and that frame may since have been overwritten.
  std::vector<std::string> after;
  for (const auto& read : r.value("last_reads", json::array())) {
    if (read.value("began_ns", std::int64_t{0}) > continued_ns) after.push_back(read.value("status", ""));
  }
  EXPECT_EQ(after, std::vector<std::string>{"evicted"}) << r.dump();
  EXPECT_EQ(r.value("status", ""), "evicted") << r.dump();
  EXPECT_LE(r.value("unchecked", 2ull), 1u) << r.dump();
  EXPECT_GT(r.value("behind_frames", 0ull), 0u) << r.dump();
  EXPECT_EQ(r.value("behind_frames", 0ull), count - r.value("last", 0ull)) << r.dump();
  EXPECT_EQ(r.value("gaps", 1ull), 0u) << r.dump();
  EXPECT_EQ(r.value("torn", 1ull), 0u) << r.dump();
}

// kill -9 of the writer: readers drain the ring, then say WriterDead (once this
// process has reaped it: a zombie counts as alive); a restarted writer is the
// next generation, and readers that reattach read its frames.
TEST_F(CrossProcess, KilledWriterIsDetectedAndARestartedWriterIsFollowed) {
  const std::uint64_t first_count = 50'000;
  const std::uint64_t second_count = 20'000;
  // Big enough that the first writer never laps: what it wrote stays readable after it dies.
  const Args ring{"--capacity", std::to_string(8 << 20), "--wait-readers", "2"};
  Child lossless = read("events", "lossless",
                        {"--start", "oldest", "--follow", "1", "--sleep-every", "1000", "--sleep-us", "3000"});
  Child lossy = read("events", "lossy", {"--start", "oldest", "--follow", "1"});
  Args hold = ring;
  hold.push_back("--hold");
  Child first = write("events", first_count, hold);
  const auto written = first.wait_event("written", scaled(60s));
  ASSERT_TRUE(written) << first.output();
  const std::uint64_t generation = written->value("generation", 0ull);
  first.kill_and_reap();

  for (auto* reader : {&lossless, &lossy}) {
    const auto dead = reader->wait_event("writer_dead", scaled(20s));
    ASSERT_TRUE(dead) << reader->output();
    // WriterDead comes only after everything the writer published was read.
    EXPECT_EQ(dead->value("received", 0ull), first_count) << dead->dump();
    EXPECT_EQ(dead->value("last", 0ull), first_count) << dead->dump();
    EXPECT_EQ(dead->value("generation", 0ull), generation);
  }

  Child second = write("events", second_count, ring);
  const auto created = second.wait_event("created", scaled(20s));
  ASSERT_TRUE(created) << second.output();
  EXPECT_EQ(created->value("generation", 0ull), generation + 1);
  const json w = second.finish(scaled(60s));
  EXPECT_EQ(w.value("published", 0ull), second_count);

  for (auto* reader : {&lossless, &lossy}) {
    const json done = reader->finish(scaled(30s));
    const std::string who = reader == &lossless ? "lossless" : "lossy";
    const auto reattached = reader->wait_event("reattached", 0ms);
    ASSERT_TRUE(reattached) << who << ": " << reader->output();
    EXPECT_EQ(reattached->value("generation", 0ull), generation + 1);
    EXPECT_EQ(done.value("status", ""), "writer closed") << done.dump();
    EXPECT_EQ(done.value("generation", 0ull), generation + 1);
    const json gens = done.value("generations", json::array());
    ASSERT_EQ(gens.size(), 2u) << done.dump();
    expect_complete(gens[0], first_count, who + " generation 1");
    expect_complete(gens[1], second_count, who + " generation 2");
  }
}

// A new writer marks the old generation Superseded before it renames its own file
// into place (after building, pre-faulting and locking it: the bigger the ring, the
// longer). A reader checking all the while must not reattach to the old file.
TEST_F(CrossProcess, ReattachMapsTheNewGenerationNotTheSupersededFile) {
  Child first = write("events", 10, {"--hold"});
  ASSERT_TRUE(first.wait_event("written", scaled(20s))) << first.output();
  Child reader = read("events", "lossless", {"--start", "oldest", "--follow", "1", "--liveness-ms", "1"});
  first.kill_and_reap();
  const auto dead = reader.wait_event("writer_dead", scaled(20s));
  ASSERT_TRUE(dead) << reader.output();
  EXPECT_EQ(dead->value("received", 0ull), 10u);
  Child second = write("events", 5, {"--capacity", std::to_string(128 << 20)});
  const json w = second.finish(scaled(60s));
  EXPECT_EQ(w.value("generation", 0ull), 2u);
  const json done = reader.finish(scaled(20s));
  const auto reattached = reader.wait_event("reattached", 0ms);
  ASSERT_TRUE(reattached) << reader.output();
  EXPECT_EQ(reattached->value("generation", 0ull), 2u) << reader.output();
  const json gens = done.value("generations", json::array());
  ASSERT_EQ(gens.size(), 2u) << done.dump();
  expect_complete(gens[0], 10, "generation 1");
  expect_complete(gens[1], 5, "generation 2");
}

// A reader's mapping of the header and the data is read-only: a write through it faults.
TEST_F(CrossProcess, WritingThroughAReadersMappingFaults) {
  Child writer = write("events", 10, {"--hold"});
  ASSERT_TRUE(writer.wait_event("written", scaled(20s))) << writer.output();
  // Sanitizer runtimes would turn the SIGSEGV into a report and an exit status.
  const std::vector<std::string> env{"ASAN_OPTIONS=handle_segv=0", "TSAN_OPTIONS=handle_segv=0",
                                     "UBSAN_OPTIONS=handle_segv=0"};
  for (const auto& [kind, target] : std::vector<std::pair<std::string, std::string>>{
           {"lossy", "data"}, {"lossy", "header"}, {"lossless", "data"}, {"lossless", "header"}}) {
    SCOPED_TRACE(kind + " reader writes to the " + target);
    Child fault = Child::driver({"fault", "--ring", "events", "--kind", kind, "--target", target}, env);
    const std::optional<int> status = fault.wait_exit(scaled(20s));
    ASSERT_TRUE(status) << fault.output();
    EXPECT_TRUE(fault.output().find("\"attached\"") != std::string::npos) << fault.output();
    EXPECT_TRUE(fault.output().find("survived") == std::string::npos) << fault.output();
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGSEGV)
        << "wait status " << *status << "; output:\n" << fault.output();
  }
  // The ring is unharmed.
  Child reader = read("events", "lossy", {"--start", "oldest"});
  writer.kill_and_reap();
  const json r = reader.finish(scaled(20s));
  expect_complete(r, 10, "reader after the faults");
}

TEST_F(CrossProcess, ASecondWriterIsRefusedWhileTheFirstLives) {
  Child first = write("events", 10, {"--hold"});
  const auto written = first.wait_event("written", scaled(20s));
  ASSERT_TRUE(written) << first.output();
  try {
    RingWriter second = RingWriter::create("events");
    ADD_FAILURE() << "two live writers on one ring";
  } catch (const RingError& e) {
    EXPECT_NE(std::string(e.what()).find(ring_path("events").string() + ": ring 'events' already has a live writer (pid " +
                                         std::to_string(first.pid()) + ")"),
              std::string::npos)
        << e.what();
  }
  first.kill_and_reap();
  CreateOptions o;
  o.backing = BackingChoice::SharedMemory;
  o.capacity = 16 << 10;
  RingWriter second = RingWriter::create("events", o);
  EXPECT_EQ(second.generation(), written->value("generation", 0ull) + 1);
}

}  // namespace
}  // namespace ringside::shm::test
