// Writer and readers in this process: the API's contract frame by frame, and a
// writer thread with reader threads (the concurrency ThreadSanitizer can see;
// across processes it sees nothing).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "process.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/ring_status.hpp"
#include "ringside/shm/writer.hpp"
#include "test_frames.hpp"

namespace ringside::shm::test {
namespace {

CreateOptions ring_of(std::uint64_t capacity) {
  CreateOptions o;
  o.capacity = capacity;
  o.backing = BackingChoice::SharedMemory;
  return o;
}

ReaderOptions reader(ReaderKind kind, StartAt start = StartAt::Oldest) {
  ReaderOptions o;
  o.kind = kind;
  o.start = start;
  return o;
}

void write_frames(RingWriter& w, std::uint64_t n, FrameMix mix = FrameMix::Small) {
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t seq = w.next_sequence();
    void* at = w.claim(frame_length(mix, seq));
    ASSERT_NE(at, nullptr);
    fill_frame(at, frame_length(mix, seq), seq);
    w.commit();
  }
}

// The sequence of the frame read() returns, 0 if it returns something else.
std::uint64_t next_seq(RingReader& r) {
  const ReadResult got = r.read();
  return got.status == ReadStatus::Frame ? got.frame->sequence : 0;
}

using Writer = RingTest;

TEST_F(Writer, ClaimRefusesLengthsItCannotHold) {
  RingWriter w = RingWriter::create("events", ring_of(16 << 10));
  EXPECT_EQ(w.max_frame_length(), kMaxFrameLength);
  EXPECT_EQ(w.claim(0), nullptr);
  EXPECT_EQ(w.claim(4), nullptr);
  EXPECT_EQ(w.claim(68), nullptr);  // not a multiple of 8
  EXPECT_EQ(w.claim(24), nullptr);  // shorter than a frame header
  EXPECT_EQ(w.claim(w.max_frame_length() + 8), nullptr);
  EXPECT_EQ(w.position(), 0u);
  EXPECT_NE(w.claim(w.max_frame_length()), nullptr);
}

// Moving hands the ring over: the moved-from object neither closes the ring nor
// frees the reader's slot when it is destroyed.
TEST_F(Writer, MovedFromWriterAndReaderLeaveTheRingToTheirSuccessors) {
  std::optional<RingWriter> first(RingWriter::create("events", ring_of(16 << 10)));
  RingWriter w(std::move(*first));
  first.reset();
  std::optional<RingReader> before(RingReader::attach("events", reader(ReaderKind::Lossless)));
  RingReader r(std::move(*before));
  before.reset();
  EXPECT_EQ(static_cast<WriterState>(w.ring().header->writer_state.load()), WriterState::Running);
  EXPECT_EQ(r.ring().slots[0].state.load(), static_cast<std::uint32_t>(SlotState::Active));
  write_frames(w, 2);
  EXPECT_EQ(next_seq(r), 1u);
  EXPECT_EQ(next_seq(r), 2u);
}

TEST_F(Writer, NothingIsVisibleBeforeCommitAndABatchGetsConsecutiveSequences) {
  RingWriter w = RingWriter::create("events", ring_of(1 << 20));
  RingReader r = RingReader::attach("events", reader(ReaderKind::Lossless));
  const std::uint64_t base = w.next_sequence();
  EXPECT_EQ(base, 1u);
  for (std::uint64_t k = 0; k < 10; ++k) {
    const std::uint32_t length = frame_length(FrameMix::Mixed, base + k);
    fill_frame(w.claim(length), length, base + k);
  }
  EXPECT_EQ(r.read().status, ReadStatus::Empty);
  w.commit();
  EXPECT_EQ(w.next_sequence(), 11u);
  EXPECT_EQ(w.ring().header->next_sequence.load(), 11u);
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    const ReadResult got = r.read();
    ASSERT_EQ(got.status, ReadStatus::Frame);
    EXPECT_EQ(got.frame->sequence, seq);
    EXPECT_EQ(got.missed, 0u);
    EXPECT_EQ(check_frame(*got.frame, FrameMix::Mixed), "");
  }
  EXPECT_EQ(r.read().status, ReadStatus::Empty);
}

