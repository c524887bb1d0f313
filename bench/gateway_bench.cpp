// ringside-bench gateway: a C++ load client for ringside-gateway.
//
// The benchmark is the ring's writer (paced, realistic event mix from core's
// SampleEvents, publish time stamped at commit) and N WebSocket clients on raw
// sockets (one epoll thread parses every frame); ringside-gateway runs as a child
// process between them. Three phases, each with a fresh gateway:
//
//   throughput  10 clients subscribed to everything at 200,000 events/s each:
//               frames/s delivered, slow-consumer closes (target: 2 M/s, none)
//   latency     100 clients at 20,000 events/s: ring-to-client latency, from the
//               writer's commit to the client's parse (target: p99 <= 2 ms)
//   idle        1,000 connected clients with no subscription while the ring
//               runs: the gateway's resident memory (target: < 100 MiB)
//
// Latency: the writer keeps each frame's commit time (CLOCK_REALTIME, the ring's
// publish_time_ns) by sequence number; a client takes "seq" from the JSON (or the
// FlatBuffers header) and subtracts. Writer, gateway and clients share the
// machine, so on 2 cores the figures are the whole system's, not the gateway's.
//
// Pinning (--cpus G,C, default 0,1): every gateway thread on CPU G, this
// process's writer and client threads on CPU C, as an operator would place them.
// Unpinned, the scheduler now and then puts the client thread on the gateway's
// core: each socket write then waits for a time slice, and p99 pays for it.
#include "gateway_bench.hpp"

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "affinity.hpp"
#include "bench_paths.hpp"
#include "exec_child.hpp"
#include "histogram.hpp"
#include "json_line.hpp"
#include "ringside/core/embedded_config.hpp"
#include "ringside/core/sample_events.hpp"
#include "ringside/shm/ring_file.hpp"
#include "ringside/shm/writer.hpp"

namespace ringside::bench {
namespace {

constexpr std::string_view kBench = "gateway";
constexpr char kRing[] = "bench-gateway";
constexpr double kThroughputTarget = 2'000'000;  // frames/s delivered, 10 clients x 200,000 events/s
constexpr double kLatencyP99TargetUs = 2000;
constexpr double kIdleRssTargetMiB = 100;

struct Options {
  std::string phases = "all";
  std::string gateway;
  std::string format = "json";
  double seconds = 5;
  std::size_t throughput_clients = 10;
  double throughput_rate = 200'000;
  std::size_t latency_clients = 100;
  double latency_rate = 20'000;
  std::size_t idle_clients = 1000;
  double idle_rate = 20'000;
  std::string cpus = "0,1";   // G,C, or "none"
  int gateway_cpu = -1;       // parsed from cpus; -1: not pinned
  int client_cpu = -1;
  std::filesystem::path log_dir = default_results_dir("gateway");  // the gateway's logs, a file per phase
};

std::int64_t realtime_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

// ---- the gateway as a child process ---------------------------------------------

class GatewayProcess {
 public:
  // Started on CPU `cpu` (-1: unpinned), its stdout's first line read for the
  // port, its logs in `log`.
  GatewayProcess(const std::string& binary, const std::vector<std::string>& args, int cpu,
                 const std::filesystem::path& log)
      : child_("ringside-gateway", with_program(binary, args), cpu, log, true) {
    const std::string& line = child_.first_line();
    const auto at = line.find("\"port\":");
    if (at == std::string::npos) fail(fmt::format("{} printed no listening line: '{}'", binary, line));
    port_ = static_cast<std::uint16_t>(std::atoi(line.c_str() + at + 7));
  }
  ~GatewayProcess() { stop(); }
  // Its clients are still connected and no longer read: it waits close_timeout
  // (5 s) for their close replies before it exits.
  void stop() { child_.stop(std::chrono::seconds(10)); }
  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return child_.pid(); }

