// ringside-proc: analytics jobs on a ring, publishing their records to a ring of
// their own. See processors/README.md.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ringside/processors/runtime.hpp"
#include "ringside/shm/ring_file.hpp"

namespace {

// Set by SIGINT/SIGTERM, polled by the read loop. Relaxed: a lone flag, no data
// is published with it, and the loop only needs to see it eventually.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // safe to store from a signal handler

void on_stop(int) { g_stop.store(true, std::memory_order_relaxed); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);  // a closed stdout shows as EPIPE: --ndjson | head
}

}  // namespace

int main(int argc, char** argv) {
  namespace proc = ringside::processors;
  // Logs (the output ring's backing report) go to stderr: stdout is --ndjson's.
  spdlog::set_default_logger(spdlog::stderr_color_mt("proc"));

  proc::RuntimeOptions o;
  std::string from = "newest";
  std::string watermark_delay = "5s";
  std::string lateness = "30s";
  std::vector<std::string> windows{"1m", "5m", "15m"};
  std::uint64_t out_mib = o.output_capacity >> 20;
  std::string alert_threshold = "2";
  std::string alert_window = "5m";
  std::string alert_cooldown = "60s";
  std::vector<std::string> alert_severities{"2", "5", "10"};
  std::vector<std::string> ofi_windows{"1s", "10s"};

  std::string jobs_help = "a job to run (repeat, or a comma list):";
  for (const proc::JobInfo& job : proc::job_catalogue()) jobs_help += fmt::format("\n  {}: {}", job.name, job.summary);

  CLI::App app{"ringside-proc: analytics jobs on a ring (a lossy reader: never slows the writer). Each job's records "
               "(core's analytics frame types) go to the output ring, whose metadata is the input's symbol table; "
               "gateway and egress serve that ring like any other. Ctrl-C stops (open windows are not emitted); the "
               "input's writer closing ends the stream (they are)."};
  app.add_option("--ring", o.input, "input ring name in the ring directory ($RINGSIDE_SHM_DIR)")->capture_default_str();
  app.add_option("--job", o.jobs, jobs_help)->required()->delimiter(',');
  app.add_option("--out", o.output, "output ring name (a new generation at every start)")->capture_default_str();
  app.add_option("--out-mib", out_mib, "output ring size in MiB")->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_flag("--ndjson", o.ndjson, "also print every record to stdout as the JSON envelope, one per line");
  app.add_option("--from", from, "start at the oldest frame still in the ring, or the newest")
      ->check(CLI::IsMember({"oldest", "newest"}))
      ->capture_default_str();
  app.add_option("--wait", o.wait_s, "seconds to wait for the input ring to appear (0: fail at once)")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  app.add_flag("--exit-on-close", o.exit_on_close,
               "stop when the input's writer closes or dies (after emitting what is pending) instead of waiting for "
               "a new writer");
  app.add_option("--status-interval", o.status_interval_s, "seconds between status lines on stderr (0: none)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--watermark-delay", watermark_delay,
                 "bounded out-of-orderness: watermark = largest event time seen - this")
      ->capture_default_str();
  app.add_option("--windows", windows, "aggregates: tumbling window sizes")->delimiter(',')->capture_default_str();
  app.add_option("--allowed-lateness", lateness,
                 "aggregates: a trade this late after its window fired updates it (re-emitted); later ones are dropped "
                 "and counted")
      ->capture_default_str();

  app.add_option("--alert-threshold", alert_threshold,
                 "alerts: percent change against the baseline that is a movement (e.g. 2, 0.5, 2.5%)")
      ->capture_default_str();
  app.add_option("--alert-window", alert_window,
                 "alerts: a trade more than this after the baseline starts a new detection window (its price the "
                 "baseline)")
      ->capture_default_str();
  app.add_option("--alert-cooldown", alert_cooldown, "alerts: no second alert for a symbol within this of its last")
      ->capture_default_str();
  app.add_option("--alert-severities", alert_severities,
                 "alerts: percent changes from which an alert is MEDIUM,HIGH,CRITICAL (increasing)")
      ->delimiter(',')
      ->expected(3)
      ->capture_default_str();
  app.add_option("--reference", o.job_options.enrich.reference_file,
                 "enrich: reference CSV (symbol,company_name,sector,industry,market_cap_tier,exchange); default: the "
                 "built-in config/reference.csv")
      ->check(CLI::ExistingFile);
  app.add_option("--ofi-window", ofi_windows, "ofi: tumbling window sizes")->delimiter(',')->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    o.start = from == "oldest" ? ringside::shm::StartAt::Oldest : ringside::shm::StartAt::Newest;
    o.output_capacity = out_mib << 20;
    o.out_of_orderness_ns = proc::parse_duration_ns(watermark_delay);
    o.job_options.aggregates.allowed_lateness_ns = proc::parse_duration_ns(lateness);
    o.job_options.aggregates.windows_ns.clear();
    for (const std::string& w : windows) o.job_options.aggregates.windows_ns.push_back(proc::parse_duration_ns(w));
    o.job_options.alerts.threshold_ppm = proc::parse_percent_ppm(alert_threshold);
    o.job_options.alerts.window_ns = proc::parse_duration_ns(alert_window);
    o.job_options.alerts.cooldown_ns = proc::parse_duration_ns(alert_cooldown);
    for (std::size_t i = 0; i < 3; ++i) {
      o.job_options.alerts.severity_ppm[i] = proc::parse_percent_ppm(alert_severities[i]);
    }
    o.job_options.ofi.windows_ns.clear();
    for (const std::string& w : ofi_windows) o.job_options.ofi.windows_ns.push_back(proc::parse_duration_ns(w));
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "ringside-proc: {}\n", e.what());
    return 2;
  }

  install_signal_handlers();
  try {
    proc::run_processor(o, g_stop);
  } catch (const proc::UsageError& e) {
    fmt::print(stderr, "ringside-proc: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ringside-proc: {}\n", e.what());
    return 1;
  }
  return 0;
}
