// Pinning: every measured thread or process runs on one named CPU, so the
// scheduler never moves it (a migration costs microseconds and a cold cache).
#pragma once

#include <sched.h>

#include <string>
#include <vector>

namespace ringside::bench {

// Pins the calling thread (the whole process, when it has one thread) to `cpu`.
// Returns false with errno set when the CPU does not exist or is not allowed.
inline bool pin_to_cpu(int cpu) noexcept {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  return ::sched_setaffinity(0, sizeof set, &set) == 0;
}

// The CPUs this process may run on.
inline std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(static_cast<std::size_t>(c), &set)) cpus.push_back(c);
  }
  return cpus;
}

// Empty when every CPU in `cpus` is allowed; otherwise a sentence naming the first that is not.
inline std::string check_cpus(const std::vector<int>& cpus) {
  const std::vector<int> allowed = allowed_cpus();
  for (const int c : cpus) {
    bool ok = false;
    for (const int a : allowed) ok = ok || a == c;
    if (!ok) {
      std::string list;
      for (const int a : allowed) list += (list.empty() ? "" : ",") + std::to_string(a);
      return "CPU " + std::to_string(c) + " is not available (allowed: " + list + ")";
    }
  }
  return {};
}

}  // namespace ringside::bench
