// Processes for the cross-process benchmarks: shared memory made before fork,
// pinned children that are always reaped (and killed at a deadline), and a
// private ring directory under /dev/shm removed at the end.
//
// Children are forked without exec: they run a function of the parent's image
// and leave with _exit, so the parent's atexit handlers, destructors and stdio
// buffers never run twice. Each dies with its parent (PR_SET_PDEATHSIG).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <new>
#include <string>
#include <vector>

namespace ringside::bench {

// Maps `bytes` of anonymous MAP_SHARED memory (zeroed, page-aligned); throws on failure.
void* map_shared_anonymous(std::size_t bytes);
void unmap_shared(void* p, std::size_t bytes) noexcept;
// Maps every page of [p, p + bytes) into this process's page tables, writable,
// without changing its contents (MADV_POPULATE_WRITE): a forked child calls it on
// the shared block so its measured loops never take a first-touch page fault.
void prefault(void* p, std::size_t bytes) noexcept;

// One object of T in memory shared with the children forked after it is made.
// Constructed (and destroyed) by the process that makes it; children only use it.
template <class T>
class Shared {
 public:
  Shared() : bytes_(sizeof(T)), object_(new (map_shared_anonymous(sizeof(T))) T()) {}
  ~Shared() {
    object_->~T();
    unmap_shared(object_, bytes_);
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
  T* operator->() const noexcept { return object_; }
  T& operator*() const noexcept { return *object_; }
  T* get() const noexcept { return object_; }
  void prefault() const noexcept { bench::prefault(object_, bytes_); }

 private:
  std::size_t bytes_;
  T* object_;
};

// The children of one benchmark run.
class Children {
 public:
  // Blocks SIGCHLD, SIGINT and SIGTERM in this thread so wait_all() can sleep on
  // them: the parent never spins or wakes up periodically next to the measured
  // processes. Restored by the destructor.
  Children();
  ~Children();  // kills and reaps any child still running
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;

  // Forks a child pinned to `cpu` (-1: not pinned) that runs body() and exits
  // with its return value (1 and a message on stderr if it throws).
  void spawn(const std::string& role, int cpu, std::function<int()> body);

  // Sleeps until every child has exited, or until `timeout` (then kills them).
  // When a child fails, or on SIGINT/SIGTERM, stores 1 in *abort (which the
  // children poll) and waits for the rest. Returns true when all exited with 0.
  bool wait_all(std::chrono::milliseconds timeout, std::atomic<int>* abort);

  // One line per failed child since construction ("reader 2 (pid 123): killed by signal 9").
  const std::vector<std::string>& failures() const noexcept { return failures_; }
  bool interrupted() const noexcept { return interrupted_; }

 private:
  struct Child {
    pid_t pid;
    std::string role;
  };
  void reaped(const Child& child, int status);
  std::vector<Child> running_;
  std::vector<std::string> failures_;
  bool interrupted_ = false;
  sigset_t saved_mask_{};
};

// A private directory for rings, /dev/shm/ringside-bench-XXXXXX, exported as
// RINGSIDE_SHM_DIR for this process and its children; removed with everything
// in it on destruction.
class ScratchRingDir {
 public:
  ScratchRingDir();
  ~ScratchRingDir();
  ScratchRingDir(const ScratchRingDir&) = delete;
  ScratchRingDir& operator=(const ScratchRingDir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

// Spins (with pause) until `flag` holds at least `value`, *abort is set, or the
// deadline passes. Returns true when the value was reached.
bool spin_wait_at_least(const std::atomic<int>& flag, int value, const std::atomic<int>& abort,
                        std::chrono::steady_clock::time_point deadline) noexcept;

}  // namespace ringside::bench
