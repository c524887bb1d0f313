// Order files: a batch of order-entry frames for `ringside-engine --orders FILE`.
//
// Layout (little-endian; documented for users in engine/README.md):
//   offset 0   magic "RSORDERS" (8 bytes)
//   offset 8   u32 version (1)
//   offset 12  u32 symbol table image size in bytes (S)
//   offset 16  u64 frame bytes (F)
//   offset 24  u64 frame count (N)
//   offset 32  the symbol table image (SymbolTable::to_image), zero-padded to a multiple of 8
//   then       N frames, F bytes: NewOrderRequest and CancelOrderRequest exactly as
//              they travel in an order-entry ring (order_entry.hpp), back to back
//
// The file is self-describing like a ring: its symbols travel with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "ringside/core/instrument.hpp"
#include "ringside/core/order_entry.hpp"

namespace ringside {

inline constexpr char kOrderFileMagic[8] = {'R', 'S', 'O', 'R', 'D', 'E', 'R', 'S'};
inline constexpr std::uint32_t kOrderFileVersion = 1;
inline constexpr std::size_t kOrderFileHeaderSize = 32;

// "FILE: offset N: problem".
class OrderFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OrderFile {
  SymbolTable symbols;
  std::vector<std::byte> frames;  // every frame checked by check_order_entry_frame
  std::uint64_t count = 0;
};

// Reads and checks a whole file. Throws OrderFileError naming the file and the
// byte offset of the first bad frame (type, length, enum value, symbol, quantity).
OrderFile read_order_file(const std::filesystem::path& file);

// "" when the frame is well formed for `symbols`, else what is wrong with it.
std::string check_order_entry_frame(const FrameHeader& frame, std::size_t available_bytes,
                                    const SymbolTable& symbols);

// Writes an order file; frames are buffered and the header is finished by close().
class OrderFileWriter {
 public:
  OrderFileWriter(const std::filesystem::path& file, const SymbolTable& symbols);
  OrderFileWriter(const OrderFileWriter&) = delete;
  OrderFileWriter& operator=(const OrderFileWriter&) = delete;
  ~OrderFileWriter();  // closes, swallowing errors; call close() to see them

  void append(const NewOrderRequest& order);
  void append(const CancelOrderRequest& cancel);
  void close();  // throws std::runtime_error on a write failure
  std::uint64_t count() const noexcept { return count_; }

 private:
  void append_bytes(const void* data, std::size_t size);

  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::uint64_t frame_bytes_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace ringside
