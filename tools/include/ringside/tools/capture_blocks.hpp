// Blocks of a capture segment: sealing one (the writer), whether a block header
// can be trusted and how far a block reaches (readers), and the segment's table
// of data blocks (from its index blocks when it was closed cleanly, else by
// walking block headers) for seeking.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "ringside/tools/capture_format.hpp"
#include "ringside/tools/capture_reader.hpp"

namespace ringside::tools {

// Completes the block at `block` whose payload (payload_bytes) is already in
// place after its header and whose count and first/last fields are set: the
// header's identity, both checksums, zeroed padding, and for a trailer the tail
// in its last 16 bytes. Returns the block's length; `block` must have room for it.
std::uint32_t seal_block(std::byte* block, capture::BlockKind kind, std::uint64_t block_number, std::uint64_t offset,
                         std::uint32_t payload_bytes) noexcept;

// Why the block header read at `offset` is not a usable one; empty when it is:
// magic, header checksum, its own offset, its kind, sizes within max_block_bytes.
std::string_view block_header_problem(const capture::CaptureBlockHeader& h, std::uint64_t offset,
                                      std::uint32_t max_block_bytes) noexcept;

// Bytes from the block's start to the next block (header, payload, padding; a
// trailer's tail included).
std::uint64_t block_span(const capture::CaptureBlockHeader& h) noexcept;

// Offset of the trailer block when the segment ends with a valid tail, trailer
// header and trailer payload (a clean close); nullopt otherwise.
std::optional<std::uint64_t> find_trailer(int fd, const CaptureSegmentInfo& info);

// Every data block of the segment, in file order. From the index blocks the
// trailer lists when they all verify; otherwise by reading each block header
// (pread of 96 bytes a block), skipping over damage to the next aligned header.
std::vector<capture::CaptureIndexEntry> list_data_blocks(int fd, const CaptureSegmentInfo& info,
                                                         std::optional<std::uint64_t> trailer);

}  // namespace ringside::tools