// commit() stores the claimed length: a fill that wrote another one can neither
// misframe the ring nor lose the frame.
TEST_F(Writer, AFrameFilledWithAnotherLengthThanClaimedIsPublishedWithTheClaimedOne) {
  RingWriter w = RingWriter::create("events", ring_of(16 << 10));
  RingReader r = RingReader::attach("events", reader(ReaderKind::Lossy));
  auto& bad = w.claim<OrderPlaced>();
  fill_frame(&bad, kSmallFrame, 1);
  bad.header.length = 128;  // claimed 64
  w.commit();
  write_frames(w, 1);
  for (std::uint64_t seq = 1; seq <= 2; ++seq) {
    const ReadResult got = r.read();
    ASSERT_EQ(got.status, ReadStatus::Frame);
    EXPECT_EQ(got.frame->sequence, seq);
    EXPECT_EQ(got.frame->length, kSmallFrame);
    EXPECT_EQ(check_frame(*got.frame, FrameMix::Small), "");
    EXPECT_EQ(got.missed, 0u);
  }
  EXPECT_EQ(r.read().status, ReadStatus::Empty);
}

// A batch longer than the writer keeps lengths for (256 frames), wrapping the end
// of the ring: every frame is read back in order, whole, and stamped when asked.
TEST_F(Writer, ABatchOfMoreFramesThanItTracksIsPublishedWhole) {
  constexpr std::uint64_t kBatch = 600;
  RingWriter w = RingWriter::create("events", ring_of(64 << 10));
  RingReader r = RingReader::attach("events", reader(ReaderKind::Lossy));
  for (int round = 0; round < 3; ++round) {
    const std::uint64_t first = w.next_sequence();
    std::uint64_t bytes = 0;
    for (std::uint64_t k = 0; k < kBatch && bytes + kLargeFrame < (40u << 10); ++k) {
      const std::uint32_t length = frame_length(FrameMix::Mixed, first + k);
      void* at = w.claim(length);
      ASSERT_NE(at, nullptr);
      fill_frame(at, length, first + k);
      bytes += length;
    }
    const bool stamped = round == 1;
    if (stamped) {
      w.commit(1234);
    } else {
      w.commit();
    }
    EXPECT_GT(w.next_sequence() - first, 256u);
    for (std::uint64_t seq = first; seq < w.next_sequence(); ++seq) {
      const ReadResult got = r.read();
      ASSERT_EQ(got.status, ReadStatus::Frame) << "seq " << seq;
      EXPECT_EQ(got.frame->sequence, seq);
      EXPECT_EQ(got.missed, 0u);
      if (stamped) {
        EXPECT_EQ(got.frame->publish_time_ns, 1234);  // the stamp replaces the fill's bytes there
      } else {
        EXPECT_EQ(check_frame(*got.frame, FrameMix::Mixed), "");
      }
    }
    EXPECT_EQ(r.read().status, ReadStatus::Empty);
  }
}

// Past the first 256 frames of a batch the lengths are read back from the ring:
// from a frame written with another length on, the rest of the batch is padding,
// skipped, not misread; the frames before it and the next batch are read whole.
TEST_F(Writer, PastTheTrackedFramesAWrongLengthTurnsTheRestOfTheBatchIntoPadding) {
  RingWriter w = RingWriter::create("events", ring_of(64 << 10));
  RingReader r = RingReader::attach("events", reader(ReaderKind::Lossy));
  for (std::uint64_t seq = 1; seq <= 300; ++seq) {
    void* at = w.claim(kSmallFrame);
    ASSERT_NE(at, nullptr);
    fill_frame(at, kSmallFrame, seq);
    if (seq == 280) static_cast<FrameHeader*>(at)->length = 24;
  }
  w.commit();
  EXPECT_EQ(w.next_sequence(), 280u) << "frames 1..279 took a sequence, the rest none";
  write_frames(w, 1);
  for (std::uint64_t seq = 1; seq <= 280; ++seq) {
    const ReadResult got = r.read();
    ASSERT_EQ(got.status, ReadStatus::Frame) << "seq " << seq;
    EXPECT_EQ(got.frame->sequence, seq);
    EXPECT_EQ(got.missed, 0u);
    EXPECT_EQ(check_frame(*got.frame, FrameMix::Small), "");
  }
  EXPECT_EQ(r.read().status, ReadStatus::Empty);
}

