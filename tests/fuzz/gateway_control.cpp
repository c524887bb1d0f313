// Fuzzer: the gateway's control-message parser (gateway/src/control.cpp, its own
// small JSON parser) on arbitrary text, and the replies built from what it read.
// A request id is echoed into replies as JSON text, so every reply must itself be
// well-formed JSON: parsed again, it may be refused for its members, never as
// invalid_json.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.hpp"
#include "ringside/gateway/control.hpp"
#include "ringside/gateway/subscription.hpp"

namespace {

using namespace ringside;
using namespace ringside::gateway;

void reply_is_json(const std::string& reply) {
  const ParsedControl again = parse_control(reply);
  if (again.error && again.error->code == "invalid_json") {
    fuzz::invariant_failed(("a reply is not valid JSON: " + reply + " (" + again.error->message + ")").c_str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ParsedControl parsed = parse_control(fuzz::as_text(data, size));
  const ControlRequest& r = parsed.request;
  if (parsed.error) {
    if (parsed.error->code.empty()) fuzz::invariant_failed("an error without a code");
    reply_is_json(control_error(r.id, parsed.error->code, parsed.error->message));
    return 0;
  }
  reply_is_json(control_ok(r.id));
  // What the hub does with the names: channels against the gateway's names,
  // symbols into the registry and a subscription's set.
  static const std::vector<std::string> known = channel_names({"events", "aggregates"});
  SymbolRegistry registry;
  SymbolSet set;
  if (r.symbols) {
    for (const std::string& s : *r.symbols) {
      const std::uint32_t id = registry.intern(s);
      set.add(id);
      if (!set.test(id)) fuzz::invariant_failed("a symbol added is not in the set");
      (void)registry.find(s);
    }
    for (const std::string& s : *r.symbols) {
      if (auto id = registry.find(s)) set.remove(*id, registry.size());
    }
  }
  if (r.channels) {
    std::size_t matched = 0;
    for (const std::string& c : *r.channels) {
      for (const std::string& k : known) matched += c == k;
    }
    (void)matched;
  }
  return 0;
}
