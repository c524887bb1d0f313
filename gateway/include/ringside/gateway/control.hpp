// Control messages: what a client sends to change what it receives.
//
//   {"id":1,"op":"subscribe","channels":["TradeExecuted","book"],"symbols":["AAPL"]}
//   {"id":2,"op":"unsubscribe","channels":["book"]}
//   {"id":3,"op":"list"}          {"id":4,"op":"ping"}
//
// Parsed strictly (a small JSON parser: the gateway has no JSON library, and
// control messages are short and rare). The protocol, replies and error codes
// are in gateway/README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringside::gateway {

enum class ControlOp { Subscribe, Unsubscribe, List, Ping };

struct ControlRequest {
  std::string id;  // the "id" value as JSON text (a number or a string), echoed in the reply; empty: none
  ControlOp op = ControlOp::Ping;
  std::optional<std::vector<std::string>> channels;
  std::optional<std::vector<std::string>> symbols;
};

struct ControlError {
  std::string code;     // invalid_json, bad_request, unknown_op, unknown_channel, unknown_symbol, ...
  std::string message;
};

struct ParsedControl {
  ControlRequest request;             // request.id is set even when error is (if it could be read)
  std::optional<ControlError> error;
};

ParsedControl parse_control(std::string_view text);

// Replies, as JSON text.
std::string control_ok(std::string_view id);
std::string control_error(std::string_view id, std::string_view code, std::string_view message);

}  // namespace ringside::gateway
