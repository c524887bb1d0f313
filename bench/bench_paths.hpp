// Where a benchmark finds the build's other programs and puts its result files:
// both next to the running ringside-bench (build/bin/ringside-bench ->
// build/bin/ringside-engine, build/bench-results/NAME).
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace ringside::bench {

inline std::filesystem::path bench_binary_dir() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("build/bin") : self.parent_path();
}

// build/bin/NAME: a program built with ringside-bench.
inline std::string sibling_binary(const std::string& name) { return (bench_binary_dir() / name).string(); }

// build/bench-results/NAME: the default --out of a benchmark.
inline std::filesystem::path default_results_dir(const std::string& name) {
  return bench_binary_dir().parent_path() / "bench-results" / name;
}

}  // namespace ringside::bench
