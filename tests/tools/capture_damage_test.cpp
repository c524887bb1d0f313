// Bad capture files (issue 5, point 6): each refused with the file and the byte
// offset, or, for damage after a good header, read up to the last whole block
// that verifies, with what was skipped recorded (file, offset, bytes, problem).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "capture_test_helpers.hpp"
#include "core/test_symbols.hpp"
#include "ringside/tools/capture_blocks.hpp"
#include "ringside/tools/capture_format.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools::capture_test {
namespace {

using capture::CaptureIndexEntry;

class CaptureDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ringside-capture-damage.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    file_ = dir_ / "events.cap";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void record(std::uint64_t count, std::uint64_t max_segment_bytes = 0) {
    CaptureWriter w(small_blocks(file_, max_segment_bytes));
    w.start_segment(test_ring_info());
    write_frames(w, 1, count);
    w.close();
  }

  // The data blocks of a segment as its index lists them.
  std::vector<CaptureIndexEntry> blocks_of(const fs::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    const CaptureReader r = CaptureReader::open({p}, CaptureReadOptions{.follow_segments = false});
    CaptureSegmentInfo info = r.segments()[0];
    auto blocks = list_data_blocks(fd, info, find_trailer(fd, info));
    ::close(fd);
    return blocks;
  }

  // Opening must fail with exactly this message.
  void expect_refused(const fs::path& p, const std::string& message) {
    try {
      (void)CaptureReader::open({p});
      ADD_FAILURE() << "opened " << p << ", expected: " << message;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
  }

  fs::path dir_;
  fs::path file_;
};

TEST_F(CaptureDamageTest, MissingFile) {
  expect_refused(dir_ / "nope.cap", (dir_ / "nope.cap").string() + ": cannot open: No such file or directory");
  expect_refused(dir_, dir_.string() + ": is a directory, not a capture file");
}

TEST_F(CaptureDamageTest, EmptyFile) {
  write_file(file_, "");
  expect_refused(file_, file_.string() + ": offset 0: empty file (no capture header)");
}

TEST_F(CaptureDamageTest, WrongMagic) {
  write_file(file_, std::string("hello world, this is not a capture") + std::string(300, 'x'));
  expect_refused(file_, file_.string() + ": offset 0: not a ringside capture: magic 'hello wo', expected 'RSCAPTUR'");
  write_file(file_, std::string("\x01RSRING1") + std::string(300, '\0'));  // a ring file
  expect_refused(file_, file_.string() + ": offset 0: not a ringside capture: magic '\\x01RSRING1', expected 'RSCAPTUR'");
}

TEST_F(CaptureDamageTest, WrongVersion) {
  record(10);
  std::string bytes = read_file(file_);
  const std::uint32_t version = 7;
  std::memcpy(bytes.data() + 8, &version, 4);
  write_file(file_, bytes);
  expect_refused(file_, file_.string() + ": offset 8: unsupported capture format version 7 (this build reads version 1)");
}

TEST_F(CaptureDamageTest, TruncatedHeader) {
  record(10);
  write_file(file_, read_file(file_).substr(0, 100));
  expect_refused(file_,
                 file_.string() + ": offset 100: header truncated: the file ends after 100 bytes, a capture header has 192");
  write_file(file_, "RSCAP");
  expect_refused(file_, file_.string() + ": offset 5: header truncated: the file ends after 5 bytes, a capture header has 192");
}

TEST_F(CaptureDamageTest, DamagedHeaderFailsItsChecksum) {
  record(10);
  flip_byte(file_, 40);  // ring capacity
  try {
    (void)CaptureReader::open({file_});
    ADD_FAILURE() << "opened a damaged header";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(file_.string() + ": offset 188: header checksum mismatch (stored 0x", 0), 0u)
        << e.what();
  }
}

TEST_F(CaptureDamageTest, DamagedSymbolTable) {
  CaptureRingInfo info = test_ring_info();
  info.metadata = ringside::test::test_symbols().to_image();
  {
    CaptureWriter w(small_blocks(file_));
    w.start_segment(info);
    w.close();
  }
  flip_byte(file_, 192 + 20);
  try {
    (void)CaptureReader::open({file_});
    ADD_FAILURE() << "opened a damaged symbol table";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(file_.string() + ": offset 192: symbol table checksum mismatch", 0), 0u)
        << e.what();
  }
}

