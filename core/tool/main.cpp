// ringside-contract: see contract_cli.hpp.
#include "contract_cli.hpp"

int main(int argc, char** argv) { return ringside::contract_cli::run(argc, argv); }