  // User + system CPU seconds so far, from /proc/PID/stat.
  double cpu_seconds() const {
    char buf[1024] = {};
    const int fd = ::open(fmt::format("/proc/{}/stat", pid()).c_str(), O_RDONLY);
    if (fd < 0) return 0;
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    const std::string text(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    const auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 14) utime = std::atof(field.c_str());
      if (i == 15) {
        stime = std::atof(field.c_str());
        break;
      }
    }
    return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

  // VmRSS, VmHWM and RssAnon in MiB from /proc. RSS includes the ring's shared
  // pages the reader has touched (up to the ring's size); RssAnon is the
  // gateway's own memory: heap, stacks, buffers.
  struct Memory {
    double rss = 0, peak = 0, anon = 0;
  };
  Memory memory_mib() const {
    std::ifstream in(fmt::format("/proc/{}/status", pid()));
    std::string key;
    Memory m;
    while (in >> key) {
      if (key == "VmRSS:") in >> m.rss;
      if (key == "VmHWM:") in >> m.peak;
      if (key == "RssAnon:") in >> m.anon;
    }
    m.rss /= 1024;
    m.peak /= 1024;
    m.anon /= 1024;
    return m;
  }

 private:
  static std::vector<std::string> with_program(const std::string& binary, std::vector<std::string> args) {
    args.insert(args.begin(), binary);
    return args;
  }

  ExecChild child_;
  std::uint16_t port_ = 0;
};

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    fail(fmt::format("connect to port {}: {}", port, std::strerror(errno)));
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) fail(fmt::format("send: {}", std::strerror(errno)));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// A GET on a fresh connection; the body.
std::string http_get(std::uint16_t port, std::string_view path) {
  const int fd = connect_to(port);
  send_all(fd, fmt::format("GET {} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n", path));
  std::string response;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : response.substr(body + 4);
}

double metric(const std::string& metrics, std::string_view name) {
  for (std::size_t at = 0; (at = metrics.find(name, at)) != std::string::npos; at += name.size()) {
    if ((at == 0 || metrics[at - 1] == '\n') && metrics.size() > at + name.size() && metrics[at + name.size()] == ' ') {
      return std::atof(metrics.c_str() + at + name.size() + 1);
    }
  }
  return 0;
}

// A masked client text frame.
std::string client_text_frame(std::string_view payload) {
  std::string f;
  f += static_cast<char>(0x81);
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ key[i % 4]);
  return f;
}

// ---- the ring writer ------------------------------------------------------------------

// Commit time of each sequence, for JSON clients' latency (FlatBuffers frames carry it).
class PublishTimes {
 public:
  static constexpr std::size_t kSize = std::size_t{1} << 22;
  PublishTimes() : times_(new std::atomic<std::int64_t>[kSize]) {}
  // Relaxed: the frame itself travels through the ring, the gateway and a socket
  // before anyone asks; the value is long written by then.
  void set(std::uint64_t seq, std::int64_t t) noexcept { times_[seq & (kSize - 1)].store(t, std::memory_order_relaxed); }
  std::int64_t get(std::uint64_t seq) const noexcept { return times_[seq & (kSize - 1)].load(std::memory_order_relaxed); }

 private:
  std::unique_ptr<std::atomic<std::int64_t>[]> times_;
};

// The writer wakes every kWriterStep and commits the events due by then (4 at
// 20,000 events/s), as the engine commits a tick's or a request's events
// together. Latency is counted from the commit, so the step adds none; what it
// saves is wake-ups: at 50 us the writer took 0.13 of the CPU it shares with the
// clients, and the clients fell behind (p99 0.2-0.4 ms higher in A/B runs).
constexpr std::chrono::microseconds kWriterStep{200};

class Writer {
 public:
  Writer(shm::RingWriter& ring, const SymbolTable& symbols, PublishTimes& times)
      : ring_(ring), events_(symbols, 7, realtime_ns()), times_(times) {}

