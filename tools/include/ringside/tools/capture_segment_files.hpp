// The files of one capture: FILE, then FILE.0001, FILE.0002 ... (capture_format.hpp,
// segment_path). Creating them for the recorder, finding and opening them for readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "ringside/core/instrument.hpp"
#include "ringside/tools/capture_reader.hpp"

namespace ringside::tools {

// Before recording to FILE: refuses (InputError) when FILE or any FILE.NNNN
// exists, unless overwrite, which removes them, so no stale segment of an older
// recording is ever read as part of this one. Also refuses a missing directory.
void prepare_capture_files(const std::filesystem::path& file, bool overwrite);

// Creates a new segment file (never replacing one) and writes `head` at offset
// 0; returns the open descriptor. Throws std::runtime_error naming the file.
int create_segment_file(const std::filesystem::path& path, const std::vector<std::byte>& head);

// FILE.0001, FILE.0002 ... as long as they exist, in order.
std::vector<std::filesystem::path> numbered_segments(const std::filesystem::path& file);

// A capture file open for reading; closed with the object.
class CaptureFile {
 public:
  // Throws InputError "FILE: cannot open: ..." (missing, unreadable) or "FILE: is a directory ...".
  static CaptureFile open(const std::filesystem::path& file);
  CaptureFile() = default;
  CaptureFile(CaptureFile&& other) noexcept;
  CaptureFile& operator=(CaptureFile&& other) noexcept;
  CaptureFile(const CaptureFile&) = delete;
  CaptureFile& operator=(const CaptureFile&) = delete;
  ~CaptureFile();
  int fd() const noexcept { return fd_; }
  std::uint64_t size() const noexcept { return size_; }

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// One segment whose header checked out.
struct CaptureSegment {
  CaptureSegmentInfo info;
  SymbolTable symbols;
  std::optional<std::uint64_t> trailer;  // offset of its trailer block, when it was closed cleanly
};

struct CaptureSegments {
  std::vector<CaptureSegment> segments;
  std::vector<CaptureDamage> damage;  // numbered segments that could not be used
};

// The segments of the capture named by `files` (CaptureReader::open has the rules):
// every file given must be a capture (else InputError); numbered segments found
// with follow_segments that are not usable are skipped and listed as damage.
CaptureSegments open_capture_segments(const std::vector<std::filesystem::path>& files, bool follow_segments);

}  // namespace ringside::tools
