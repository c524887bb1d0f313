// ringside-kafka-mock (also `ringside kafka-mock`): an embedded Kafka cluster on
// its own, for other clients, with fault injection on standard input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <poll.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "ringside/egress/mock_cluster.hpp"
#include "ringside/egress/topics.hpp"

using namespace ringside::egress;

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // a relaxed store is then async-signal-safe
void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

constexpr const char* kCommands =
    "commands (one per line on standard input):\n"
    "  down BROKER|all            disconnect a broker and refuse connections\n"
    "  up BROKER|all              accept connections again\n"
    "  rtt BROKER|all MS          delay every response by MS milliseconds\n"
    "  error API COUNT ERROR      fail the next COUNT requests of API (Produce, Metadata, ... or a number)\n"
    "                             with ERROR (a librdkafka name such as TOPIC_AUTHORIZATION_FAILED, or a code)\n"
    "  topic NAME PARTITIONS      create a topic\n"
    "  help\n";

int broker_of(const std::string& word) { return word == "all" ? 0 : std::stoi(word); }

// One command; the reply is one line on stdout starting with "ok" or "error".
std::string run_command(MockCluster& cluster, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  try {
    if (verb == "down" || verb == "up") {
      std::string b;
      if (!(in >> b)) return "error: usage: " + verb + " BROKER|all";
      verb == "down" ? cluster.set_down(broker_of(b)) : cluster.set_up(broker_of(b));
      return fmt::format("ok {} {}", verb, b);
    }
    if (verb == "rtt") {
      std::string b;
      int ms = 0;
      if (!(in >> b >> ms) || ms < 0) return "error: usage: rtt BROKER|all MS";
      cluster.set_rtt(broker_of(b), ms);
      return fmt::format("ok rtt {} {}", b, ms);
    }
    if (verb == "error") {
      std::string api, error;
      int count = 0;
      if (!(in >> api >> count >> error) || count <= 0) return "error: usage: error API COUNT ERROR";
      const int key = kafka_api_key(api);
      if (key < 0) return fmt::format("error: unknown API '{}'", api);
      const int code = kafka_error_code(error);
      if (code == -1000) return fmt::format("error: unknown error '{}'", error);
      cluster.push_request_errors(key, count, code);
      return fmt::format("ok error {} {} {}", api, count, error);
    }
    if (verb == "topic") {
      std::string name;
      int partitions = 0;
      if (!(in >> name >> partitions) || partitions <= 0) return "error: usage: topic NAME PARTITIONS";
      cluster.create_topic(name, partitions, std::min(3, cluster.brokers()));
      return fmt::format("ok topic {} {}", name, partitions);
    }
    if (verb == "help") return "ok\n" + std::string(kCommands);
    if (verb.empty()) return "";
    return fmt::format("error: unknown command '{}' (try help)", verb);
  } catch (const std::exception& e) {
    return fmt::format("error: {}", e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "ringside-kafka-mock: an embedded Kafka cluster (librdkafka's mock cluster) on loopback, for any Kafka "
      "client: kcat, python3-kafka, ringside-egress --brokers. Messages live in memory only. Prints one JSON line "
      "first on stdout, {\"bootstrap\":\"HOST:PORT,...\",\"brokers\":N} (the address alone: --bootstrap-file), "
      "and takes fault-injection commands on stdin."};
  app.footer(kCommands);
  int brokers = 3;
  bool no_topics = false;
  std::string bootstrap_file;
  app.add_option("--brokers", brokers, "number of brokers")->check(CLI::Range(1, 16))->capture_default_str();
  app.add_flag("--no-topics", no_topics, "do not create the seed's topics (clients then auto-create them)");
  app.add_option("--bootstrap-file", bootstrap_file, "also write the bootstrap address to this file");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("kafka-mock"));

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    MockCluster cluster(brokers);
    if (!no_topics) {
      for (const auto& t : kTopics) cluster.create_topic(t.name, t.partitions, std::min(3, brokers));
    }
    std::fputs(fmt::format("{{\"bootstrap\":\"{}\",\"brokers\":{}}}\n", cluster.bootstrap(), brokers).c_str(), stdout);
    std::fflush(stdout);
    if (!bootstrap_file.empty()) std::ofstream(bootstrap_file) << cluster.bootstrap() << '\n';
    spdlog::info("embedded Kafka with {} brokers at {}{}; Ctrl-C stops it", brokers, cluster.bootstrap(),
                 no_topics ? "" : " (the seed's topics created)");
    bool input_open = true;
    std::string pending;
    while (!g_stop.load(std::memory_order_relaxed)) {
      pollfd p{STDIN_FILENO, POLLIN, 0};
      if (!input_open || ::poll(&p, 1, 200) <= 0) {
        if (!input_open) ::usleep(200'000);
        continue;
      }
      char buffer[4096];
      const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n <= 0) {
        input_open = false;  // no more commands; keep serving until a signal
        continue;
      }
      pending.append(buffer, static_cast<std::size_t>(n));
      for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
        const std::string reply = run_command(cluster, pending.substr(0, nl));
        pending.erase(0, nl + 1);
        if (!reply.empty()) {
          std::fputs((reply + "\n").c_str(), stdout);
          std::fflush(stdout);
        }
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}