// A reader that has caught up takes a frame as committed when its sequence field
// holds the sequence it expects. Lap 1 leaves, inside each 1 KiB frame, the image
// of a 40-byte frame carrying the sequence the reader will expect when lap 2 gets
// there (after three 40-byte frames): claim() must have cleared that field.
TEST_F(Writer, OlderBytesWhereTheNextFrameWillStartNeverPassForIt) {
  constexpr std::uint64_t kCapacity = 16 << 10;
  constexpr std::uint32_t kOld = 1024;
  constexpr std::uint32_t kNew = 40;
  constexpr std::uint64_t kOldFrames = kCapacity / kOld;
  constexpr std::uint64_t kTrap = kOldFrames + 3 + 1;
  const auto image = [](std::uint64_t sequence, std::int64_t event_time) {
    FrameBuffer f{};
    f.header().length = kNew;
    f.header().type = EventType::OrderPlaced;
    f.header().sequence = sequence;
    f.header().event_time_ns = event_time;
    return f;
  };
  RingWriter w = RingWriter::create("events", ring_of(kCapacity));
  RingReader r = RingReader::attach("events", reader(ReaderKind::Lossy));
  for (std::uint64_t i = 0; i < kOldFrames; ++i) {
    auto* at = static_cast<std::byte*>(w.claim(kOld));
    ASSERT_NE(at, nullptr);
    std::memset(at, 0, kOld);
    auto& h = *reinterpret_cast<FrameHeader*>(at);
    h.length = kOld;
    h.type = EventType::OrderBookSnapshot;
    std::memcpy(at + 3 * kNew, image(kTrap, 999).bytes, kNew);
    w.commit();
    ASSERT_EQ(next_seq(r), i + 1);
  }
  for (std::uint64_t i = 0; i < 3; ++i) {
    ASSERT_NE(w.claim_copy(image(0, 7).header()), nullptr);
    w.commit();
    ASSERT_EQ(next_seq(r), kOldFrames + 1 + i);
  }
  EXPECT_EQ(r.read().status, ReadStatus::Empty) << "an older frame's bytes passed for frame " << kTrap;
  ASSERT_NE(w.claim_copy(image(0, 7).header()), nullptr);
  w.commit();
  const ReadResult got = r.read();
  ASSERT_EQ(got.status, ReadStatus::Frame);
  EXPECT_EQ(got.frame->sequence, kTrap);
  EXPECT_EQ(got.frame->event_time_ns, 7);
}

// A recorded or relayed frame carries a sequence, maybe the very one a reader
// expects next: claim_copy() leaves it out, so the frame shows only at commit().
TEST_F(Writer, AFrameCopiedInWithTheSequenceAReaderExpectsStaysInvisibleUntilCommit) {
  RingWriter w = RingWriter::create("events", ring_of(16 << 10));
  RingReader r = RingReader::attach("events", reader(ReaderKind::Lossy));
  write_frames(w, 1);
  ASSERT_EQ(next_seq(r), 1u);
  OrderPlaced recorded{};
  fill_frame(&recorded, kSmallFrame, 2);
  recorded.header.sequence = 2;
  ASSERT_NE(w.claim_copy(recorded.header), nullptr);
  EXPECT_EQ(r.read().status, ReadStatus::Empty);
  w.commit();
  const ReadResult got = r.read();
  ASSERT_EQ(got.status, ReadStatus::Frame);
  EXPECT_EQ(got.frame->sequence, 2u);
  EXPECT_EQ(check_frame(*got.frame, FrameMix::Small), "");
}

TEST_F(Writer, PublishCopiesAFinishedFrame) {
  RingWriter w = RingWriter::create("events", ring_of(16 << 10));
  RingReader r = RingReader::attach("events", reader(ReaderKind::Lossy));
  OrderPlaced e{};
  fill_frame(&e, kSmallFrame, 1);
  ASSERT_TRUE(w.publish(e.header));
  e.header.length = 12;
  EXPECT_FALSE(w.publish(e.header));
  const ReadResult got = r.read();
  ASSERT_EQ(got.status, ReadStatus::Frame);
  EXPECT_EQ(check_frame(*got.frame, FrameMix::Small), "");
}

