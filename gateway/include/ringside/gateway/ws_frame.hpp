// The header of a WebSocket frame the server sends (RFC 6455 section 5.2).
//
// The gateway writes its data frames itself, already framed, so that one socket
// write carries many messages (Beast's websocket::stream writes one message per
// write). Server frames are never masked, so a header is 2, 4 or 10 bytes and the
// payload follows unchanged: a message encoded once is framed once and every
// client that receives it is sent the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringside::gateway {

enum class WsOpcode : std::uint8_t { Text = 0x1, Binary = 0x2 };

inline constexpr std::size_t kMaxWsHeader = 10;

constexpr std::size_t ws_header_size(std::size_t payload) noexcept {
  return payload < 126 ? 2 : payload <= 0xffff ? 4 : 10;
}

// Writes the header of one final (unfragmented) frame at `out`; returns its size.
inline std::size_t write_ws_header(std::byte* out, WsOpcode opcode, std::size_t payload) noexcept {
  out[0] = static_cast<std::byte>(0x80u | static_cast<unsigned>(opcode));  // FIN + opcode
  if (payload < 126) {
    out[1] = static_cast<std::byte>(payload);
    return 2;
  }
  if (payload <= 0xffff) {
    out[1] = std::byte{126};
    out[2] = static_cast<std::byte>(payload >> 8);
    out[3] = static_cast<std::byte>(payload & 0xff);
    return 4;
  }
  out[1] = std::byte{127};
  for (int i = 0; i < 8; ++i) {
    out[2 + i] = static_cast<std::byte>((static_cast<std::uint64_t>(payload) >> (56 - 8 * i)) & 0xff);
  }
  return 10;
}

// A complete text frame holding `payload`, for the replies made per client.
inline std::string make_text_frame(std::string_view payload) {
  std::string frame(ws_header_size(payload.size()), '\0');
  write_ws_header(reinterpret_cast<std::byte*>(frame.data()), WsOpcode::Text, payload.size());
  frame.append(payload);
  return frame;
}

}  // namespace ringside::gateway
