#include "ringside/tools/event_output.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace ringside::tools {

EventOutput::EventOutput(int fd, bool owned, std::string name)
    : fd_(fd), owned_(owned), name_(std::move(name)), buffer_(std::make_unique<char[]>(kBufferBytes)) {}

EventOutput EventOutput::standard_output() { return EventOutput(STDOUT_FILENO, false, "<stdout>"); }

EventOutput EventOutput::create(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(file.string() + ": cannot create: " + std::strerror(errno));
  return EventOutput(fd, true, file.string());
}

EventOutput::EventOutput(EventOutput&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      owned_(std::exchange(other.owned_, false)),
      closed_(other.closed_),
      name_(std::move(other.name_)),
      buffer_(std::move(other.buffer_)),
      used_(std::exchange(other.used_, 0)),
      written_(other.written_) {}

EventOutput::~EventOutput() {
  if (fd_ < 0) return;
  try {
    flush();
  } catch (...) {  // a destructor reports nothing; finish() does
  }
  if (owned_) ::close(fd_);
}

char* EventOutput::reserve(std::size_t n) {
  if (used_ + n > kBufferBytes) flush();
  return buffer_.get() + used_;
}

void EventOutput::write(std::string_view text) {
  while (!text.empty()) {
    const std::size_t room = kBufferBytes - used_;
    if (room == 0) {
      flush();
      continue;
    }
    const std::size_t n = std::min(room, text.size());
    std::memcpy(buffer_.get() + used_, text.data(), n);
    used_ += n;
    text.remove_prefix(n);
  }
}

bool EventOutput::flush() {
  std::size_t done = 0;
  while (done < used_ && !closed_) {
    const ssize_t n = ::write(fd_, buffer_.get() + done, used_ - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) {
      closed_ = true;  // the reader went away: not an error
      break;
    }
    throw std::runtime_error(name_ + ": write failed: " + (n < 0 ? std::strerror(errno) : "no progress"));
  }
  written_ += done;
  used_ = 0;
  return !closed_;
}

void EventOutput::finish() {
  flush();
  if (owned_ && fd_ >= 0) {
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) throw std::runtime_error(name_ + ": close failed: " + std::strerror(errno));
  }
}

void ignore_sigpipe() noexcept {
  struct sigaction sa {};
  sa.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &sa, nullptr);
}

}  // namespace ringside::tools
