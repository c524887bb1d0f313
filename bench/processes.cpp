#include "processes.hpp"

#include <fmt/format.h>
#include <immintrin.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <system_error>

#include "affinity.hpp"

namespace ringside::bench {

void* map_shared_anonymous(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap of shared memory");
  return p;
}

void unmap_shared(void* p, std::size_t bytes) noexcept { ::munmap(p, bytes); }

void prefault(void* p, std::size_t bytes) noexcept {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(p) + bytes;
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) == 0) return;
  // Older kernels: read one byte per page (a shared mapping's read fault maps it writable).
  for (std::uintptr_t a = begin; a < end; a += page) (void)*reinterpret_cast<volatile const char*>(a);
}

Children::Children() {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &block, &saved_mask_);
}

Children::~Children() {
  for (const Child& c : running_) ::kill(c.pid, SIGKILL);
  for (const Child& c : running_) {
    int status = 0;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  running_.clear();
  ::pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
}

void Children::spawn(const std::string& role, int cpu, std::function<int()> body) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork " + role);
  if (pid == 0) {
    ::pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(70);  // the parent died before prctl took effect
    int rc = 1;
    if (cpu >= 0 && !pin_to_cpu(cpu)) {
      std::fprintf(stderr, "%s: cannot pin to CPU %d: %s\n", role.c_str(), cpu, std::strerror(errno));
      ::_exit(71);
    }
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", role.c_str(), e.what());
      rc = 1;
    } catch (...) {
      std::fprintf(stderr, "%s: unknown exception\n", role.c_str());
      rc = 1;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(rc);
  }
  running_.push_back({pid, role});
}

void Children::reaped(const Child& child, int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string what = WIFEXITED(status)     ? fmt::format("exited with status {}", WEXITSTATUS(status))
                     : WIFSIGNALED(status) ? fmt::format("killed by signal {} ({})", WTERMSIG(status),
                                                         ::strsignal(WTERMSIG(status)))
                                           : fmt::format("ended with wait status {}", status);
  failures_.push_back(fmt::format("{} (pid {}): {}", child.role, child.pid, what));
}

bool Children::wait_all(std::chrono::milliseconds timeout, std::atomic<int>* abort) {
  const std::size_t failures_before = failures_.size();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool killed = false;
  while (!running_.empty()) {
    // Reap whoever has exited.
    for (std::size_t i = 0; i < running_.size();) {
      int status = 0;
      const pid_t got = ::waitpid(running_[i].pid, &status, WNOHANG);
      if (got == running_[i].pid) {
        const std::size_t before = failures_.size();
        reaped(running_[i], status);
        if (failures_.size() != before && abort != nullptr) abort->store(1, std::memory_order_relaxed);
        running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    if (running_.empty()) break;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      if (!killed) {
        for (const Child& c : running_) {
          failures_.push_back(fmt::format("{} (pid {}): still running after {} ms, killed", c.role, c.pid,
                                          timeout.count()));
          ::kill(c.pid, SIGKILL);
        }
        killed = true;
        if (abort != nullptr) abort->store(1, std::memory_order_relaxed);
      }
      for (const Child& c : running_) {
        int status = 0;
        while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
      running_.clear();
      break;
    }
    // Sleep until a child changes state, a stop signal, or the deadline.
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGCHLD);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGTERM);
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now).count();
    const timespec wait{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
    const int sig = ::sigtimedwait(&wanted, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) {
      interrupted_ = true;
      if (abort != nullptr) abort->store(1, std::memory_order_relaxed);
    }
  }
  return failures_.size() == failures_before;
}

ScratchRingDir::ScratchRingDir() {
  char pattern[] = "/dev/shm/ringside-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp /dev/shm");
  path_ = pattern;
  ::setenv("RINGSIDE_SHM_DIR", pattern, 1);
}

ScratchRingDir::~ScratchRingDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  ::unsetenv("RINGSIDE_SHM_DIR");
}

bool spin_wait_at_least(const std::atomic<int>& flag, int value, const std::atomic<int>& abort,
                        std::chrono::steady_clock::time_point deadline) noexcept {
  for (std::uint32_t i = 0;; ++i) {
    // Acquire: what the setter wrote before raising the flag is visible after.
    if (flag.load(std::memory_order_acquire) >= value) return true;
    if (abort.load(std::memory_order_relaxed) != 0) return false;
    if ((i & 1023) == 0 && std::chrono::steady_clock::now() >= deadline) return false;
    _mm_pause();
  }
}

}  // namespace ringside::bench
