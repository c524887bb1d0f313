// Writes committed positions to their state files on a thread of its own, so the
// egress's ring loop never waits on the filesystem. Creating and renaming a file
// can block for seconds behind an ext4 journal commit while other processes
// write heavily (a build linking next to it), and a lossless reader that stops
// heartbeating that long is evicted: frames lost for a slow disk.
//
// post() hands over the newest position for a file and returns at once; a
// position not yet written is replaced by a newer one (only the newest matters:
// an older file means more duplicates after a crash, never loss). flush()
// returns once everything posted has been tried. A failed write is logged with
// its file and tried again a second later (or at the next post) unless a newer
// position replaced it.
#pragma once

#include <condition_variable>
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

  void post(const std::filesystem::path& file, const CommittedPosition& position);
  void flush();

 private:
  void run();

  Save save_;
  std::mutex mutex_;
  std::condition_variable wake_;   // something posted, or stopping
  std::condition_variable idle_;   // nothing being written, nothing new pending
  std::map<std::filesystem::path, CommittedPosition> pending_;
  bool writing_ = false;
  bool retrying_ = false;  // pending_ holds only writes that failed: the next try waits a while
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace ringside::egress
