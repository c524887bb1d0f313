// BurstBackoff's decisions, driven with made-up clocks and sequences: when a
// reader that caught up with its writer waits, and when it polls the head.
#include "ringside/shm/burst_backoff.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace ringside::shm {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kStart = 1'000'000'000;

// Reads `frames` frames; samples the writer wherever frame_read() asks, with the
// writer's sequence `sequence_at(now)` and the clock at `now`.
template <class SequenceAt>
void read_frames(BurstBackoff& b, int frames, std::int64_t now, SequenceAt sequence_at) {
  for (int i = 0; i < frames; ++i) {
    if (b.frame_read()) {
      const std::uint64_t sequence = sequence_at(now);
      b.sample(now, sequence, 64 * sequence);
    }
  }
}

// Samples at the start of a window and at its end, with `published` frames of
// `frame_bytes` between.
void observe(BurstBackoff& b, std::int64_t from, std::int64_t ns, std::uint64_t published,
             std::uint64_t frame_bytes = 64) {
  b.sample(from, 1, 0);
  b.sample(from + ns, 1 + published, published * frame_bytes);
}

TEST(BurstBackoff, ZeroNeverWaits) {
  BurstBackoff b(0ns);
  EXPECT_FALSE(b.enabled());
  observe(b, kStart, 20'000, 100'000);
  b.frame_read();
  b.frame_read();
  EXPECT_FALSE(b.should_wait());
}

