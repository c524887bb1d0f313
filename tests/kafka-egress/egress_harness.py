"""Shared pieces of the egress's process tests: real ringside-engine,
ringside-egress and ringside-kafka-mock processes, and real, independent Kafka
clients (kafka-python and kcat) reading what the egress produced.

Each test gets a ring directory of its own (RINGSIDE_SHM_DIR under /dev/shm), a
work directory (logs, state files) and loopback ports the kernel picks (the
mock's brokers; --metrics-listen 127.0.0.1:0). Every wait is bounded and every
child is killed when the test ends; the work directory of a failed test stays
for a look.

usage of a test script: SCRIPT BIN_DIR WORK_DIR [ARGS...]
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

# The seed's routing (kafka-egress/include/ringside/egress/topics.hpp).
TOPIC_OF = {
    "OrderPlaced": "raw.orders",
    "OrderCancelled": "raw.orders",
    "TradeExecuted": "raw.trades",
    "QuoteUpdate": "raw.quotes",
    "OrderBookSnapshot": "raw.orderbook-snapshots",
    "MarketStats": "raw.market-stats",
    "TradingHalt": "raw.trading-halts",
    "TradingResume": "raw.trading-halts",
    "AgentAction": "raw.agent-actions",
    # processors' records (seeds/003 section 3.1)
    "TradeAggregate": "analytics.trade-aggregates",
    "PriceAlert": "alerts.price-movement",
    "OrderBookMetrics": "analytics.orderbook",
    "EnrichedTrade": "enriched.trades",
    "OrderFlowImbalance": "analytics.ofi",
}
DLQ = "dlq.raw.failed"
PARTITIONS = {
    "raw.orders": 12, "raw.trades": 12, "raw.quotes": 12, "raw.orderbook-snapshots": 6,
    "raw.market-stats": 6, "raw.trading-halts": 3, "raw.agent-actions": 6, DLQ: 3,
    "analytics.trade-aggregates": 4, "alerts.price-movement": 2, "analytics.orderbook": 4,
    "enriched.trades": 4, "analytics.ofi": 4,
}
ANALYTICS_TOPICS = ["analytics.trade-aggregates", "alerts.price-movement", "analytics.orderbook",
                    "enriched.trades", "analytics.ofi"]
TOPICS = list(PARTITIONS)
EVENT_TOPICS = [t for t in TOPICS if t != DLQ]
# EventType values (core/include/ringside/core/enums.hpp; the FlatBuffers union tag).
EVENT_TYPES = ["OrderPlaced", "TradeExecuted", "QuoteUpdate", "OrderBookSnapshot", "TradingHalt",
               "TradingResume", "AgentAction", "MarketStats", "OrderCancelled"]

PYTHON = "/usr/bin/python3"

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from processes import Process, TestFailure, check, failure_line, note, report_failure, wait_for  # noqa: E402
from wire import parse_metrics  # noqa: E402




class Mock(Process):
    """ringside-kafka-mock: an embedded Kafka cluster with commands on stdin."""

    def command(self, text, timeout=10):
        """Sends one command; returns its reply line ("ok ..." or "error: ...")."""
        self.send(text)
        deadline = time.monotonic() + timeout
        while True:
            line = self.line(max(0.0, deadline - time.monotonic()))
            if line is None:
                raise TestFailure(f"kafka-mock did not answer {text!r} within {timeout} s; log:\n{self.log()}")
            if line.strip():  # the help text ends with an empty line
                return line


class Egress(Process):
    ready = None  # the {"event":"ready"} line

    @property
    def metrics_address(self):
        return self.ready["metrics"]


class Env:
    """One test's world: a ring directory, a work directory, its processes."""

    def __init__(self, bin_dir, work_dir, name):
        self.bin = os.path.abspath(bin_dir)
        os.makedirs(work_dir, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix=f"{name}-", dir=work_dir)
        self.rings = tempfile.mkdtemp(prefix="ringside-egress-test-", dir="/dev/shm")
        self.state_dir = os.path.join(self.work, "state")
        os.makedirs(self.state_dir)
        self.env = dict(os.environ, RINGSIDE_SHM_DIR=self.rings, RINGSIDE_HUGE_DIR=self.work,
                        RINGSIDE_STATE_DIR=self.state_dir)
        self.env.pop("STATE_DIRECTORY", None)
        self.processes = []
        self.counter = 0
        self.raw_lines = {}

    def path(self, name):
        return os.path.join(self.work, name)

    def start(self, argv, name, cls=Process, stdin=False):
        self.counter += 1
        p = cls(argv, self.env, name, self.path(f"{self.counter:02d}-{name}.log"), stdin=stdin)
        self.processes.append(p)
        return p

    def run(self, argv, timeout=30, check_rc=None):
        """Runs a command to completion: (rc, stdout, stderr)."""
        try:
            r = subprocess.run(argv, env=self.env, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"{' '.join(argv)} did not finish within {timeout} s") from None
        out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
        if check_rc is not None and r.returncode != check_rc:
            raise TestFailure(f"{' '.join(argv)} exited {r.returncode}, expected {check_rc}; stderr:\n{err[-3000:]}")
        return r.returncode, out, err

    # --- processes -------------------------------------------------------------

    def mock(self, *args, name="kafka-mock"):
        """Starts ringside-kafka-mock; returns it with .bootstrap from its first stdout line."""
        m = self.start([f"{self.bin}/ringside-kafka-mock", *args], name, cls=Mock, stdin=True)
        info = m.json_line(30, "bootstrap line")
        m.bootstrap = info["bootstrap"]
        m.brokers = info["brokers"]
        return m

    def engine(self, duration, *args, ring="events", mode="realtime", ring_mib=16, name="engine"):
        argv = [f"{self.bin}/ringside-engine", "--ring", ring, "--ring-mib", str(ring_mib), "--duration",
                str(duration), "--mode", mode, "--status-interval", "0", "--no-order-entry", "--backing", "shm", *args]
        return self.start(argv, name)

    def egress(self, brokers, *args, rings=("events",), state_dir=None, name="egress", wait_ready=True):
        """Starts ringside-egress against `brokers`; returns it once it printed its ready line."""
        argv = [f"{self.bin}/ringside-egress"]
        for r in rings:
            argv += ["--ring", r]
        argv += ["--brokers", brokers, "--state-dir", state_dir or self.state_dir, "--metrics-listen",
                 "127.0.0.1:0", *args]
        e = self.start(argv, name, cls=Egress)
        if wait_ready:
            e.ready = e.until_event("ready", 30)
            if not e.ready.get("metrics"):
                raise TestFailure(f"egress ready line has no metrics address: {e.ready}")
        return e

    def writer(self, ring, *args, name=None):
        """Starts egress-test-writer (tests/kafka-egress/egress_test_writer.cpp; built next to the
        other binaries, or named by $EGRESS_TEST_WRITER) on `ring`."""
        binary = os.environ.get("EGRESS_TEST_WRITER") or f"{self.bin}/egress-test-writer"
        if not os.access(binary, os.X_OK):
            raise TestFailure(f"{binary} is missing: build the egress-test-writer target")
        return self.start([binary, "--ring", ring, *args], name or f"writer-{ring}")

    def config(self, base="default", **simulation):
        """A copy of config/BASE.toml with [simulation] values replaced (snapshot_interval_ticks=10,
        ...); returns its path."""
        repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
        with open(os.path.join(repo, "config", f"{base}.toml")) as f:
            text = f.read()
        for key, value in simulation.items():
            text, n = re.subn(rf"^{key} = [^\n#]*", f"{key} = {value}", text, count=1, flags=re.M)
            if n != 1:
                raise TestFailure(f"config/{base}.toml has no '{key} = ' line")
        path = self.path(f"{base}-modified.toml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def wait_ring(self, ring="events", timeout=30):
        path = os.path.join(self.rings, ring)
        wait_for(lambda: os.path.exists(path), timeout, f"ring {ring} to appear")

    def finish(self, p, timeout, what):
        """Waits for a process to exit by itself; returns its status."""
        rc = p.wait(timeout)
        if rc is None:
            raise TestFailure(f"{what} ({p.name}) still running after {timeout} s; log:\n{p.log()}")
        return rc

    # --- the egress's state and metrics ---------------------------------------------

    def state_file(self, ring="events", state_dir=None):
        return os.path.join(state_dir or self.state_dir, f"egress-{ring}.state")

    def state(self, ring="events", state_dir=None):
        """The state file as a dict ({} if absent)."""
        try:
            with open(self.state_file(ring, state_dir)) as f:
                text = f.read()
        except FileNotFoundError:
            return {}
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                out[k] = int(v) if v.isdigit() else v
        return out

    def http(self, address, path, timeout=5):
        """(status, body) of a GET to http://ADDRESS/PATH."""
        try:
            with urllib.request.urlopen(f"http://{address}{path}", timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def metrics(self, egress):
        """/metrics as {'name{labels}': value}."""
        status, body = self.http(egress.metrics_address, "/metrics")
        if status != 200:
            raise TestFailure(f"GET /metrics: {status}")
        return parse_metrics(body)

    def wait_committed(self, egress, target, timeout=60, ring="events", state_dir=None):
        """Until the state file's next_sequence and /metrics' committed sequence reach target."""
        key = f'ringside_egress_committed_sequence{{ring="{ring}"}}'
        seen = {}

        def done():
            s = self.state(ring, state_dir).get("next_sequence", 0)
            m = self.metrics(egress).get(key, 0) if egress.alive() else 0
            seen.update(state=s, metric=m)
            return s >= target and m >= target

        try:
            wait_for(done, timeout, f"the egress to commit through seq {target - 1}", interval=0.1)
        except TestFailure as e:
            raise TestFailure(f"{e}: state file next_sequence {seen.get('state')}, metric {seen.get('metric')}") from None
        return seen

    # --- ground truth: the ring itself ------------------------------------------------

    def ring_events(self, ring="events"):
        """Every event in the ring, from the oldest, as the seed's JSON envelope with "seq"
        (`ringside tail --json --from oldest --exit-on-close`; call once the writer has
        stopped). Returns (events, stderr); the lines as printed land in self.raw_lines[ring][seq]."""
        rc, out, err = self.run([f"{self.bin}/ringside", "tail", ring, "--json", "--from", "oldest",
                                 "--exit-on-close"], timeout=60)
        if rc != 0:
            raise TestFailure(f"ringside tail exited {rc}: {err}")
        events = []
        self.raw_lines[ring] = {}
        for line in out.splitlines():
            d = json.loads(line)
            if "gap" in d:
                raise TestFailure(f"ringside tail reports a gap in the ring: {line}")
            events.append(d)
            self.raw_lines[ring][d["seq"]] = line
        return events, err

    def complete_ring(self, ring="events"):
        """ring_events() of a writer that has stopped, checked to hold seq 1..last with no
        gap: (events, last)."""
        events, _ = self.ring_events(ring)
        last = events[-1]["seq"] if events else 0
        check(bool(events) and events[0]["seq"] == 1 and len(events) == last, f"the ring holds seq 1..{last}")
        return events, last

    # --- Kafka, read back by independent clients -------------------------------------------

    def consume(self, bootstrap, topics=TOPICS, timeout=60):
        """Every message of `topics` with kafka-python (all partitions assigned, from the
        beginning to the end offsets taken at the start): {topic: [Message]}."""
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False,
                                 auto_offset_reset="earliest", consumer_timeout_ms=2000,
                                 request_timeout_ms=20000, api_version_auto_timeout_ms=10000,
                                 max_partition_fetch_bytes=4 << 20)
        try:
            parts = []
            for t in topics:
                p = consumer.partitions_for_topic(t)
                if not p:
                    p = wait_for(lambda: consumer.partitions_for_topic(t), 10, f"metadata of {t}")
                if len(p) != PARTITIONS[t]:
                    raise TestFailure(f"{t} has {len(p)} partitions, the seed's is {PARTITIONS[t]}")
                parts += [TopicPartition(t, i) for i in sorted(p)]
            consumer.assign(parts)
            consumer.seek_to_beginning(*parts)
            end = consumer.end_offsets(parts)
            out = {t: [] for t in topics}
            deadline = time.monotonic() + timeout
            position = {tp: 0 for tp in parts}
            while any(position[tp] < end[tp] for tp in parts):
                if time.monotonic() > deadline:
                    short = {f"{tp.topic}/{tp.partition}": (position[tp], end[tp]) for tp in parts
                             if position[tp] < end[tp]}
                    raise TestFailure(f"kafka-python: could not read to the end offsets within {timeout} s: {short}")
                batch = consumer.poll(timeout_ms=1000, max_records=10000)
                for tp, records in batch.items():
                    for r in records:
                        out[tp.topic].append(Message(tp.topic, tp.partition, r.offset, r.key, r.value, r.headers))
                        position[tp] = r.offset + 1
            return out
        finally:
            consumer.close()

    def kcat(self, bootstrap, topic, timeout=60):
        """Every message of `topic` with kcat: [(partition, offset, key, value size, {header: value})]."""
        rc, out, err = self.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                                 "-f", "%p\t%o\t%k\t%S\t%h\n"], timeout=timeout)
        if rc != 0:
            raise TestFailure(f"kcat -t {topic} exited {rc}: {err}")
        rows = []
        for line in out.splitlines():
            if not line:
                continue
            p, o, k, size, h = line.split("\t", 4)
            headers = {}
            for m in re.finditer(r"(?:^|,)(event_type|source|seq|ring|generation|original_topic|failure_reason)=([^,]*)", h):
                headers[m.group(1)] = m.group(2)
            rows.append((int(p), int(o), k, int(size), headers))
        return rows

    def close(self, keep_work=True):
        for p in reversed(self.processes):
            p.signal(signal.SIGCONT)
            p.signal(signal.SIGTERM)
        for p in reversed(self.processes):
            if p.wait(10) is None:
                p.kill()
            p.close()
        shutil.rmtree(self.rings, ignore_errors=True)
        if not keep_work:
            shutil.rmtree(self.work, ignore_errors=True)


