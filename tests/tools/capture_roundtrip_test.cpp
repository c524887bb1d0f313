// Capture files in process: what CaptureWriter writes, CaptureReader reads back
// frame for frame, across rotated segments and writer generations; seeking by
// sequence and by event time through the index (and without one).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "capture_test_helpers.hpp"
#include "core/test_symbols.hpp"
#include "ringside/tools/capture_format.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools::capture_test {
namespace {

class CaptureRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ringside-capture-test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Frames 1..count of one generation, rotated every max_segment_bytes.
  fs::path record(std::uint64_t count, std::uint64_t max_segment_bytes = 0, std::uint64_t* segments = nullptr) {
    const fs::path file = dir_ / "events.cap";
    CaptureWriter w(small_blocks(file, max_segment_bytes));
    w.start_segment(test_ring_info());
    write_frames(w, 1, count, 1000);
    w.close();
    if (segments != nullptr) *segments = w.stats().segments;
    EXPECT_EQ(w.stats().frames, count);
    return file;
  }

  fs::path dir_;
};

TEST_F(CaptureRoundTrip, EveryFrameBackInOrder) {
  const fs::path file = record(2000);
  CaptureReader r = CaptureReader::open({file});
  ASSERT_EQ(r.segments().size(), 1u);
  const CaptureSegmentInfo& s = r.segments()[0];
  EXPECT_EQ(s.ring_name, "drv");
  EXPECT_EQ(s.generation, 1u);
  EXPECT_EQ(s.ring_capacity, 1u << 20);
  EXPECT_TRUE(s.closed_cleanly);
  EXPECT_GT(s.start_time_ns, 0);
  const ReadBack got = read_all(r);
  EXPECT_EQ(got.sequences, run_of(1, 2000));
  EXPECT_EQ(got.bad_frames, 0u) << got.first_problem;
  EXPECT_TRUE(r.damage().empty());
  EXPECT_EQ(r.frames_read(), 2000u);
  EXPECT_EQ(r.next(), nullptr);  // and stays at the end
}

TEST_F(CaptureRoundTrip, RotatesIntoNumberedSegmentsEachReadableAlone) {
  std::uint64_t segments = 0;
  const fs::path file = record(5000, 64 << 10, &segments);
  ASSERT_GE(segments, 4u);
  for (std::uint32_t n = 1; n < segments; ++n) EXPECT_TRUE(fs::exists(capture::segment_path(file, n))) << n;
  EXPECT_TRUE(fs::exists(dir_ / "events.cap.0001"));
  EXPECT_FALSE(fs::exists(capture::segment_path(file, static_cast<std::uint32_t>(segments))));
  for (std::uint32_t n = 0; n < segments; ++n) {
    // The soft limit: a segment may pass it by at most one block, an index and a trailer.
    EXPECT_LE(fs::file_size(capture::segment_path(file, n)), (64u << 10) + 8192u + 2 * 4096u) << n;
  }

  CaptureReader all = CaptureReader::open({file});
  EXPECT_EQ(all.segments().size(), segments);
  const ReadBack got = read_all(all);
  EXPECT_EQ(got.sequences, run_of(1, 5000));
  EXPECT_EQ(got.bad_frames, 0u) << got.first_problem;
  EXPECT_TRUE(all.damage().empty());

  // One segment alone: its own header, its own frames.
  CaptureReader second = CaptureReader::open({capture::segment_path(file, 2)});
  ASSERT_EQ(second.segments().size(), 1u);
  EXPECT_EQ(second.segments()[0].segment, 2u);
  const ReadBack part = read_all(second);
  ASSERT_FALSE(part.sequences.empty());
  EXPECT_EQ(part.sequences, run_of(part.sequences.front(), part.sequences.back()));
  EXPECT_GT(part.sequences.front(), 1u);

  // A shell glob (FILE*) names every segment: each is read once.
  std::vector<fs::path> glob;
  for (std::uint32_t n = 0; n < segments; ++n) glob.push_back(capture::segment_path(file, n));
  CaptureReader globbed = CaptureReader::open(glob);
  EXPECT_EQ(read_all(globbed).sequences, run_of(1, 5000));

  CaptureReadOptions alone;
  alone.follow_segments = false;
  CaptureReader first_only = CaptureReader::open({file}, alone);
  EXPECT_EQ(first_only.segments().size(), 1u);
}

TEST_F(CaptureRoundTrip, NewGenerationStartsANewSegmentWithItsOwnHeader) {
  const fs::path file = dir_ / "events.cap";
  const SymbolTable symbols = ringside::test::test_symbols();
  {
    CaptureWriter w(small_blocks(file));
    w.start_segment(test_ring_info(1));
    write_frames(w, 1, 300);
    CaptureRingInfo restarted = test_ring_info(2);
    restarted.ring_capacity = 4 << 20;
    w.start_segment(restarted);
    write_frames(w, 1, 200);  // the new writer numbers from 1 again
    w.close();
    EXPECT_EQ(w.stats().segments, 2u);
  }
  CaptureReader r = CaptureReader::open({file});
  ASSERT_EQ(r.segments().size(), 2u);
  EXPECT_EQ(r.segments()[0].generation, 1u);
  EXPECT_EQ(r.segments()[1].generation, 2u);
  EXPECT_EQ(r.segments()[1].ring_capacity, 4u << 20);
  EXPECT_EQ(r.segments()[1].file, capture::segment_path(file, 1));
  const ReadBack got = read_all(r);
  std::vector<std::uint64_t> expected = run_of(1, 300);
  for (std::uint64_t s : run_of(1, 200)) expected.push_back(s);
  EXPECT_EQ(got.sequences, expected);
  ASSERT_EQ(got.generations.size(), 500u);
  EXPECT_EQ(got.generations[299], 1u);
  EXPECT_EQ(got.generations[300], 2u);
  EXPECT_EQ(r.segment_index(), 1u);
}

