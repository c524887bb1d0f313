#include "ringside/tools/capture_segment_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "ringside/tools/capture_blocks.hpp"
#include "ringside/tools/capture_format.hpp"
#include "ringside/tools/capture_header.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {
namespace {

namespace fs = std::filesystem;

// FILE.NNNN in FILE's directory, in any order: every numbered segment, also past a gap.
std::vector<fs::path> numbered_siblings(const fs::path& file) {
  std::vector<fs::path> out;
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  const std::string prefix = file.filename().string() + ".";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < prefix.size() + 4 || name.compare(0, prefix.size(), prefix) != 0) continue;
    bool digits = true;
    for (std::size_t i = prefix.size(); i < name.size(); ++i) {
      digits = digits && std::isdigit(static_cast<unsigned char>(name[i])) != 0;
    }
    if (digits) out.push_back(dir / name);
  }
  return out;
}

}  // namespace

void prepare_capture_files(const fs::path& file, bool overwrite) {
  if (file.empty()) throw InputError("record: no capture file given");
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(file.string() + ": directory " + dir.string() + " does not exist");
  std::vector<fs::path> existing;
  if (fs::exists(fs::symlink_status(file, ec))) existing.push_back(file);
  for (fs::path& p : numbered_siblings(file)) existing.push_back(std::move(p));
  if (existing.empty()) return;
  if (!overwrite) {
    throw InputError(file.string() + ": exists" +
                     (existing.size() > 1 ? " (with " + std::to_string(existing.size() - 1) + " numbered segments)" : "") +
                     "; use --overwrite to replace it");
  }
  for (const fs::path& p : existing) {
    if (!fs::remove(p, ec) && ec) throw std::runtime_error(p.string() + ": cannot remove: " + ec.message());
  }
}

int create_segment_file(const fs::path& path, const std::vector<std::byte>& head) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path.string() + ": cannot create: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < head.size()) {
    const ssize_t n = ::pwrite(fd, head.data() + done, head.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      ::close(fd);
      throw std::runtime_error(path.string() + ": writing the header: " + std::strerror(error));
    }
    done += static_cast<std::size_t>(n);
  }
  return fd;
}

std::vector<fs::path> numbered_segments(const fs::path& file) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (std::uint32_t n = 1;; ++n) {
    fs::path p = capture::segment_path(file, n);
    if (!fs::exists(p, ec)) break;
    out.push_back(std::move(p));
  }
  return out;
}

CaptureFile CaptureFile::open(const fs::path& file) {
  CaptureFile f;
  f.fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd_ < 0) throw InputError(file.string() + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd_, &st) != 0) throw InputError(file.string() + ": cannot stat: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw InputError(file.string() + ": is a directory, not a capture file");
  f.size_ = static_cast<std::uint64_t>(st.st_size);
  return f;
}

CaptureFile::CaptureFile(CaptureFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(std::exchange(other.size_, 0)) {}

CaptureFile& CaptureFile::operator=(CaptureFile&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(size_, other.size_);
  return *this;
}

CaptureFile::~CaptureFile() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

CaptureSegment load_segment(const fs::path& file) {
  const CaptureFile f = CaptureFile::open(file);
  CaptureSegment s;
  s.info = read_segment_header(f.fd(), file, f.size());
  s.symbols = segment_symbols(s.info);
  s.trailer = find_trailer(f.fd(), s.info);
  s.info.closed_cleanly = s.trailer.has_value();
  return s;
}

std::string key_of(const fs::path& p) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal().string() : canonical.string();
}

}  // namespace

CaptureSegments open_capture_segments(const std::vector<fs::path>& files, bool follow_segments) {
  if (files.empty()) throw InputError("no capture file given");
  CaptureSegments out;
  std::set<std::string> seen;
  for (const fs::path& given : files) {
    if (!seen.insert(key_of(given)).second) continue;
    out.segments.push_back(load_segment(given));  // a file named on the command line must be a capture
    if (!follow_segments) continue;
    const std::uint64_t id = out.segments.back().info.capture_id;
    std::uint32_t number = out.segments.back().info.segment;
    for (const fs::path& p : numbered_segments(given)) {
      ++number;
      if (!seen.insert(key_of(p)).second) continue;
      std::error_code ec;
      const std::uint64_t size = fs::file_size(p, ec);
      try {
        CaptureSegment next = load_segment(p);
        if (next.info.capture_id != id || next.info.segment != number) {
          // Left over from an older recording to the same name: neither it nor any later number is ours.
          out.damage.push_back({p, 0, size, "a segment of another recording (capture id or segment number differs); not read"});
          break;
        }
        out.segments.push_back(std::move(next));
      } catch (const CaptureHeaderError& e) {
        // Its header is damaged (or a recorder was killed as it started it): skip
        // this file, and keep reading the later segments, which are whole files of their own.
        out.damage.push_back({p, e.offset, ec ? 0 : size, e.problem + " (the whole segment is skipped)"});
      }
    }
  }
  return out;
}

}  // namespace ringside::tools
