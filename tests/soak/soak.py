#!/usr/bin/python3
"""ringside soak test: the whole pipeline for N minutes under client churn, then assertions.

    tests/soak/soak.py --minutes N [--rate EVENTS_PER_S] [--out DIR] [--bin DIR]

Starts, in a ring directory of its own: ringside-engine (realtime, the embedded
config or one scaled to --rate), ringside record, ringside-proc (the five
analytics jobs into ring 'analytics'), ringside-gateway, an embedded Kafka
(ringside kafka-mock: librdkafka's mock cluster, a process of its own so the
egress's memory is the egress's) and ringside-egress (rings events and
analytics into it). Then, for the whole run:

  - a steady WebSocket client (FlatBuffers, every event) measuring ring-to-client
    latency: its receive time minus the frame's publish_time_ns (the engine's
    commit into the ring, CLOCK_REALTIME, same host), per window;
  - client churn: 8 concurrent JSON clients that connect, subscribe to random
    channels and symbols (or keep the default stream), read for 0.2-3 s and
    disconnect, over and over;
  - a deliberately slow client (every event, reads 50 messages/s) that the
    gateway's slow-consumer policy should close with 1008; it reconnects;
  - a Kafka consumer (python3-kafka) reading every raw.* partition from the
    start, continuously (the mock cluster drops a partition's oldest messages
    past a few MB, so reading at the end would not see the start), noting each
    message's seq header;
  - /proc/PID/status of every long-lived process every 2 s (rss.csv).

At the end: stops the clients, then the engine (its final JSON line gives the
last published seq), waits for the recorder and for the egress to commit every
event, drains the Kafka consumer, stops the rest, and asserts (PASS/FAIL each):

  (a) memory: per long-lived pipeline process (engine, recorder, processors,
      gateway, egress), private RSS (VmRSS - RssShmem) grows < 10 %: median of
      the last quarter of the post-warm-up period vs the median of its first
      quarter. Warm-up: max(20 % of the run, 60 s), at most half the run. The
      gateway's samples while the slow client's queue holds memory are left out
      (tests/soak/README.md); a window left without samples is a SKIP.
  (b) no loss on the Kafka side: every seq 1..last in the raw.* topics.
  (c) stable latency: p50 and p99 of the last window within --latency-factor
      (default 2) of the first post-warm-up window, or within an absolute slack
      (0.5 ms p50, 2 ms p99) for a noisy shared VM.
  (d) the steady client was never disconnected and saw no gap; every process
      stayed up; the recorder holds every event.

Writes DIR (default build/soak/<UTC timestamp>): summary.json, report.md,
rss.csv, latency.csv, logs/. Exit status 0 when every assertion passes, 1 if
one fails, 2 on bad usage or a pipeline that does not start.
"""
import argparse
import array
import asyncio
import csv
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

REPO = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "common"))
from wire import fb_header, parse_metrics  # noqa: E402
RAW_TOPICS = ["raw.orders", "raw.trades", "raw.quotes", "raw.orderbook-snapshots", "raw.market-stats",
              "raw.trading-halts", "raw.agent-actions"]
EVENT_TYPES = ["OrderPlaced", "TradeExecuted", "QuoteUpdate", "OrderBookSnapshot", "TradingHalt",
               "TradingResume", "AgentAction", "MarketStats", "OrderCancelled"]
# The embedded config (config/default.toml: 258 agents, 100 ms ticks) gives about this
# many events/s in realtime mode; --rate scales every agent count by rate / this.
BASE_RATE = 3000.0
AGENT_KEYS = ["retail_traders", "institutional_investors", "market_makers", "hft_traders", "noise_traders",
              "informed_traders"]
RSS_FIELDS = ["VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"]
ASSERTED = ["engine", "recorder", "processors", "gateway", "egress"]


def set_priority(nice):
    """Nice value for this process (and the threads it starts); quietly nothing without the right."""
    if nice is None:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:
        pass


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# helpers: /proc, metrics, percentiles

def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in RSS_FIELDS:
                    out[k] = int(v.split()[0])  # kB
    except OSError:
        return None
    return out


