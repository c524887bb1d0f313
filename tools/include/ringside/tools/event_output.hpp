// Where a command's event lines go (tail, export): a buffer written out with
// write(2) when it fills and when the command asks (tail: whenever the ring is
// idle, so a person watching sees lines at once; export: at the end).
//
// Allocation-free per line: the buffer is allocated once. A reader that goes
// away (`ringside tail | head`) is not an error: the output reports closed()
// and the command stops quietly; SIGPIPE must be ignored for that
// (ignore_sigpipe()). Any other write failure throws std::runtime_error naming
// the output.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace ringside::tools {

class EventOutput {
 public:
  static constexpr std::size_t kBufferBytes = 1u << 18;

  // Standard output, named "<stdout>" in messages.
  static EventOutput standard_output();
  // Creates (or truncates) `file`; throws std::runtime_error naming it.
  static EventOutput create(const std::filesystem::path& file);

  EventOutput(EventOutput&& other) noexcept;
  EventOutput& operator=(EventOutput&&) = delete;
  EventOutput(const EventOutput&) = delete;
  EventOutput& operator=(const EventOutput&) = delete;
  ~EventOutput();  // flushes (errors ignored: call finish() to see them) and closes a file it created

  // Room for `n` more bytes (n <= kBufferBytes); write there, then commit(end).
  char* reserve(std::size_t n);
  void commit(char* end) noexcept { used_ = static_cast<std::size_t>(end - buffer_.get()); }

  void write(std::string_view text);
  void line(std::string_view text) {  // text + '\n'
    char* p = reserve(text.size() + 1);
    std::copy(text.begin(), text.end(), p);
    p[text.size()] = '\n';
    commit(p + text.size() + 1);
  }

  // Writes out what is buffered. Returns false once the reader has gone (EPIPE).
  bool flush();
  // flush(), then fsync-free close of a created file, reporting errors.
  void finish();

  bool closed() const noexcept { return closed_; }
  const std::string& name() const noexcept { return name_; }
  std::uint64_t bytes_written() const noexcept { return written_; }

 private:
  EventOutput(int fd, bool owned, std::string name);

  int fd_ = -1;
  bool owned_ = false;
  bool closed_ = false;
  std::string name_;
  std::unique_ptr<char[]> buffer_;
  std::size_t used_ = 0;
  std::uint64_t written_ = 0;
};

// SIGPIPE ignored, so a vanished reader shows as EPIPE instead of killing the process.
void ignore_sigpipe() noexcept;

}  // namespace ringside::tools