class Message:
    """One Kafka record as kafka-python returned it."""

    __slots__ = ("topic", "partition", "offset", "key", "value", "headers")

    def __init__(self, topic, partition, offset, key, value, headers):
        self.topic, self.partition, self.offset = topic, partition, offset
        self.key, self.value = key, value
        self.headers = {k: (v.decode(errors="replace") if v is not None else None) for k, v in headers or []}

    @property
    def seq(self):
        return int(self.headers["seq"])

    def __repr__(self):
        return (f"<{self.topic}/{self.partition}@{self.offset} key={self.key!r} headers={self.headers} "
                f"value={self.value[:120]!r}>")


# --- FlatBuffers: a small reader for ringside.fb.Event (core/schema/events.fbs) ----------

def _u32(b, at):
    return int.from_bytes(b[at:at + 4], "little")


def fb_event(message):
    """(sequence, symbol, event type name, agent_id or None) of a FlatBuffers Event message,
    read by hand from the schema (root table: header struct, symbol string, body union);
    raises ValueError on a malformed buffer."""
    b = bytes(message)
    if len(b) < 16 or b[4:8] != b"RSEV":
        raise ValueError("no RSEV file identifier")
    root = _u32(b, 0)
    if root + 4 > len(b):
        raise ValueError("root offset outside the buffer")
    vtable = root - int.from_bytes(b[root:root + 4], "little", signed=True)
    if not 0 <= vtable < len(b) - 4:
        raise ValueError("vtable outside the buffer")
    vsize = int.from_bytes(b[vtable:vtable + 2], "little")

    def field(i):
        at = 4 + 2 * i
        return int.from_bytes(b[vtable + at:vtable + at + 2], "little") if at < vsize else 0

    f_header, f_symbol, f_type, f_body = field(0), field(1), field(2), field(3)
    if not (f_header and f_symbol and f_type and f_body):
        raise ValueError("a field of Event is absent")
    at = root + f_header
    sequence = int.from_bytes(b[at:at + 8], "little")
    s = root + f_symbol
    s += _u32(b, s)
    n = _u32(b, s)
    symbol = b[s + 4:s + 4 + n].decode()
    type_tag = b[root + f_type]
    if not 1 <= type_tag <= len(EVENT_TYPES):
        raise ValueError(f"union tag {type_tag}")
    name = EVENT_TYPES[type_tag - 1]
    agent = None
    if name == "AgentAction":
        body = root + f_body
        body += _u32(b, body)
        bv = body - int.from_bytes(b[body:body + 4], "little", signed=True)
        ff = int.from_bytes(b[bv + 4:bv + 6], "little")
        agent = _u32(b, body + ff)
    return sequence, symbol, name, agent