def metrics(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            text = r.read().decode()
    except (OSError, ValueError):
        return None
    try:
        return parse_metrics(text)
    except ValueError:
        return None


def total(values, name):
    if values is None:
        return None
    return sum(v for k, v in values.items() if k == name or k.startswith(name + "{"))


def pct(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


# ---------------------------------------------------------------------------------------------
# worker: the steady latency client (FlatBuffers: the header carries publish_time_ns)

def latency_worker(url, t0, window_s, channels, priority, stop, results, counters):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    import websockets

    set_priority(priority)

    async def main():
        window = 0
        lat = array.array("q")
        lat_event = array.array("q")
        gaps = 0
        last_seq = None
        seq_jumps = 0
        last_spike = 0
        spikes = 0

        def flush(upto_window):
            nonlocal window, lat, lat_event, gaps, seq_jumps
            while window < upto_window:
                s = sorted(lat)
                se = sorted(lat_event)
                results.put(("window", {
                    "window": window, "start_s": window * window_s, "end_s": (window + 1) * window_s,
                    "frames": len(s),
                    "p50_ms": pct(s, 50) / 1e6 if s else None, "p90_ms": pct(s, 90) / 1e6 if s else None,
                    "p99_ms": pct(s, 99) / 1e6 if s else None, "p999_ms": pct(s, 99.9) / 1e6 if s else None,
                    "max_ms": s[-1] / 1e6 if s else None,
                    "event_time_p50_ms": pct(se, 50) / 1e6 if se else None,
                    "event_time_p99_ms": pct(se, 99) / 1e6 if se else None,
                    "gap_notices": gaps, "seq_jumps": seq_jumps,
                    "loadavg1": float(open("/proc/loadavg").read().split()[0])}))
                window += 1
                lat = array.array("q")
                lat_event = array.array("q")
                gaps = 0
                seq_jumps = 0

        while not stop.is_set():
            try:
                async with websockets.connect(url, subprotocols=["ringside.flatbuffers"], compression=None,
                                              max_queue=4096, max_size=1 << 22, close_timeout=1) as ws:
                    counters["lat_connects"].value += 1
                    last_seq = None
                    if channels != ["*"]:
                        await ws.send(json.dumps({"id": "lat", "op": "subscribe", "channels": channels}))
                    while not stop.is_set():
                        try:
                            m = await asyncio.wait_for(ws.recv(), 0.5)
                        except asyncio.TimeoutError:
                            m = None
                        now = time.time_ns()
                        w = int((time.time() - t0) // window_s)
                        if w > window:
                            flush(w)
                        if m is None:
                            continue
                        if isinstance(m, bytes):
                            seq, ev_ns, pub_ns = fb_header(m)
                            lat.append(now - pub_ns)
                            if now - pub_ns > 100_000_000 and now - last_spike > 100_000_000 and spikes < 2000:
                                last_spike = now
                                spikes += 1
                                results.put(("spike", [round(time.time() - t0, 2), round((now - pub_ns) / 1e6, 1)]))
                            lat_event.append(now - ev_ns)
                            if channels == ["*"] and last_seq is not None and seq != last_seq + 1:
                                seq_jumps += 1
                            last_seq = seq
                            counters["lat_frames"].value += 1
                        else:
                            d = json.loads(m)
                            if d.get("type") == "gap":
                                gaps += 1
                                counters["lat_gaps"].value += 1
                    await ws.close()
                    return
            except Exception as e:  # noqa: BLE001 - any disconnect is recorded and retried
                if stop.is_set():
                    break
                counters["lat_disconnects"].value += 1
                results.put(("lat_disconnect", {"t": time.time() - t0, "error": repr(e)[:300]}))
                await asyncio.sleep(0.5)
        w = int((time.time() - t0) // window_s)
        flush(max(w + 1, window + 1) if lat else w)

    asyncio.run(main())
    results.put(("lat_done", {}))


# ---------------------------------------------------------------------------------------------
# worker: churn and the slow client (one asyncio loop)

def clients_worker(url, symbols, churners, slow_rate, slow_phase_s, stop, results, counters):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    import websockets


    async def churner(i):
        rng = random.Random(i)
        n = 0
        while not stop.is_set():
            try:
                async with websockets.connect(url, compression=None, max_queue=None, close_timeout=1,
                                              open_timeout=10) as ws:
                    counters["churn_connects"].value += 1
                    counters["churn_open"].value += 1
                    try:
                        # Mostly subscribers to a few symbols; one in ten keeps the default
                        # stream (every event) for at most a second.
                        default_stream = rng.random() < 0.1
                        if not default_stream:
                            n += 1
                            chans = rng.sample(EVENT_TYPES + ["book"], rng.randint(1, 4))
                            syms = rng.sample(symbols, rng.randint(1, 3)) if symbols else ["*"]
                            await ws.send(json.dumps({"id": n, "op": "subscribe", "channels": chans, "symbols": syms}))
                            deadline = time.monotonic() + 5
                            while time.monotonic() < deadline:
                                m = await asyncio.wait_for(ws.recv(), 5)
                                if isinstance(m, str) and m.startswith("{\"id\""):
                                    d = json.loads(m)
                                    if d.get("id") == n:
                                        key = "churn_sub_ok" if d.get("ok") else "churn_sub_err"
                                        counters[key].value += 1
                                        break
                        end = time.monotonic() + (rng.uniform(0.2, 1.0) if default_stream else rng.uniform(0.5, 4.0))
                        while not stop.is_set():
                            left = end - time.monotonic()
                            if left <= 0:
                                break
                            try:
                                await asyncio.wait_for(ws.recv(), left)
                                counters["churn_msgs"].value += 1
                            except asyncio.TimeoutError:
                                break
                        await ws.close()
                        counters["churn_closes"].value += 1
                    finally:
                        counters["churn_open"].value -= 1
            except Exception as e:  # noqa: BLE001
                if stop.is_set():
                    break
                counters["churn_errors"].value += 1
                results.put(("churn_error", {"error": repr(e)[:300]}))
                await asyncio.sleep(0.2)
            await asyncio.sleep(rng.uniform(0.0, 0.3))

    async def slow():
        # Reads every event at slow_rate messages/s for slow_phase_s (the gateway's queue
        # cap is reached long before: ~65,536 frames), then reads as fast as it can to
        # reach what ended the connection: the gateway's close frame (1008) or, when the
        # close frame could not get past the stuck write, the cut after close_timeout.
        delay = 1.0 / slow_rate
        while not stop.is_set():
            t_conn = time.monotonic()
            code, reason, how = None, "", "open"
            try:
                async with websockets.connect(url, compression=None, max_queue=32, close_timeout=1,
                                              ping_interval=None) as ws:
                    counters["slow_connects"].value += 1
                    while not stop.is_set() and time.monotonic() - t_conn < slow_phase_s:
                        await ws.recv()
                        await asyncio.sleep(delay)
                    t_drain = time.monotonic()
                    while not stop.is_set() and time.monotonic() - t_drain < 20:
                        await asyncio.wait_for(ws.recv(), 5)
                    if stop.is_set():
                        return
                    how = "still open after the slow phase and 20 s of fast reading"
                    counters["slow_survived"].value += 1
            except websockets.exceptions.ConnectionClosed as e:
                if stop.is_set():
                    return
                code = e.rcvd.code if e.rcvd else None
                reason = e.rcvd.reason if e.rcvd else ""
                how = "closed by the gateway" if e.rcvd else "cut without a close frame"
                counters["slow_closes"].value += 1
                if code == 1008:
                    counters["slow_1008"].value += 1
            except Exception as e:  # noqa: BLE001
                if stop.is_set():
                    return
                how = "error: " + repr(e)[:200]
                counters["slow_closes"].value += 1
            results.put(("slow_close", {"after_s": round(time.monotonic() - t_conn, 1), "code": code,
                                        "reason": reason, "how": how}))
            await asyncio.sleep(1.0)

    async def main():
        tasks = [asyncio.create_task(churner(i)) for i in range(churners)]
        if slow_rate > 0:
            tasks.append(asyncio.create_task(slow()))
        while not stop.is_set():
            await asyncio.sleep(0.2)
        await asyncio.wait(tasks, timeout=10)

    asyncio.run(main())
    results.put(("clients_done", {}))


# ---------------------------------------------------------------------------------------------
# worker: the Kafka consumer (every raw.* partition from the start, continuously)

def kafka_worker(bootstrap, priority, stop, final, results, counters):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from kafka import KafkaConsumer, TopicPartition


    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", request_timeout_ms=30000,
                             api_version_auto_timeout_ms=10000, max_partition_fetch_bytes=4 << 20)
    parts = []
    for t in RAW_TOPICS:
        p = None
        for _ in range(100):
            p = consumer.partitions_for_topic(t)
            if p:
                break
            time.sleep(0.1)
        if not p:
            results.put(("kafka_error", {"error": f"no metadata for {t}"}))
            return
        parts += [TopicPartition(t, i) for i in sorted(p)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    seen = bytearray(1 << 20)
    dups = 0
    messages = 0
    other_ring = 0
    max_seq = 0
    next_offset = {tp: 0 for tp in parts}
    skipped = 0  # offsets the consumer never saw (the broker dropped them first)

    def take(batch):
        nonlocal seen, dups, messages, other_ring, max_seq, skipped
        for tp, records in batch.items():
            for r in records:
                if r.offset > next_offset[tp]:
                    skipped += r.offset - next_offset[tp]
                next_offset[tp] = r.offset + 1
                h = {k: v for k, v in (r.headers or [])}
                messages += 1
                if h.get("ring", b"events") != b"events":
                    other_ring += 1
                    continue
                s = int(h["seq"])
                if s >= len(seen):
                    seen.extend(bytearray(max(s + 1 - len(seen), len(seen))))
                if seen[s]:
                    dups += 1
                else:
                    seen[s] = 1
                max_seq = max(max_seq, s)
        counters["kafka_consumed"].value = messages
        counters["kafka_skipped"].value = skipped

    while not stop.is_set():
        take(consumer.poll(timeout_ms=500, max_records=20000))
    # The end: read up to the end offsets as they are once the egress has committed everything.
    last = final.get()
    end = consumer.end_offsets(parts)
    deadline = time.monotonic() + 600
    while any(next_offset[tp] < end[tp] for tp in parts) and time.monotonic() < deadline:
        take(consumer.poll(timeout_ms=500, max_records=20000))
    behind = {f"{tp.topic}/{tp.partition}": [next_offset[tp], end[tp]] for tp in parts if next_offset[tp] < end[tp]}
    missing = []
    if len(seen) <= last:
        seen.extend(bytearray(last + 1 - len(seen)))
    run_start = None
    n_missing = 0
    for s in range(1, last + 1):
        if not seen[s]:
            n_missing += 1
            if run_start is None:
                run_start = s
        elif run_start is not None:
            missing.append([run_start, s - 1])
            run_start = None
    if run_start is not None:
        missing.append([run_start, last])
    beyond = sum(seen[last + 1:])
    consumer.close()
    results.put(("kafka_result", {"last_seq": last, "messages": messages, "distinct_seqs": sum(seen[1:last + 1]),
                                  "missing": n_missing, "missing_ranges": missing[:50],
                                  "missing_range_count": len(missing), "duplicates": dups,
                                  "beyond_last": beyond, "other_ring": other_ring, "max_seq": max_seq,
                                  "offsets_skipped": skipped, "not_read_to_end": behind,
                                  "partitions": len(parts)}))


# ---------------------------------------------------------------------------------------------
# the pipeline

class Pipeline:
    def __init__(self, args, out):
        self.args = args
        self.out = out
        self.logs = os.path.join(out, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.bin = args.bin
        self.procs = {}  # name -> Popen
        self.shm = f"/dev/shm/ringside-soak-{os.getpid()}"
        self.env = dict(os.environ, RINGSIDE_SHM_DIR=self.shm)
        self.cores = os.cpu_count() or 1

    def cpu(self, n):
        if self.cores < 2:
            return []
        return ["taskset", "-c", str(n if n < self.cores else 0)]

    def start(self, name, cmd, stdout_name=None, stdin=None):
        err = open(os.path.join(self.logs, f"{name}.log"), "ab")
        out = open(os.path.join(self.logs, stdout_name or f"{name}.json"), "ab")
        nice = self.args.nice
        p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                             env=self.env, cwd=REPO, preexec_fn=lambda: set_priority(nice),
                             start_new_session=True)  # Ctrl-C reaches the driver, which stops them in order
        self.procs[name] = p
        log(f"started {name} (pid {p.pid}): {' '.join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd))}")
        return p

    def wait_json(self, name, key, timeout=30):
        path = os.path.join(self.logs, f"{name}.json")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(path) as f:
                    for line in f:
                        try:
                            d = json.loads(line)
                        except json.JSONDecodeError:
                            continue
                        if key in d:
                            return d
            except OSError:
                pass
            if self.procs[name].poll() is not None:
                return None
            time.sleep(0.05)
        return None

    def ringside(self, *a, timeout=10):
        return subprocess.run([os.path.join(self.bin, "ringside"), *a], capture_output=True, text=True,
                              env=self.env, timeout=timeout)

    def inspect(self, ring="events"):
        try:
            r = self.ringside("inspect", ring, "--json", "--interval", "0", timeout=5)
            return json.loads(r.stdout) if r.returncode == 0 else None
        except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
            return None

    def launch(self, config):
        os.makedirs(self.shm, exist_ok=True)
        b = lambda n: os.path.join(self.bin, n)  # noqa: E731
        cfg = ["--config", config] if config else []
        self.start("engine", [b("ringside-engine"), *cfg, "--ring", "events", "--ring-mib", "64",
                              "--status-interval", "10", *(["--cpu", "1"] if self.cores >= 2 else [])])
        for _ in range(200):
            d = self.inspect()
            if d and d.get("writer", {}).get("pid") == self.procs["engine"].pid:
                break
            if self.procs["engine"].poll() is not None:
                raise RuntimeError("the engine exited at start; see logs/engine.log")
            time.sleep(0.05)
        self.capture = os.path.join(self.out, "events.rscap")
        self.start("recorder", [*self.cpu(5), b("ringside"), "record", "events", self.capture, "--wait",
                                "--until-writer-stops", "--progress-interval", "0", "--overwrite"])
        self.start("processors", [*self.cpu(4), b("ringside-proc"), "--ring", "events", "--wait", "30", "--job",
                                  "aggregates,alerts,book,enrich,ofi", "--out", "analytics",
                                  "--status-interval", "30"])
        self.start("gateway", [*self.cpu(2), b("ringside-gateway"), "--ring", "events", "--listen", "127.0.0.1:0"])
        self.start("kafka", [b("ringside-kafka-mock"), "--brokers", "3"], stdin=subprocess.PIPE)
        k = self.wait_json("kafka", "bootstrap")
        if not k:
            raise RuntimeError("the embedded Kafka did not report its bootstrap; see logs/kafka.log")
        self.bootstrap = k["bootstrap"]
        self.start("egress", [*self.cpu(3), b("ringside-egress"), "--ring", "events", "--ring", "analytics",
                              "--brokers", self.bootstrap, "--state-dir", os.path.join(self.out, "egress-state"),
                              "--metrics-listen", "127.0.0.1:0"])
        g = self.wait_json("gateway", "url")
        e = self.wait_json("egress", "metrics")
        if not g or not e:
            raise RuntimeError("the gateway or the egress did not report its address; see logs/")
        self.ws_url = g["url"]
        self.gateway_metrics = g["dashboard"].rstrip("/") + "/metrics"
        self.egress_metrics = f"http://{e['metrics']}/metrics"
        log(f"gateway {self.ws_url}; kafka bootstrap {self.bootstrap}; egress metrics {self.egress_metrics}")
        d = self.inspect() or {}
        self.symbols = d.get("symbols", {}).get("tickers", [])

    def dead(self):
        return [n for n, p in self.procs.items() if p.poll() is not None]

    def stop(self, name, timeout=20):
        p = self.procs.get(name)
        if p is None or p.poll() is not None:
            return p.returncode if p else None
        if name == "kafka":
            try:
                p.stdin.close()
            except OSError:
                pass
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return "killed"

    def kill_all(self):
        for n in list(self.procs):
            p = self.procs[n]
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(self.shm, ignore_errors=True)


def scaled_config(rate, out):
    """config/default.toml with every agent count scaled by rate / BASE_RATE."""
    with open(os.path.join(REPO, "config", "default.toml")) as f:
        text = f.read()
    k = rate / BASE_RATE

    def repl(m):
        n = int(m.group(2))
        return f"{m.group(1)}{max(1, round(n * k)) if n else 0}"

    text = re.sub(r"^(\s*(?:%s)\s*=\s*)(\d+)" % "|".join(AGENT_KEYS), repl, text, flags=re.M)
    path = os.path.join(out, "exchange.toml")
    with open(path, "w") as f:
        f.write(f"# config/default.toml with agent counts scaled by {k:.3f} for --rate {rate:g}\n" + text)
    return path


def verdict(result):
    return "SKIP" if result.get("skipped") else "PASS" if result["pass"] else "FAIL"


def median_in(rows, key, lo, hi):
    v = [r[key] for r in rows if lo <= r["t"] < hi and r.get(key) is not None]
    return (statistics.median(v), len(v)) if v else (None, 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--minutes", type=float, required=True, help="length of the run (minutes; 1 = a quick check)")
    ap.add_argument("--rate", type=float, help="target events/s: agent counts scaled from the embedded config "
                                               f"(about {BASE_RATE:g}/s); default: the embedded config as is")
    ap.add_argument("--out", help="report folder (default build/soak/<UTC timestamp>)")
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "bin"), help="ringside binaries (default build/bin)")
    ap.add_argument("--churners", type=int, default=8, help="concurrent churning clients (default 8)")
    ap.add_argument("--slow-rate", type=float, default=50, help="messages/s the slow client reads (0: none; default 50)")
    ap.add_argument("--slow-phase", type=float, default=40,
                    help="seconds the slow client reads slowly before it drains to see how it was closed (default 40)")
    ap.add_argument("--latency-channels", default="TradeExecuted,QuoteUpdate",
                    help="channels of the steady latency client ('*': every event; default TradeExecuted,QuoteUpdate)")
    ap.add_argument("--nice", type=int, default=-10,
                    help="nice value of the pipeline's processes and the steady client, so that other work on a "
                         "shared machine disturbs the measurement less (needs root; default -10; the load "
                         "generators keep the caller's)")
    ap.add_argument("--latency-factor", type=float, default=2.0, help="(c): allowed last/first window ratio (default 2)")
    ap.add_argument("--rss-growth", type=float, default=10.0, help="(a): allowed growth in percent (default 10)")
    ap.add_argument("--progress", type=float, help="seconds between progress lines (default 15; 10 for runs < 3 min)")
    ap.add_argument("--keep-capture", action="store_true", help="keep the recorder's capture file (large)")
    args = ap.parse_args()
    if args.minutes <= 0 or (args.rate is not None and args.rate <= 0):
        ap.error("--minutes and --rate must be positive")
    for n in ("ringside", "ringside-engine", "ringside-gateway", "ringside-egress", "ringside-proc",
              "ringside-kafka-mock"):
        if not os.access(os.path.join(args.bin, n), os.X_OK):
            print(f"soak: {args.bin}/{n} missing (build first)", file=sys.stderr)
            return 2
    lat_channels = [c for c in args.latency_channels.split(",") if c]
    if any(c not in EVENT_TYPES + ["*"] for c in lat_channels) or not lat_channels:
        ap.error(f"--latency-channels: event types, comma separated, or '*' (got {args.latency_channels!r})")
    run_s = args.minutes * 60.0
    warmup_s = min(max(0.2 * run_s, 60.0), 0.5 * run_s)
    window_s = 60.0 if run_s >= 300 else max(5.0, run_s / 6.0)
    progress_s = args.progress or (15.0 if run_s >= 180 else 10.0)
    started_utc = utcnow()
    out = os.path.realpath(args.out or os.path.join(REPO, "build", "soak", started_utc.strftime("%Y%m%dT%H%M%SZ")))
    os.makedirs(out, exist_ok=True)
    log(f"== soak: {args.minutes:g} min, warm-up {warmup_s:.0f} s, latency windows of {window_s:.0f} s; "
        f"report in {out}")
    config = scaled_config(args.rate, out) if args.rate else None

    pl = Pipeline(args, out)
    ctx = mp.get_context("fork")
    stop_clients = ctx.Event()
    stop_kafka = ctx.Event()
    final = ctx.Queue()
    results = ctx.Queue()
    counters = {k: ctx.Value("q", 0, lock=False) for k in (
        "lat_connects", "lat_frames", "lat_gaps", "lat_disconnects", "churn_connects", "churn_open",
        "churn_sub_ok", "churn_sub_err", "churn_msgs", "churn_closes", "churn_errors", "slow_connects",
        "slow_closes", "slow_1008", "slow_survived", "kafka_consumed", "kafka_skipped")}
    workers = {}
    interrupted = []
    def on_signal(*_):
        if not interrupted:
            print("soak: interrupted; stopping the pipeline in order", flush=True)
        interrupted.append(1)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    events_log = {"spikes": [], "slow_close_times": [], "windows": [], "lat_disconnects": [], "slow_closes": [], "churn_errors": [], "kafka": None,
                  "kafka_errors": []}

    def drain_results():
        while True:
            try:
                kind, d = results.get_nowait()
            except Exception:  # noqa: BLE001 - queue.Empty
                return
            if kind == "spike":
                events_log["spikes"].append(d)
            elif kind == "window":
                events_log["windows"].append(d)
            elif kind == "lat_disconnect":
                events_log["lat_disconnects"].append(d)
            elif kind == "slow_close":
                events_log["slow_closes"].append(d)
            elif kind == "churn_error":
                if len(events_log["churn_errors"]) < 100:
                    events_log["churn_errors"].append(d)
            elif kind == "kafka_result":
                events_log["kafka"] = d
            elif kind == "kafka_error":
                events_log["kafka_errors"].append(d)

    rss_rows = []
    rss_file = open(os.path.join(out, "rss.csv"), "w", newline="")
    rss_csv = csv.writer(rss_file)
    rss_csv.writerow(["t_s", "process", "pid"] + [f"{f}_kB" for f in RSS_FIELDS] + ["private_kB"])
    progress_rows = []
    failures_at_run = []
    slow_seen = [0]
    gateway_queue_max = []  # (t_s, bytes queued to the most backed-up client), every 2 s
    try:
        try:
            pl.launch(config)
        except (RuntimeError, OSError) as e:
            print(f"soak: {e}", file=sys.stderr)
            return 2
        t0 = time.time()
        workers["kafka"] = ctx.Process(target=kafka_worker, args=(pl.bootstrap, args.nice, stop_kafka, final, results, counters),
                                       daemon=True)
        workers["latency"] = ctx.Process(target=latency_worker,
                                         args=(pl.ws_url, t0, window_s, lat_channels, args.nice, stop_clients, results, counters),
                                         daemon=True)
        workers["clients"] = ctx.Process(target=clients_worker,
                                         args=(pl.ws_url, pl.symbols, args.churners, args.slow_rate, args.slow_phase, stop_clients,
                                               results, counters), daemon=True)
        for w in workers.values():
            w.start()
        log(f"started clients: 1 steady latency client (FlatBuffers, {','.join(lat_channels)}), {args.churners} churners (JSON), "
            f"1 slow client ({args.slow_rate:g} msg/s), 1 Kafka consumer (raw.*)")
        next_sample = next_progress = time.monotonic()
        next_progress += progress_s
        last_prog = (time.monotonic(), 0, 0.0)
        while not interrupted:
            el = time.time() - t0
            if el >= run_s:
                break
            dead = pl.dead()
            if dead:
                failures_at_run.append(f"{', '.join(dead)} exited during the run")
                log(f"soak: {', '.join(dead)} exited during the run; stopping")
                break
            now = time.monotonic()
            if now >= next_sample:
                next_sample += 2.0
                for name, p in pl.procs.items():
                    s = proc_status(p.pid)
                    if s is None:
                        continue
                    priv = s.get("VmRSS", 0) - s.get("RssShmem", 0)
                    row = {"t": el, "name": name, "private": priv, **s}
                    rss_rows.append(row)
                    rss_csv.writerow([f"{el:.1f}", name, p.pid] + [s.get(f, "") for f in RSS_FIELDS] + [priv])
                rss_file.flush()
                gm = metrics(pl.gateway_metrics)
                queue_max = total(gm, "ringside_gateway_queue_bytes_max")
                if queue_max is not None:
                    gateway_queue_max.append((el, queue_max))
                sc = total(gm, "ringside_gateway_slow_consumer_closes_total")
                if sc is not None and sc > slow_seen[0]:
                    events_log["slow_close_times"].append([round(el, 1), int(sc)])
                    slow_seen[0] = sc
            if now >= next_progress:
                next_progress += progress_s
                drain_results()
                ring = pl.inspect() or {}
                frames = ring.get("counters", {}).get("frames_published", 0)
                rate = (frames - last_prog[1]) / (now - last_prog[0]) if now > last_prog[0] else 0
                g = metrics(pl.gateway_metrics)
                e = metrics(pl.egress_metrics)
                acks = total(e, "ringside_egress_messages_produced_total")
                latest = {r["name"]: r for r in rss_rows[-len(pl.procs):]}
                rss = " ".join(f"{n} {latest[n]['private'] / 1024:.0f}/{latest[n]['VmRSS'] / 1024:.0f}"
                               for n in pl.procs if n in latest)
                w = events_log["windows"][-1] if events_log["windows"] else None
                load = open("/proc/loadavg").read().split()[0]
                row = {"t": round(el, 1), "loadavg1": float(load), "events": frames, "events_per_s": round(rate),
                       "gateway_clients": total(g, "ringside_gateway_clients"),
                       "slow_consumer_closes": total(g, "ringside_gateway_slow_consumer_closes_total"),
                       "kafka_acks": acks, "kafka_consumed": counters["kafka_consumed"].value,
                       "gateway_queue_frames": total(g, "ringside_gateway_queue_frames"),
                       "gateway_queue_bytes": total(g, "ringside_gateway_queue_bytes"),
                       "gateway_queue_bytes_max": total(g, "ringside_gateway_queue_bytes_max"),
                       "egress_queue_depth": total(e, "ringside_egress_queue_depth"),
                       "egress_lag_frames": total(e, "ringside_egress_ring_lag_frames"),
                       "churn_connects": counters["churn_connects"].value,
                       "slow_client_closes": counters["slow_closes"].value,
                       "latency_last_window": w and {"p50_ms": w["p50_ms"], "p99_ms": w["p99_ms"]}}
                progress_rows.append(row)
                fmt = lambda v: "?" if v is None else f"{v:,.0f}"  # noqa: E731
                log(f"[{el:5.0f}s] load {load} | events {frames:,} ({rate:,.0f}/s) | RSS MiB private/total: {rss} | "
                    f"clients {fmt(row['gateway_clients'])} (churn connects {row['churn_connects']:,}) | "
                    f"slow-consumer closes {fmt(row['slow_consumer_closes'])} (slow client saw "
                    f"{row['slow_client_closes']}) | kafka acks {fmt(acks)}, consumed {row['kafka_consumed']:,}"
                    + (f" | latency p50 {w['p50_ms']:.2f} p99 {w['p99_ms']:.2f} ms (window {w['window']})"
                       if w and w["p50_ms"] is not None else ""))
                last_prog = (now, frames, 0.0)
            time.sleep(0.2)
        run_end = time.time() - t0
        if interrupted:
            failures_at_run.append("interrupted")

        # ---- stopping: clients, engine, recorder, egress drain, kafka drain, the rest
        log("== stopping")
        g_before = metrics(pl.gateway_metrics)
        stop_clients.set()
        for n in ("latency", "clients"):
            workers[n].join(20)
            if workers[n].is_alive():
                workers[n].terminate()
        drain_results()
        rc_engine = pl.stop("engine")
        engine_done = None
        try:
            with open(os.path.join(pl.logs, "engine.json")) as f:
                for line in f:
                    if '"engine_done"' in line:
                        engine_done = json.loads(line)
        except (OSError, json.JSONDecodeError):
            pass
        ring = pl.inspect() or {}
        next_seq = ring.get("counters", {}).get("next_sequence")
        last_seq = (next_seq - 1) if next_seq else (engine_done or {}).get("events", 0)
        log(f"engine stopped (exit {rc_engine}): {engine_done and engine_done.get('events')} events, "
            f"ring's last seq {last_seq}")
        rec = pl.procs["recorder"]
        try:
            rec.wait(60)
        except subprocess.TimeoutExpired:
            pass
        rc_recorder = pl.stop("recorder")
        record_done = None
        try:
            with open(os.path.join(pl.logs, "recorder.json")) as f:
                for line in f:
                    try:
                        record_done = json.loads(line)
                    except json.JSONDecodeError:
                        pass
        except OSError:
            pass
        state_path = os.path.join(out, "egress-state", "egress-events.state")
        committed = None
        t_drain = time.monotonic()
        while time.monotonic() - t_drain < 180:
            try:
                with open(state_path) as f:
                    m = re.search(r"^next_sequence=(\d+)", f.read(), re.M)
                    committed = int(m.group(1)) if m else None
            except OSError:
                committed = None
            if committed is not None and committed >= last_seq + 1:
                break
            time.sleep(0.2)
        drain_s = time.monotonic() - t_drain
        log(f"egress committed next_sequence {committed} (needs {last_seq + 1}) after {drain_s:.1f} s")
        e_final = metrics(pl.egress_metrics)
        g_final = metrics(pl.gateway_metrics)
        final.put(last_seq)
        stop_kafka.set()
        log(f"reading Kafka to its end offsets ({counters['kafka_consumed'].value:,} of "
            f"{total(e_final, 'ringside_egress_messages_produced_total') or 0:,.0f} messages read so far)")
        workers["kafka"].join(660)
        drain_results()
        if workers["kafka"].is_alive():
            workers["kafka"].terminate()
        rcs = {"engine": rc_engine, "recorder": rc_recorder}
        for n in ("processors", "gateway", "egress", "kafka"):
            rcs[n] = pl.stop(n)
        log("stopped: " + ", ".join(f"{n} (exit {rc})" for n, rc in rcs.items()))
    finally:
        rss_file.close()
        for w in workers.values():
            if w.is_alive():
                w.terminate()
        pl.kill_all()

    # ---- assertions --------------------------------------------------------------------------
    results_list = []

    def check(name, ok, detail):
        results_list.append({"assertion": name, "pass": bool(ok), "detail": detail})

    def skip(name, detail):  # could not be judged on this run: not a failure, and said so
        results_list.append({"assertion": name, "pass": True, "skipped": True, "detail": detail})

    # (a) memory
    def mib(v):
        return "?" if v is None else f"{v / 1024:.1f}"

    post = run_s - warmup_s
    # The slow client's queue is memory the gateway holds by design (up to the
    # queue cap, plus the batches it pins), from its connect until the
    # slow-consumer close and the next malloc_trim (at most 10 s later). A
    # quarter-window median that falls inside such an episode measures the
    # episode, not growth (1-minute runs: +107 %), so the gateway's samples
    # taken then are left out of (a).
    held = [(t - 2.0, t + 12.0) for t, q in gateway_queue_max if q >= 1 << 20]
    memory = {}
    for name in list(pl.procs):
        rows = [r for r in rss_rows if r["name"] == name]
        excluded = 0
        if name == "gateway":
            quiet = [r for r in rows if not any(lo <= r["t"] <= hi for lo, hi in held)]
            excluded = sum(1 for r in rows if r["t"] >= warmup_s) - sum(1 for r in quiet if r["t"] >= warmup_s)
            rows = quiet
        # Quarters of the post-warm-up period; halves where a quarter has fewer than 3 samples left.
        span = post / 4
        if min(median_in(rows, "private", warmup_s, warmup_s + span)[1],
               median_in(rows, "private", run_s - span, run_s + 1)[1]) < 3:
            span = post / 2
        base_lo, base_hi = warmup_s, warmup_s + span
        last_lo, last_hi = run_s - span, run_s + 1
        b, nb = median_in(rows, "private", base_lo, base_hi)
        l, nl = median_in(rows, "private", last_lo, last_hi)
        bv, _ = median_in(rows, "VmRSS", base_lo, base_hi)
        lv, _ = median_in(rows, "VmRSS", last_lo, last_hi)
        growth = (l - b) / b * 100 if b and l is not None else None
        half = [(r["t"], r["private"]) for r in rows if r["t"] >= warmup_s + post / 2]
        slope = None
        if len(half) >= 3:
            mt = statistics.mean(t for t, _ in half)
            mv = statistics.mean(v for _, v in half)
            den = sum((t - mt) ** 2 for t, _ in half)
            slope = sum((t - mt) * (v - mv) for t, v in half) / den * 60 / 1024 if den else None  # MiB/min
        steps = []
        for r0, r1 in zip(rows, rows[1:]):
            if r1["t"] >= warmup_s and abs(r1["private"] - r0["private"]) >= 2048:
                steps.append([round(r1["t"], 1), round((r1["private"] - r0["private"]) / 1024, 1)])
        growth_v = (lv - bv) / bv * 100 if bv and lv is not None else None
        memory[name] = {"baseline_private_kB": b, "last_private_kB": l, "growth_private_pct": growth,
                        "baseline_VmRSS_kB": bv, "last_VmRSS_kB": lv, "growth_VmRSS_pct": growth_v,
                        "samples_baseline": nb, "samples_last": nl, "samples_excluded_slow_client": excluded,
                        "window_s": [base_lo, base_hi, last_lo, min(last_hi, run_s)],
                        "max_VmHWM_kB": max((r.get("VmHWM", 0) for r in rows), default=None),
                        "slope_last_half_MiB_per_min": slope, "steps_after_warmup_MiB": steps[:20],
                        "asserted": name in ASSERTED}
        if name in ASSERTED and (nb == 0 or nl == 0):
            skip(f"(a) RSS {name}",
                 f"not judged: no sample left in {base_lo:.0f}-{base_hi:.0f} s or {last_lo:.0f}-{run_s:.0f} s "
                 f"({excluded} taken while the slow client's queue held memory); run longer")
        elif name in ASSERTED:
            ok = growth is not None and growth < args.rss_growth
            check(f"(a) RSS {name}", ok,
                  f"private RSS (VmRSS-RssShmem) median {mib(b)} MiB in {base_lo:.0f}-{base_hi:.0f} s -> "
                  f"{mib(l)} MiB in {last_lo:.0f}-{run_s:.0f} s: "
                  + (f"{growth:+.1f} %" if growth is not None else "no samples")
                  + f" (limit {args.rss_growth:g} %); VmRSS {mib(bv)} -> {mib(lv)} MiB"
                  + (f" ({growth_v:+.1f} %)" if growth_v is not None else "")
                  + (f"; slope over the last half {slope:+.2f} MiB/min" if slope is not None else "")
                  + (f"; steps of >= 2 MiB after warm-up (s, MiB): {steps[:5]}" if steps else "")
                  + (f"; {excluded} samples left out, taken while the slow client's queue held memory"
                     if excluded else ""))

    # (b) kafka
    k = events_log["kafka"]
    if k is None:
        check("(b) Kafka: every seq 1..last in raw.*", False,
              f"the Kafka consumer gave no result {events_log['kafka_errors']}")
    else:
        ok = (k["missing"] == 0 and last_seq > 0 and committed is not None and committed >= last_seq + 1)
        check("(b) Kafka: every seq 1..last in raw.*", ok,
              f"{k['distinct_seqs']:,} of {last_seq:,} seqs present ({k['missing']:,} missing in "
              f"{k['missing_range_count']} ranges, first {k['missing_ranges'][:5]}); {k['messages']:,} messages read "
              f"from {k['partitions']} partitions, {k['duplicates']:,} duplicates, {k['offsets_skipped']:,} offsets "
              f"dropped by the broker before they were read; egress committed next_sequence {committed}")

    # (c) latency
    wins = sorted(events_log["windows"], key=lambda w: w["window"])
    full = [w for w in wins if w["end_s"] <= run_end + 0.5 and w["frames"] > 0]
    first = next((w for w in full if w["start_s"] >= warmup_s - 1e-6), None)
    last = full[-1] if full else None
    lat_detail = {}
    if first is None or last is None:
        check("(c) latency p50", False, "not enough latency windows")
        check("(c) latency p99", False, "not enough latency windows")
    else:
        for p, slack in (("p50", 0.5), ("p99", 2.0)):
            a, z = first[f"{p}_ms"], last[f"{p}_ms"]
            ok = z <= args.latency_factor * a or z <= a + slack
            lat_detail[p] = {"first": a, "last": z, "ratio": z / a if a else None}
            check(f"(c) latency {p}", ok,
                  f"window {first['window']} ({first['start_s']:.0f}-{first['end_s']:.0f} s) {a:.3f} ms -> "
                  f"last window {last['window']} ({last['start_s']:.0f}-{last['end_s']:.0f} s) {z:.3f} ms "
                  f"(x{z / a:.2f}; allowed x{args.latency_factor:g} or +{slack:g} ms)")

    # (d) sanity
    check("(d) every pipeline process up for the whole run", not failures_at_run and all(
        rc in (0, None) for n, rc in rcs.items() if n != "kafka"),
        f"exit statuses {rcs}" + (f"; {failures_at_run}" if failures_at_run else ""))
    lat_frames = counters["lat_frames"].value
    check("(d) steady client: connected throughout, no gap", counters["lat_disconnects"].value == 0
          and counters["lat_gaps"].value == 0 and lat_frames > 0,
          f"{lat_frames:,} frames, {counters['lat_disconnects'].value} disconnects, "
          f"{counters['lat_gaps'].value} gap notices, "
          f"{sum(w['seq_jumps'] for w in wins)} seq jumps")
    rec_frames = (record_done or {}).get("frames")
    check("(d) recorder holds every event", rec_frames == last_seq,
          f"recorded {rec_frames} frames, engine's last seq {last_seq}")

    # ---- summary ------------------------------------------------------------------------------
    published = (engine_done or {}).get("events")
    wall = (engine_done or {}).get("wall_s")
    slow_codes, slow_how = {}, {}
    for c in events_log["slow_closes"]:
        slow_codes[str(c["code"])] = slow_codes.get(str(c["code"]), 0) + 1
        slow_how[c["how"]] = slow_how.get(c["how"], 0) + 1
    summary = {
        "started_utc": started_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "minutes": args.minutes, "run_s": round(run_end, 1), "warmup_s": warmup_s, "window_s": window_s,
        "host": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                 "loadavg_end": open("/proc/loadavg").read().split()[:3]},
        "config": config or "embedded config/default.toml", "rate_target": args.rate,
        "latency_channels": lat_channels, "nice": args.nice if os.geteuid() == 0 else None, "churners": args.churners, "slow_rate": args.slow_rate,
        "engine": {"events": published, "last_seq": last_seq, "wall_s": wall,
                   "events_per_s": round(published / wall, 1) if published and wall else None,
                   "done": engine_done},
        "recorder": record_done,
        "egress": {"committed_next_sequence": committed, "drain_s": round(drain_s, 1),
                   "messages_produced": total(e_final, "ringside_egress_messages_produced_total"),
                   "messages_failed": total(e_final, "ringside_egress_messages_failed_total"),
                   "dlq_messages": total(e_final, "ringside_egress_dlq_messages_total"),
                   "lost_frames": total(e_final, "ringside_egress_lost_frames_total")},
        "kafka": k,
        "gateway": {"slow_consumer_closes": total(g_final, "ringside_gateway_slow_consumer_closes_total"),
                    "connections_refused": total(g_final, "ringside_gateway_connections_refused_total"),
                    "clients_before_stop": total(g_before, "ringside_gateway_clients"),
                    "frames_sent": total(g_final, "ringside_gateway_frames_sent_total"),
                    "gap_notices": total(g_final, "ringside_gateway_gap_notices_total"),
                    "idle_timeouts": total(g_final, "ringside_gateway_idle_timeouts_total"),
                    "protocol_closes": total(g_final, "ringside_gateway_protocol_closes_total")},
        "clients": {k2: v.value for k2, v in counters.items()},
        "slow_client": {"closes": counters["slow_closes"].value, "closes_by_code": slow_codes,
                        "closes_seen_1008": counters["slow_1008"].value,
                        "kept_up": counters["slow_survived"].value, "endings": slow_how,
                        "first_closes": events_log["slow_closes"][:10]},
        "churn_errors_first": events_log["churn_errors"][:10],
        "latency_disconnects": events_log["lat_disconnects"][:10],
        "latency_spikes_over_100ms": events_log["spikes"],
        "gateway_slow_consumer_close_times": events_log["slow_close_times"],
        "memory": memory, "latency_windows": wins, "latency_compared": lat_detail,
        "progress": progress_rows, "assertions": results_list,
        "pass": all(r["pass"] for r in results_list),
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    with open(os.path.join(out, "latency.csv"), "w", newline="") as f:
        w = csv.writer(f)
        cols = ["window", "start_s", "end_s", "frames", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms",
                "event_time_p50_ms", "event_time_p99_ms", "gap_notices", "seq_jumps"]
        w.writerow(cols)
        for x in wins:
            w.writerow([x[c] for c in cols])
    if not args.keep_capture:
        for fn in os.listdir(out):
            if fn.startswith("events.rscap"):
                os.remove(os.path.join(out, fn))
    write_report(out, summary)

    log("\n== assertions")
    for r in results_list:
        log(f"{verdict(r)}  {r['assertion']}: {r['detail']}")
    log(f"\nreport: {out}/report.md; summary: {out}/summary.json")
    log("SOAK PASS" if summary["pass"] else "SOAK FAIL")
    return 0 if summary["pass"] else 1


def write_report(out, s):
    f = lambda v, d=1: "?" if v is None else f"{v:,.{d}f}"  # noqa: E731
    L = []
    L.append(f"# ringside soak, {s['started_utc']}: {'PASS' if s['pass'] else 'FAIL'}\n")
    L.append(f"{s['minutes']:g} min ({s['run_s']} s measured), warm-up {s['warmup_s']:.0f} s, latency windows of "
             f"{s['window_s']:.0f} s; {s['host']['cpus']} CPUs, kernel {s['host']['kernel']}, load average at the "
             f"end {' '.join(s['host']['loadavg_end'])}. Config: {s['config']}.\n")
    e = s["engine"]
    L.append(f"Engine: {f(e['events'], 0)} events in {f(e['wall_s'])} s = {f(e['events_per_s'], 0)} events/s "
             f"(realtime mode); last seq {f(e['last_seq'], 0)}.\n")
    L.append("## Assertions\n")
    L.append("| | assertion | detail |\n|---|---|---|")
    for r in s["assertions"]:
        L.append(f"| {verdict(r) if r['pass'] else '**FAIL**'} | {r['assertion']} | {r['detail']} |")
    L.append("\n## Memory (medians, MiB)\n")
    L.append("| process | private baseline | private last | growth | VmRSS baseline | VmRSS last | growth | peak VmHWM "
             "| slope, last half (MiB/min) | steps >= 2 MiB after warm-up (s: MiB) | asserted |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, m in s["memory"].items():
        mb = lambda v: "?" if v is None else f"{v / 1024:.1f}"  # noqa: E731
        L.append(f"| {n} | {mb(m['baseline_private_kB'])} | {mb(m['last_private_kB'])} | "
                 f"{f(m['growth_private_pct'])} % | {mb(m['baseline_VmRSS_kB'])} | {mb(m['last_VmRSS_kB'])} | "
                 f"{f(m['growth_VmRSS_pct'])} % | {mb(m['max_VmHWM_kB'])} | {f(m['slope_last_half_MiB_per_min'], 2)} | "
                 f"{', '.join(f'{a:.0f}: {b:+.1f}' for a, b in m['steps_after_warmup_MiB']) or '-'} | "
                 f"{'yes' if m['asserted'] else 'no'} |")
    L.append("\n## Latency, ring to steady client (receive time - publish_time_ns), per window\n")
    L.append("| window | s | frames | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | event-time p50 / p99 ms | load avg |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for w in s["latency_windows"]:
        L.append(f"| {w['window']} | {w['start_s']:.0f}-{w['end_s']:.0f} | {w['frames']:,} | {f(w['p50_ms'], 3)} | "
                 f"{f(w['p90_ms'], 3)} | {f(w['p99_ms'], 3)} | {f(w['p999_ms'], 3)} | {f(w['max_ms'], 3)} | "
                 f"{f(w['event_time_p50_ms'], 3)} / {f(w['event_time_p99_ms'], 3)} | {w.get('loadavg1', '?')} |")
    sp = s.get("latency_spikes_over_100ms", [])
    L.append(f"\nFrames over 100 ms (at most one per 100 ms; s since start: ms): "
             + (", ".join(f"{a:.1f}: {b:.0f}" for a, b in sp[:80]) if sp else "none")
             + (f" ... ({len(sp)} in all)" if len(sp) > 80 else ""))
    L.append("\nGateway slow-consumer closes (2 s samples of its counter; s since start: total): "
             + (", ".join(f"{a:.0f}: {b}" for a, b in s.get("gateway_slow_consumer_close_times", [])) or "none") + "\n")
    k = s["kafka"] or {}
    g = s["egress"]
    L.append("\n## Kafka\n")
    L.append(f"Egress: {f(g['messages_produced'], 0)} messages acknowledged, {f(g['messages_failed'], 0)} failed, "
             f"{f(g['dlq_messages'], 0)} dead letters, {f(g['lost_frames'], 0)} frames lost; committed "
             f"next_sequence {g['committed_next_sequence']} {g['drain_s']} s after the engine stopped. Consumer: "
             f"{f(k.get('messages'), 0)} raw.* messages, {f(k.get('distinct_seqs'), 0)} distinct seqs of "
             f"{f(k.get('last_seq'), 0)}, {f(k.get('missing'), 0)} missing, {f(k.get('duplicates'), 0)} duplicates.\n")
    c = s["clients"]
    sc = s["slow_client"]
    gw = s["gateway"]
    L.append("## Clients\n")
    L.append(f"Churn: {c['churn_connects']:,} connections, {c['churn_sub_ok']:,} subscribes acknowledged "
             f"({c['churn_sub_err']} refused), {c['churn_closes']:,} clean closes, {c['churn_errors']} errors, "
             f"{c['churn_msgs']:,} messages. Slow client: {c['slow_connects']} connections, {sc['closes']} closes "
             f"(close codes seen by the client: {sc['closes_by_code']}; endings: {sc['endings']}), {sc['kept_up']} "
             f"slow phases it survived; the gateway counted {f(gw['slow_consumer_closes'], 0)} slow-consumer (1008) "
             f"closes. Steady client: {c['lat_frames']:,} frames, {c['lat_disconnects']} disconnects, "
             f"{c['lat_gaps']} gaps. Gateway: {f(gw['frames_sent'], 0)} frames sent, {f(gw['gap_notices'], 0)} gap "
             f"notices, {f(gw['idle_timeouts'], 0)} idle timeouts, {f(gw['protocol_closes'], 0)} protocol closes.\n")
    L.append("Files: summary.json (everything), rss.csv (every 2 s), latency.csv, logs/.\n")
    with open(os.path.join(out, "report.md"), "w") as fh:
        fh.write("\n".join(L) + "\n")


if __name__ == "__main__":
    sys.exit(main())
