#include "ringside/tools/capture_signals.hpp"

#include <signal.h>
#include <time.h>

namespace ringside::tools {
namespace {

// Lock-free, so a signal handler may store to it.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void on_stop_signal(int) {
  // Relaxed: nothing is published with the flag; the loop that polls it acts on it alone.
  g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace

const std::atomic<bool>& install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: nanosleep returns early and the loop sees the flag
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  return g_stop;
}

void sleep_ns(std::int64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  ::nanosleep(&ts, nullptr);  // EINTR (a stop signal) ends it early
}

}  // namespace ringside::tools
