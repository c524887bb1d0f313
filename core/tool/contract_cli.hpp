// ringside-contract: the operator's view of the event contract.
//
//   config [FILE]   validate a config and print its instruments (default: embedded)
//   layout          print every frame's size and the header layout
//   sample          write randomised, valid events as JSON lines or FlatBuffers
#pragma once

namespace ringside::contract_cli {

int run(int argc, char** argv);

}  // namespace ringside::contract_cli
