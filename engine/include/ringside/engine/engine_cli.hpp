// ringside-engine's command line: the simulated exchange publishing into the live
// ring (or a file), batch replay of order files, pinning and status output.
#pragma once

namespace ringside::engine {

int run_engine_cli(int argc, char** argv);

}  // namespace ringside::engine
