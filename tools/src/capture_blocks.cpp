#include "ringside/tools/capture_blocks.hpp"

#include <cstring>

#include "ringside/tools/capture_header.hpp"
#include "ringside/tools/crc32c.hpp"

namespace ringside::tools {

using namespace capture;

std::uint32_t seal_block(std::byte* block, BlockKind kind, std::uint64_t block_number, std::uint64_t offset,
                         std::uint32_t payload_bytes) noexcept {
  auto& h = *reinterpret_cast<CaptureBlockHeader*>(block);
  h.magic = kBlockMagic;
  h.kind = kind;
  h.block_number = block_number;
  h.offset = offset;
  h.payload_bytes = payload_bytes;
  h.reserved = 0;
  const auto length = static_cast<std::uint32_t>(block_span(h));
  std::byte* payload = block + sizeof h;
  h.payload_crc = crc32c(payload, payload_bytes);
  h.header_crc = crc32c(&h, offsetof(CaptureBlockHeader, header_crc));
  std::memset(payload + payload_bytes, 0, length - sizeof h - payload_bytes);
  if (kind == BlockKind::Trailer) {
    const CaptureTail tail{offset, kTailMagic};
    std::memcpy(block + length - sizeof tail, &tail, sizeof tail);
  }
  return length;
}

std::string_view block_header_problem(const CaptureBlockHeader& h, std::uint64_t offset,
                                      std::uint32_t max_block_bytes) noexcept {
  if (h.magic != kBlockMagic) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&h);
    bool zeros = true;
    for (std::size_t i = 0; i < sizeof h && zeros; ++i) zeros = bytes[i] == 0;
    return zeros ? "no block here, only zeros (a write the recorder never finished)" : "no block header here (bad magic)";
  }
  if (crc32c(&h, offsetof(CaptureBlockHeader, header_crc)) != h.header_crc) return "block header checksum mismatch";
  if (h.offset != offset) return "block header names another offset (a stale or misplaced block)";
  if (h.kind != BlockKind::Data && h.kind != BlockKind::Index && h.kind != BlockKind::Trailer) return "unknown block kind";
  if (sizeof h + std::uint64_t{h.payload_bytes} + (h.kind == BlockKind::Trailer ? sizeof(CaptureTail) : 0) >
      max_block_bytes) {
    return "block larger than the segment's block size";
  }
  return {};
}

std::uint64_t block_span(const CaptureBlockHeader& h) noexcept {
  return align_block(sizeof h + h.payload_bytes + (h.kind == BlockKind::Trailer ? sizeof(CaptureTail) : 0));
}

namespace {

// The block header at `offset` and its payload, both verified; false if anything is off.
bool read_block(int fd, const CaptureSegmentInfo& info, std::uint64_t offset, BlockKind kind, CaptureBlockHeader& h,
                std::vector<std::byte>& payload) {
  if (read_at(fd, info.file, &h, sizeof h, offset) != sizeof h) return false;
  if (!block_header_problem(h, offset, info.max_block_bytes).empty() || h.kind != kind) return false;
  payload.resize(h.payload_bytes);
  if (read_at(fd, info.file, payload.data(), payload.size(), offset + sizeof h) != payload.size()) return false;
  return crc32c(payload.data(), payload.size()) == h.payload_crc;
}

}  // namespace

std::optional<std::uint64_t> find_trailer(int fd, const CaptureSegmentInfo& info) {
  if (info.file_size < info.data_offset + kBlockAlignment || info.file_size % kBlockAlignment != 0) return std::nullopt;
  CaptureTail tail{};
  if (read_at(fd, info.file, &tail, sizeof tail, info.file_size - sizeof tail) != sizeof tail) return std::nullopt;
  if (tail.magic != kTailMagic || tail.trailer_offset < info.data_offset || tail.trailer_offset >= info.file_size ||
      tail.trailer_offset % kBlockAlignment != 0) {
    return std::nullopt;
  }
  CaptureBlockHeader h{};
  std::vector<std::byte> payload;
  if (!read_block(fd, info, tail.trailer_offset, BlockKind::Trailer, h, payload)) return std::nullopt;
  if (tail.trailer_offset + block_span(h) != info.file_size) return std::nullopt;
  if (payload.size() != sizeof(CaptureTrailer) + std::uint64_t{h.count} * sizeof(std::uint64_t)) return std::nullopt;
  return tail.trailer_offset;
}

namespace {

bool blocks_from_index(int fd, const CaptureSegmentInfo& info, std::uint64_t trailer_offset,
                       std::vector<CaptureIndexEntry>& out) {
  CaptureBlockHeader h{};
  std::vector<std::byte> trailer;
  if (!read_block(fd, info, trailer_offset, BlockKind::Trailer, h, trailer)) return false;
  std::vector<std::uint64_t> offsets(h.count);
  std::memcpy(offsets.data(), trailer.data() + sizeof(CaptureTrailer), offsets.size() * sizeof(std::uint64_t));
  std::vector<std::byte> payload;
  // Offsets from the file: one outside the data blocks makes the index damaged
  // (pread would fail on it, an I/O error this is not), as does an entry's.
  const auto in_data = [&](std::uint64_t offset) {
    return offset >= info.data_offset && offset < info.file_size && offset % kBlockAlignment == 0;
  };
  for (const std::uint64_t offset : offsets) {
    if (!in_data(offset) || !read_block(fd, info, offset, BlockKind::Index, h, payload)) return false;
    if (payload.size() != std::uint64_t{h.count} * sizeof(CaptureIndexEntry)) return false;
    const std::size_t first = out.size();
    out.resize(first + h.count);
    std::memcpy(out.data() + first, payload.data(), payload.size());
    for (std::size_t i = first; i < out.size(); ++i) {
      if (!in_data(out[i].offset)) return false;
    }
  }
  return true;
}

}  // namespace

std::vector<CaptureIndexEntry> list_data_blocks(int fd, const CaptureSegmentInfo& info,
                                                std::optional<std::uint64_t> trailer) {
  std::vector<CaptureIndexEntry> out;
  if (trailer && blocks_from_index(fd, info, *trailer, out)) return out;
  out.clear();
  // No trailer (a killed recorder) or a damaged index: walk the block headers.
  std::uint64_t offset = info.data_offset;
  while (offset + sizeof(CaptureBlockHeader) <= info.file_size) {
    CaptureBlockHeader h{};
    if (read_at(fd, info.file, &h, sizeof h, offset) != sizeof h) break;
    if (!block_header_problem(h, offset, info.max_block_bytes).empty()) {
      offset += kBlockAlignment;  // resync: the next block starts at an aligned offset
      continue;
    }
    if (h.kind == BlockKind::Data) {
      out.push_back({offset, h.first_sequence, h.last_sequence, h.first_event_ns, h.last_event_ns, h.count,
                     static_cast<std::uint32_t>(block_span(h))});
    }
    offset += block_span(h);
  }
  return out;
}

}  // namespace ringside::tools
