#include "ringside/egress/topics.hpp"

#include "ringside/core/events.hpp"

namespace ringside::egress {

std::string_view partition_key(const FrameHeader& frame, const SymbolTable& symbols, AgentIdText& scratch) noexcept {
  if (frame.type == EventType::AgentAction) {
    return format_agent_id(reinterpret_cast<const AgentAction&>(frame).agent, scratch);
  }
  return symbols[frame.symbol].ticker;
}

}  // namespace ringside::egress
