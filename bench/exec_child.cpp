#include "exec_child.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <sched.h>

namespace ringside::bench {

ExecChild::ExecChild(std::string role, const std::vector<std::string>& argv, int cpu,
                     const std::filesystem::path& log, bool first_line, std::chrono::milliseconds wait)
    : role_(std::move(role)) {
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::system_error(errno, std::generic_category(), "open " + log.string());
  int out[2] = {-1, -1};
  if (first_line && ::pipe2(out, O_CLOEXEC) != 0) {
    ::close(log_fd);
    throw std::system_error(errno, std::generic_category(), "pipe");
  }
  // Everything exec needs is built before fork: the child only calls async-signal-safe functions.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu >= 0) CPU_SET(static_cast<std::size_t>(cpu), &set);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork " + role_);
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(70);  // the parent died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // a caller blocking SIGTERM must not pass that on
    if (cpu >= 0 && ::sched_setaffinity(0, sizeof set, &set) != 0) ::_exit(71);
    ::dup2(first_line ? out[1] : log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (!first_line) return;
  ::close(out[1]);
  pipe_ = out[0];
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (char c = 0;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{pipe_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      stop();
      throw std::runtime_error(fmt::format("{} printed no first line within {} ms (log: {})", role_, wait.count(),
                                           log.string()));
    }
    if (::read(pipe_, &c, 1) != 1) {
      const std::string how = stop();
      throw std::runtime_error(fmt::format("{} ended before its first line{}{} (log: {})", role_, how.empty() ? "" : ": ",
                                           how, log.string()));
    }
    if (c == '\n') break;
    line_ += c;
  }
}

std::string ExecChild::describe(int status) const {
  const std::string what = WIFEXITED(status)     ? fmt::format("exited with status {}", WEXITSTATUS(status))
                           : WIFSIGNALED(status) ? fmt::format("killed by signal {} ({})", WTERMSIG(status),
                                                               ::strsignal(WTERMSIG(status)))
                                                 : fmt::format("ended with wait status {}", status);
  return fmt::format("{} (pid {}): {}", role_, pid_, what);
}

std::string ExecChild::ended() {
  if (pid_ <= 0) return end_;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return {};
  end_ = describe(status);
  pid_ = -1;
  return end_;
}

std::string ExecChild::stop(std::chrono::milliseconds grace) {
  std::string how;
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    pid_t got = 0;
    while ((got = ::waitpid(pid_, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) ::usleep(10'000);
    if (got == 0) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      how = describe(status) + fmt::format(", after SIGTERM did not stop it within {} ms", grace.count());
    } else if (got == pid_) {
      const bool asked = (WIFEXITED(status) && WEXITSTATUS(status) == 0) || (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
      how = asked ? std::string() : describe(status);
    }
    end_ = how;
    pid_ = -1;
  }
  if (pipe_ >= 0) ::close(pipe_);
  pipe_ = -1;
  return how;
}

}  // namespace ringside::bench