// The recorder killed mid-write: the file ends inside a block's payload. Every
// block before it is read; the rest is reported, with its offset and size.
TEST_F(CaptureDamageTest, TruncatedMidBlock) {
  record(3000);
  const std::vector<CaptureIndexEntry> blocks = blocks_of(file_);
  ASSERT_GE(blocks.size(), 10u);
  const CaptureIndexEntry& cut = blocks[7];
  fs::resize_file(file_, cut.offset + 96 + 1000);

  CaptureReader r = CaptureReader::open({file_});
  EXPECT_FALSE(r.segments()[0].closed_cleanly);
  const ReadBack got = read_all(r);
  EXPECT_EQ(got.sequences, run_of(1, cut.first_sequence - 1));
  EXPECT_EQ(got.bad_frames, 0u) << got.first_problem;
  ASSERT_EQ(r.damage().size(), 1u);
  const CaptureDamage& d = r.damage()[0];
  EXPECT_EQ(d.file, file_);
  EXPECT_EQ(d.offset, cut.offset);
  EXPECT_EQ(d.bytes_skipped, 96u + 1000u);
  EXPECT_EQ(r.bytes_skipped(), 1096u);
  EXPECT_EQ(to_string(d).rfind(file_.string() + ": offset " + std::to_string(cut.offset) + ": block ", 0), 0u) << to_string(d);
  EXPECT_NE(d.problem.find(": truncated: the file ends 1000 bytes into its "), std::string::npos) << d.problem;
  EXPECT_NE(to_string(d).find("(1096 bytes skipped)"), std::string::npos) << to_string(d);

  // Cut inside a block header instead.
  fs::resize_file(file_, cut.offset + 50);
  CaptureReader again = CaptureReader::open({file_});
  EXPECT_EQ(read_all(again).sequences, run_of(1, cut.first_sequence - 1));
  ASSERT_EQ(again.damage().size(), 1u);
  EXPECT_EQ(again.damage()[0].offset, cut.offset);
  EXPECT_EQ(again.damage()[0].bytes_skipped, 50u);
  EXPECT_NE(again.damage()[0].problem.find("block header truncated"), std::string::npos) << again.damage()[0].problem;
}

// One flipped byte in a payload: that block is skipped whole, the blocks after it are read.
TEST_F(CaptureDamageTest, FlippedPayloadByteSkipsThatBlockOnly) {
  record(3000);
  const std::vector<CaptureIndexEntry> blocks = blocks_of(file_);
  const CaptureIndexEntry& hit = blocks[5];
  flip_byte(file_, hit.offset + 96 + 300);

  CaptureReader r = CaptureReader::open({file_});
  const ReadBack got = read_all(r);
  std::vector<std::uint64_t> expected = run_of(1, hit.first_sequence - 1);
  for (std::uint64_t s : run_of(hit.last_sequence + 1, 3000)) expected.push_back(s);
  EXPECT_EQ(got.sequences, expected);
  EXPECT_EQ(got.bad_frames, 0u) << got.first_problem;
  ASSERT_EQ(r.damage().size(), 1u);
  const CaptureDamage& d = r.damage()[0];
  EXPECT_EQ(d.offset, hit.offset);
  EXPECT_EQ(d.bytes_skipped, hit.block_bytes);
  EXPECT_NE(d.problem.find("payload checksum mismatch (stored 0x"), std::string::npos) << d.problem;
  EXPECT_EQ(d.problem.rfind("block ", 0), 0u) << d.problem;

  // A second pass (replay --loop) finds the same damage and does not report it twice.
  r.rewind();
  EXPECT_EQ(read_all(r).sequences, expected);
  EXPECT_EQ(r.damage().size(), 1u);
}

// A damaged block header: the reader resyncs at the next aligned block.
TEST_F(CaptureDamageTest, DamagedBlockHeaderResyncsAtTheNextBlock) {
  record(3000);
  const std::vector<CaptureIndexEntry> blocks = blocks_of(file_);
  const CaptureIndexEntry& hit = blocks[2];
  flip_byte(file_, hit.offset + 33);  // payload_bytes

  CaptureReader r = CaptureReader::open({file_});
  std::vector<std::uint64_t> expected = run_of(1, hit.first_sequence - 1);
  for (std::uint64_t s : run_of(hit.last_sequence + 1, 3000)) expected.push_back(s);
  EXPECT_EQ(read_all(r).sequences, expected);
  ASSERT_EQ(r.damage().size(), 1u);
  EXPECT_EQ(r.damage()[0].offset, hit.offset);
  EXPECT_EQ(r.damage()[0].bytes_skipped, hit.block_bytes);
  EXPECT_EQ(r.damage()[0].problem, "block header checksum mismatch");
}