  void start(double rate) {
    rate_ = rate;
    stop_.store(false, std::memory_order_relaxed);
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t written() const noexcept { return written_.load(std::memory_order_relaxed); }

 private:
  void run() {
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t n = 0;
    while (!stop_.load(std::memory_order_relaxed)) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto due = static_cast<std::uint64_t>(elapsed * rate_);
      if (n >= due) {
        std::this_thread::sleep_for(kWriterStep);
        continue;
      }
      // Up to 64 frames per commit, as the engine commits a request's events together.
      const std::uint64_t batch = std::min<std::uint64_t>(due - n, 64);
      const std::uint64_t first = ring_.next_sequence();
      for (std::uint64_t i = 0; i < batch; ++i) {
        const FrameHeader& f = events_.next();
        ring_.claim_copy(f);  // the writer assigns the sequence
      }
      const std::int64_t now = realtime_ns();
      for (std::uint64_t i = 0; i < batch; ++i) times_.set(first + i, now);
      ring_.commit(now);
      n += batch;
      written_.store(n, std::memory_order_relaxed);
      if ((n & 0xfff) < batch) ring_.heartbeat();
    }
  }

  shm::RingWriter& ring_;
  SampleEvents events_;
  PublishTimes& times_;
  double rate_ = 0;
  std::thread thread_;
  // Relaxed: a stop request and a progress figure, each on its own.
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> written_{0};
};

// ---- the clients ------------------------------------------------------------------------

struct Client {
  int fd = -1;
  std::vector<char> buffer;
  std::size_t used = 0;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  bool closed = false;
  std::uint16_t close_code = 0;
};

class Clients {
 public:
  Clients(std::uint16_t port, std::size_t count, bool binary, const std::string& subscribe, PublishTimes& times)
      : times_(times), binary_(binary), epoll_(::epoll_create1(0)) {
    clients_.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      Client& c = clients_[i];
      c.fd = connect_to(port);
      send_all(c.fd, fmt::format("GET /{} HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                                 binary ? "?format=flatbuffers" : ""));
      std::string head;
      char ch = 0;
      while (head.find("\r\n\r\n") == std::string::npos && ::recv(c.fd, &ch, 1, 0) == 1) head += ch;
      if (head.rfind("HTTP/1.1 101", 0) != 0) fail(fmt::format("client {}: handshake refused: {}", i, head.substr(0, 40)));
      if (!subscribe.empty()) send_all(c.fd, client_text_frame(subscribe));
      ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    }
  }
  ~Clients() {
    stop();
    for (Client& c : clients_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epoll_);
  }

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
  }
  // Counting and latency start now (frames before are the warm-up).
  void measure(bool on) { measuring_.store(on, std::memory_order_relaxed); }

  std::uint64_t frames() const {
    std::uint64_t n = 0;
    for (const Client& c : clients_) n += c.frames;
    return n;
  }
  std::size_t closed() const {
    std::size_t n = 0;
    for (const Client& c : clients_) n += c.closed ? 1 : 0;
    return n;
  }
  const Histogram& latency() const { return latency_; }
  std::uint64_t measured_frames() const { return measured_frames_; }

 private:
  void run() {
    epoll_event events[64];
    while (!stop_.load(std::memory_order_relaxed)) {
      const int n = ::epoll_wait(epoll_, events, 64, 20);
      for (int i = 0; i < n; ++i) drain(clients_[events[i].data.u64]);
    }
  }

