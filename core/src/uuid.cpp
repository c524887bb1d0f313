#include "ringside/core/uuid.hpp"

#include <cstring>

namespace ringside {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kNamespace[] = "72696e67";  // "ring" in ASCII hex

void put_hex(char* out, std::uint64_t value, int digits) noexcept {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[value & 0xF];
    value >>= 4;
  }
}

bool get_hex(std::string_view text, std::size_t pos, int digits, std::uint64_t& value) noexcept {
  value = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[pos + static_cast<std::size_t>(i)];
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else return false;  // uppercase is not something write_uuid produces
    value = (value << 4) | d;
  }
  return true;
}

}  // namespace

void write_uuid(char* out, UuidKind kind, std::uint64_t id) noexcept {
  std::memcpy(out, kNamespace, 8);
  out[8] = '-';
  put_hex(out + 9, static_cast<std::uint16_t>(kind), 4);
  out[13] = '-';
  put_hex(out + 14, 0x4000u | (id >> 60), 4);
  out[18] = '-';
  put_hex(out + 19, 0x8000u | ((id >> 48) & 0xFFFu), 4);
  out[23] = '-';
  put_hex(out + 24, id & 0xFFFF'FFFF'FFFFull, 12);
}

std::optional<ParsedUuid> parse_uuid(std::string_view text) noexcept {
  if (text.size() != kUuidLength || text.substr(0, 8) != kNamespace || text[8] != '-' || text[13] != '-' ||
      text[18] != '-' || text[23] != '-') {
    return std::nullopt;
  }
  std::uint64_t kind, high, mid, low;
  if (!get_hex(text, 9, 4, kind) || !get_hex(text, 14, 4, high) || !get_hex(text, 19, 4, mid) ||
      !get_hex(text, 24, 12, low)) {
    return std::nullopt;
  }
  if (kind != static_cast<std::uint16_t>(UuidKind::Order) && kind != static_cast<std::uint16_t>(UuidKind::Trade)) {
    return std::nullopt;
  }
  if ((high & 0xFFF0u) != 0x4000u || (mid & 0xF000u) != 0x8000u) return std::nullopt;
  const std::uint64_t id = ((high & 0xFu) << 60) | ((mid & 0xFFFu) << 48) | low;
  return ParsedUuid{static_cast<UuidKind>(kind), id};
}

}  // namespace ringside
