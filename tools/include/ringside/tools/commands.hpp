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
// ringside ls [--json]: the rings in the ring directory, with writer, size and readers.
void add_ls_command(CLI::App& app);
// ringside inspect RING [--json]: header, counters, reader table with lags, rates.
void add_inspect_command(CLI::App& app);
// ringside tail RING [--json] [--type T,...] [--symbol S,...]: a lossy reader printing events and gaps.
void add_tail_command(CLI::App& app);
// ringside export FILE... --format csv|ndjson [-o OUT]: a capture as CSV tables or NDJSON.
void add_export_command(CLI::App& app);
// ringside record RING FILE: a lossless reader writing a capture file (io_uring), segments, clean stop.
void add_record_command(CLI::App& app);
// ringside replay FILE...: a capture published into a ring at the recorded pacing, scaled.
void add_replay_command(CLI::App& app);
void add_kafka_mock_command(CLI::App& app);

}  // namespace ringside::tools