TEST(BurstBackoff, APacedWriterIsReadAtTheHead) {
  BurstBackoff b(8us);
  ASSERT_TRUE(b.enabled());
  EXPECT_GT(b.pauses(), 0u);
  observe(b, kStart, 100'000, 100);  // 1 M frames/s
  EXPECT_FALSE(b.busy_writer());
  for (int i = 0; i < 1000; ++i) {
    b.frame_read();
    EXPECT_FALSE(b.should_wait());
  }
}

TEST(BurstBackoff, ABusyWriterIsReadBehindWhileWaitsPay) {
  BurstBackoff b(8us);
  observe(b, kStart, 20'000, 1000);  // 50 M frames/s
  ASSERT_TRUE(b.busy_writer());
  b.frame_read();
  EXPECT_TRUE(b.should_wait()) << "a trial";
  b.frame_read();  // what the trial let through: too little to say anything yet
  for (int i = 0; i < 399; ++i) b.frame_read();
  EXPECT_TRUE(b.should_wait()) << "400 frames came in during the wait: keep reading behind";
  EXPECT_TRUE(b.batching());
  for (int i = 0; i < 16; ++i) b.frame_read();
  EXPECT_TRUE(b.should_wait()) << "16 frames still pay";
  EXPECT_FALSE(b.should_wait()) << "a wait that let nothing through: the burst is over";
  EXPECT_FALSE(b.batching());
}

// A paced writer that burst once (catching up after a preemption) and then went
// back to 1 M frames/s: a 32 us wait lets 32 of its frames through, which alone
// would count as paying; its rate, sampled every 256 frames, ends the waiting.
TEST(BurstBackoff, APacedWriterThatBurstOnceIsReadAtTheHeadAgainOnceItsRateIsSampled) {
  BurstBackoff b(32us);
  observe(b, kStart, 20'000, 1000);  // the burst: 50 M frames/s
  ASSERT_TRUE(b.busy_writer());
  b.frame_read();
  ASSERT_TRUE(b.should_wait()) << "a trial";
  std::int64_t now = kStart + 20'000;
  // 1 M frames/s from here: each wait of ~32 us lets 32 frames through.
  const auto paced = [&](std::int64_t at) { return static_cast<std::uint64_t>(1001 + (at - kStart - 20'000) / 1000); };
  int waits = 0;
  for (int round = 0; round < 40; ++round) {
    read_frames(b, 32, now, paced);
    now += 32'000;
    if (!b.should_wait()) break;
    ++waits;
  }
  EXPECT_FALSE(b.busy_writer());
  EXPECT_FALSE(b.batching());
  EXPECT_LE(waits, 10) << "waiting ends at the first sample after the burst (256 frames)";
  for (int i = 0; i < 1000; ++i) {
    b.frame_read();
    EXPECT_FALSE(b.should_wait());
  }
}

TEST(BurstBackoff, AWaitThatLetsLittleThroughIsNotTriedAgainForAMillisecond) {
  BurstBackoff b(8us);
  observe(b, kStart, 20'000, 1000);
  b.frame_read();
  ASSERT_TRUE(b.should_wait());
  b.frame_read();  // a request/response peer: one frame, then it waits for this reader
  EXPECT_FALSE(b.should_wait());
  EXPECT_FALSE(b.batching());
  // Still a busy writer by its rate, but no new try within 1 ms of the failed one.
  std::uint64_t sequence = 2001;
  for (std::int64_t t = kStart + 40'000; t < kStart + 20'000 + BurstBackoff::kRetryAfterNs; t += 20'000) {
    sequence += 1000;
    b.sample(t, sequence, 64 * sequence);
    b.frame_read();
    EXPECT_FALSE(b.should_wait()) << "at " << (t - kStart) << " ns";
  }
  b.sample(kStart + 40'000 + BurstBackoff::kRetryAfterNs, sequence + 1000, 64 * (sequence + 1000));
  ASSERT_TRUE(b.busy_writer());
  b.frame_read();
  EXPECT_TRUE(b.should_wait()) << "a millisecond later it tries again";
}

TEST(BurstBackoff, NothingReadSinceTheLastLookIsNoReasonToWait) {
  BurstBackoff b(8us);
  observe(b, kStart, 20'000, 1000);
  EXPECT_FALSE(b.should_wait()) << "an empty poll after an empty poll";
}

TEST(BurstBackoff, TheRateNeedsAWholeWindow) {
  BurstBackoff b(8us);
  b.sample(kStart, 1, 0);
  b.sample(kStart + 1'000, 1'000, 64'000);  // 1 us: too short to judge, the window stays open
  EXPECT_FALSE(b.busy_writer());
  b.sample(kStart + 20'000, 1'001, 64'000);  // 1000 frames in 20 us over the whole window
  EXPECT_TRUE(b.busy_writer());
  b.sample(kStart + 1'020'000, 1'101, 70'400);  // then 100 in a millisecond
  EXPECT_FALSE(b.busy_writer());
}

TEST(BurstBackoff, FrameReadAsksForASampleEvery256Frames) {
  BurstBackoff b(8us);
  int asked = 0;
  read_frames(b, 1024, kStart, [&](std::int64_t) {
    ++asked;
    return std::uint64_t{1};
  });
  EXPECT_EQ(asked, 4);
}

TEST(BurstBackoff, ResetForgetsTheWriter) {
  BurstBackoff b(8us);
  observe(b, kStart, 20'000, 1000);
  b.frame_read();
  ASSERT_TRUE(b.should_wait());
  b.reset();
  EXPECT_FALSE(b.busy_writer());
  b.frame_read();
  EXPECT_FALSE(b.should_wait());
}

TEST(BurstBackoff, AWaitNeverLetsTheWriterFillMoreThanAQuarterOfTheRing) {
  BurstBackoff small(32us, 16 << 10);
  observe(small, kStart, 20'000, 2000, 64);  // 6.4 bytes/ns: 4 KiB in 640 ns
  ASSERT_TRUE(small.busy_writer());
  EXPECT_LT(small.wait_pauses(), small.pauses());
  EXPECT_LE(static_cast<double>(small.wait_pauses()) * pause_ns(), 640.0 + pause_ns());
  BurstBackoff large(32us, 64 << 20);
  observe(large, kStart, 20'000, 2000, 64);
  EXPECT_EQ(large.wait_pauses(), large.pauses()) << "16 MiB take the writer 2.6 ms";
}

TEST(BurstBackoff, WaitsAreBounded) {
  const BurstBackoff huge(std::chrono::seconds{10});
  const BurstBackoff at_most(BurstBackoff::kMaxWait);
  EXPECT_EQ(huge.pauses(), at_most.pauses());
  EXPECT_GT(pause_ns(), 0.0);
}

}  // namespace
}  // namespace ringside::shm
