#include "ringside/tools/capture_header.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ringside/shm/ring_file.hpp"
#include "ringside/tools/capture_format.hpp"
#include "ringside/tools/crc32c.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {
namespace {

using namespace capture;
namespace fs = std::filesystem;

[[noreturn]] void bad(const fs::path& file, std::uint64_t offset, const std::string& problem) {
  throw CaptureHeaderError(file, offset, problem);
}

// Printable form of 8 magic bytes: letters as they are, anything else as \xNN.
std::string printable(const char* bytes, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

}  // namespace

CaptureHeaderError::CaptureHeaderError(fs::path f, std::uint64_t at, std::string what)
    : InputError(fmt::format("{}: offset {}: {}", f.string(), at, what)),
      file(std::move(f)),
      offset(at),
      problem(std::move(what)) {}

std::size_t read_at(int fd, const fs::path& file, void* buffer, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, static_cast<char*>(buffer) + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      throw std::runtime_error(
          fmt::format("{}: read at offset {}: {}", file.string(), offset + done, std::strerror(errno)));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

std::vector<std::byte> build_segment_header(const CaptureRingInfo& ring, std::uint64_t capture_id,
                                            std::uint32_t segment, std::uint32_t max_block_bytes) {
  CaptureFileHeader h{};
  std::memcpy(h.magic, kFileMagic, sizeof h.magic);
  h.version = kFormatVersion;
  h.header_size = sizeof h;
  h.capture_id = capture_id;
  h.segment = segment;
  h.block_alignment = static_cast<std::uint32_t>(kBlockAlignment);
  h.generation = ring.generation;
  h.ring_capacity = ring.ring_capacity;
  h.ring_created_ns = ring.ring_created_ns;
  h.start_time_ns = shm::realtime_ns();
  h.metadata_offset = sizeof h;
  h.metadata_size = ring.metadata.size();
  h.data_offset = align_block(sizeof h + ring.metadata.size());
  h.max_frame_length = ring.max_frame_length;
  h.max_block_bytes = max_block_bytes;
  std::snprintf(h.ring_name, sizeof h.ring_name, "%s", ring.ring_name.c_str());
  h.metadata_crc = crc32c(ring.metadata.data(), ring.metadata.size());
  h.header_crc = crc32c(&h, offsetof(CaptureFileHeader, header_crc));
  std::vector<std::byte> bytes(h.data_offset, std::byte{0});
  std::memcpy(bytes.data(), &h, sizeof h);
  if (!ring.metadata.empty()) std::memcpy(bytes.data() + sizeof h, ring.metadata.data(), ring.metadata.size());
  return bytes;
}

CaptureSegmentInfo read_segment_header(int fd, const fs::path& file, std::uint64_t file_size) {
  if (file_size == 0) bad(file, 0, "empty file (no capture header)");
  CaptureFileHeader h{};
  const std::size_t got = read_at(fd, file, &h, sizeof h, 0);
  if (got < sizeof h.magic) {
    bad(file, got, fmt::format("header truncated: the file ends after {} bytes, a capture header has {}", got, sizeof h));
  }
  if (std::memcmp(h.magic, kFileMagic, sizeof h.magic) != 0) {
    bad(file, 0, fmt::format("not a ringside capture: magic '{}', expected '{}'", printable(h.magic, sizeof h.magic),
                             printable(kFileMagic, sizeof kFileMagic)));
  }
  if (got < offsetof(CaptureFileHeader, header_size)) {
    bad(file, got, fmt::format("header truncated: the file ends after {} bytes, a capture header has {}", got, sizeof h));
  }
  if (h.version != kFormatVersion) {
    bad(file, offsetof(CaptureFileHeader, version),
        fmt::format("unsupported capture format version {} (this build reads version {})", h.version, kFormatVersion));
  }
  if (got < sizeof h) {
    bad(file, got, fmt::format("header truncated: the file ends after {} bytes, a capture header has {}", got, sizeof h));
  }
  const std::uint32_t crc = crc32c(&h, offsetof(CaptureFileHeader, header_crc));
  if (crc != h.header_crc) {
    bad(file, offsetof(CaptureFileHeader, header_crc),
        fmt::format("header checksum mismatch (stored {:#010x}, computed {:#010x}): the header is damaged",
                    h.header_crc, crc));
  }
  // The checksum held, so these are what a recorder wrote; still, never trust a size blindly.
  if (h.header_size != sizeof h) {
    bad(file, offsetof(CaptureFileHeader, header_size), fmt::format("header size {}, expected {}", h.header_size, sizeof h));
  }
  if (h.block_alignment != kBlockAlignment) {
    bad(file, offsetof(CaptureFileHeader, block_alignment),
        fmt::format("block alignment {}, expected {}", h.block_alignment, kBlockAlignment));
  }
  if (h.metadata_offset != sizeof h || h.metadata_size > (std::uint64_t{1} << 30) ||
      h.data_offset != align_block(h.metadata_offset + h.metadata_size)) {
    bad(file, offsetof(CaptureFileHeader, metadata_offset),
        fmt::format("inconsistent offsets (metadata at {}, {} bytes; data at {})", h.metadata_offset, h.metadata_size,
                    h.data_offset));
  }
  if (h.max_block_bytes < 2 * kBlockAlignment || h.max_block_bytes > kMaxBlockBytes ||
      h.max_block_bytes % kBlockAlignment != 0) {
    bad(file, offsetof(CaptureFileHeader, max_block_bytes), fmt::format("impossible block size {}", h.max_block_bytes));
  }
  if (h.ring_name[sizeof h.ring_name - 1] != '\0') {
    bad(file, offsetof(CaptureFileHeader, ring_name), "ring name not terminated");
  }
  CaptureSegmentInfo info;
  info.file = file;
  info.ring_name = h.ring_name;
  info.generation = h.generation;
  info.start_time_ns = h.start_time_ns;
  info.segment = h.segment;
  info.capture_id = h.capture_id;
  info.ring_capacity = h.ring_capacity;
  info.max_frame_length = h.max_frame_length;
  info.ring_created_ns = h.ring_created_ns;
  info.file_size = file_size;
  info.data_offset = h.data_offset;
  info.max_block_bytes = h.max_block_bytes;
  info.metadata.resize(h.metadata_size);
  const std::size_t meta = read_at(fd, file, info.metadata.data(), info.metadata.size(), h.metadata_offset);
  if (meta < h.metadata_size) {
    bad(file, h.metadata_offset + meta,
        fmt::format("symbol table truncated: the file ends {} bytes into its {} bytes", meta, h.metadata_size));
  }
  const std::uint32_t meta_crc = crc32c(info.metadata.data(), info.metadata.size());
  if (meta_crc != h.metadata_crc) {
    bad(file, h.metadata_offset,
        fmt::format("symbol table checksum mismatch (stored {:#010x}, computed {:#010x})", h.metadata_crc, meta_crc));
  }
  return info;
}

SymbolTable segment_symbols(const CaptureSegmentInfo& info) {
  // A ring created without metadata has no symbol table; its frames' symbol ids are then just numbers.
  if (info.metadata.empty()) return SymbolTable{};
  try {
    return SymbolTable::from_image(info.metadata);
  } catch (const std::runtime_error& e) {
    bad(info.file, sizeof(CaptureFileHeader), std::string("symbol table: ") + e.what());
  }
}

}  // namespace ringside::tools
