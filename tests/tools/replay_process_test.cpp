// `ringside replay` as a real process: a capture published into a new ring that
// ordinary ring readers read back (the same frames, renumbered from 1), ranges by
// sequence and time, pacing scaled by --speed, damaged captures, and refusals.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstring>
#include <thread>

#include "capture_test_helpers.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/ring_file.hpp"

namespace ringside::tools::capture_test {
namespace {

using nlohmann::json;
using Args = std::vector<std::string>;

class ReplayTest : public shm::test::RingTest {
 protected:
  fs::path capture() const { return dir() / "events.cap"; }

  // Frames first..last with publish times seq * publish_step_ns.
  void record(std::uint64_t first, std::uint64_t last, std::int64_t publish_step_ns = 1000) {
    CaptureWriter w(small_blocks(capture()));
    w.start_segment(test_ring_info());
    write_frames(w, first, last, publish_step_ns);
    w.close();
  }

  Finished replay(Args more) {
    Args args{"replay", capture().string(), "--ring", "rep", "--ring-mib", "4", "--backing", "shm",
              "--progress-interval", "0"};
    args.insert(args.end(), more.begin(), more.end());
    return run_ringside(args);
  }

  // Everything in the ring, oldest first, read by an ordinary reader after the replay closed it.
  static std::vector<TestFrame> ring_frames(shm::ReaderKind kind) {
    shm::ReaderOptions o;
    o.kind = kind;
    o.start = shm::StartAt::Oldest;
    o.liveness_check = std::chrono::milliseconds(0);
    shm::RingReader r = shm::RingReader::attach("rep", o);
    std::vector<TestFrame> out;
    for (;;) {
      const shm::ReadResult got = r.read();
      if (got.status == shm::ReadStatus::Frame) {
        TestFrame f{};
        std::memcpy(f.bytes, got.frame, std::min<std::size_t>(got.frame->length, sizeof f.bytes));
        out.push_back(f);
        continue;
      }
      EXPECT_EQ(got.status, shm::ReadStatus::WriterClosed) << shm::to_string(got.status);
      return out;
    }
  }

