#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

extern char** environ;

namespace ringside::shm::test {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Child Child::driver(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  return spawn(kDriver, args, env);
}

Child Child::spawn(const std::string& program, const std::vector<std::string>& args,
                   const std::vector<std::string>& env) {
  Child c;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return c;
  }
  std::vector<std::string> argv_s{program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    bool replaced = false;
    for (const auto& add : env) {
      const auto eq = add.find('=');
      replaced = replaced || entry.substr(0, eq + 1) == std::string_view(add).substr(0, eq + 1);
    }
    if (!replaced) env_s.emplace_back(entry);
  }
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  const int error = ::posix_spawn(&c.pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (error != 0) {
    ::close(fds[0]);
    c.pid_ = -1;
    ADD_FAILURE() << "posix_spawn " << kDriver << ": " << std::strerror(error);
    return c;
  }
  c.out_fd_ = fds[0];
  ::fcntl(c.out_fd_, F_SETFL, ::fcntl(c.out_fd_, F_GETFL) | O_NONBLOCK);
  return c;
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      out_fd_(std::exchange(other.out_fd_, -1)),
      reaped_(other.reaped_),
      status_(other.status_),
      output_(std::move(other.output_)),
      partial_(std::move(other.partial_)),
      lines_(std::move(other.lines_)) {}

Child::~Child() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

void Child::signal(int sig) const {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

void Child::kill_and_reap() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(pid_, SIGKILL);
  if (::waitpid(pid_, &status_, 0) == pid_) reaped_ = true;
}

void Child::pump(int timeout_ms) {
  if (out_fd_ < 0) {
    if (timeout_ms > 0) ::poll(nullptr, 0, timeout_ms);
    return;
  }
  pollfd p{out_fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(out_fd_, buffer, sizeof buffer);
    if (n > 0) {
      output_.append(buffer, static_cast<std::size_t>(n));
      partial_.append(buffer, static_cast<std::size_t>(n));
      for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n')) {
        const std::string line = partial_.substr(0, nl);
        partial_.erase(0, nl + 1);
        if (!line.empty() && line.front() == '{') {
          auto parsed = nlohmann::json::parse(line, nullptr, false);
          if (!parsed.is_discarded()) lines_.push_back(std::move(parsed));
        }
      }
      continue;
    }
    if (n == 0) {  // end of file: the child (and anything it started) is gone
      ::close(out_fd_);
      out_fd_ = -1;
    }
    return;
  }
}

void Child::reap_if_exited() {
  if (pid_ <= 0 || reaped_) return;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
}

std::optional<nlohmann::json> Child::wait_event(std::string_view event, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t seen = 0;
  for (;;) {
    for (; seen < lines_.size(); ++seen) {
      if (lines_[seen].value("event", "") == event) return lines_[seen];
    }
    if (out_fd_ < 0) {
      reap_if_exited();
      return std::nullopt;  // no more output will come
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pump(static_cast<int>(std::min<long long>(left, 50)));
  }
}

std::optional<int> Child::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!reaped_) {
    reap_if_exited();
    if (reaped_) break;
    if (Clock::now() >= deadline) return std::nullopt;
    pump(10);
  }
  // Everything the child wrote is in the pipe now; a child of its own could hold it open, so bounded.
  const auto drain_deadline = Clock::now() + 2s;
  while (out_fd_ >= 0 && Clock::now() < drain_deadline) pump(10);
  return status_;
}

nlohmann::json Child::finish(std::chrono::milliseconds timeout) {
  const std::optional<int> status = wait_exit(timeout);
  if (!status) {
    ADD_FAILURE() << "driver pid " << pid_ << " still running after " << timeout.count() << " ms; output:\n"
                  << output_;
    kill_and_reap();
    return nlohmann::json::object();
  }
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << "driver pid " << pid_ << " ended with wait status " << *status
      << (WIFSIGNALED(*status) ? " (signal " + std::to_string(WTERMSIG(*status)) + ")" : "") << "; output:\n"
      << output_;
  for (auto it = lines_.rbegin(); it != lines_.rend(); ++it) {
    if (it->value("event", "") == "done") return *it;
  }
  ADD_FAILURE() << "driver pid " << pid_ << " printed no \"done\" line; output:\n" << output_;
  return nlohmann::json::object();
}

void RingTest::SetUp() {
  // spdlog's registry is a function-local static inside libspdlog, which is not
  // built with TSan: a test thread that logs first would race, as far as TSan can
  // see, with the thread that constructed it. Build it here, before any test thread.
  spdlog::default_logger_raw();
  const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string pattern = (base / "ringside-test.XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << pattern << ": " << std::strerror(errno);
  dir_ = pattern;
  ::setenv("RINGSIDE_SHM_DIR", rings().c_str(), 1);
  ::setenv("RINGSIDE_HUGE_DIR", (dir_ / "not-hugetlbfs").c_str(), 1);
}

void RingTest::TearDown() {
  ::unsetenv("RINGSIDE_SHM_DIR");
  ::unsetenv("RINGSIDE_HUGE_DIR");
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

}  // namespace ringside::shm::test
