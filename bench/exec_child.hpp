// A program of the build (ringside-engine, ringside-gateway) run as a child of a
// benchmark, so the benchmark measures the real binary and its real loop rather
// than a copy of it. fork + exec: pinned to one CPU before exec (the affinity
// survives exec), dies with its parent (PR_SET_PDEATHSIG), stdout and stderr into
// a log file, and always stopped and reaped: SIGTERM, then SIGKILL after a grace
// period, by stop() or the destructor, so a failed run never leaves it behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace ringside::bench {

class ExecChild {
 public:
  // Starts argv[0] with argv; cpu -1: not pinned. With `first_line`, the child's
  // stdout is a pipe and the constructor waits up to `wait` for its first line
  // (a listening address, say); the pipe stays open, unread, until stop(). Throws
  // when the line does not come in time.
  ExecChild(std::string role, const std::vector<std::string>& argv, int cpu, const std::filesystem::path& log,
            bool first_line = false, std::chrono::milliseconds wait = std::chrono::seconds(10));
  ~ExecChild() { stop(); }
  ExecChild(const ExecChild&) = delete;
  ExecChild& operator=(const ExecChild&) = delete;

  const std::string& first_line() const noexcept { return line_; }
  pid_t pid() const noexcept { return pid_; }
  // Empty while it runs; else how it ended ("ringside-engine (pid 12): exited with status 2"), and it is reaped.
  std::string ended();
  // SIGTERM, up to `grace` for it to exit, then SIGKILL; reaps it. Returns how it
  // ended: empty when it exited 0 or on SIGTERM, as asked, or had ended already
  // (ended() said so).
  std::string stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  std::string describe(int status) const;
  std::string role_;
  pid_t pid_ = -1;
  int pipe_ = -1;
  std::string line_;
  std::string end_;
};

}  // namespace ringside::bench