// Both copies of a frame (claim_copy into the ring, a lossy reader's out of it) move
// short frames inline 16 bytes a step and the rest with memcpy: every length a frame
// can have, on both sides of that limit, arrives byte for byte.
TEST_F(Writer, FramesOfEveryLengthAreCopiedInAndOutByteForByte) {
  RingWriter w = RingWriter::create("events", ring_of(64 << 10));
  RingReader lossy = RingReader::attach("events", reader(ReaderKind::Lossy));
  RingReader lossless = RingReader::attach("events", reader(ReaderKind::Lossless));
  FrameBuffer sent{};
  ASSERT_GT(w.max_frame_length(), 256u);  // past the inline copies' limit
  for (std::uint32_t length = sizeof(FrameHeader); length <= w.max_frame_length(); length += kFrameAlignment) {
    auto* bytes = reinterpret_cast<unsigned char*>(&sent);
    for (std::uint32_t i = 0; i < length; ++i) bytes[i] = static_cast<unsigned char>(length * 31 + i * 7);
    sent.header().length = length;
    sent.header().type = EventType::OrderPlaced;
    ASSERT_TRUE(w.publish(sent.header())) << length;
    for (RingReader* r : {&lossy, &lossless}) {
      const ReadResult got = r->read();
      ASSERT_EQ(got.status, ReadStatus::Frame) << length;
      ASSERT_EQ(got.frame->length, length);
      const auto* received = reinterpret_cast<const unsigned char*>(got.frame);
      // Every byte but the sequence field, which the ring assigns.
      EXPECT_EQ(std::memcmp(received, bytes, kSequenceOffset), 0) << length;
      EXPECT_EQ(std::memcmp(received + kSequenceEnd, bytes + kSequenceEnd, length - kSequenceEnd), 0) << length;
    }
  }
}

using Reader = RingTest;

TEST_F(Reader, StartsAtOldestNewestOrNext) {
  RingWriter w = RingWriter::create("events", ring_of(1 << 20));
  write_frames(w, 10);
  RingReader oldest = RingReader::attach("events", reader(ReaderKind::Lossy, StartAt::Oldest));
  RingReader newest = RingReader::attach("events", reader(ReaderKind::Lossless, StartAt::Newest));
  RingReader next = RingReader::attach("events", reader(ReaderKind::Lossy, StartAt::Next));
  EXPECT_EQ(next_seq(oldest), 1u);
  EXPECT_EQ(next_seq(newest), 10u);
  EXPECT_EQ(next.read().status, ReadStatus::Empty);
  write_frames(w, 1);
  EXPECT_EQ(next_seq(next), 11u);
  EXPECT_EQ(next_seq(newest), 11u);
}

TEST_F(Reader, LappedLossyReaderCountsExactlyWhatItMissed) {
  RingWriter w = RingWriter::create("events", ring_of(16 << 10));
  for (const StartAt resume : {StartAt::Newest, StartAt::Oldest}) {
    ReaderOptions o = reader(ReaderKind::Lossy);
    o.start = StartAt::Next;
    o.resume_after_lap = resume;
    RingReader r = RingReader::attach("events", o);
    // The first frame is read before the writer laps the reader: missed counts
    // start from the first frame a reader has seen.
    const std::uint64_t first = w.next_sequence();
    write_frames(w, 1);
    ASSERT_EQ(next_seq(r), first);
    std::uint64_t received = 1, missed = 0, last = first;
    for (int round = 0; round < 50; ++round) {
      // Write more than the ring holds (16 KiB: about 200 frames), then read a few.
      // Resuming at the newest frame leaves one to read; at the oldest, many.
      write_frames(w, 300 + static_cast<std::uint64_t>(round) * 7, FrameMix::Mixed);
      for (int i = 0; i < 5; ++i) {
        const ReadResult got = r.read();
        if (i > 0 && got.status == ReadStatus::Empty) break;
        ASSERT_EQ(got.status, ReadStatus::Frame);
        ASSERT_GT(got.frame->sequence, last);
        EXPECT_EQ(got.missed, got.frame->sequence - last - 1);
        EXPECT_EQ(check_frame(*got.frame, FrameMix::Mixed), "");
        last = got.frame->sequence;
        ++received;
        missed += got.missed;
      }
    }
    for (ReadResult got = r.read(); got.status == ReadStatus::Frame; got = r.read()) {
      ASSERT_GT(got.frame->sequence, last);
      last = got.frame->sequence;
      ++received;
      missed += got.missed;
    }
    EXPECT_EQ(last, w.next_sequence() - 1);
    EXPECT_EQ(received + missed, w.next_sequence() - first);
    EXPECT_EQ(r.missed_total(), missed);
    EXPECT_GT(missed, 0u);
  }
}

