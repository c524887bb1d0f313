// The committed-position file: round trip, atomic replacement, clear refusals;
// and the StateWriter that writes it off the egress's ring loop.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "ringside/egress/state_file.hpp"
#include "ringside/egress/state_writer.hpp"

namespace fs = std::filesystem;
using namespace ringside::egress;

namespace {
fs::path scratch(const char* name) {
  const fs::path dir = fs::temp_directory_path() / ("ringside-egress-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
}  // namespace

TEST(StateFile, MissingFileMeansNoPosition) { EXPECT_FALSE(load_position(scratch("absent.state")).has_value()); }

TEST(StateFile, RoundTripsAndReplaces) {
  const fs::path p = position_file(scratch(""), "events");
  EXPECT_EQ(p.filename(), "egress-events.state");
  save_position(p, {"events", 3, 1000});
  save_position(p, {"events", 3, 2000});
  const auto got = load_position(p);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->ring, "events");
  EXPECT_EQ(got->generation, 3u);
  EXPECT_EQ(got->next_sequence, 2000u);
  EXPECT_FALSE(fs::exists(p.string() + ".tmp"));
}

TEST(StateFile, RefusesDamageNamingFileAndLine) {
  const fs::path p = scratch("bad.state");
  write(p, "# comment\nring=events\ngeneration=x7\nnext_sequence=5\n");
  try {
    load_position(p);
    FAIL() << "accepted a bad number";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(p.string() + ":3:"), std::string::npos) << e.what();
  }
  write(p, "ring=events\nnext_sequence=5\n");
  EXPECT_THROW(load_position(p), std::runtime_error);  // no generation
  write(p, "ring=events\ngeneration=1\nnext_sequence=5\ncolour=blue\n");
  EXPECT_THROW(load_position(p), std::runtime_error);
}

// A save function the test holds: it records each position it is given and can
// be made to block (a journal commit behind a heavy writer) or to fail.
class HeldSave {
 public:
  void operator()(const fs::path&, const CommittedPosition& p) {
    std::unique_lock lock(mutex_);
    entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !held_; });
    if (failures_ > 0) {
      --failures_;
      if (failures_ == 0 && hold_after_failures_) held_ = true;  // the next try waits for release()
      throw std::system_error(EIO, std::generic_category(), "write egress-events.state.tmp");
    }
    saved_.push_back(p.next_sequence);
    changed_.notify_all();
  }
  void hold() { std::lock_guard lock(mutex_); held_ = true; }
  void release() {
    std::lock_guard lock(mutex_);
    held_ = false;
    changed_.notify_all();
  }
  void fail_next(int n, bool then_hold = false) {
    std::lock_guard lock(mutex_);
    failures_ = n;
    hold_after_failures_ = then_hold;
  }
  void wait_entered() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return entered_; });
  }
  bool wait_saved(std::size_t n, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return saved_.size() >= n; });
  }
  std::vector<std::uint64_t> saved() {
    std::lock_guard lock(mutex_);
    return saved_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false, entered_ = false, hold_after_failures_ = false;
  int failures_ = 0;
  std::vector<std::uint64_t> saved_;
};

TEST(StateWriter, PostsReturnWhileAWriteIsBlockedAndOnlyTheNewestWaitingOneIsWritten) {
  HeldSave save;
  save.hold();
  StateWriter writer([&](const fs::path& f, const CommittedPosition& p) { save(f, p); });
  const fs::path file = "egress-events.state";
  const std::uint64_t first = writer.post(file, {"events", 1, 100});
  save.wait_entered();  // the writer thread is inside the blocked write of 100
  writer.post(file, {"events", 1, 200});  // these return although the write of 100 has not
  const std::uint64_t last = writer.post(file, {"events", 1, 300});
  EXPECT_LT(writer.written(), first) << "nothing is written yet";
  save.release();
  writer.flush();
  EXPECT_EQ(save.saved(), (std::vector<std::uint64_t>{100, 300}));
  EXPECT_EQ(writer.written(), last) << "200 counts as written: 300 replaced it";
}

TEST(StateWriter, AFailedWriteIsTriedAgain) {
  HeldSave save;
  // The try after the failure waits in save() until release(): flush() wakes the
  // retry, and a retry that succeeded before the check below would hide whether
  // the failed try counted as written.
  save.fail_next(1, /*then_hold=*/true);
  StateWriter writer([&](const fs::path& f, const CommittedPosition& p) { save(f, p); });
  const std::uint64_t ticket = writer.post("egress-events.state", {"events", 1, 100});
  writer.flush();  // returns after the failed try
  EXPECT_LT(writer.written(), ticket) << "a failed write is not written";
  save.release();
  EXPECT_TRUE(save.wait_saved(1, std::chrono::seconds(10))) << "not tried again";
  EXPECT_EQ(save.saved(), (std::vector<std::uint64_t>{100}));
  writer.flush();
  EXPECT_EQ(writer.written(), ticket);
}

TEST(StateWriter, WritesWhatIsPendingBeforeItStops) {
  const fs::path p = position_file(scratch(""), "writer");
  {
    StateWriter writer;
    writer.post(p, {"writer", 2, 4242});
  }
  const auto got = load_position(p);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->generation, 2u);
  EXPECT_EQ(got->next_sequence, 4242u);
}
