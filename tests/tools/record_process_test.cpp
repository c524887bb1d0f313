// `ringside record` as a real process next to a real ring writer
// (ring-test-driver, ringside-engine): every frame the writer published is in the
// capture, byte for byte; SIGTERM and SIGINT close it cleanly; a writer restart
// starts a new segment; a recorder killed with SIGKILL leaves a capture readable
// up to its last whole block.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "capture_test_helpers.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/ring_file.hpp"

namespace ringside::tools::capture_test {
namespace {

using nlohmann::json;
using Args = std::vector<std::string>;

class RecordTest : public shm::test::RingTest {
 protected:
  fs::path capture() const { return dir() / "events.cap"; }

  Child recorder(Args more = {}) {
    Args args{"record", "drv", capture().string(), "--wait", "--progress-interval", "0"};
    args.insert(args.end(), more.begin(), more.end());
    return start_ringside(args);
  }

  static Child writer(std::uint64_t count, Args more = {}) {
    Args args{"write", "--ring", "drv", "--count", std::to_string(count), "--frame-bytes", "mixed", "--wait-readers",
              "1", "--wait-readers-ms", std::to_string(scaled(30s).count())};
    args.insert(args.end(), more.begin(), more.end());
    return Child::driver(args);
  }

  // Waits until the recorder (pid) has read every frame before `next_sequence`
  // in the ring's current generation; false at the timeout.
  static bool caught_up(pid_t pid, std::uint64_t next_sequence, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        const shm::RingMap m = shm::open_ring("drv", false, std::chrono::milliseconds(0));
        for (std::uint32_t i = 0; i < m.header->reader_slots; ++i) {
          const shm::ReaderSlot& s = m.slots[i];
          if (s.pid == static_cast<std::uint32_t>(pid) &&
              s.state.load() == static_cast<std::uint32_t>(shm::SlotState::Active) &&
              s.next_sequence.load() >= next_sequence) {
            return true;
          }
        }
      } catch (const shm::RingError&) {
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
};

TEST_F(RecordTest, EveryFrameByteForByte) {
  Child rec = recorder({"--until-writer-stops", "--block-size", "64KiB"});
  Child w = writer(50'000, {"--batch", "8"});
  w.finish(scaled(60s));
  const Finished done = finish(rec);
  ASSERT_EQ(done.status, 0) << done.out;
  const json summary = summary_of(done.out, "record");
  EXPECT_EQ(summary["frames"], 50'000);
  EXPECT_EQ(summary["missed"], 0);
  EXPECT_EQ(summary["evictions"], 0);
  EXPECT_EQ(summary["segments"], 1);
  EXPECT_EQ(summary["generations"], 1);
  EXPECT_EQ(summary["stopped_by"], "writer closed");
  EXPECT_EQ(summary["file"], capture().string());

  CaptureReader r = CaptureReader::open({capture()});
  ASSERT_EQ(r.segments().size(), 1u);
  EXPECT_TRUE(r.segments()[0].closed_cleanly);
  EXPECT_EQ(r.segments()[0].ring_name, "drv");
  EXPECT_EQ(r.segments()[0].ring_capacity, 1u << 20);
  const ReadBack got = read_all(r);
  EXPECT_EQ(got.sequences, run_of(1, 50'000));
  EXPECT_EQ(got.bad_frames, 0u) << got.first_problem;
  EXPECT_TRUE(r.damage().empty());
}

TEST_F(RecordTest, RotatesBySize) {
  Child rec = recorder({"--until-writer-stops", "--block-size", "16KiB", "--max-size", "256KiB"});
  Child w = writer(20'000);
  w.finish(scaled(60s));
  const Finished done = finish(rec);
  ASSERT_EQ(done.status, 0) << done.out;
  const json summary = summary_of(done.out, "record");
  EXPECT_GE(summary["segments"].get<int>(), 5);
  EXPECT_TRUE(fs::exists(dir() / "events.cap.0004"));
  CaptureReader r = CaptureReader::open({capture()});
  EXPECT_EQ(r.segments().size(), summary["segments"].get<std::size_t>());
  for (const CaptureSegmentInfo& s : r.segments()) EXPECT_TRUE(s.closed_cleanly) << s.file;
  EXPECT_EQ(read_all(r).sequences, run_of(1, 20'000));
}

TEST_F(RecordTest, SigtermClosesTheCaptureCleanly) {
  Child rec = recorder();
  Child w = writer(1000, {"--hold"});
  ASSERT_TRUE(w.wait_event("written", scaled(30s)));
  ASSERT_TRUE(caught_up(rec.pid(), 1001));
  rec.signal(SIGTERM);
  const Finished done = finish(rec);
  ASSERT_EQ(done.status, 0) << done.out;
  const json summary = summary_of(done.out, "record");
  EXPECT_EQ(summary["stopped_by"], "signal");
  EXPECT_EQ(summary["frames"], 1000);
  CaptureReader r = CaptureReader::open({capture()});
  EXPECT_TRUE(r.segments()[0].closed_cleanly);  // the trailer is there
  EXPECT_EQ(read_all(r).sequences, run_of(1, 1000));
  EXPECT_TRUE(r.damage().empty());
}

TEST_F(RecordTest, WriterRestartStartsASegmentForTheNewGeneration) {
  Child rec = recorder();
  {
    Child first = writer(500);
    first.finish(scaled(60s));
  }
  // The recorder outlives the writer and attaches to its next generation.
  Child second = writer(700);
  second.finish(scaled(60s));
  ASSERT_TRUE(caught_up(rec.pid(), 701));
  rec.signal(SIGINT);
  const Finished done = finish(rec);
  ASSERT_EQ(done.status, 0) << done.out;
  const json summary = summary_of(done.out, "record");
  EXPECT_EQ(summary["generations"], 2);
  EXPECT_EQ(summary["segments"], 2);
  EXPECT_EQ(summary["frames"], 1200);

  CaptureReader r = CaptureReader::open({capture()});
  ASSERT_EQ(r.segments().size(), 2u);
  EXPECT_EQ(r.segments()[0].generation, 1u);
  EXPECT_EQ(r.segments()[1].generation, 2u);
  EXPECT_EQ(r.segments()[1].file, dir() / "events.cap.0001");
  const ReadBack got = read_all(r);
  std::vector<std::uint64_t> expected = run_of(1, 500);
  for (std::uint64_t s : run_of(1, 700)) expected.push_back(s);
  EXPECT_EQ(got.sequences, expected);
  EXPECT_EQ(got.bad_frames, 0u) << got.first_problem;
}

// SIGKILL: no trailer, perhaps a block cut short. What was written before is all
// readable, every frame whole, and any damage is reported with file and offset.
TEST_F(RecordTest, KilledRecorderLeavesAReadableCapture) {
  constexpr std::uint64_t kFramesPerBlock = 16384 / 64;  // at most, with 16 KiB blocks
  constexpr std::uint64_t kBuffers = 4;
  Child rec = recorder({"--block-size", "16KiB", "--buffers", std::to_string(kBuffers), "--flush-interval", "10"});
  Child w = writer(400'000, {"--rate", "100000"});
  ASSERT_TRUE(caught_up(rec.pid(), 20'001));
  rec.kill_and_reap();
  w.finish(scaled(60s));  // the dead recorder is evicted: the writer finishes

  CaptureReader r = CaptureReader::open({capture()});
  EXPECT_FALSE(r.segments()[0].closed_cleanly);
  const ReadBack got = read_all(r);
  EXPECT_EQ(got.bad_frames, 0u) << got.first_problem;
  ASSERT_FALSE(got.sequences.empty());
  EXPECT_EQ(got.sequences.front(), 1u);
  // Everything but the blocks still being filled or written when it died.
  EXPECT_GE(got.sequences.back(), 20'000 - (kBuffers + 1) * kFramesPerBlock);
  std::uint64_t gaps = 0;
  for (std::size_t i = 1; i < got.sequences.size(); ++i) {
    ASSERT_GT(got.sequences[i], got.sequences[i - 1]);
    gaps += got.sequences[i] != got.sequences[i - 1] + 1;
  }
  if (gaps > 0) {
    EXPECT_FALSE(r.damage().empty()) << "frames missing without a word";
  }
  for (const CaptureDamage& d : r.damage()) {
    EXPECT_EQ(d.file, capture());
    EXPECT_GE(d.offset, r.segments()[0].data_offset);
    EXPECT_GT(d.bytes_skipped, 0u);
  }
}

TEST_F(RecordTest, KeepsUpWithTheEngine) {
  Child rec = start_ringside({"record", "ev", capture().string(), "--wait", "--until-writer-stops",
                              "--progress-interval", "0"});
  Child engine = Child::spawn(kEngineBin, {"--mode", "max", "--duration", "30", "--ring", "ev", "--ring-mib", "16",
                                           "--backing", "shm", "--status-interval", "0", "--no-order-entry"});
  const auto engine_done = engine.wait_event("engine_done", scaled(120s));
  ASSERT_TRUE(engine_done) << engine.output();
  const std::uint64_t events = (*engine_done)["events"].get<std::uint64_t>();
  ASSERT_GT(events, 10'000u);
  const Finished done = finish(rec);
  ASSERT_EQ(done.status, 0) << done.out;
  EXPECT_EQ(summary_of(done.out, "record")["frames"].get<std::uint64_t>(), events);

  CaptureReader r = CaptureReader::open({capture()});
  EXPECT_EQ(r.symbols().size(), 24u);  // the engine's symbol table, recorded
  std::uint64_t expected = 1;
  std::uint64_t out_of_order = 0;
  while (const FrameHeader* f = r.next()) out_of_order += f->sequence != expected++;
  EXPECT_EQ(expected - 1, events);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_TRUE(r.damage().empty());  // every frame passed check_frame against that table
}

TEST_F(RecordTest, MissingRingAndExistingFileAreRefused) {
  Finished missing = run_ringside({"record", "nope", capture().string()});
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_NE(missing.out.find("ring 'nope' not found in " + rings().string()), std::string::npos) << missing.out;
  EXPECT_FALSE(fs::exists(capture()));

  write_file(capture(), "something");
  Finished exists = run_ringside({"record", "drv", capture().string(), "--wait"});
  EXPECT_EQ(exists.status, 2) << exists.out;
  EXPECT_NE(exists.out.find(capture().string() + ": exists; use --overwrite"), std::string::npos) << exists.out;
  EXPECT_EQ(read_file(capture()), "something");

  Finished bad_block = run_ringside({"record", "drv", (dir() / "x.cap").string(), "--block-size", "1000"});
  EXPECT_EQ(bad_block.status, 2) << bad_block.out;
}

}  // namespace
}  // namespace ringside::tools::capture_test