  // The replayed frames are the recorded first..last: every byte but the sequence
  // (renumbered from 1) and the publish time (stamped at commit).
  static void expect_replayed(const std::vector<TestFrame>& frames, std::uint64_t first, std::uint64_t last) {
    ASSERT_EQ(frames.size(), last - first + 1);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const FrameHeader& got = frames[i].header();
      const TestFrame want = test_frame(first + i);
      EXPECT_EQ(got.sequence, i + 1);
      EXPECT_GT(got.publish_time_ns, 0);
      ASSERT_EQ(got.length, want.header().length) << i;
      EXPECT_EQ(got.event_time_ns, want.header().event_time_ns) << i;
      EXPECT_EQ(std::memcmp(frames[i].bytes, want.bytes, 8), 0) << i;  // length, type, version, symbol
      EXPECT_EQ(std::memcmp(frames[i].bytes + 32, want.bytes + 32, got.length - 32), 0) << "frame " << i;
    }
  }
};

TEST_F(ReplayTest, AsFastAsPossibleGivesTheSameFramesRenumbered) {
  record(101, 2100);
  const Finished done = replay({"--speed", "max"});
  ASSERT_EQ(done.status, 0) << done.out;
  const json summary = summary_of(done.out, "replay");
  EXPECT_EQ(summary["frames"], 2000);
  EXPECT_EQ(summary["ring"], "rep");
  EXPECT_EQ(summary["damaged"], 0);
  EXPECT_EQ(summary["stopped_by"], "end");
  expect_replayed(ring_frames(shm::ReaderKind::Lossless), 101, 2100);
  expect_replayed(ring_frames(shm::ReaderKind::Lossy), 101, 2100);
  // The ring has the recorded layout's metadata: here none, as the driver's ring had.
  const shm::RingMap m = shm::open_ring("rep", false, std::chrono::milliseconds(0));
  EXPECT_TRUE(m.metadata().empty());
}

// A reader in another process, attached while the replay runs, as it would to the
// engine's ring: every frame, in order, gap-free, then the writer's clean close.
TEST_F(ReplayTest, ALiveReaderInAnotherProcessFollowsTheReplay) {
  record(1, 3000, 100'000);  // 0.3 s of recorded time: replayed at 4x
  Child reader = Child::driver({"read", "--ring", "rep", "--kind", "lossless", "--start", "oldest", "--wait-ms",
                                std::to_string(scaled(30s).count()), "--until", "closed"});
  const Finished done = replay({"--speed", "4"});
  ASSERT_EQ(done.status, 0) << done.out;
  const json got = reader.finish(scaled(60s));
  EXPECT_EQ(got["status"], "writer closed");
  EXPECT_EQ(got["received"], 3000);
  EXPECT_EQ(got["first"], 1);
  EXPECT_EQ(got["last"], 3000);
  EXPECT_EQ(got["gaps"], 0);
  EXPECT_EQ(got["missed"], 0);
}

TEST_F(ReplayTest, RangeBySequence) {
  record(1, 3000);
  const Finished done = replay({"--speed", "max", "--from", "500", "--to", "599"});
  ASSERT_EQ(done.status, 0) << done.out;
  EXPECT_EQ(summary_of(done.out, "replay")["frames"], 100);
  expect_replayed(ring_frames(shm::ReaderKind::Lossy), 500, 599);
}

TEST_F(ReplayTest, RangeByEventTime) {
  record(1, 3000);  // event time of frame seq: seq * 11 ns after the epoch
  const Finished done =
      replay({"--speed", "max", "--from", "1970-01-01T00:00:00.0000055Z", "--to", "1970-01-01T00:00:00.000006589Z"});
  ASSERT_EQ(done.status, 0) << done.out;
  expect_replayed(ring_frames(shm::ReaderKind::Lossy), 500, 599);
}

TEST_F(ReplayTest, DamagedCaptureProceedsAndSaysWhatItSkipped) {
  record(1, 2000);
  // Block 2 of the capture: after the 4 KiB header, two 8 KiB blocks.
  const std::uint64_t block = 4096 + 2 * 8192;
  flip_byte(capture(), block + 96 + 100);
  const Finished done = replay({"--speed", "max"});
  ASSERT_EQ(done.status, 0) << done.out;
  EXPECT_NE(done.out.find("replay: damaged capture: " + capture().string() + ": offset " + std::to_string(block) +
                          ": block 2: payload checksum mismatch"),
            std::string::npos)
      << done.out;
  const json summary = summary_of(done.out, "replay");
  EXPECT_EQ(summary["damaged"], 1);
  EXPECT_EQ(summary["bytes_skipped"], 8192);
  const std::vector<TestFrame> frames = ring_frames(shm::ReaderKind::Lossy);
  EXPECT_EQ(frames.size(), summary["frames"].get<std::size_t>());
  EXPECT_LT(frames.size(), 2000u);
  EXPECT_GT(frames.size(), 1500u);
}

// Gaps between publish times, divided by the speed, are kept (never shortened).
TEST_F(ReplayTest, PacingFollowsTheRecordingScaledBySpeed) {
  constexpr std::int64_t kStep = 40'000'000;  // 40 ms between recorded frames
  record(1, 6, kStep);
  const Finished done = replay({"--speed", "2"});
  ASSERT_EQ(done.status, 0) << done.out;
  const std::vector<TestFrame> frames = ring_frames(shm::ReaderKind::Lossy);
  ASSERT_EQ(frames.size(), 6u);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    const std::int64_t gap = frames[i].header().publish_time_ns - frames[0].header().publish_time_ns;
    // Due times are kept on the monotonic clock; 1 ms leaves room for the realtime clock's slew.
    EXPECT_GE(gap, static_cast<std::int64_t>(i) * kStep / 2 - 1'000'000) << "frame " << i;
  }
}

TEST_F(ReplayTest, LoopsUntilStopped) {
  record(1, 500);
  Child c = start_ringside({"replay", capture().string(), "--ring", "rep", "--ring-mib", "4", "--backing", "shm",
                            "--speed", "max", "--loop", "--progress-interval", "0"});
  bool looped = false;
  for (int i = 0; i < 3000 && !looped; ++i) {
    try {
      const shm::RingMap m = shm::open_ring("rep", false, std::chrono::milliseconds(0));
      looped = m.header->next_sequence.load() > 1600;  // more than three passes
    } catch (const shm::RingError&) {
    }
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(looped);
  c.signal(SIGINT);
  const Finished done = finish(c);
  ASSERT_EQ(done.status, 0) << done.out;
  const json summary = summary_of(done.out, "replay");
  EXPECT_GE(summary["passes"].get<int>(), 4);
  EXPECT_EQ(summary["stopped_by"], "signal");
}

TEST_F(ReplayTest, ARingWithALiveWriterIsRefused) {
  record(1, 10);
  Child w = Child::driver({"write", "--ring", "drv", "--count", "10", "--hold"});
  ASSERT_TRUE(w.wait_event("written", scaled(30s)));
  // Without --ring, the recorded name: drv.
  const Finished done = run_ringside({"replay", capture().string(), "--progress-interval", "0"});
  EXPECT_EQ(done.status, 2) << done.out;
  EXPECT_NE(done.out.find("already has a live writer"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("replay into another ring with --ring NAME"), std::string::npos) << done.out;
}

TEST_F(ReplayTest, BadInputIsRefusedWithFileAndOffset) {
  write_file(capture(), "");
  Finished empty = replay({});
  EXPECT_EQ(empty.status, 2);
  EXPECT_NE(empty.out.find(capture().string() + ": offset 0: empty file (no capture header)"), std::string::npos)
      << empty.out;

  Finished missing = run_ringside({"replay", (dir() / "nope.cap").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find((dir() / "nope.cap").string() + ": cannot open: No such file or directory"),
            std::string::npos)
      << missing.out;

  fs::remove(capture());
  record(1, 10);
  Finished speed = replay({"--speed", "fast"});
  EXPECT_EQ(speed.status, 2);
  EXPECT_NE(speed.out.find("--speed: 'fast' is not 'max' or a positive factor"), std::string::npos) << speed.out;
  Finished from = replay({"--from", "yesterday"});
  EXPECT_EQ(from.status, 2);
  EXPECT_NE(from.out.find("--from: 'yesterday' is neither a sequence number nor a UTC time"), std::string::npos)
      << from.out;
  Finished empty_range = replay({"--from", "100"});
  EXPECT_EQ(empty_range.status, 2);
  EXPECT_NE(empty_range.out.find("no frame of the capture lies in the range"), std::string::npos) << empty_range.out;
}

}  // namespace
}  // namespace ringside::tools::capture_test