# --- checks shared by the tests ------------------------------------------------------


def seq_accounting(seqs, first, last):
    """(missing, duplicated {seq: copies}, outside) of a list of seqs against first..last."""
    counts = {}
    for s in seqs:
        counts[s] = counts.get(s, 0) + 1
    missing = [s for s in range(first, last + 1) if s not in counts]
    duplicated = {s: c for s, c in counts.items() if c > 1}
    outside = sorted(s for s in counts if s < first or s > last)
    return missing, duplicated, outside


def short(items, n=20):
    items = list(items)
    return f"{items[:n]}{' ...' if len(items) > n else ''} ({len(items)})"


def run(main):
    """Runs main(make_env, args); exits 0 on success, 1 with the children's logs on failure."""
    if len(sys.argv) < 3:
        print(f"usage: {sys.argv[0]} BIN_DIR WORK_DIR [ARGS...]", file=sys.stderr)
        sys.exit(2)
    bin_dir, work_dir = sys.argv[1], sys.argv[2]
    envs = []

    def make(name):
        e = Env(bin_dir, work_dir, name)
        envs.append(e)
        return e

    started = time.monotonic()
    failed = None
    try:
        main(make, sys.argv[3:])
    except Exception as e:  # noqa: BLE001 - every failure is reported with the children's logs
        failed = failure_line(e)
        traceback.print_exc()
        report_failure(failed, [p for e in envs for p in e.processes])
        for e in envs:
            print(f"--- work directory kept: {e.work}")
    finally:
        for e in envs:
            e.close(keep_work=failed is not None)
    elapsed = time.monotonic() - started
    print(f"FAILED in {elapsed:.1f} s: {failed}" if failed else f"PASSED in {elapsed:.1f} s", flush=True)
    sys.exit(1 if failed else 0)
