// ringside-bench proc: one processors job at full speed on one core, fed an
// engine event stream from memory (no ring), in input events per second.
#pragma once

namespace ringside::bench {

int run_proc(int argc, char** argv);

}  // namespace ringside::bench
