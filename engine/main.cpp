// ringside-engine: see engine/include/ringside/engine/engine_cli.hpp.
#include "ringside/engine/engine_cli.hpp"

int main(int argc, char** argv) { return ringside::engine::run_engine_cli(argc, argv); }
