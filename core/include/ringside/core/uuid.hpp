// UUID strings derived deterministically from binary ids.
//
// The seed's JSON carries order and trade ids as lowercase v4-shaped UUIDs. Ours
// are a reversible function of (kind, id) rather than random, so the same ring
// always renders the same JSON and a consumer can map a UUID back to the id:
//
//   72696e67-KKKK-4HHH-8MMM-LLLLLLLLLLLL
//   "ring"   kind   |    |    id bits 47..0
//                   |    id bits 59..48 (12 bits), after the variant nibble 8
//                   id bits 63..60 (the low nibble of "4HHH"; HHH's top 8 bits are 0)
//
// The version nibble is 4 and the variant bits are 10, so validators that check
// for a v4 UUID accept it; the kind keeps an order and a trade with equal ids apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ringside {

enum class UuidKind : std::uint16_t { Order = 1, Trade = 2 };

inline constexpr std::size_t kUuidLength = 36;

// Writes exactly kUuidLength characters at out.
void write_uuid(char* out, UuidKind kind, std::uint64_t id) noexcept;

struct ParsedUuid {
  UuidKind kind;
  std::uint64_t id;
};
// Inverse of write_uuid; nullopt for any string write_uuid cannot produce.
std::optional<ParsedUuid> parse_uuid(std::string_view text) noexcept;

}  // namespace ringside
