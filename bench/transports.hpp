// The baselines ring-pingpong and ring-throughput measure ringside's ring
// against, all crossing the same two pinned processes:
//   - boost::lockfree::spsc_queue with a compile-time capacity (its storage is
//     inside the object, no heap), constructed in anonymous MAP_SHARED memory
//     before fork, so both processes use the very same queue;
//   - a pipe (one per direction) and a Unix stream socket (socketpair), one
//     64-byte message per write(2) and read(2).
// Plus the phase barrier the two processes step through the transports with.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <system_error>
#include <vector>
#include <string>
#include <functional>

#include "processes.hpp"
#include "ring_frames.hpp"

namespace ringside::bench {

// 65536 frames of 64 bytes: 4 MiB, the size the ring is given in ring-throughput.
inline constexpr std::size_t kQueueSlots = 65536;
using SpscQueue = boost::lockfree::spsc_queue<Frame64, boost::lockfree::capacity<kQueueSlots>>;

// Descriptors made before fork: a pipe each way and a socketpair. Each process
// closes the ends it does not use (close_for_a / close_for_b) and the parent
// closes all of its copies once both children exist, so that a closed writer
// end means end-of-file for the reader.
struct Channels {
  int a_to_b[2] = {-1, -1};  // pipe: [0] read end (B), [1] write end (A)
  int b_to_a[2] = {-1, -1};  // pipe: [0] read end (A), [1] write end (B)
  int socket[2] = {-1, -1};  // [0] A's end, [1] B's end

  Channels() {
    if (::pipe2(a_to_b, O_CLOEXEC) != 0 || ::pipe2(b_to_a, O_CLOEXEC) != 0 ||
        ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socket) != 0) {
      throw std::system_error(errno, std::generic_category(), "pipe/socketpair");
    }
  }
  static void close_fd(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void close_for_a() noexcept {
    close_fd(a_to_b[0]);
    close_fd(b_to_a[1]);
    close_fd(socket[1]);
  }
  void close_for_b() noexcept {
    close_fd(a_to_b[1]);
    close_fd(b_to_a[0]);
    close_fd(socket[0]);
  }
  void close_all() noexcept {
    for (int* fd : {&a_to_b[0], &a_to_b[1], &b_to_a[0], &b_to_a[1], &socket[0], &socket[1]}) close_fd(*fd);
  }
};

// write(2)/read(2) of exactly n bytes; false on end-of-file or error.
inline bool write_all(int fd, const void* data, std::size_t n) noexcept {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

inline bool read_all(int fd, void* data, std::size_t n) noexcept {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// Two processes step through numbered phases together: phase k starts when both
// have arrived at it. Bounded by a deadline and the run's abort flag.
struct PhaseBarrier {
  std::atomic<int> arrived{0};

  bool arrive_and_wait(int phase, const std::atomic<int>& abort, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    // Acq_rel: each side's setup before the barrier is visible to the other after it.
    arrived.fetch_add(1, std::memory_order_acq_rel);
    return spin_wait_at_least(arrived, 2 * (phase + 1), abort, std::chrono::steady_clock::now() + timeout);
  }
};

// Runs the two processes of a pairwise benchmark, A and B pinned to their CPUs,
// over Channels made here (so both inherit them), and waits for both. Returns
// one line per failure, "interrupted" on SIGINT or SIGTERM; empty when all went well.
inline std::vector<std::string> run_pair(const std::string& role_a, int cpu_a, std::function<int(Channels&)> a,
                                         const std::string& role_b, int cpu_b, std::function<int(Channels&)> b,
                                         std::chrono::milliseconds timeout, std::atomic<int>* abort) {
  Channels ch;
  Children children;
  children.spawn(role_a, cpu_a, [&] { return a(ch); });
  children.spawn(role_b, cpu_b, [&] { return b(ch); });
  ch.close_all();
  children.wait_all(timeout, abort);
  std::vector<std::string> failures = children.failures();
  if (children.interrupted()) failures.push_back("interrupted");
  return failures;
}

}  // namespace ringside::bench
