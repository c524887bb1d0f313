// SIGINT and SIGTERM as a request to stop: `record` closes its capture cleanly,
// `replay` stops publishing; both still print their summary.
#pragma once

#include <atomic>
#include <cstdint>

namespace ringside::tools {

// Installs the handlers (once; without SA_RESTART, so a sleep ends at once) and
// returns the flag they set. Read it with memory_order_relaxed: it carries no
// data, only the request.
const std::atomic<bool>& install_stop_signals();

// Sleeps `ns` nanoseconds, or less: a stop signal ends the sleep early, as wanted.
void sleep_ns(std::int64_t ns);

}  // namespace ringside::tools
