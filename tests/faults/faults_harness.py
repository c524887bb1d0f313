"""Shared pieces of the fault-injection tests (tests/faults/README.md): the whole
pipeline as real processes under load, in a ring directory of the test's own
(RINGSIDE_SHM_DIR under /dev/shm), with a ringside-kafka-mock cluster and
python3-websockets clients of the gateway. Built on the egress tests' Env
(tests/kafka-egress/egress_harness.py: processes, the mock, state file, metrics,
bounded waits, logs kept on failure) and tests/common/processes.py.

usage of a test script: SCRIPT BIN_DIR WORK_DIR [--long]
(--long, or RINGSIDE_FAULTS_LONG=1: more load and longer phases, for manual runs)
"""
import asyncio
import json
import os
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kafka-egress"))
sys.path.insert(0, os.path.join(HERE, "..", "gateway"))
import egress_harness  # noqa: E402
from egress_harness import (DLQ, EVENT_TOPICS, PARTITIONS, TestFailure, check, note, seq_accounting,  # noqa: E402,F401
                            short, wait_for)
from harness import connect  # noqa: E402  (tests/gateway/harness.py: websockets' connect, short close_timeout)

SKIP = 77  # ctest SKIP_RETURN_CODE


def long_mode(args):
    return "--long" in args or os.environ.get("RINGSIDE_FAULTS_LONG") == "1"


class Load:
    """How hard and how long: the CI form (each test well under a minute on a loaded
    2-core machine) or --long."""

    def __init__(self, args):
        self.long = long_mode(args)
        # Agents x scale and a 10 ms tick: about 3,000 events/s per unit of scale here
        # (the default config: about 3,200/s).
        self.scale = 10 if self.long else 4
        self.phase = 15.0 if self.long else 2.5   # seconds of load between two injections
        self.outage = 20.0 if self.long else 6.0  # broker outage
        # The mock keeps only a few MB per partition: topics get this many times the
        # seed's partitions (tests create them on a --no-topics mock).
        self.partition_factor = 16 if self.long else 4

    def ring_mib(self, base):
        """A ring size for this load: with --long (2.5x the events/s) 4x as large, so the
        ring does not wrap before the readers started with the engine have attached
        (they find a new ring by polling; a lossless reader guards frames only from
        its attach on)."""
        return base * 4 if self.long else base


