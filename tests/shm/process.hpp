// Test harness for tests/shm: child processes running ring-test-driver, and a
// fixture that gives every test its own ring directory.
//
// Every wait is bounded, so a bug fails a test instead of hanging ctest, and
// every child is reaped (killed first if it still runs) when its Child goes away.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringside::shm::test {

using namespace std::chrono_literals;

// Slower builds get longer timeouts and smaller frame counts (see tests/CMakeLists.txt).
inline constexpr std::string_view kSanitizer = RINGSIDE_TEST_SANITIZER;
inline constexpr int kSlowdown = kSanitizer == "thread" ? 6 : kSanitizer == "address" ? 3 : 1;
inline std::chrono::milliseconds scaled(std::chrono::milliseconds t) { return t * kSlowdown; }

// The driver executable, built next to the tests.
inline const std::string kDriver = RINGSIDE_RING_DRIVER;

class Child {
 public:
  // Starts ring-test-driver with `args`; its stdout comes back as JSON lines,
  // its stderr goes to the test's. `env` adds or replaces NAME=VALUE entries.
  static Child driver(const std::vector<std::string>& args, const std::vector<std::string>& env = {});
  // Starts any program the same way (stdout captured, stderr to the test's).
  static Child spawn(const std::string& program, const std::vector<std::string>& args,
                     const std::vector<std::string>& env = {});

  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  ~Child();  // SIGKILL if still running, then reap

  pid_t pid() const noexcept { return pid_; }
  bool reaped() const noexcept { return reaped_; }

  // The first line with "event" == `event` (already received or arriving within
  // `timeout`); nullopt at timeout or if the child exits without printing it.
  std::optional<nlohmann::json> wait_event(std::string_view event, std::chrono::milliseconds timeout);
  // The exit status as waitpid reports it; nullopt if still running at timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // Waits for exit and expects status 0; returns the "done" line (empty object if none).
  nlohmann::json finish(std::chrono::milliseconds timeout);

  void signal(int sig) const;
  // SIGKILL and reap now (unlike signal(SIGKILL), which leaves a zombie until waited for).
  void kill_and_reap();
  std::string output() const { return output_; }

 private:
  Child() = default;
  void pump(int timeout_ms);  // reads what the child printed, up to timeout_ms
  void reap_if_exited();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string output_;
  std::string partial_;
  std::vector<nlohmann::json> lines_;
};

// Each test gets a fresh ring directory (RINGSIDE_SHM_DIR) under /dev/shm, so
// tests run in parallel; RINGSIDE_HUGE_DIR points at a directory that is not on
// hugetlbfs, so BackingChoice::Auto never picks up another test's hugepages.
class RingTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  const std::filesystem::path& dir() const { return dir_; }     // the test's scratch directory
  std::filesystem::path rings() const { return dir_ / "rings"; }  // RINGSIDE_SHM_DIR

 private:
  std::filesystem::path dir_;
};

}  // namespace ringside::shm::test