TEST_F(Reader, ReaderLappedBeforeItsFirstFrameCountsWhatItMissedFromWhereItStarted) {
  RingWriter w = RingWriter::create("events", ring_of(16 << 10));
  write_frames(w, 10);
  for (const StartAt start : {StartAt::Next, StartAt::Newest, StartAt::Oldest}) {
    ReaderOptions o = reader(ReaderKind::Lossy, start);
    RingReader r = RingReader::attach("events", o);
    // The frame the reader would have read first: the next one, the newest, or the
    // oldest (which a twin attached at the same moment reads).
    RingReader twin = RingReader::attach("events", o);
    const std::uint64_t first = start == StartAt::Next ? w.next_sequence() : next_seq(twin);
    write_frames(w, 600, FrameMix::Mixed);  // several laps of a 16 KiB ring before the first read
    const ReadResult got = r.read();
    ASSERT_EQ(got.status, ReadStatus::Frame);
    EXPECT_EQ(got.missed, got.frame->sequence - first) << "start " << static_cast<int>(start);
    EXPECT_EQ(r.missed_total(), got.missed);
  }
}

TEST_F(Reader, EvictedLosslessReaderLearnsItsLastFrameMayBeTorn) {
  CreateOptions ring = ring_of(16 << 10);
  ring.reader_timeout = std::chrono::milliseconds(20);
  RingWriter w = RingWriter::create("events", ring);
  RingReader r = RingReader::attach("events", reader(ReaderKind::Lossless));
  write_frames(w, 1);
  ASSERT_EQ(next_seq(r), 1u);
  EXPECT_TRUE(r.frame_intact());
  // The reader holds frame 1 in place and goes silent past the timeout; the writer
  // laps the ring, evicting it, and overwrites the frame it holds.
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  write_frames(w, 600);
  EXPECT_FALSE(r.frame_intact());
  EXPECT_EQ(r.read().status, ReadStatus::Evicted);
}

