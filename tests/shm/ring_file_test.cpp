// Ring files, in this process: names, the ring directory, file modes, both
// backings, and every kind of bad input refused with a message that names the
// file and the problem (issue point 6).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"
#include "test_frames.hpp"

namespace ringside::shm::test {
namespace {
namespace fs = std::filesystem;

CreateOptions small_ring() {
  CreateOptions o;
  o.capacity = 16 << 10;
  o.backing = BackingChoice::SharedMemory;
  return o;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p << ": " << std::strerror(errno);
  return st.st_mode & 07777;
}

// What attach() throws, as text ("" if it does not throw).
std::string attach_error(const std::string& name, ReaderKind kind,
                         std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
  try {
    ReaderOptions o;
    o.kind = kind;
    o.wait_for_ring = wait;
    RingReader r = RingReader::attach(name, o);
    return "";
  } catch (const RingError& e) {
    return e.what();
  }
}

// Whether attaching fails with RingError::missing(); nullopt if it does not fail.
std::optional<bool> attach_says_missing(const std::string& name, ReaderKind kind) {
  try {
    ReaderOptions o;
    o.kind = kind;
    RingReader r = RingReader::attach(name, o);
    return std::nullopt;
  } catch (const RingError& e) {
    return e.missing();
  }
}

using RingName = RingTest;

TEST_F(RingName, ValidNamesAreAcceptedAndOthersRefusedWithTheReason) {
  for (const std::string& name : std::vector<std::string>{"events", "orders.client1", "a", "A-Z_0.9", std::string(63, 'x')}) {
    EXPECT_NO_THROW(check_ring_name(name)) << name;
  }
  for (const std::string& name : std::vector<std::string>{"", ".hidden", "a/b", "../events", std::string(64, 'x'), "sp ace", "caf\xc3\xa9"}) {
    try {
      check_ring_name(name);
      ADD_FAILURE() << "accepted '" << name << "'";
    } catch (const RingError& e) {
      EXPECT_NE(std::string(e.what()).find("bad ring name '" + name + "'"), std::string::npos) << e.what();
    }
  }
}

TEST_F(RingName, RingsLiveInRingsideShmDirElseDevShmRingside) {
  EXPECT_EQ(ring_directory(), rings());
  EXPECT_EQ(ring_path("events"), rings() / "events");
  ::unsetenv("RINGSIDE_SHM_DIR");
  EXPECT_EQ(ring_directory(), fs::path("/dev/shm/ringside"));
  EXPECT_EQ(ring_path("orders.client1"), fs::path("/dev/shm/ringside/orders.client1"));
  EXPECT_THROW(ring_path("a/b"), RingError);
}

using RingFile = RingTest;

TEST_F(RingFile, FilesAre0640AndTheDirectory0750WhateverTheUmask) {
  for (const mode_t mask : {mode_t{0}, mode_t{077}}) {
    const mode_t old = ::umask(mask);
    const std::string name = "mode-" + std::to_string(mask);
    {
      RingWriter w = RingWriter::create(name, small_ring());
      EXPECT_EQ(mode_of(ring_path(name)), 0640u) << "umask " << std::oct << mask;
      EXPECT_EQ(mode_of(w.backing().file), 0640u);
      EXPECT_EQ(mode_of(ring_directory()), 0750u);
    }
    ::umask(old);
  }
  // No temporary names are left behind.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(ring_directory())) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"mode-0", "mode-63"}));
}

gid_t group_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p << ": " << std::strerror(errno);
  return st.st_gid;
}

// Root may give files to any group; others only to their own groups, so this
// uses the process's own supplementary/primary groups when not root.
TEST_F(RingFile, RingGroupComesFromTheOptionsElseRingsideRingGroup) {
  const gid_t other = ::geteuid() == 0 ? 65534 : ::getegid();  // nogroup when root
  fs::remove_all(ring_directory());
  CreateOptions o = small_ring();
  o.group = std::to_string(other);
  {
    RingWriter w = RingWriter::create("grouped", o);
    EXPECT_EQ(group_of(ring_path("grouped")), other);
    EXPECT_EQ(group_of(ring_directory()), other) << "a directory the writer made takes the group too";
    EXPECT_EQ(mode_of(ring_path("grouped")), 0640u);
  }
  ::setenv("RINGSIDE_RING_GROUP", std::to_string(other).c_str(), 1);
  {
    RingWriter w = RingWriter::create("from-env", small_ring());
    EXPECT_EQ(group_of(ring_path("from-env")), other);
  }
  ::setenv("RINGSIDE_RING_GROUP", "no-such-group-here", 1);
  try {
    RingWriter w = RingWriter::create("refused", small_ring());
    ADD_FAILURE() << "an unknown group was accepted";
  } catch (const RingError& e) {
    EXPECT_NE(std::string(e.what()).find("ring group 'no-such-group-here'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no such group"), std::string::npos) << e.what();
  }
  ::unsetenv("RINGSIDE_RING_GROUP");
  EXPECT_FALSE(fs::exists(ring_path("refused")));
}

TEST_F(RingFile, SharedMemoryBackingIsReportedByWriterAndReader) {
  RingWriter w = RingWriter::create("events", small_ring());
  EXPECT_EQ(w.backing().backing, Backing::SharedMemory);
  EXPECT_EQ(w.backing().page_size, 4096u);
  EXPECT_EQ(w.backing().file, ring_path("events")) << "the file's final name, not the one it was built under";
  EXPECT_NE(describe(w.backing()).find("shared memory"), std::string::npos) << describe(w.backing());
  EXPECT_NE(w.backing().note.find("shared memory requested"), std::string::npos) << w.backing().note;
  EXPECT_EQ(w.ring().header->backing, Backing::SharedMemory);
  EXPECT_EQ(w.ring().header->page_size, 4096u);
  EXPECT_EQ(w.ring().header->data_offset % 4096, 0u);

  RingReader r = RingReader::attach("events");
  EXPECT_EQ(r.ring().backing.backing, Backing::SharedMemory);
  EXPECT_EQ(r.ring().backing.page_size, 4096u);
  EXPECT_EQ(r.ring().backing.file, ring_path("events"));
}

TEST_F(RingFile, AutoBackingFallsBackToSharedMemoryAndSaysWhy) {
  CreateOptions o = small_ring();
  o.backing = BackingChoice::Auto;  // RINGSIDE_HUGE_DIR is not on hugetlbfs (see RingTest)
  RingWriter w = RingWriter::create("events", o);
  EXPECT_EQ(w.backing().backing, Backing::SharedMemory);
  EXPECT_NE(w.backing().note.find("is not on hugetlbfs"), std::string::npos) << w.backing().note;

  o.backing = BackingChoice::Hugetlbfs;
  try {
    RingWriter h = RingWriter::create("huge", o);
    ADD_FAILURE() << "hugetlbfs backing without hugetlbfs";
  } catch (const RingError& e) {
    EXPECT_NE(std::string(e.what()).find(ring_path("huge").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("hugetlbfs backing requested but unavailable"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(ring_path("huge")));
}

// Reserves 2 MiB pages and mounts hugetlbfs on a scratch directory for one test;
// undoes both on destruction. `skip` says why it could not.
class HugePages {
 public:
  explicit HugePages(const fs::path& mount_point, long pages) : mount_(mount_point) {
    if (::geteuid() != 0) {
      skip = "needs root to reserve 2 MiB pages (/proc/sys/vm/nr_hugepages) and mount hugetlbfs";
      return;
    }
    original_ = read_count();
    if (original_ < 0) {
      skip = std::string(kPath) + " is not readable";
      return;
    }
    if (!write_count(original_ + pages)) {
      skip = std::string("cannot write ") + kPath + ": " + std::strerror(errno);
      return;
    }
    changed_ = true;
    if (const long now = read_count(); now < original_ + pages) {
      skip = "the kernel reserved " + std::to_string(now - original_) + " of " + std::to_string(pages) +
             " 2 MiB pages (memory too fragmented?)";
      return;
    }
    fs::create_directories(mount_);
    if (::mount("none", mount_.c_str(), "hugetlbfs", 0, "pagesize=2M,mode=0750") != 0) {
      skip = "mount -t hugetlbfs on " + mount_.string() + " failed: " + std::strerror(errno);
      return;
    }
    mounted_ = true;
  }
  ~HugePages() {
    if (mounted_ && ::umount(mount_.c_str()) != 0) {
      // Busy: something in this process still maps a file there (a leaked mapping).
      ADD_FAILURE() << "umount " << mount_ << ": " << std::strerror(errno);
      ::umount2(mount_.c_str(), MNT_DETACH);
    }
    if (changed_ && !write_count(original_)) {
      ADD_FAILURE() << "could not restore " << kPath << " to " << original_ << ": " << std::strerror(errno);
    }
  }
  HugePages(const HugePages&) = delete;
  HugePages& operator=(const HugePages&) = delete;

  std::string skip;

 private:
  static constexpr const char* kPath = "/proc/sys/vm/nr_hugepages";
  static long read_count() {
    std::ifstream in(kPath);
    long n = -1;
    in >> n;
    return in ? n : -1;
  }
  static bool write_count(long n) {
    const int fd = ::open(kPath, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const std::string text = std::to_string(n);
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int error = errno;
    ::close(fd);
    errno = error;
    return ok;
  }

  fs::path mount_;
  long original_ = -1;
  bool changed_ = false;
  bool mounted_ = false;
};

TEST_F(RingFile, HugetlbfsBackingWhenTwoMegabytePagesAreAvailable) {
  const fs::path mount = dir() / "hugetlbfs";
  // A 2 MiB ring: header, reader table and data each take one 2 MiB page; two
  // generations of it, and spares.
  HugePages huge(mount, 8);
  if (!huge.skip.empty()) GTEST_SKIP() << "hugetlbfs backing not exercised: " << huge.skip;
  ::setenv("RINGSIDE_HUGE_DIR", mount.c_str(), 1);
  {
    CreateOptions o;
    o.capacity = 2 << 20;
    o.backing = BackingChoice::Hugetlbfs;
    RingWriter w = RingWriter::create("huge", o);
    EXPECT_EQ(w.backing().backing, Backing::Hugetlbfs);
    EXPECT_EQ(w.backing().page_size, 2u << 20);
    EXPECT_EQ(w.ring().header->page_size, 2u << 20);
    EXPECT_EQ(w.ring().header->data_offset % (2u << 20), 0u);
    EXPECT_NE(describe(w.backing()).find("hugetlbfs, 2 MiB pages"), std::string::npos) << describe(w.backing());
    // The name is a symlink in the ring directory to the file on the mount; the file is 0640.
    EXPECT_TRUE(fs::is_symlink(ring_path("huge")));
    EXPECT_EQ(fs::read_symlink(ring_path("huge")).parent_path(), mount);
    EXPECT_EQ(w.backing().file.parent_path(), mount);
    EXPECT_EQ(mode_of(w.backing().file), 0640u);

    ReaderOptions ro;
    ro.start = StartAt::Oldest;
    ro.liveness_check = std::chrono::milliseconds(0);
    RingReader r = RingReader::attach("huge", ro);
    EXPECT_EQ(r.ring().backing.backing, Backing::Hugetlbfs);
    EXPECT_EQ(r.ring().backing.page_size, 2u << 20);
    EXPECT_EQ(r.ring().backing.file, w.backing().file);
    for (std::uint64_t i = 0; i < 100; ++i) {
      fill_frame(w.claim(kSmallFrame), kSmallFrame, w.next_sequence());
      w.commit();
    }
    for (std::uint64_t seq = 1; seq <= 100; ++seq) {
      const ReadResult got = r.read();
      ASSERT_EQ(got.status, ReadStatus::Frame);
      EXPECT_EQ(got.frame->sequence, seq);
      EXPECT_EQ(check_frame(*got.frame, FrameMix::Small), "");
    }

    // The next generation replaces the file on the mount; the reader follows it.
    const fs::path first_file = w.backing().file;
    w = RingWriter::create("huge", o);
    EXPECT_EQ(w.generation(), 2u);
    EXPECT_EQ(w.backing().backing, Backing::Hugetlbfs);
    EXPECT_FALSE(fs::exists(first_file)) << "the old generation's file is removed";
    EXPECT_EQ(r.read().status, ReadStatus::NewGeneration);
    r.reattach();
    EXPECT_EQ(r.generation(), 2u);
    EXPECT_EQ(r.ring().backing.file, w.backing().file);
  }
  remove_ring("huge");
  EXPECT_TRUE(fs::is_empty(mount)) << "remove_ring leaves the hugetlbfs file behind";
  // ~HugePages unmounts: that fails (busy) if this process still maps a file there.
}

// --- bad input ----------------------------------------------------------------

// A valid ring's file bytes, to corrupt copies of.
class BadRing : public RingTest {
 protected:
  void SetUp() override {
    RingTest::SetUp();
    CreateOptions o = small_ring();
    const std::byte metadata[5] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}, std::byte{5}};
    o.metadata = metadata;
    RingWriter w = RingWriter::create("good", o);
    for (int i = 0; i < 10; ++i) {
      fill_frame(w.claim(kSmallFrame), kSmallFrame, w.next_sequence());
      w.commit();
    }
    bytes_.resize(fs::file_size(ring_path("good")));
    std::ifstream in(ring_path("good"), std::ios::binary);
    in.read(bytes_.data(), static_cast<std::streamsize>(bytes_.size()));
    ASSERT_TRUE(in) << ring_path("good");
    ASSERT_EQ(bytes_.size(), w.ring().header->file_size);
  }

  template <class T>
  static void poke(std::vector<char>& bytes, std::size_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof value);
  }

  // Writes `bytes` as ring `name` and expects attach (lossy and lossless, with
  // and without waiting) to refuse it naming the file and `problem`.
  void expect_refused(const std::string& name, const std::vector<char>& bytes, const std::string& problem) {
    {
      std::ofstream out(ring_path(name), std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    ::chmod(ring_path(name).c_str(), 0640);
    for (const ReaderKind kind : {ReaderKind::Lossy, ReaderKind::Lossless}) {
      const auto started = std::chrono::steady_clock::now();
      const std::string error = attach_error(name, kind, std::chrono::milliseconds(5000));
      EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2))
          << "a bad file is refused at once, not waited on";
      EXPECT_NE(error.find(ring_path(name).string() + ": "), std::string::npos)
          << name << ": message does not name the file: '" << error << "'";
      EXPECT_NE(error.find(problem), std::string::npos)
          << name << ": message does not say '" << problem << "': '" << error << "'";
      EXPECT_EQ(attach_says_missing(name, kind), std::optional<bool>(false))
          << name << ": a damaged ring is not a missing one (a waiting reader would wait on)";
    }
  }

  std::vector<char> bytes_;
};

TEST_F(BadRing, TheUntouchedCopyIsAccepted) {
  {
    std::ofstream out(ring_path("copy"), std::ios::binary);
    out.write(bytes_.data(), static_cast<std::streamsize>(bytes_.size()));
  }
  ReaderOptions o;
  o.start = StartAt::Oldest;
  RingReader r = RingReader::attach("copy", o);
  const auto metadata = r.metadata();
  ASSERT_EQ(metadata.size(), 5u);
  EXPECT_EQ(metadata[4], std::byte{5});
  const ReadResult got = r.read();
  ASSERT_EQ(got.status, ReadStatus::Frame);
  EXPECT_EQ(got.frame->sequence, 1u);
}

TEST_F(BadRing, WrongMagic) {
  auto b = bytes_;
  b[offsetof(RingHeader, magic)] ^= 0x40;
  expect_refused("magic", b, "not a ringside ring (wrong magic)");
  expect_refused("zeros", std::vector<char>(bytes_.size(), 0), "wrong magic");
  expect_refused("text", std::vector<char>(8192, 'x'), "wrong magic");
}

TEST_F(BadRing, WrongLayoutVersion) {
  auto b = bytes_;
  poke<std::uint32_t>(b, offsetof(RingHeader, layout_version), kLayoutVersion + 1);
  expect_refused("version", b, "layout version " + std::to_string(kLayoutVersion + 1) + ", this build reads " +
                                   std::to_string(kLayoutVersion));
}

TEST_F(BadRing, ForeignFrameAlignment) {
  for (const std::uint32_t alignment : {4u, 16u, 64u}) {
    auto b = bytes_;
    poke<std::uint32_t>(b, offsetof(RingHeader, frame_alignment), alignment);
    expect_refused("align" + std::to_string(alignment), b,
                   "frame alignment " + std::to_string(alignment) + ", this build uses 8");
  }
}

TEST_F(BadRing, TruncatedFiles) {
  auto half = bytes_;
  half.resize(bytes_.size() / 2);
  expect_refused("half", half,
                 "truncated: " + std::to_string(half.size()) + " bytes, the header says " + std::to_string(bytes_.size()));
  auto one_short = bytes_;
  one_short.resize(bytes_.size() - 8);
  expect_refused("short", one_short, "truncated: " + std::to_string(one_short.size()) + " bytes, the header says");
  auto header_only = bytes_;
  header_only.resize(100);
  expect_refused("tiny", header_only, "truncated: 100 bytes, smaller than a ring header");
  expect_refused("empty", {}, "truncated: 0 bytes, smaller than a ring header");
}

TEST_F(BadRing, InconsistentSizesAndOffsets) {
  auto b = bytes_;
  poke<std::uint64_t>(b, offsetof(RingHeader, capacity), 12288);
  expect_refused("capacity", b, "capacity 12288 is not a power of two");

  b = bytes_;
  poke<std::uint64_t>(b, offsetof(RingHeader, file_size), bytes_.size() - 4096);
  expect_refused("sizes", b, "header sizes are inconsistent");

  b = bytes_;
  poke<std::uint64_t>(b, offsetof(RingHeader, data_offset), 4096 * 3 + 8);
  expect_refused("unaligned", b, "regions not aligned to the page size 4096");

  b = bytes_;
  poke<std::uint64_t>(b, offsetof(RingHeader, page_size), 0);
  expect_refused("pagesize", b, "regions not aligned to the page size 0");

  b = bytes_;
  poke<std::uint32_t>(b, offsetof(RingHeader, reader_slots), kReaderSlots + 1);
  expect_refused("slots", b, "reader table does not fit before the data region");

  b = bytes_;
  poke<std::uint32_t>(b, offsetof(RingHeader, reader_slots), 0);
  expect_refused("noslots", b, "reader table does not fit before the data region");
}

TEST_F(BadRing, MetadataOutsideTheHeaderRegion) {
  auto b = bytes_;
  poke<std::uint64_t>(b, offsetof(RingHeader, metadata_size), 1u << 20);
  expect_refused("metabig", b, "metadata block does not fit in the header region");
  // So large that offset + size wraps around: must not pass as small.
  b = bytes_;
  poke<std::uint64_t>(b, offsetof(RingHeader, metadata_size), ~std::uint64_t{0} - 100);
  expect_refused("metawrap", b, "metadata block does not fit in the header region");
  b = bytes_;
  poke<std::uint64_t>(b, offsetof(RingHeader, metadata_offset), 8);
  expect_refused("metaoffset", b, "metadata block does not fit in the header region");
}

TEST_F(BadRing, MaxFrameLengthBeyondWhatAReaderCanHold) {
  // A lossy reader copies frames into a FrameBuffer of kMaxFrameLength bytes: a
  // header allowing longer frames would let a frame overflow it.
  auto b = bytes_;
  poke<std::uint32_t>(b, offsetof(RingHeader, max_frame_length), 4096);
  expect_refused("maxframe", b, "max frame length 4096, this build's largest frame is " + std::to_string(kMaxFrameLength));
  b = bytes_;
  poke<std::uint32_t>(b, offsetof(RingHeader, max_frame_length), 16);
  expect_refused("minframe", b, "max frame length 16 does not fit the capacity");
}

TEST_F(BadRing, NotARegularFile) {
  fs::create_directories(ring_path("dir"));
  for (const ReaderKind kind : {ReaderKind::Lossy, ReaderKind::Lossless}) {
    const std::string error = attach_error("dir", kind);
    EXPECT_NE(error.find(ring_path("dir").string() + ": "), std::string::npos) << error;
  }
  // A FIFO would block a plain open() until a writer appears; it must be refused at once.
  ASSERT_EQ(::mkfifo(ring_path("fifo").c_str(), 0640), 0);
  for (const ReaderKind kind : {ReaderKind::Lossy, ReaderKind::Lossless}) {
    const auto started = std::chrono::steady_clock::now();
    const std::string error = attach_error("fifo", kind);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    EXPECT_NE(error.find(ring_path("fifo").string() + ": not a ring (not a regular file)"), std::string::npos) << error;
  }
}

TEST_F(BadRing, CheckRingHeaderNamesTheFile) {
  RingHeader h;
  std::memcpy(static_cast<void*>(&h), bytes_.data(), sizeof h);
  EXPECT_NO_THROW(check_ring_header(h, bytes_.size(), "/some/where"));
  h.magic = 0;
  try {
    check_ring_header(h, bytes_.size(), "/some/where");
    ADD_FAILURE() << "accepted a wrong magic";
  } catch (const RingError& e) {
    EXPECT_EQ(std::string(e.what()), "/some/where: not a ringside ring (wrong magic)");
  }
}

using MissingRing = RingTest;

TEST_F(MissingRing, FailsAtOnceWithAClearMessage) {
  for (const ReaderKind kind : {ReaderKind::Lossy, ReaderKind::Lossless}) {
    const auto started = std::chrono::steady_clock::now();
    const std::string error = attach_error("nope", kind);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
    EXPECT_EQ(error, ring_path("nope").string() + ": no ring named 'nope' in " + rings().string()) << error;
    EXPECT_EQ(attach_says_missing("nope", kind), std::optional<bool>(true)) << "the error says why: missing";
  }
}

TEST_F(MissingRing, WaitsForRingThenFailsSayingHowLong) {
  const auto started = std::chrono::steady_clock::now();
  const std::string error = attach_error("nope", ReaderKind::Lossless, std::chrono::milliseconds(300));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
  EXPECT_NE(error.find(ring_path("nope").string() + ": no ring named 'nope'"), std::string::npos) << error;
  EXPECT_NE(error.find("(waited 300 ms)"), std::string::npos) << error;
}

TEST_F(MissingRing, WaitForRingAttachesOnceTheWriterCreatesIt) {
  std::thread writer([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    RingWriter w = RingWriter::create("late", small_ring());
    fill_frame(w.claim(kSmallFrame), kSmallFrame, w.next_sequence());
    w.commit();
  });
  ReaderOptions o;
  o.kind = ReaderKind::Lossless;
  o.start = StartAt::Oldest;
  o.wait_for_ring = scaled(std::chrono::milliseconds(10'000));
  try {
    RingReader r = RingReader::attach("late", o);
    writer.join();
    const ReadResult got = r.read();
    ASSERT_EQ(got.status, ReadStatus::Frame);
    EXPECT_EQ(got.frame->sequence, 1u);
  } catch (const RingError& e) {
    writer.join();
    FAIL() << e.what();
  }
}

}  // namespace
}  // namespace ringside::shm::test