class FaultEnv(egress_harness.Env):
    """egress_harness.Env plus the rest of the pipeline: proc, recorder, gateway, clients."""

    def __init__(self, bin_dir, work_dir, name):
        super().__init__(bin_dir, work_dir, name)
        self.clients = []

    # --- the pipeline ------------------------------------------------------------------

    def load_config(self, scale):
        base = {"retail_traders": 200, "institutional_investors": 5, "market_makers": 10, "hft_traders": 15,
                "noise_traders": 20, "informed_traders": 8}
        return self.config(tick_interval_ms=10, snapshot_interval_ticks=100, stats_interval_ticks=100,
                           **{k: v * scale for k, v in base.items()})

    def mock_with_topics(self, load):
        """The embedded Kafka with every event topic and the DLQ made up front, with
        load.partition_factor times the seed's partitions: the mock keeps only a few
        MB per partition, and the tests read every topic back at the end."""
        mock = self.mock("--no-topics")
        for topic in EVENT_TOPICS + [DLQ]:
            n = PARTITIONS[topic] * load.partition_factor
            reply = mock.command(f"topic {topic} {n}")
            check(reply.startswith("ok"), f"kafka-mock: topic {topic} {n} -> {reply!r}")
        return mock

    def pipeline_engine(self, config, ring_mib=16, name="engine", seed=1):
        """ringside-engine until stopped (--duration 0), the load config, /dev/shm backing."""
        argv = [f"{self.bin}/ringside-engine", "--config", config, "--ring", "events", "--ring-mib", str(ring_mib),
                "--duration", "0", "--seed", str(seed), "--status-interval", "1", "--no-order-entry",
                "--backing", "shm"]
        return self.start(argv, name)

    def proc(self, name="proc"):
        return self.start([f"{self.bin}/ringside-proc", "--ring", "events", "--wait", "60", "--job",
                           "aggregates,alerts,book,enrich,ofi", "--out", "analytics", "--status-interval", "1"], name)

    def recorder(self, file, name="recorder"):
        return self.start([f"{self.bin}/ringside", "record", "events", self.path(file), "--wait",
                           "--progress-interval", "1"], name)

    def gateway(self, name="gateway"):
        g = self.start([f"{self.bin}/ringside-gateway", "--ring", "events", "--listen", "127.0.0.1:0",
                        "--queue-max-messages", str(1 << 21), "--queue-max-bytes", str(512 << 20)], name)
        line = g.line(30)
        if line is None:
            raise TestFailure(f"gateway printed no listening line; log:\n{g.log()}")
        g.port = json.loads(line)["port"]
        return g

    def healthz(self, gateway):
        status, body = self.http(f"127.0.0.1:{gateway.port}", "/healthz")
        try:
            return status, json.loads(body)
        except ValueError:
            return status, {}

    def wait_gateway_attached(self, gateway, generation, timeout=60):
        def ok():
            _, h = self.healthz(gateway)
            rings = h.get("rings") or [{}]
            r = rings[0]
            return r.get("state") == "attached" and r.get("generation") == generation and r.get("last_seq", 0) > 0
        wait_for(ok, timeout, f"{gateway.name} attached to generation {generation}", interval=0.1)

    def inspect(self, ring="events", tries=5):
        """`ringside inspect RING --json` (retried a few times: a ring being replaced by a
        new generation can be caught mid-rename)."""
        for attempt in range(tries):
            rc, out, err = self.run([f"{self.bin}/ringside", "inspect", ring, "--json", "--interval", "0"],
                                    timeout=30)
            if rc == 0:
                return json.loads(out)
            time.sleep(0.2)
        raise TestFailure(f"ringside inspect {ring} exited {rc}: {err}")

    def slot(self, info, name, pid=None):
        for r in info["readers"]:
            if r["name"] == name and (pid is None or r["pid"] == pid):
                return r
        return None

    def client(self, gateway, name, subscribe):
        c = WsClient(gateway.port, name, subscribe)
        self.clients.append(c)
        c.wait_subscribed(30)
        return c

    def log_has(self, p, text, timeout=30):
        wait_for(lambda: text in p.log(1 << 24), timeout, f"{p.name} to log {text!r}", interval=0.1)
        return True

    # --- ground truth and what arrived ------------------------------------------------------

    def export(self, files, expect_rc=(0,)):
        """`ringside export FILE... --format ndjson`: ([(seq, event_type, symbol)] in file order,
        stderr, rc)."""
        rc, out, err = self.run([f"{self.bin}/ringside", "export", *[self.path(f) for f in files], "--format",
                                 "ndjson"], timeout=240)
        if rc not in expect_rc:
            raise TestFailure(f"ringside export {files} exited {rc} (expected {expect_rc}); stderr:\n{err[-3000:]}")
        rows = []
        for line in out.splitlines():
            d = json.loads(line)
            rows.append((d["seq"], d["event_type"], (d.get("data") or {}).get("symbol")))
        return rows, err, rc

    def kafka_seqs(self, bootstrap):
        """{generation: [seq, ...]} of every message in the event topics (kcat, by the seq
        and generation headers), and the DLQ's message count."""
        out = {}
        for topic in EVENT_TOPICS:
            rc, text, err = self.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                                      "-f", "%h\n"], timeout=240)
            if rc != 0:
                raise TestFailure(f"kcat -t {topic} exited {rc}: {err}")
            for line in text.splitlines():
                seq = re.search(r"(?:^|,)seq=(\d+)", line)
                gen = re.search(r"(?:^|,)generation=(\d+)", line)
                if not seq or not gen:
                    raise TestFailure(f"{topic}: a message without seq/generation headers: {line!r}")
                out.setdefault(int(gen.group(1)), []).append(int(seq.group(1)))
        rc, text, _ = self.run(["kcat", "-C", "-b", bootstrap, "-t", DLQ, "-o", "beginning", "-e", "-q", "-f",
                                "%o\n"], timeout=60)
        return out, len([t for t in text.splitlines() if t.strip()])

    def close(self, keep_work=True):
        for c in self.clients:
            c.stop()
        super().close(keep_work)


