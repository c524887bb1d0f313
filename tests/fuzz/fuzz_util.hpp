// What the fuzzers share: a private scratch directory (on tmpfs when there is
// one), removed at exit, and writing an input there as a file.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace ringside::fuzz {

// $RINGSIDE_FUZZ_TMP, else /dev/shm, else the system's temp dir; one directory per process.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path base;
    if (const char* t = std::getenv("RINGSIDE_FUZZ_TMP"); t != nullptr && *t != '\0') {
      base = t;
    } else if (std::error_code ec; std::filesystem::is_directory("/dev/shm", ec)) {
      base = "/dev/shm";
    } else {
      base = std::filesystem::temp_directory_path();
    }
    std::filesystem::path d = base / ("ringside-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    static const std::string removed = d.string();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(removed, ec);
    });
    return d;
  }();
  return dir;
}

// Replaces `file` with exactly these bytes (a new inode each time).
inline void write_file(const std::filesystem::path& file, const void* data, std::size_t size) {
  ::unlink(file.c_str());
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(file.c_str());
    std::abort();
  }
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) {
      std::perror(file.c_str());
      std::abort();
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  ::close(fd);
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A fuzzer's own invariant failed: report it like a sanitizer would (abort, so
// libFuzzer saves the input).
[[noreturn]] inline void invariant_failed(const char* what) {
  std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
  std::abort();
}

}  // namespace ringside::fuzz
