// Writes committed positions to their state files on a thread of its own, so the
// egress's ring loop never waits on the filesystem. Creating and renaming a file
// can block for seconds behind an ext4 journal commit while other processes
// write heavily (a build linking next to it), and a lossless reader that stops
// heartbeating that long is evicted: frames lost for a slow disk.
//
// post() hands over the newest position for a file and returns at once with a
// ticket; a position not yet written is replaced by a newer one. written() is
// the newest ticket below which every post is in its file (a newer one of the
// same file counts for an older): the egress releases ring frames only that far,
// so a restart always resumes at frames the ring still holds. flush() returns
// once everything posted has been tried. A failed write is logged with its file
// and tried again a second later (or at the next post) unless a newer position
// replaced it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "ringside/egress/state_file.hpp"

namespace ringside::egress {

class StateWriter {
 public:
  using Save = std::function<void(const std::filesystem::path&, const CommittedPosition&)>;

  explicit StateWriter(Save save = save_position);
  ~StateWriter();  // writes what is pending (one try), then stops
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  std::uint64_t post(const std::filesystem::path& file, const CommittedPosition& position);  // its ticket, from 1
  std::uint64_t written() const noexcept {
    // Acquire pairs with the writer thread's release store: the files are written.
    return written_.load(std::memory_order_acquire);
  }
  void flush();

 private:
  void run();

  Save save_;
  std::mutex mutex_;
  std::condition_variable wake_;   // something posted, or stopping
  std::condition_variable idle_;   // nothing being written, nothing new pending
  std::map<std::filesystem::path, CommittedPosition> pending_;
  std::uint64_t last_ticket_ = 0;   // the newest post's
  std::atomic<std::uint64_t> written_{0};
  bool writing_ = false;
  bool retrying_ = false;  // pending_ holds only writes that failed: the next try waits a while
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace ringside::egress