// The stall an evicted reader caused is in its slot as soon as the slot says
// Evicted, even while another reader still holds the writer back.
TEST_F(Reader, AnEvictedReadersSlotShowsTheStallItCausedAtOnce) {
  CreateOptions ring = ring_of(16 << 10);
  ring.reader_timeout = std::chrono::milliseconds(100);
  RingWriter w = RingWriter::create("events", ring);
  ReaderOptions silent_options = reader(ReaderKind::Lossless);
  silent_options.name = "silent";
  ReaderOptions held_options = reader(ReaderKind::Lossless);
  held_options.name = "held";
  RingReader silent = RingReader::attach("events", silent_options);
  RingReader held = RingReader::attach("events", held_options);
  std::atomic<bool> heartbeating{true};
  std::thread heart([&] {
    while (heartbeating.load()) {
      held.heartbeat();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  std::atomic<bool> written{false};
  std::thread writer([&] {
    write_frames(w, 600);  // laps the 16 KiB ring: waits for both readers
    written.store(true);
  });
  // The slot table itself: one field, watched closely.
  const ReaderSlot* slot = nullptr;
  for (std::uint32_t i = 0; i < kReaderSlots && slot == nullptr; ++i) {
    if (std::string_view(w.ring().slots[i].name) == "silent") slot = &w.ring().slots[i];
  }
  ASSERT_NE(slot, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  // Acquire pairs with the eviction's CAS: the stall charged before it is visible.
  while (slot->state.load(std::memory_order_acquire) != static_cast<std::uint32_t>(SlotState::Evicted) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(slot->state.load(std::memory_order_acquire), static_cast<std::uint32_t>(SlotState::Evicted));
  EXPECT_FALSE(written.load()) << "the held reader still holds the writer back";
  EXPECT_GE(slot->stall_caused_ns.load(std::memory_order_relaxed), 50'000'000) << "most of the 100 ms timeout";
  heartbeating.store(false);
  heart.join();
  while (!written.load()) held.read();
  writer.join();
  EXPECT_EQ(silent.read().status, ReadStatus::Evicted);
}

TEST_F(Reader, LosslessReaderTableHoldsSixtyFourThenRefusesWithAMessage) {
  RingWriter w = RingWriter::create("events", ring_of(16 << 10));
  std::vector<RingReader> readers;
  for (std::uint32_t i = 0; i < kReaderSlots; ++i) {
    readers.push_back(RingReader::attach("events", reader(ReaderKind::Lossless)));
  }
  try {
    RingReader extra = RingReader::attach("events", reader(ReaderKind::Lossless));
    ADD_FAILURE() << "a 65th lossless reader registered";
  } catch (const RingError& e) {
    EXPECT_EQ(std::string(e.what()), ring_path("events").string() + ": reader table full (64 readers)");
  }
  RingReader lossy = RingReader::attach("events", reader(ReaderKind::Lossy));
  EXPECT_FALSE(lossy.registered()) << "a lossy reader reads unregistered when the table is full";
  readers.pop_back();
  RingReader again = RingReader::attach("events", reader(ReaderKind::Lossless));
  EXPECT_TRUE(again.registered()) << "a detached reader's slot is free again";
}

TEST_F(Reader, SeesWriterClosedThenTheNextGeneration) {
  const std::byte metadata[3] = {std::byte{7}, std::byte{8}, std::byte{9}};
  CreateOptions o = ring_of(16 << 10);
  o.metadata = metadata;
  std::optional<RingWriter> w(RingWriter::create("events", o));
  EXPECT_EQ(w->generation(), 1u);
  ReaderOptions ro = reader(ReaderKind::Lossless);
  ro.liveness_check = std::chrono::milliseconds(0);
  RingReader r = RingReader::attach("events", ro);
  ASSERT_EQ(r.metadata().size(), 3u);
  EXPECT_EQ(r.metadata()[2], std::byte{9});
  write_frames(*w, 3);
  w.reset();  // a clean stop: Closed
  for (std::uint64_t seq = 1; seq <= 3; ++seq) EXPECT_EQ(next_seq(r), seq);
  EXPECT_EQ(r.read().status, ReadStatus::WriterClosed);
  EXPECT_EQ(r.writer_status().state, WriterState::Closed);

  w.emplace(RingWriter::create("events", o));
  EXPECT_EQ(w->generation(), 2u);
  write_frames(*w, 2);
  EXPECT_EQ(r.read().status, ReadStatus::NewGeneration);
  r.reattach();
  EXPECT_EQ(r.generation(), 2u);
  EXPECT_EQ(next_seq(r), 1u);
  EXPECT_EQ(next_seq(r), 2u);
  EXPECT_EQ(r.read().status, ReadStatus::Empty);
}

// One writer thread, a lossless and a lossy reader thread, in this process.
// snapshot_ring (ringside inspect, ls, status lines) copies the newest frame the
// way a lossy reader does, while the writer may be overwriting it: the newest
// frame it reports is never torn and never goes back, and under TSan the
// speculative copy is no race report either.
TEST_F(Reader, SnapshotsWhileAWriterThreadLapsTheRingSeeOnlyIntactNewestFrames) {
  RingWriter w = RingWriter::create("events", ring_of(16 << 10));
  const std::uint64_t count = kSanitizer.empty() ? 400'000 : 100'000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    write_frames(w, count, FrameMix::Mixed);  // no lossless reader: laps the 16 KiB ring freely
    done.store(true);
  });
  std::uint64_t snapshots = 0, intact = 0, torn = 0, backwards = 0, previous = 0;
  while (!done.load()) {
    const RingStatus s = snapshot_ring(w.ring());
    ++snapshots;
    if (!s.newest) continue;
    ++intact;
    if (s.newest->event_time_ns != static_cast<std::int64_t>(s.newest->sequence * 11)) ++torn;  // fill_frame's
    if (s.newest->sequence < previous) ++backwards;
    previous = s.newest->sequence;
  }
  writer.join();
  EXPECT_GT(intact, 0u) << "of " << snapshots << " snapshots";
  EXPECT_EQ(torn, 0u);
  EXPECT_EQ(backwards, 0u);
}

TEST_F(Reader, WriterAndReaderThreads) {
  const std::uint64_t count = kSanitizer.empty() ? 2'000'000 : 200'000;
  RingWriter w = RingWriter::create("events", ring_of(64 << 10));
  RingReader lossless = RingReader::attach("events", reader(ReaderKind::Lossless));
  RingReader lossy = RingReader::attach("events", reader(ReaderKind::Lossy));
  std::atomic<bool> failed{false};
  std::atomic<int> primed{0};  // readers that have read frame 1
  struct Result {
    std::uint64_t received = 0, missed = 0, last = 0, torn = 0, disorder = 0;
    ReadStatus status = ReadStatus::Empty;
    std::string problem;
  };
  const auto read_all = [&](RingReader& r, Result& out) {
    const auto deadline = std::chrono::steady_clock::now() + scaled(std::chrono::seconds(60));
    for (;;) {
      const ReadResult got = r.read();
      if (got.status == ReadStatus::Frame) {
        if (const std::string problem = check_frame(*got.frame, FrameMix::Mixed); !problem.empty()) {
          if (out.torn++ == 0) out.problem = problem;
        }
        if (got.frame->sequence <= out.last || got.missed != got.frame->sequence - out.last - 1) ++out.disorder;
        out.last = got.frame->sequence;
        if (out.received++ == 0) primed.fetch_add(1);
        out.missed += got.missed;
      } else if (got.status == ReadStatus::Empty) {
        if (std::chrono::steady_clock::now() > deadline || failed) {
          failed = true;
          return;
        }
        std::this_thread::yield();
      } else {
        out.status = got.status;
        return;
      }
    }
  };
  Result a, b;
  std::thread t1([&] { read_all(lossless, a); });
  std::thread t2([&] { read_all(lossy, b); });
  // Both readers read frame 1 before the writer can lap the lossy one, so its
  // missed count covers the whole stream.
  write_frames(w, 1, FrameMix::Mixed);
  std::uint64_t written = 1;
  const auto primed_by = std::chrono::steady_clock::now() + scaled(std::chrono::seconds(10));
  while (primed.load() < 2 && std::chrono::steady_clock::now() < primed_by) std::this_thread::yield();
  while (written < count && !failed) {
    const auto n = std::min<std::uint64_t>(1 + written % 7, count - written);
    const std::uint64_t base = w.next_sequence();
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint32_t length = frame_length(FrameMix::Mixed, base + k);
      fill_frame(w.claim(length), length, base + k);
    }
    w.commit();
    written += n;
  }
  {
    RingWriter closing = std::move(w);  // ~RingWriter: Closed
  }
  t1.join();
  t2.join();
  ASSERT_FALSE(failed) << "a reader timed out";
  EXPECT_EQ(a.status, ReadStatus::WriterClosed);
  EXPECT_EQ(a.received, count);
  EXPECT_EQ(a.missed, 0u);
  EXPECT_EQ(a.torn, 0u) << a.problem;
  EXPECT_EQ(a.disorder, 0u);
  EXPECT_EQ(b.status, ReadStatus::WriterClosed);
  EXPECT_EQ(b.received + b.missed, count);
  EXPECT_EQ(b.last, count);
  EXPECT_EQ(b.torn, 0u) << b.problem;
  EXPECT_EQ(b.disorder, 0u);
}

}  // namespace
}  // namespace ringside::shm::test
