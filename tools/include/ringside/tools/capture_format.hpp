// The bytes of a capture file (`ringside record`). Little-endian, as the host
// that wrote the frames (x86-64 and aarch64 both); the tables in tools/README.md
// say the same field by field.
//
//   offset 0              CaptureFileHeader, then the symbol-table image
//   data_offset (4 KiB)   blocks, each at a 4 KiB-aligned offset:
//                           CaptureBlockHeader (96 bytes) + payload, zero-padded to 4 KiB
//     kind Data            frames exactly as in the ring (padding records are not frames)
//     kind Index           CaptureIndexEntry for each data block since the previous index
//     kind Trailer         CaptureTrailer + the offsets of every index block; only at a
//                          clean close, the file's last block, whose last 16 bytes are
//                          CaptureTail (so a reader finds it from the end of the file)
//
// Every block starts 4 KiB-aligned and carries its own offset and a CRC32C of
// its header and of its payload: after a damaged stretch a reader resyncs by
// probing aligned offsets for a header that verifies and names that offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace ringside::tools::capture {

inline constexpr char kFileMagic[8] = {'R', 'S', 'C', 'A', 'P', 'T', 'U', 'R'};
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::uint64_t kBlockAlignment = 4096;
inline constexpr std::uint64_t kBlockMagic = 0x314b4c4250414352ull;  // "RCAPBLK1" little-endian
inline constexpr std::uint64_t kTailMagic = 0x31444e4550414352ull;   // "RCAPEND1" little-endian
// A block (header + payload, padded) never exceeds this: readers refuse larger
// claimed sizes as damage, and size their buffers by it.
inline constexpr std::uint64_t kMaxBlockBytes = 16ull << 20;

constexpr std::uint64_t align_block(std::uint64_t n) noexcept {
  return (n + kBlockAlignment - 1) & ~(kBlockAlignment - 1);
}

struct CaptureFileHeader {
  char magic[8];                    // kFileMagic
  std::uint32_t version;            // kFormatVersion
  std::uint32_t header_size;        // sizeof(CaptureFileHeader)
  std::uint64_t capture_id;         // shared by all segments of one recording
  std::uint32_t segment;            // 0 for FILE, N for FILE.000N
  std::uint32_t block_alignment;    // kBlockAlignment
  std::uint64_t generation;         // the ring writer's generation
  std::uint64_t ring_capacity;      // data bytes of the ring
  std::int64_t ring_created_ns;     // when that generation was created (CLOCK_REALTIME)
  std::int64_t start_time_ns;       // when this segment was started (CLOCK_REALTIME)
  std::uint64_t metadata_offset;    // = header_size: the symbol-table image follows
  std::uint64_t metadata_size;      // bytes of SymbolTable::to_image()
  std::uint64_t data_offset;        // first block: align_block(metadata_offset + metadata_size)
  std::uint32_t max_frame_length;   // of the ring
  std::uint32_t max_block_bytes;    // the recorder's block buffer: no block is larger
  char ring_name[80];               // NUL-padded
  std::uint8_t reserved[8];         // 0
  std::uint32_t metadata_crc;       // CRC32C of the metadata bytes
  std::uint32_t header_crc;         // CRC32C of every byte above
};
static_assert(sizeof(CaptureFileHeader) == 192);
static_assert(offsetof(CaptureFileHeader, version) == 8);
static_assert(offsetof(CaptureFileHeader, capture_id) == 16);
static_assert(offsetof(CaptureFileHeader, generation) == 32);
static_assert(offsetof(CaptureFileHeader, metadata_offset) == 64);
static_assert(offsetof(CaptureFileHeader, max_frame_length) == 88);
static_assert(offsetof(CaptureFileHeader, ring_name) == 96);
static_assert(offsetof(CaptureFileHeader, metadata_crc) == 184);
static_assert(offsetof(CaptureFileHeader, header_crc) == 188);

enum class BlockKind : std::uint32_t { Data = 1, Index = 2, Trailer = 3 };

struct CaptureBlockHeader {
  std::uint64_t magic;              // kBlockMagic
  BlockKind kind;
  std::uint32_t count;              // Data: frames; Index: entries; Trailer: index blocks
  std::uint64_t block_number;       // 0, 1, 2 ... in the segment, every kind counted
  std::uint64_t offset;             // this block's own offset in the file (for resync)
  std::uint32_t payload_bytes;      // after this header, before the padding
  std::uint32_t reserved;           // 0
  std::uint64_t first_sequence;     // Data and Index: of the frames covered; else 0
  std::uint64_t last_sequence;
  std::int64_t first_event_ns;
  std::int64_t last_event_ns;
  std::int64_t first_publish_ns;
  std::int64_t last_publish_ns;
  std::uint32_t payload_crc;        // CRC32C of the payload bytes
  std::uint32_t header_crc;         // CRC32C of every byte above
};
static_assert(sizeof(CaptureBlockHeader) == 96);
static_assert(offsetof(CaptureBlockHeader, block_number) == 16);
static_assert(offsetof(CaptureBlockHeader, payload_bytes) == 32);
static_assert(offsetof(CaptureBlockHeader, first_sequence) == 40);
static_assert(offsetof(CaptureBlockHeader, first_publish_ns) == 72);
static_assert(offsetof(CaptureBlockHeader, header_crc) == 92);
static_assert(sizeof(CaptureBlockHeader) % 8 == 0);  // frames after it stay 8-aligned

// One data block, in an index block.
struct CaptureIndexEntry {
  std::uint64_t offset;
  std::uint64_t first_sequence;
  std::uint64_t last_sequence;
  std::int64_t first_event_ns;
  std::int64_t last_event_ns;
  std::uint32_t frames;
  std::uint32_t block_bytes;        // header + payload + padding
};
static_assert(sizeof(CaptureIndexEntry) == 48);

// The payload of the trailer block starts with this, then `index_blocks` offsets (u64).
struct CaptureTrailer {
  std::uint64_t frames;             // in the segment
  std::uint64_t data_blocks;
  std::uint64_t index_blocks;
  std::uint64_t first_sequence;
  std::uint64_t last_sequence;
  std::int64_t first_event_ns;
  std::int64_t last_event_ns;
  std::int64_t end_time_ns;         // CLOCK_REALTIME at close
};
static_assert(sizeof(CaptureTrailer) == 64);

// The last 16 bytes of a cleanly closed segment (inside the trailer block's padding).
struct CaptureTail {
  std::uint64_t trailer_offset;
  std::uint64_t magic;              // kTailMagic
};
static_assert(sizeof(CaptureTail) == 16);

// Segment n of the capture FILE: FILE itself for 0, then FILE.0001, FILE.0002 ...
// (zero-padded, so a shell glob lists them in order up to 9999).
inline std::filesystem::path segment_path(const std::filesystem::path& file, std::uint32_t n) {
  if (n == 0) return file;
  std::string suffix = std::to_string(n);
  if (suffix.size() < 4) suffix.insert(0, 4 - suffix.size(), '0');
  return std::filesystem::path(file.string() + "." + suffix);
}

}  // namespace ringside::tools::capture
