"""Shared pieces of the gateway's process tests: real ringside-engine and
ringside-gateway processes in a ring directory of the test's own, on a port the
kernel picks (--listen 127.0.0.1:0; the gateway prints it as its first stdout
line). Every wait is bounded and every child is killed when the test ends.
"""
import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

try:  # websockets >= 13 (the seed's import)
    from websockets.asyncio.client import connect as _connect
except ImportError:  # Debian bookworm ships 10.4
    from websockets.client import connect as _connect


def connect(uri, **kwargs):
    """websockets' connect with a short close_timeout. A client that stops reading
    while events stream cannot finish the closing handshake: its queue of unread
    messages (max_queue) is full, so it never reads the server's close frame and
    waits close_timeout (10 s by default, twice) before giving up. Nothing else
    differs from the seed's connect(uri)."""
    kwargs.setdefault("close_timeout", 1)
    return _connect(uri, **kwargs)

VALID_EVENT_TYPES = {
    "OrderPlaced", "TradeExecuted", "QuoteUpdate",
    "OrderBookSnapshot", "TradingHalt", "TradingResume",
    "AgentAction", "MarketStats", "OrderCancelled",
}


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from processes import Process, TestFailure, check, failure_line, report_failure  # noqa: E402,F401 - the gateway tests import them from here
from wire import fb_header, parse_metrics  # noqa: E402,F401 - fb_header too