  void drain(Client& c) {
    if (c.buffer.empty()) c.buffer.resize(1 << 20);
    for (;;) {
      const ssize_t got = ::recv(c.fd, c.buffer.data() + c.used, c.buffer.size() - c.used, 0);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        c.closed = true;
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
        return;
      }
      if (got < 0) return;
      c.used += static_cast<std::size_t>(got);
      c.bytes += static_cast<std::size_t>(got);
      // Delayed ACKs, asked again after every read (the kernel leaves that mode
      // by itself). On loopback each write is read at once, and a read that
      // empties the socket sends an ACK: one per write, whose sending and whose
      // processing at the gateway's socket both run on the clients' CPU. Remote
      // clients would send theirs on their own machines. Delayed, they ACK about
      // every other write and keep up with the gateway.
      const int quick_ack = 0;
      ::setsockopt(c.fd, IPPROTO_TCP, TCP_QUICKACK, &quick_ack, sizeof quick_ack);
      parse(c);
    }
  }

  void parse(Client& c) {
    const std::int64_t now = realtime_ns();
    const bool measuring = measuring_.load(std::memory_order_relaxed);
    std::size_t at = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(c.buffer.data());
    while (c.used - at >= 2) {
      const unsigned opcode = p[at] & 0x0f;
      std::size_t length = p[at + 1] & 0x7f;
      std::size_t header = 2;
      if (length == 126) {
        if (c.used - at < 4) break;
        length = (std::size_t{p[at + 2]} << 8) | p[at + 3];
        header = 4;
      } else if (length == 127) {
        if (c.used - at < 10) break;
        length = 0;
        for (int i = 0; i < 8; ++i) length = (length << 8) | p[at + 2 + static_cast<std::size_t>(i)];
        header = 10;
      }
      if (c.used - at < header + length) {
        if (header + length > c.buffer.size()) c.buffer.resize(header + length);
        break;
      }
      const char* payload = c.buffer.data() + at + header;
      if (opcode == 0x8) {
        c.closed = true;
        c.close_code = length >= 2 ? static_cast<std::uint16_t>((p[at + header] << 8) | p[at + header + 1]) : 0;
      } else if (opcode == 0x1 || opcode == 0x2) {
        ++c.frames;
        if (measuring) record(payload, length, opcode == 0x2, now);
      }
      at += header + length;
    }
    std::memmove(c.buffer.data(), c.buffer.data() + at, c.used - at);
    c.used -= at;
  }

  void record(const char* payload, std::size_t length, bool binary, std::int64_t now) {
    std::int64_t published = 0;
    if (binary) {
      // ringside.fb.Event: root table, field 0 = EventHeader {sequence, event_time_ns, publish_time_ns, ...}.
      std::uint32_t root = 0;
      std::memcpy(&root, payload, 4);
      std::int32_t vt = 0;
      std::memcpy(&vt, payload + root, 4);
      std::uint16_t field = 0;
      std::memcpy(&field, payload + static_cast<std::int64_t>(root) - vt + 4, 2);
      std::memcpy(&published, payload + root + field + 16, 8);
    } else {
      // "seq": comes right after the timestamp in every event; heartbeats have one too.
      const std::string_view text(payload, std::min<std::size_t>(length, 96));
      const auto at = text.find("\"seq\":");
      if (at == std::string_view::npos || text.find("event_type") == std::string_view::npos) return;
      std::uint64_t seq = 0;
      std::from_chars(text.data() + at + 6, text.data() + text.size(), seq);
      published = times_.get(seq);
    }
    if (published <= 0) return;
    latency_.record(now - published);
    ++measured_frames_;
  }

  PublishTimes& times_;
  bool binary_;
  int epoll_;
  std::vector<Client> clients_;
  std::thread thread_;
  // Relaxed: flags set by the main thread, read by the client thread.
  std::atomic<bool> stop_{false};
  std::atomic<bool> measuring_{false};
  Histogram latency_;  // client thread only until stop()
  std::uint64_t measured_frames_ = 0;
};

// ---- the phases -------------------------------------------------------------------------

struct PhaseResult {
  std::string name;
  std::size_t clients = 0;
  double rate = 0;
  double written_per_s = 0;
  double delivered_per_s = 0;
  double per_client_per_s = 0;
  std::uint64_t slow_closes = 0;
  std::uint64_t missed = 0;
  double frames_per_write = 0;
  Percentiles latency_us;
  double gateway_cpu = 0;  // CPUs the gateway used (1.0 = one core busy)
  double bench_cpu = 0;    // CPUs this process (writer and clients) used
  double rss_mib = 0;
  double anon_mib = 0;
  double peak_rss_mib = 0;
  bool target_met = false;
  std::string target;
};

