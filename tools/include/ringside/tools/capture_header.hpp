// The header at the start of every capture segment: written by the recorder,
// checked field by field by every reader before it trusts a single offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ringside/core/instrument.hpp"
#include "ringside/tools/capture_reader.hpp"
#include "ringside/tools/capture_writer.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {

// A header that cannot be used; what() is "FILE: offset N: problem".
class CaptureHeaderError : public InputError {
 public:
  CaptureHeaderError(std::filesystem::path file, std::uint64_t offset, std::string problem);
  std::filesystem::path file;
  std::uint64_t offset = 0;
  std::string problem;
};

// CaptureFileHeader, the symbol-table image, zeros up to data_offset: the bytes a
// segment starts with.
std::vector<std::byte> build_segment_header(const CaptureRingInfo& ring, std::uint64_t capture_id,
                                            std::uint32_t segment, std::uint32_t max_block_bytes);

// Reads and checks the header of `file` (open as fd, file_size bytes). Throws
// CaptureHeaderError for an empty file, a wrong magic, an
// unsupported version, a truncated header, a checksum mismatch, inconsistent
// offsets or sizes.
CaptureSegmentInfo read_segment_header(int fd, const std::filesystem::path& file, std::uint64_t file_size);

// The segment's symbol table. Throws CaptureHeaderError "FILE: offset N: symbol table: ...".
SymbolTable segment_symbols(const CaptureSegmentInfo& info);

// pread until n bytes or the end of the file; returns the bytes read. Throws
// std::runtime_error naming the file on an I/O error.
std::size_t read_at(int fd, const std::filesystem::path& file, void* buffer, std::size_t n, std::uint64_t offset);

}  // namespace ringside::tools
