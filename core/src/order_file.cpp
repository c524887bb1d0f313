#include "ringside/core/order_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <span>
#include <string_view>
#include <utility>

namespace ringside {
namespace {

// The fixed header at offset 0, as it lies in the file.
struct FileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t symbols_bytes;
  std::uint64_t frame_bytes;
  std::uint64_t frame_count;
};
static_assert(sizeof(FileHeader) == kOrderFileHeaderSize);
static_assert(offsetof(FileHeader, frame_bytes) == 16);

// An order file has no business being larger than memory; this bounds what a
// corrupt header can make us allocate before the size check catches it.
constexpr std::uint64_t kMaxSymbolImageBytes = 16 + kMaxSymbols * 160;

std::string num(std::uint64_t n) { return std::to_string(n); }

std::string check_client_order_id(std::uint64_t id) {
  if (id == 0 || id > kMaxClientOrderId) {
    return "client order id " + num(id) + " out of range (1.." + num(kMaxClientOrderId) + ")";
  }
  return {};
}

std::string check_symbol(const FrameHeader& h, const SymbolTable& symbols) {
  if (!symbols.contains(h.symbol)) {
    return "unknown symbol id " + num(raw(h.symbol)) + " (the file has " + num(symbols.size()) + " symbols)";
  }
  return {};
}

std::string check_new_order(const NewOrderRequest& o, const SymbolTable& symbols) {
  if (auto e = check_symbol(o.header, symbols); !e.empty()) return e;
  if (auto e = check_client_order_id(o.client_order_id); !e.empty()) return e;
  if (!enum_within(o.side, kMaxSide)) return "bad side " + num(static_cast<std::uint8_t>(o.side));
  if (!enum_within(o.order_type, kMaxOrderType)) {
    return "bad order type " + num(static_cast<std::uint8_t>(o.order_type));
  }
  if (!enum_within(o.time_in_force, kMaxTimeInForce)) {
    return "bad time in force " + num(static_cast<std::uint8_t>(o.time_in_force));
  }
  if (!agent_type_valid(o.agent)) return "bad agent id " + num(raw(o.agent));
  if (o.quantity == 0 || o.quantity > kMaxOrderQuantity) {
    return "quantity " + num(o.quantity) + " out of range (1.." + num(kMaxOrderQuantity) + ")";
  }
  if (o.order_type == OrderType::Limit && o.price <= 0) {
    return "limit price " + std::to_string(o.price) + " is not positive";
  }
  return {};
}

std::string check_cancel(const CancelOrderRequest& c, const SymbolTable& symbols) {
  if (auto e = check_symbol(c.header, symbols); !e.empty()) return e;
  if (auto e = check_client_order_id(c.client_order_id); !e.empty()) return e;
  if (c.reduce_by > kMaxOrderQuantity) {
    return "reduce_by " + num(c.reduce_by) + " out of range (0.." + num(kMaxOrderQuantity) + ")";
  }
  if (!agent_type_valid(c.agent)) return "bad agent id " + num(raw(c.agent));
  return {};
}

// Frames are copied out before they are read: the caller's bytes need not be
// aligned, and a frame's fields are only trusted after its length is.
template <class Frame>
Frame copy_frame(const FrameHeader& h) noexcept {
  Frame frame;
  std::memcpy(&frame, &h, sizeof frame);
  return frame;
}

std::vector<std::byte> read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw OrderFileError(file.string() + ": offset 0: cannot open: " + std::strerror(errno));
  std::vector<std::byte> bytes;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    const auto* begin = reinterpret_cast<const std::byte*>(buffer);
    bytes.insert(bytes.end(), begin, begin + in.gcount());
  }
  if (in.bad()) throw OrderFileError(file.string() + ": offset " + num(bytes.size()) + ": read error");
  return bytes;
}

}  // namespace

std::string check_order_entry_frame(const FrameHeader& frame, std::size_t available_bytes, const SymbolTable& symbols) {
  if (available_bytes < sizeof(FrameHeader)) {
    return "truncated frame header (" + num(available_bytes) + " bytes, need " + num(sizeof(FrameHeader)) + ")";
  }
  FrameHeader h;
  std::memcpy(&h, &frame, sizeof h);
  if (h.length < sizeof(FrameHeader) || h.length % kFrameAlignment != 0) {
    return "bad frame length " + num(h.length) + " (a multiple of " + num(kFrameAlignment) + ", at least " +
           num(sizeof(FrameHeader)) + ")";
  }
  if (h.length > available_bytes) {
    return "truncated frame: length " + num(h.length) + ", " + num(available_bytes) + " bytes left";
  }
  if (h.schema_version != kSchemaVersion) {
    return "unsupported schema version " + num(h.schema_version) + " (this build reads " + num(kSchemaVersion) + ")";
  }
  const auto check_length = [&](std::size_t expected, std::string_view name) -> std::string {
    if (h.length == expected) return {};
    return std::string(name) + " frame has length " + num(h.length) + ", expected " + num(expected);
  };
  switch (order_entry_type(h)) {
    case OrderEntryType::NewOrder:
      if (auto e = check_length(sizeof(NewOrderRequest), "NewOrderRequest"); !e.empty()) return e;
      return check_new_order(copy_frame<NewOrderRequest>(frame), symbols);
    case OrderEntryType::CancelOrder:
      if (auto e = check_length(sizeof(CancelOrderRequest), "CancelOrderRequest"); !e.empty()) return e;
      return check_cancel(copy_frame<CancelOrderRequest>(frame), symbols);
    case OrderEntryType::ExecutionReport:
      return "an ExecutionReport is not a request";
  }
  return "unknown frame type " + num(static_cast<std::uint8_t>(h.type));
}