PhaseResult run_phase(const Options& o, const std::string& name, std::size_t clients, double rate, bool idle,
                      shm::RingWriter& ring, const SymbolTable& symbols, PublishTimes& times) {
  PhaseResult r;
  r.name = name;
  r.clients = clients;
  r.rate = rate;
  GatewayProcess gateway(o.gateway, {"--ring", kRing, "--listen", "127.0.0.1:0", "--start", "newest",
                                     "--max-connections", std::to_string(clients + 64), "--queue-max-bytes",
                                     std::to_string(64u << 20), "--queue-max-messages", std::to_string(1u << 20),
                                     "--log-level", "warn"},
                         o.gateway_cpu, o.log_dir / fmt::format("gateway-{}.log", name));
  // Wait for the gateway to attach (the ring exists already).
  for (int i = 0; i < 200; ++i) {
    if (http_get(gateway.port(), "/healthz").find("\"attached\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const bool binary = o.format == "flatbuffers";
  const std::string subscribe = idle ? R"({"id":1,"op":"unsubscribe"})" : "";
  Clients load(gateway.port(), clients, binary, subscribe, times);
  load.start();
  Writer writer(ring, symbols, times);
  writer.start(rate);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // warm-up: pools grown, queues settled
  const std::string before = http_get(gateway.port(), "/metrics");
  const std::uint64_t frames0 = load.frames();
  const std::uint64_t written0 = writer.written();
  load.measure(true);
  const double cpu0 = gateway.cpu_seconds();
  rusage self0{};
  ::getrusage(RUSAGE_SELF, &self0);
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::uint64_t frames1 = load.frames();
  const std::uint64_t written1 = writer.written();
  load.measure(false);
  const double cpu1 = gateway.cpu_seconds();
  rusage self1{};
  ::getrusage(RUSAGE_SELF, &self1);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  r.gateway_cpu = (cpu1 - cpu0) / elapsed;
  r.bench_cpu = (seconds(self1.ru_utime) + seconds(self1.ru_stime) - seconds(self0.ru_utime) - seconds(self0.ru_stime)) / elapsed;
  const std::string after = http_get(gateway.port(), "/metrics");
  const GatewayProcess::Memory memory = gateway.memory_mib();
  writer.stop();
  load.stop();
  r.written_per_s = static_cast<double>(written1 - written0) / elapsed;
  r.delivered_per_s = static_cast<double>(frames1 - frames0) / elapsed;
  r.per_client_per_s = r.delivered_per_s / static_cast<double>(clients);
  r.slow_closes = static_cast<std::uint64_t>(metric(after, "ringside_gateway_slow_consumer_closes_total"));
  r.missed = static_cast<std::uint64_t>(metric(after, "ringside_gateway_ring_missed_frames_total{ring=\"bench-gateway\"}") -
                                        metric(before, "ringside_gateway_ring_missed_frames_total{ring=\"bench-gateway\"}"));
  const double writes = metric(after, "ringside_gateway_writes_total") - metric(before, "ringside_gateway_writes_total");
  const double sent = metric(after, "ringside_gateway_frames_sent_total") - metric(before, "ringside_gateway_frames_sent_total");
  r.frames_per_write = writes > 0 ? sent / writes : 0;
  r.latency_us = percentiles_of(load.latency(), 1000.0);
  r.rss_mib = memory.rss;
  r.peak_rss_mib = memory.peak;
  r.anon_mib = memory.anon;
  gateway.stop();
  return r;
}

void print(const PhaseResult& r) {
  fmt::print("{:<11} {:>5} clients  ring {:>9.0f} ev/s  delivered {:>10.0f} frames/s ({:>8.0f} per client)  "
             "frames/write {:>6.1f}  slow closes {}  missed {}\n",
             r.name, r.clients, r.written_per_s, r.delivered_per_s, r.per_client_per_s, r.frames_per_write,
             r.slow_closes, r.missed);
  if (r.latency_us.count > 0) {
    fmt::print("{:<11} ring-to-client latency us: p50 {:.0f}  p90 {:.0f}  p99 {:.0f}  p99.9 {:.0f}  max {:.0f}  ({} frames)\n",
               "", r.latency_us.p50, r.latency_us.p90, r.latency_us.p99, r.latency_us.p999, r.latency_us.max,
               r.latency_us.count);
  }
  fmt::print("{:<11} CPUs used: gateway {:.2f}, writer + clients {:.2f}\n", "", r.gateway_cpu, r.bench_cpu);
  fmt::print("{:<11} gateway RSS {:.1f} MiB (peak {:.1f} MiB; its own, without the ring's shared pages: {:.1f} MiB)"
             "   target: {} -> {}\n",
             "", r.rss_mib, r.peak_rss_mib, r.anon_mib, r.target, r.target_met ? "met" : "NOT met");
}

JsonObject json_of(const PhaseResult& r) {
  JsonObject o;
  o.integer("clients", r.clients)
      .num("rate_per_client", r.rate, 0)
      .num("ring_events_per_s", r.written_per_s, 0)
      .num("delivered_frames_per_s", r.delivered_per_s, 0)
      .num("per_client_frames_per_s", r.per_client_per_s, 0)
      .num("frames_per_write", r.frames_per_write, 1)
      .integer("slow_consumer_closes", r.slow_closes)
      .integer("ring_missed_frames", r.missed)
      .num("latency_p50_us", r.latency_us.p50, 0)
      .num("latency_p99_us", r.latency_us.p99, 0)
      .num("latency_p999_us", r.latency_us.p999, 0)
      .num("latency_max_us", r.latency_us.max, 0)
      .num("gateway_cpus", r.gateway_cpu, 2)
      .num("bench_cpus", r.bench_cpu, 2)
      .num("rss_mib", r.rss_mib, 1)
      .num("peak_rss_mib", r.peak_rss_mib, 1)
      .num("anon_rss_mib", r.anon_mib, 1)
      .str("target", r.target)
      .boolean("target_met", r.target_met);
  return o;
}

std::string default_gateway() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("ringside-gateway") : (self.parent_path() / "ringside-gateway").string();
}

}  // namespace

int run_gateway(int argc, char** argv) {
  Options o;
  o.gateway = default_gateway();
  CLI::App app{"ringside-bench gateway: N WebSocket clients on ringside-gateway, fed by this process as the ring's "
               "writer; delivered frames/s, ring-to-client latency percentiles, the gateway's memory"};
  app.add_option("--phases", o.phases, "all, or a comma list of throughput, latency, idle")->capture_default_str();
  app.add_option("--gateway", o.gateway, "the ringside-gateway binary")->capture_default_str();
  app.add_option("--format", o.format, "what clients take: json or flatbuffers")
      ->check(CLI::IsMember({"json", "flatbuffers"}))
      ->capture_default_str();
  app.add_option("--seconds", o.seconds, "measured seconds per phase (after 1 s of warm-up)")
      ->check(CLI::Range(0.5, 600.0))
      ->capture_default_str();
  app.add_option("--throughput-clients", o.throughput_clients)->capture_default_str();
  app.add_option("--throughput-rate", o.throughput_rate, "events/s in the ring (each client takes all)")->capture_default_str();
  app.add_option("--latency-clients", o.latency_clients)->capture_default_str();
  app.add_option("--latency-rate", o.latency_rate)->capture_default_str();
  app.add_option("--idle-clients", o.idle_clients)->capture_default_str();
  app.add_option("--idle-rate", o.idle_rate)->capture_default_str();
  app.add_option("--cpus", o.cpus,
                 "G,C: the gateway's CPU (all its threads) and this process's (writer and clients); none: unpinned")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.cpus != "none") {
    const auto comma = o.cpus.find(',');
    const auto number = [](std::string_view text, int& out) {
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
      return ec == std::errc{} && end == text.data() + text.size() && out >= 0;
    };
    if (comma == std::string::npos || !number(std::string_view(o.cpus).substr(0, comma), o.gateway_cpu) ||
        !number(std::string_view(o.cpus).substr(comma + 1), o.client_cpu)) {
      return usage_error(kBench, fmt::format("--cpus '{}': expected G,C (two CPU numbers) or none", o.cpus));
    }
    if (const std::string bad = check_cpus({o.gateway_cpu, o.client_cpu}); !bad.empty()) {
      return usage_error(kBench, fmt::format("--cpus {}: {} (--cpus none runs unpinned)", o.cpus, bad));
    }
  }

  auto wants = [&](std::string_view phase) {
    return o.phases == "all" || o.phases.find(phase) != std::string::npos;
  };
  try {
    // 1,000 clients and the gateway's side of each: raise the descriptor limit.
    rlimit files{};
    ::getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
    ::signal(SIGPIPE, SIG_IGN);

    char dir_template[] = "/dev/shm/ringside-bench-gateway-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) fail("mkdtemp");
    const std::string dir = dir_template;
    struct RemoveDir {
      std::string path;
      ~RemoveDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
      }
    } remove_dir{dir};
    ::setenv("RINGSIDE_SHM_DIR", dir.c_str(), 1);
    const ExchangeConfig config = embedded_default_config();
    const auto image = config.symbols.to_image();
    shm::CreateOptions create;
    create.capacity = 64u << 20;
    create.metadata = image;
    create.lock_memory = false;
    shm::RingWriter ring = shm::RingWriter::create(kRing, create);
    PublishTimes times;

    // The writer and client threads, started later, inherit this.
    if (o.client_cpu >= 0 && !pin_to_cpu(o.client_cpu)) {
      fail(fmt::format("cannot pin to CPU {}: {}", o.client_cpu, std::strerror(errno)));
    }
    std::filesystem::create_directories(o.log_dir);
    fmt::print("ringside-bench gateway: {} ({}), ring '{}' 64 MiB, {} s per phase after 1 s of warm-up, {} CPUs, {}; "
               "gateway logs in {}\n",
               o.gateway, o.format, kRing, o.seconds, std::thread::hardware_concurrency(),
               o.gateway_cpu < 0 ? std::string("unpinned")
                                 : fmt::format("gateway on CPU {}, writer and clients on CPU {}", o.gateway_cpu,
                                               o.client_cpu),
               o.log_dir.string());
    std::vector<PhaseResult> results;
    if (wants("throughput")) {
      PhaseResult r = run_phase(o, "throughput", o.throughput_clients, o.throughput_rate, false, ring, config.symbols, times);
      r.target = fmt::format(">= {:.0f} frames/s delivered, no slow-consumer close", kThroughputTarget);
      r.target_met = r.delivered_per_s >= kThroughputTarget * 0.99 && r.slow_closes == 0;
      print(r);
      results.push_back(r);
    }
    if (wants("latency")) {
      PhaseResult r = run_phase(o, "latency", o.latency_clients, o.latency_rate, false, ring, config.symbols, times);
      r.target = fmt::format("p99 ring-to-client <= {:.0f} us", kLatencyP99TargetUs);
      r.target_met = r.latency_us.count > 0 && r.latency_us.p99 <= kLatencyP99TargetUs && r.slow_closes == 0;
      print(r);
      results.push_back(r);
    }
    if (wants("idle")) {
      PhaseResult r = run_phase(o, "idle", o.idle_clients, o.idle_rate, true, ring, config.symbols, times);
      r.target = fmt::format("gateway peak RSS < {:.0f} MiB", kIdleRssTargetMiB);
      r.target_met = r.peak_rss_mib > 0 && r.peak_rss_mib < kIdleRssTargetMiB;
      print(r);
      results.push_back(r);
    }
    JsonObject line;
    line.str("bench", kBench).str("format", o.format).num("seconds", o.seconds, 1);
    line.integer("gateway_cpu", o.gateway_cpu).integer("client_cpu", o.client_cpu);
    bool all_met = true;
    for (const PhaseResult& r : results) {
      line.object(r.name, json_of(r));
      all_met = all_met && r.target_met;
    }
    line.boolean("targets_met", all_met);
    fmt::print("{}\n", line.text());
    return 0;
  } catch (const std::exception& e) {
    return usage_error(kBench, e.what());
  }
}

}  // namespace ringside::bench