class Env:
    """One test's world: a ring directory, a work directory, its processes."""

    def __init__(self, bin_dir, work_dir, name):
        self.bin = bin_dir
        self.work = tempfile.mkdtemp(prefix=f"{name}-", dir=work_dir)
        self.rings = tempfile.mkdtemp(prefix="ringside-gateway-test-", dir="/dev/shm")
        self.env = dict(os.environ, RINGSIDE_SHM_DIR=self.rings, RINGSIDE_HUGE_DIR=self.work)
        self.processes = []
        self.port = None

    def start(self, argv, name):
        p = Process(argv, self.env, name, os.path.join(self.work, f"{name}.log"))
        self.processes.append(p)
        return p

    def engine(self, *args, ring="events", config=None, name="engine"):
        argv = [f"{self.bin}/ringside-engine", "--ring", ring, "--ring-mib", "16", "--status-interval", "0",
                "--no-order-entry", *args]
        if config:
            argv += ["--config", config]
        return self.start(argv, name)

    def gateway(self, *args, name="gateway"):
        p = self.start([f"{self.bin}/ringside-gateway", "--listen", "127.0.0.1:0", *args], name)
        line = p.line(30)
        if line is None:
            raise TestFailure(f"gateway printed no listening line; log:\n{p.log()}")
        info = json.loads(line)
        self.port = info["port"]
        p.port = info["port"]
        return p

    def config(self, base="default", **simulation):
        """A copy of config/BASE.toml with [simulation] values replaced (tick_interval_ms=5, ...)
        and optionally [data_quality] (data_quality={"enabled": "true", ...}); returns its path."""
        import re
        quality = simulation.pop("data_quality", {})
        repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
        with open(os.path.join(repo, "config", f"{base}.toml")) as f:
            text = f.read()
        for key, value in list(simulation.items()) + list(quality.items()):
            text, n = re.subn(rf"^{key} = [^\n#]*", f"{key} = {value}", text, count=1, flags=re.M)
            if n != 1:
                raise TestFailure(f"config/{base}.toml has no '{key} = ' line")
        path = os.path.join(self.work, f"{base}-modified.toml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def ring_positions(self, ring="events"):
        """(write_position, capacity) from the ring file's header (shm/layout.hpp)."""
        with open(os.path.join(self.rings, ring), "rb") as f:
            header = f.read(256)
        capacity = int.from_bytes(header[16:24], "little")
        write_position = int.from_bytes(header[192:200], "little")
        return write_position, capacity

    def url(self, path="/", port=None):
        return f"ws://127.0.0.1:{port or self.port}{path}"

    def http(self, path, port=None, headers=None, timeout=10):
        """(status, body) of a GET."""
        req = urllib.request.Request(f"http://127.0.0.1:{port or self.port}{path}", headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def wait_attached(self, timeout=30, port=None, rings=1):
        """Until /healthz says every ring is attached and has frames."""
        deadline = time.monotonic() + timeout
        body = ""
        while time.monotonic() < deadline:
            try:
                status, body = self.http("/healthz", port=port)
                h = json.loads(body)
                if status == 200 and all(r["last_seq"] > 0 for r in h["rings"]):
                    return h
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise TestFailure(f"the gateway never reported its rings attached: {body}")

    def metrics(self, port=None):
        status, body = self.http("/metrics", port=port)
        if status != 200:
            raise TestFailure(f"GET /metrics: {status}")
        return parse_metrics(body)

    def close(self, keep_work=True):
        for p in reversed(self.processes):
            p.signal(signal.SIGCONT)  # a test may have frozen it
            p.signal(signal.SIGTERM)
        for p in reversed(self.processes):
            if p.wait(10) is None:
                p.kill()
            else:
                p.stderr.close()
        shutil.rmtree(self.rings, ignore_errors=True)
        if not keep_work:
            shutil.rmtree(self.work, ignore_errors=True)


def run(main):
    """Runs main(env_factory) and exits 0 on success, 1 with the logs on failure."""
    bin_dir, work_dir = sys.argv[1], sys.argv[2]
    envs = []

    def make(name):
        e = Env(bin_dir, work_dir, name)
        envs.append(e)
        return e

    failed = None
    try:
        result = main(make, sys.argv[3:])
        if asyncio.iscoroutine(result):
            asyncio.run(asyncio.wait_for(result, 240))
    except Exception as e:  # noqa: BLE001 - every failure is reported with the children's logs
        failed = failure_line(e)
        traceback.print_exc()
        report_failure(failed, [p for e in envs for p in e.processes])
    finally:
        for e in envs:
            e.close(keep_work=failed is not None)  # the logs of a failed test stay for a look
    print(f"FAILED: {failed}" if failed else "PASSED", flush=True)
    sys.exit(1 if failed else 0)


def raw_connect(port, path="/", headers=None, timeout=10):
    """A WebSocket handshake on a plain socket, for tests that break the protocol
    or stop reading. Returns (socket, status line, response headers text)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = s.recv(1)
        if not chunk:
            break
        response += chunk
    text = response.decode(errors="replace")
    return s, text.split("\r\n", 1)[0], text


def client_frame(opcode, payload, mask=True, fin=True):
    """One client-to-server frame (masked unless told otherwise)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mask_bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mask_bit | n])
    elif n < 65536:
        head += bytes([mask_bit | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([mask_bit | 127]) + n.to_bytes(8, "big")
    if not mask:
        return head + payload
    key = b"\x11\x22\x33\x44"
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def read_frame(s):
    """(opcode, payload) of the next server frame; None at EOF."""
    def exact(n):
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data
    head = exact(2)
    if head is None:
        return None
    opcode = head[0] & 0x0F
    n = head[1] & 0x7F
    if head[1] & 0x80:
        raise TestFailure("the server sent a masked frame")
    if n == 126:
        n = int.from_bytes(exact(2), "big")
    elif n == 127:
        n = int.from_bytes(exact(8), "big")
    payload = exact(n) if n else b""
    return opcode, payload


def read_until_close(s, limit=10_000_000):
    """Reads frames until a close frame; returns (close code, reason, data frames seen)."""
    frames = 0
    while frames < limit:
        f = read_frame(s)
        if f is None:
            return None, None, frames
        opcode, payload = f
        if opcode == 0x8:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            return code, payload[2:].decode(errors="replace"), frames
        frames += 1
    return None, None, frames


async def request(ws, message):
    """Sends a control message (a dict, or text as is); returns the reply carrying
    an "id", skipping events and binary frames that arrive first."""
    await ws.send(json.dumps(message) if isinstance(message, dict) else message)
    while True:
        m = await asyncio.wait_for(ws.recv(), 10)
        if isinstance(m, bytes):
            continue
        reply = json.loads(m)
        if "id" in reply:
            return reply