OrderFile read_order_file(const std::filesystem::path& file) {
  const std::vector<std::byte> bytes = read_whole_file(file);
  const auto fail = [&](std::uint64_t offset, const std::string& problem) {
    return OrderFileError(file.string() + ": offset " + num(offset) + ": " + problem);
  };

  FileHeader header;
  if (bytes.size() < sizeof header) {
    throw fail(0, "truncated header (" + num(bytes.size()) + " bytes, need " + num(sizeof header) + ")");
  }
  std::memcpy(&header, bytes.data(), sizeof header);
  if (std::memcmp(header.magic, kOrderFileMagic, sizeof kOrderFileMagic) != 0) {
    throw fail(0, "bad magic (not an order file)");
  }
  if (header.version != kOrderFileVersion) {
    throw fail(8, "unsupported version " + num(header.version) + " (this build reads " + num(kOrderFileVersion) + ")");
  }
  if (header.symbols_bytes > kMaxSymbolImageBytes) {
    throw fail(12, "symbol table size " + num(header.symbols_bytes) + " too large");
  }

  const std::uint64_t symbols_end = kOrderFileHeaderSize + align_frame_length(header.symbols_bytes);
  if (bytes.size() < symbols_end) {
    throw fail(bytes.size(), "truncated symbol table: header says " + num(header.symbols_bytes) + " bytes (padded to " +
                                 num(symbols_end - kOrderFileHeaderSize) + ")");
  }
  OrderFile out;
  try {
    out.symbols = SymbolTable::from_image(std::span(bytes).subspan(kOrderFileHeaderSize, header.symbols_bytes));
  } catch (const std::exception& e) {
    throw fail(kOrderFileHeaderSize, e.what());
  }

  const std::uint64_t available = bytes.size() - symbols_end;
  if (available < header.frame_bytes) {
    throw fail(bytes.size(), "truncated frames: header says " + num(header.frame_bytes) + " bytes, the file has " +
                                 num(available));
  }
  if (available > header.frame_bytes) {
    throw fail(symbols_end + header.frame_bytes,
               num(available - header.frame_bytes) + " bytes after the " + num(header.frame_bytes) + " frame bytes");
  }

  const std::byte* frames = bytes.data() + symbols_end;
  std::uint64_t count = 0;
  NewOrderRequest scratch;  // the largest request
  for (std::uint64_t at = 0; at < header.frame_bytes;) {
    const std::uint64_t left = header.frame_bytes - at;
    // The check reads past the header only once the length is right for the type and
    // fits in `left`, so a copy of the largest request's size is all it can touch.
    std::memset(&scratch, 0, sizeof scratch);
    std::memcpy(&scratch, frames + at, static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof scratch)));
    const FrameHeader& h = scratch.header;
    const std::string problem = check_order_entry_frame(h, static_cast<std::size_t>(left), out.symbols);
    if (!problem.empty()) throw fail(symbols_end + at, "frame " + num(count) + ": " + problem);
    at += h.length;
    ++count;
  }
  if (count != header.frame_count) {
    throw fail(24, "header says " + num(header.frame_count) + " frames, the file has " + num(count));
  }
  out.frames.assign(frames, frames + header.frame_bytes);
  out.count = count;
  return out;
}

OrderFileWriter::OrderFileWriter(const std::filesystem::path& file, const SymbolTable& symbols) : path_(file) {
  file_ = std::fopen(file.c_str(), "wb");
  if (file_ == nullptr) throw std::runtime_error(path_.string() + ": cannot open for writing: " + std::strerror(errno));
  const std::vector<std::byte> image = symbols.to_image();
  FileHeader header{};
  std::memcpy(header.magic, kOrderFileMagic, sizeof kOrderFileMagic);
  header.version = kOrderFileVersion;
  header.symbols_bytes = static_cast<std::uint32_t>(image.size());
  try {
    append_bytes(&header, sizeof header);
    append_bytes(image.data(), image.size());
    const std::byte padding[kFrameAlignment] = {};
    append_bytes(padding, align_frame_length(image.size()) - image.size());
  } catch (...) {
    std::fclose(std::exchange(file_, nullptr));
    throw;
  }
  frame_bytes_ = 0;  // append_bytes counted the header; frames start now
}

OrderFileWriter::~OrderFileWriter() {
  try {
    close();
  } catch (...) {
    // Documented: the destructor swallows; close() reports.
  }
}

void OrderFileWriter::append(const NewOrderRequest& order) {
  append_bytes(&order, sizeof order);
  ++count_;
}

void OrderFileWriter::append(const CancelOrderRequest& cancel) {
  append_bytes(&cancel, sizeof cancel);
  ++count_;
}

void OrderFileWriter::append_bytes(const void* data, std::size_t size) {
  if (file_ == nullptr) throw std::logic_error(path_.string() + ": order file already closed");
  if (size > 0 && std::fwrite(data, 1, size, file_) != size) {
    throw std::runtime_error(path_.string() + ": write failed: " + std::strerror(errno));
  }
  frame_bytes_ += size;
}

void OrderFileWriter::close() {
  if (file_ == nullptr) return;
  std::FILE* f = std::exchange(file_, nullptr);
  const std::uint64_t totals[2] = {frame_bytes_, count_};
  const bool ok = std::fseek(f, offsetof(FileHeader, frame_bytes), SEEK_SET) == 0 &&
                  std::fwrite(totals, sizeof totals, 1, f) == 1 && std::fflush(f) == 0;
  int error = ok ? 0 : errno;
  if (std::fclose(f) != 0 && error == 0) error = errno;
  if (!ok || error != 0) throw std::runtime_error(path_.string() + ": write failed: " + std::strerror(error));
}

}  // namespace ringside
