// The subcommands of `ringside`, one file each (tools/src/<command>.cpp).
//
// main.cpp registers every one with its add_* function. A subcommand runs from
// its CLI11 callback once the command line is parsed, prints its own output, and
// fails by throwing: InputError (bad files or options; exit status 2, the message
// names the file) or any other exception (exit status 1).
#pragma once

namespace CLI {
class App;
}

namespace ringside::tools {

// ringside import-lobster MESSAGE.csv ORDERBOOK.csv -o FILE: a LOBSTER sample as an order file.
void add_import_lobster_command(CLI::App& app);
// ringside orders [FILE|-]: orders from CSV to a running engine; prints the execution reports.
void add_orders_command(CLI::App& app);

}  // namespace ringside::tools