TEST_F(CaptureRoundTrip, SymbolTableTravelsWithTheCapture) {
  const fs::path file = dir_ / "events.cap";
  const SymbolTable symbols = ringside::test::test_symbols();
  CaptureRingInfo info = test_ring_info();
  info.metadata = symbols.to_image();
  {
    CaptureWriter w(small_blocks(file));
    w.start_segment(info);
    TestFrame f = test_frame(1);
    auto& h = *reinterpret_cast<FrameHeader*>(f.bytes);
    h.symbol = SymbolId{1};
    w.append(h);
    w.close();
  }
  CaptureReader r = CaptureReader::open({file});
  EXPECT_EQ(r.symbols(), symbols);
  ASSERT_NE(r.next(), nullptr);
  EXPECT_EQ(r.segments()[0].metadata, info.metadata);
}

TEST_F(CaptureRoundTrip, SeekBySequenceAndByEventTime) {
  std::uint64_t segments = 0;
  const fs::path file = record(5000, 64 << 10, &segments);
  CaptureReader r = CaptureReader::open({file});
  ASSERT_TRUE(r.seek_sequence(1234));
  const FrameHeader* f = r.next();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->sequence, 1234u);
  EXPECT_EQ(read_all(r).sequences, run_of(1235, 5000));

  // Driver frames carry event time seq * 11 ns: the first frame at or after a time.
  ASSERT_TRUE(r.seek_time(4321 * 11 - 5));
  ASSERT_NE(f = r.next(), nullptr);
  EXPECT_EQ(f->sequence, 4321u);
  ASSERT_TRUE(r.seek_time(0));
  ASSERT_NE(f = r.next(), nullptr);
  EXPECT_EQ(f->sequence, 1u);
  ASSERT_TRUE(r.seek_sequence(5000));
  ASSERT_NE(f = r.next(), nullptr);
  EXPECT_EQ(f->sequence, 5000u);
  EXPECT_EQ(r.next(), nullptr);

  EXPECT_FALSE(r.seek_sequence(5001));
  EXPECT_EQ(r.next(), nullptr);
  EXPECT_FALSE(r.seek_time(5001 * 11));
  EXPECT_EQ(r.next(), nullptr);

  // Every first frame of a segment is found too.
  for (std::uint32_t n = 1; n < segments; ++n) {
    CaptureReader alone = CaptureReader::open({capture::segment_path(file, n)});
    const std::uint64_t first = alone.next()->sequence;
    ASSERT_TRUE(r.seek_sequence(first));
    ASSERT_NE(f = r.next(), nullptr);
    EXPECT_EQ(f->sequence, first);
    EXPECT_EQ(r.segment_index(), n);
  }
}

TEST_F(CaptureRoundTrip, SeekWithoutTrailerWalksTheBlockHeaders) {
  std::uint64_t segments = 0;
  const fs::path file = record(3000, 64 << 10, &segments);
  // As if the recorder had been killed: no trailer at the end of any segment.
  for (std::uint32_t n = 0; n < segments; ++n) {
    const fs::path p = capture::segment_path(file, n);
    fs::resize_file(p, fs::file_size(p) - 4096);
  }
  CaptureReader r = CaptureReader::open({file});
  for (const CaptureSegmentInfo& s : r.segments()) EXPECT_FALSE(s.closed_cleanly) << s.file;
  ASSERT_TRUE(r.seek_sequence(2222));
  const FrameHeader* f = r.next();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->sequence, 2222u);
  ASSERT_TRUE(r.seek_time(1717 * 11));
  ASSERT_NE(f = r.next(), nullptr);
  EXPECT_EQ(f->sequence, 1717u);
  EXPECT_EQ(read_all(r).sequences, run_of(1718, 3000));
  EXPECT_TRUE(r.damage().empty());  // losing the trailer loses no frame
}

TEST_F(CaptureRoundTrip, RewindReadsItAllAgain) {
  const fs::path file = record(700);
  CaptureReader r = CaptureReader::open({file});
  EXPECT_EQ(read_all(r).sequences, run_of(1, 700));
  r.rewind();
  EXPECT_EQ(read_all(r).sequences, run_of(1, 700));
  EXPECT_EQ(r.frames_read(), 1400u);
}

TEST_F(CaptureRoundTrip, RefusesToOverwriteUnlessAsked) {
  const fs::path file = record(10, 0);
  EXPECT_THROW(CaptureWriter{small_blocks(file)}, InputError);
  // With overwrite, stale numbered segments of the older recording go too.
  write_file(capture::segment_path(file, 3), "stale");
  CaptureWriterOptions o = small_blocks(file);
  o.overwrite = true;
  CaptureWriter w(o);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(capture::segment_path(file, 3)));
  EXPECT_THROW(CaptureWriter{small_blocks(dir_ / "no-such-dir" / "x.cap")}, InputError);
}

}  // namespace
}  // namespace ringside::tools::capture_test
