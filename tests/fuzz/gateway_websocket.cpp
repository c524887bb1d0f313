// Fuzzer: client bytes after the WebSocket upgrade, read by Beast's server-side
// websocket::stream with the gateway's limits (read_message_max 64 KiB) over an
// in-memory boost::beast::test::stream: frame parsing, masking, fragmentation,
// control frames, UTF-8 checks of text frames, the close handshake. Each whole
// text message of at most 4 KiB goes to the control-message parser, as the
// gateway does. Deterministic: synchronous operations, no clock, no sockets.
//
// Input: one mode byte, then
//   mode bit 0 clear: raw client bytes (frames must be masked, as from a client);
//   mode bit 0 set:   records [b][len lo][len hi][payload...], each sent as one
//                     masked frame: b bits 0-3 the opcode, bit 7 FIN, bit 6 RSV1;
//                     so that mutations reach the message handling behind the framing.
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.hpp"
#include "ringside/gateway/control.hpp"
#include "ringside/gateway/options.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;

constexpr std::uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

std::string frame_records(const std::uint8_t* data, std::size_t size) {
  std::string out;
  std::size_t at = 0;
  while (at < size) {
    const std::uint8_t b = data[at++];
    std::size_t len = 0;
    if (at < size) len = data[at++];
    if (at < size) len |= std::size_t{data[at++]} << 8;
    if (len > size - at) len = size - at;
    out += static_cast<char>(b & 0xcf);  // FIN, RSV1, opcode; never RSV2/RSV3
    if (len < 126) {
      out += static_cast<char>(0x80 | len);
    } else {
      out += static_cast<char>(0x80 | 126);
      out += static_cast<char>(len >> 8);
      out += static_cast<char>(len & 0xff);
    }
    out.append(reinterpret_cast<const char*>(kMask), 4);
    for (std::size_t i = 0; i < len; ++i) out += static_cast<char>(data[at + i] ^ kMask[i % 4]);
    at += len;
  }
  return out;
}

http::request<http::string_body> upgrade_request() {
  http::request<http::string_body> req{http::verb::get, "/", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(http::field::sec_websocket_version, "13");
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string bytes = (data[0] & 1) != 0 ? frame_records(data + 1, size - 1)
                                               : std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  static const ringside::gateway::GatewayOptions defaults{};

  net::io_context ioc;
  beast::test::stream server(ioc);
  beast::test::stream client(ioc);
  server.connect(client);
  websocket::stream<beast::test::stream&> ws(server);
  ws.read_message_max(defaults.hard_message_bytes);
  beast::error_code ec;
  ws.accept(upgrade_request(), ec);
  if (ec) ringside::fuzz::invariant_failed("the upgrade was refused");
  server.append(beast::string_view(bytes.data(), bytes.size()));
  server.close_remote();  // the client's bytes end here: eof after them

  beast::flat_buffer in;
  for (int messages = 0; messages < 1024; ++messages) {
    ws.read(in, ec);
    if (ec) break;
    if (ws.got_text() && in.size() <= defaults.max_message_bytes) {
      const std::string_view text(static_cast<const char*>(in.cdata().data()), in.size());
      const auto parsed = ringside::gateway::parse_control(text);
      (void)parsed;
    }
    in.consume(in.size());
  }
  return 0;
}