// A block the recorder never finished writing while later ones landed: a hole of zeros.
TEST_F(CaptureDamageTest, HoleOfZeros) {
  record(3000);
  const std::vector<CaptureIndexEntry> blocks = blocks_of(file_);
  const CaptureIndexEntry& hit = blocks[4];
  std::string bytes = read_file(file_);
  std::memset(bytes.data() + hit.offset, 0, hit.block_bytes);
  write_file(file_, bytes);

  CaptureReader r = CaptureReader::open({file_});
  const ReadBack got = read_all(r);
  EXPECT_EQ(got.sequences.size(), 3000u - (hit.last_sequence - hit.first_sequence + 1));
  ASSERT_EQ(r.damage().size(), 1u);
  EXPECT_EQ(r.damage()[0].offset, hit.offset);
  EXPECT_EQ(r.damage()[0].bytes_skipped, hit.block_bytes);
  EXPECT_NE(r.damage()[0].problem.find("only zeros"), std::string::npos) << r.damage()[0].problem;
}

// Blocks whose checksums hold but whose frames do not pass check_frame (here:
// symbol ids outside the recorded symbol table) are not trusted either.
TEST_F(CaptureDamageTest, FramesFailingTheFrameCheck) {
  CaptureRingInfo info = test_ring_info();
  info.metadata = ringside::test::test_symbols().to_image();
  {
    CaptureWriter w(small_blocks(file_));
    w.start_segment(info);
    write_frames(w, 1, 10);  // symbol ids seq * 13: outside a small table
    w.close();
  }
  CaptureReader r = CaptureReader::open({file_});
  EXPECT_EQ(r.next(), nullptr);
  ASSERT_EQ(r.damage().size(), 1u);
  const std::uint64_t block = r.segments()[0].data_offset;  // after the header and the symbol table
  EXPECT_EQ(r.damage()[0].offset, block);
  EXPECT_EQ(r.damage()[0].problem,
            "block 0: frame 0 at offset " + std::to_string(block + 96) + ": symbol id not in the symbol table");
}

// A numbered segment with a damaged header is skipped; the segments around it are read.
TEST_F(CaptureDamageTest, DamagedSegmentHeaderSkipsThatSegment) {
  record(5000, 64 << 10);
  const fs::path bad = capture::segment_path(file_, 1);
  const auto bad_blocks = blocks_of(bad);
  flip_byte(bad, 0);
  CaptureReader r = CaptureReader::open({file_});
  const ReadBack got = read_all(r);
  std::vector<std::uint64_t> expected = run_of(1, bad_blocks.front().first_sequence - 1);
  for (std::uint64_t s : run_of(bad_blocks.back().last_sequence + 1, 5000)) expected.push_back(s);
  EXPECT_EQ(got.sequences, expected);
  ASSERT_EQ(r.damage().size(), 1u);
  EXPECT_EQ(r.damage()[0].file, bad);
  EXPECT_EQ(r.damage()[0].offset, 0u);
  EXPECT_EQ(r.damage()[0].bytes_skipped, fs::file_size(bad));
  EXPECT_EQ(r.damage()[0].problem.rfind("not a ringside capture: magic ", 0), 0u) << r.damage()[0].problem;
  // Named on the command line, the same file is refused outright.
  EXPECT_THROW((void)CaptureReader::open({bad}), InputError);
}

// A leftover FILE.NNNN of an older recording is never read as part of this one.
TEST_F(CaptureDamageTest, SegmentOfAnotherRecordingIsNotRead) {
  record(100);
  const fs::path other = dir_ / "other.cap";
  {
    CaptureWriter w(small_blocks(other));
    w.start_segment(test_ring_info());
    w.start_segment(test_ring_info(2));  // other.cap.0001
    write_frames(w, 1, 5);
    w.close();
  }
  fs::copy_file(capture::segment_path(other, 1), capture::segment_path(file_, 1));
  CaptureReader r = CaptureReader::open({file_});
  EXPECT_EQ(read_all(r).sequences, run_of(1, 100));
  ASSERT_EQ(r.damage().size(), 1u);
  EXPECT_NE(r.damage()[0].problem.find("another recording"), std::string::npos) << r.damage()[0].problem;
}

}  // namespace
}  // namespace ringside::tools::capture_test