class WsClient:
    """A python3-websockets client of the gateway in a thread of its own: subscribes,
    then keeps every message it receives (JSON) until the connection ends or stop()."""

    def __init__(self, port, name, subscribe):
        self.port, self.name, self.subscribe = port, name, subscribe
        self.messages = []   # after the subscription's reply
        self.subscribed = False
        self.ended = None    # why the connection ended
        self.stopping = False
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self.thread.start()

    async def _main(self):
        try:
            async with connect(f"ws://127.0.0.1:{self.port}/", max_size=None, max_queue=None) as ws:
                await ws.send(json.dumps({"id": 1, "op": "subscribe", **self.subscribe}))
                while not self.stopping:
                    try:
                        text = await asyncio.wait_for(ws.recv(), 0.3)
                    except asyncio.TimeoutError:
                        continue
                    m = json.loads(text)
                    if not self.subscribed:
                        if m.get("id") == 1:
                            if not m.get("ok"):
                                self.ended = f"subscribe refused: {m}"
                                return
                            self.subscribed = True
                        continue  # events of the default subscription, before ours applied
                    self.messages.append(m)
            self.ended = "stopped"
        except Exception as e:  # noqa: BLE001 - the reason is what the test checks
            self.ended = f"{type(e).__name__}: {e}"

    def wait_subscribed(self, timeout):
        wait_for(lambda: self.subscribed or self.ended, timeout, f"client {self.name} subscribed")
        if not self.subscribed:
            raise TestFailure(f"client {self.name}: {self.ended}")

    def stop(self):
        self.stopping = True
        self.thread.join(5)

    def events(self):
        return [m for m in self.messages if "event_type" in m and "seq" in m]

    def segments(self, generation):
        """The stream cut at each new generation: [{generation, seqs, gaps [(from, to, missed)]}]."""
        segs = [{"generation": generation, "seqs": [], "gaps": [], "from_start": False}]
        for m in list(self.messages):
            if m.get("type") == "ring" and m.get("state") == "attached":
                segs.append({"generation": m["generation"], "seqs": [], "gaps": [], "from_start": True})
            elif m.get("type") == "gap":
                segs[-1]["gaps"].append((m["from"], m["to"], m["missed"]))
            elif "event_type" in m and "seq" in m:
                segs[-1]["seqs"].append(m["seq"])
        return segs


def check_client_stream(client, generation, truth, wanted):
    """Every event the client got is in order, and between its first and last one of a
    generation it got every event of its subscription (wanted(event_type, symbol)) the
    engine published, except inside the gaps it was told about. Returns the gaps."""
    all_gaps = []
    for seg in client.segments(generation):
        seqs, gaps, g = seg["seqs"], seg["gaps"], seg["generation"]
        for f, t, missed in gaps:
            if missed != t - f + 1:
                raise TestFailure(f"client {client.name}: gap {f}..{t} says missed {missed}")
        if not seqs:
            continue
        check(all(a < b for a, b in zip(seqs, seqs[1:])),
              f"client {client.name}, generation {g}: {len(seqs)} events in increasing seq order")
        known = truth.get(g, {})
        # A generation the client saw begin (a 'ring' notice): from its first event on.
        lo, hi = (1 if seg["from_start"] else seqs[0]), seqs[-1]
        expected = [s for s in range(lo, hi + 1) if s in known and wanted(*known[s])
                    and not any(f <= s <= t for f, t, _ in gaps)]
        got = set(seqs)
        missing = [s for s in expected if s not in got]
        extra = [s for s in seqs if s not in known or not wanted(*known[s])]
        check(not missing and not extra,
              f"client {client.name}, generation {g}: seq {lo}..{hi}: every event of its subscription arrived "
              f"except inside the {len(gaps)} reported gap(s) {gaps} (missing {short(missing)}, "
              f"unexpected {short(extra)})")
        all_gaps += gaps
    return all_gaps


def check_alive(processes, what):
    """Every process of `processes` (a list, or a dict role -> process) still running."""
    named = processes.items() if isinstance(processes, dict) else ((p.name, p) for p in processes)
    dead = {name: p.proc.poll() for name, p in named if not p.alive()}
    check(not dead, f"{what}: every process alive {dead or ''}")


def exited_by_signal(rc):
    return rc is not None and rc < 0


def run(main):
    """egress_harness.run with FaultEnv."""
    egress_harness.Env = FaultEnv
    egress_harness.run(main)
