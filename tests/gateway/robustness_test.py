#!/usr/bin/python3
"""Slow clients, heartbeats and timeouts, limits, bad input, protocol
violations, authentication, the HTTP endpoints and data-quality injection,
each against a real engine and gateway, with python3-websockets clients and raw
sockets where a test must break the protocol or stop reading.

usage: robustness_test.py BIN_DIR WORK_DIR SCENARIO
  slow_client | heartbeat_idle | limits | bad_input | protocol | auth | http | data_quality | engine_restart | command_line
"""
import asyncio
import json
import os
import socket
import time
import urllib.error
import urllib.request

from harness import (VALID_EVENT_TYPES, check, client_frame, connect, fb_header, raw_connect, read_frame,
                     read_until_close, request, run)

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../config/test.toml")


async def until(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def read_all(ws, into):
    try:
        async for message in ws:
            into.append(message)
    except Exception:  # noqa: BLE001 - ends with the connection
        pass


# ---- slow consumers --------------------------------------------------------------

async def slow_client(env):
    healthy = await connect(env.url(), max_size=None)
    check((await request(healthy, {"id": 1, "op": "subscribe", "channels": ["QuoteUpdate"], "symbols": ["AAPL"]}))["ok"],
          "a healthy client subscribes to AAPL quotes")
    got = []
    reader = asyncio.create_task(read_all(healthy, got))

    # A client that takes everything and never reads: small receive buffer, no recv().
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", env.port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    await until(lambda: env.metrics().get("ringside_gateway_slow_consumer_closes_total", 0) >= 1,
                "the slow consumer to be closed")
    # Now read: whatever was in flight, then the close frame.
    response = b""
    while b"\r\n\r\n" not in response:
        response += s.recv(1)
    check(response.startswith(b"HTTP/1.1 101"), "the slow client had been accepted")
    code, reason, frames = read_until_close(s)
    check(code == 1008, f"the slow client is closed with 1008 after {frames} frames (got {code})")
    check("slow consumer" in reason, f"with a reason: '{reason}'")
    s.close()

    # A client that never reads again is cut after close_timeout (its close frame
    # cannot even be written).
    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(("127.0.0.1", env.port))
    stuck.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    await until(lambda: env.metrics().get("ringside_gateway_slow_consumer_closes_total", 0) >= 2,
                "the second slow consumer to be closed")
    await until(lambda: env.metrics()["ringside_gateway_clients"] == 1, "the stuck client to be cut", timeout=30)
    check(True, "a client that never reads is cut after the close timeout")
    stuck.close()

    # The healthy client never noticed: no gap, no close, its quotes keep coming.
    n = len(got)
    await until(lambda: len(got) > n + 5, "more quotes for the healthy client")
    messages = [json.loads(m) for m in got]
    check(not any(m.get("type") == "gap" for m in messages), "the healthy client saw no gap")
    check(all(m["data"]["symbol"] == "AAPL" for m in messages if "event_type" in m), "and only its AAPL quotes")
    m = env.metrics()
    check(m['ringside_gateway_ring_missed_frames_total{ring="events"}'] == 0,
          "the ring reader was never held back (nothing missed)")
    check(m["ringside_gateway_clients"] == 1, "only the healthy client is left")
    check(m["ringside_gateway_frames_sent_total"] > m["ringside_gateway_writes_total"],
          "writes are coalesced: more frames than socket writes")
    reader.cancel()
    await healthy.close()


# ---- heartbeats, ping/pong, idle timeout --------------------------------------------------

async def heartbeat_idle(env):
    ws = await connect(env.url())
    check((await request(ws, {"id": 1, "op": "subscribe", "channels": ["TradingHalt"]}))["ok"],
          "subscribed to a quiet channel")
    beats = []
    deadline = time.monotonic() + 20
    while len(beats) < 3:
        assert time.monotonic() < deadline, "no heartbeats"
        m = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if m.get("type") == "heartbeat":
            beats.append(m)
    check(all(b["ring"] == "events" and b["seq"] > 0 and b["time"].endswith("Z") for b in beats),
          f"heartbeats on an idle subscription: {beats[0]}")
    check(beats[0]["seq"] <= beats[-1]["seq"], "they carry the ring sequence")
    pong = await ws.ping()
    await asyncio.wait_for(pong, 5)
    check(True, "a WebSocket ping is answered with a pong")
    # The idle timeout is 1.5 s; a client that answers the gateway's pings stays.
    await asyncio.sleep(4)
    check(ws.open, "a client that answers pings outlives the idle timeout")
    await ws.close()

    # A client that answers nothing is pinged, then cut at the idle timeout.
    s, status, _ = raw_connect(env.port)
    check(status.startswith("HTTP/1.1 101"), "raw client accepted")
    s.sendall(client_frame(0x1, json.dumps({"id": 1, "op": "unsubscribe"}).encode()))
    s.settimeout(10)
    started = time.monotonic()
    opcodes = []
    while True:
        f = read_frame(s)
        if f is None:
            break
        opcodes.append(f[0])
    waited = time.monotonic() - started
    check(0x9 in opcodes, "the silent client was pinged")
    check(1.0 < waited < 8, f"and disconnected after the idle timeout ({waited:.1f} s)")
    s.close()
    await until(lambda: env.metrics()["ringside_gateway_idle_timeouts_total"] >= 1, "the idle timeout count")
    check(True, "idle timeouts are counted")


# ---- limits and bad input -------------------------------------------------------------------

async def limits(env):
    open_clients = [await connect(env.url()) for _ in range(3)]
    check(True, "three clients connect (max_connections = 3)")
    try:
        extra = await connect(env.url())
        await extra.close()
        raise AssertionError("a fourth connection was accepted")
    except Exception as e:  # noqa: BLE001 - websockets' InvalidStatusCode
        check("503" in str(e), f"the fourth is refused with HTTP 503 ({e})")
    status, _ = env.http("/healthz")
    check(status == 503, "plain HTTP counts as a connection too: 503 while full")
    await open_clients.pop().close()
    await asyncio.sleep(0.3)
    again = await connect(env.url())
    check(True, "after one leaves, a new client gets in")
    open_clients.append(again)
    for c in open_clients:
        await c.close()
    await asyncio.sleep(0.3)
    m = env.metrics()
    check(m['ringside_gateway_connections_refused_total{reason="limit"}'] >= 2, "refusals are counted")

    # Rate limit: burst 5, 5 per second.
    ws = await connect(env.url())
    await request(ws, {"id": 0, "op": "unsubscribe"})
    for i in range(20):
        await ws.send(json.dumps({"id": i + 1, "op": "ping"}))
    replies = []
    while len(replies) < 20:
        replies.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
    limited = [r for r in replies if r.get("error", {}).get("code") == "rate_limited"]
    check(4 <= 20 - len(limited) <= 7 and limited, f"{len(limited)} of 20 quick messages are rate limited")
    await asyncio.sleep(1.2)
    check((await request(ws, {"id": 99, "op": "ping"}))["ok"], "the budget refills: the connection stays usable")
    await ws.close()


async def bad_input(env):
    ws = await connect(env.url(), max_size=None)
    await request(ws, {"id": 0, "op": "unsubscribe"})
    cases = [
        ("not json at all", "invalid_json"),
        ('{"id": 1, "op": "subscribe", "channels": ["Nope"]}', "unknown_channel"),
        ('{"id": 2, "op": "subscribe", "channels": ["book"], "symbols": ["ZZZZ"]}', "unknown_symbol"),
        (json.dumps({"id": 3, "op": "ping", "pad": "x" * 5000}), "message_too_large"),
        (b'{"id": 4, "op": "ping"}', "binary_not_supported"),
    ]
    for message, code in cases:
        reply = await request(ws, message)
        check(reply.get("error", {}).get("code") == code, f"{str(message)[:30]!r}... -> {code}")
    check((await request(ws, {"id": 5, "op": "ping"}))["ok"], "the connection stays open after bad input")
    # Beyond the hard limit (64 KiB): closed with 1009.
    await ws.send("x" * 70000)
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    except Exception:  # noqa: BLE001 - ConnectionClosed
        pass
    check(ws.close_code == 1009, f"a message over the hard limit closes with 1009 (got {ws.close_code})")


# ---- RFC 6455 violations (Beast's checks) -------------------------------------------------------

async def protocol(env):
    cases = [
        ("an unmasked client frame", client_frame(0x1, b'{"op":"ping"}', mask=False), 1002),
        ("a reserved opcode", client_frame(0x3, b"x"), 1002),
        ("invalid UTF-8 in a text frame", client_frame(0x1, b"\xff\xfe\xfd"), 1007),
        ("a close code that may not be sent (1005)", client_frame(0x8, (1005).to_bytes(2, "big")), 1002),
        ("a close code out of range (999)", client_frame(0x8, (999).to_bytes(2, "big")), 1002),
        ("a fragmented ping", client_frame(0x9, b"p", fin=False), 1002),
        ("a continuation frame with nothing to continue", client_frame(0x0, b"x"), 1002),
    ]
    for what, frame, expected in cases:
        s, status, _ = raw_connect(env.port)
        check(status.startswith("HTTP/1.1 101"), f"accepted before {what}")
        s.sendall(client_frame(0x1, json.dumps({"id": 1, "op": "unsubscribe"}).encode()))
        s.sendall(frame)
        code, reason, _ = read_until_close(s)
        check(code == expected, f"{what}: closed with {expected} (got {code}, '{reason}')")
        s.close()
    # A clean close is answered with the same code.
    s, _, _ = raw_connect(env.port)
    s.sendall(client_frame(0x8, (1000).to_bytes(2, "big") + b"bye"))
    code, _, _ = read_until_close(s)
    check(code == 1000, "a normal close is echoed")
    s.close()
    await until(lambda: env.metrics()["ringside_gateway_protocol_closes_total"] >= len(cases), "protocol closes")
    check(True, "protocol violations are counted")
    # Not a WebSocket at all: a request the HTTP parser refuses.
    s = socket.create_connection(("127.0.0.1", env.port), timeout=10)
    s.sendall(b"\x00\x01garbage\r\n\r\n")
    s.settimeout(10)
    check(s.recv(100) == b"", "garbage instead of HTTP: the connection is closed, the gateway lives on")
    s.close()
    status, _ = env.http("/healthz")
    check(status == 200, "still healthy")


# ---- bearer token and Origin allow-list ---------------------------------------------------------

async def auth(env):
    try:
        await connect(env.url())
        raise AssertionError("accepted without a token")
    except Exception as e:  # noqa: BLE001
        check("401" in str(e), f"no token: 401 ({e})")
    ws = await connect(env.url(), extra_headers={"Authorization": "Bearer s3cret"})
    check(json.loads(await asyncio.wait_for(ws.recv(), 10))["event_type"] in VALID_EVENT_TYPES,
          "Authorization: Bearer works")
    await ws.close()
    ws = await connect(env.url("/?token=s3cret"))
    check(True, "?token= works (browsers cannot set headers)")
    await ws.close()
    try:
        await connect(env.url("/?token=wrong"))
        raise AssertionError("accepted a wrong token")
    except Exception as e:  # noqa: BLE001
        check("401" in str(e), "a wrong token: 401")
    try:
        await connect(env.url("/?token=s3cret"), origin="http://evil.example")
        raise AssertionError("accepted a foreign Origin")
    except Exception as e:  # noqa: BLE001
        check("403" in str(e), f"an Origin not on the list: 403 ({e})")
    ws = await connect(env.url("/?token=s3cret"), origin="http://dashboard.example")
    check(True, "an allowed Origin is accepted")
    await ws.close()
    check(env.http("/metrics")[0] == 401, "/metrics needs the token")
    check(env.http("/metrics", headers={"Authorization": "Bearer s3cret"})[0] == 200, "/metrics with the token")
    check(env.http("/?token=s3cret")[0] == 200, "the dashboard with ?token=")
    check(env.http("/healthz")[0] == 200, "/healthz needs none")
    status, body = env.http("/metrics", headers={"Authorization": "Bearer s3cret"})
    check('reason="token"} 3' in body and 'reason="origin"} 1' in body, "refusals are counted by reason")


# ---- HTTP on the same port ----------------------------------------------------------------------

async def http(env):
    status, body = env.http("/healthz")
    h = json.loads(body)
    check(status == 200 and h["status"] == "ok" and h["rings"][0]["state"] == "attached", f"/healthz: {body.strip()}")
    status, body = env.http("/metrics")
    check(status == 200, "/metrics answers")
    types = {}
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
        elif line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            assert name in types, f"{name} has no TYPE line"
            float(line.rsplit(" ", 1)[1])
    for name in ["ringside_gateway_clients", "ringside_gateway_frames_sent_total", "ringside_gateway_bytes_sent_total",
                 "ringside_gateway_slow_consumer_closes_total", "ringside_gateway_queue_bytes",
                 "ringside_gateway_ring_lag_frames", "ringside_gateway_ring_missed_frames_total"]:
        check(name in types, f"/metrics has {name} ({types.get(name)})")
    status, page = env.http("/")
    check(status == 200 and page.lstrip().lower().startswith("<!doctype html>"), "GET / serves the dashboard")
    for external in ('src="http', "src='http", 'href="http', "href='http", "@import", "url(http"):
        check(external not in page, f"the dashboard loads nothing external ({external})")
    check(env.http("/nope")[0] == 404, "unknown paths: 404")
    req_status = None
    try:
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{env.port}/metrics", data=b"x",
                                                      method="POST"), timeout=10)
    except urllib.error.HTTPError as e:
        req_status = e.code
    check(req_status == 405, "POST: 405")


# ---- data-quality injection ----------------------------------------------------------------------

async def data_quality(env):
    text = await connect(env.url(), max_size=None)
    binary = await connect(env.url("/?format=flatbuffers"), max_size=None)
    got_text, got_binary = [], []
    tasks = [asyncio.create_task(read_all(text, got_text)), asyncio.create_task(read_all(binary, got_binary))]
    await until(lambda: len(got_text) >= 30000 and len(got_binary) >= 30000, "30,000 events on both", timeout=120)
    for t in tasks:
        t.cancel()
    seqs = [json.loads(m)["seq"] for m in got_text[:30000]]
    first, last = seqs[0], seqs[-1]
    seen, duplicates, late, high = set(), 0, 0, 0
    for s in seqs:
        if s in seen:
            duplicates += 1
        elif s < high:
            late += 1
        seen.add(s)
        high = max(high, s)
    missing = sum(1 for s in range(first, last) if s not in seen)
    span = last - first
    check(abs(duplicates / span - 0.03) < 0.01, f"duplicates: {duplicates} of {span} (rate 0.03)")
    check(abs(late / span - 0.04) < 0.012, f"out of order: {late} of {span} (rate 0.04)")
    check(abs(missing / span - 0.02) < 0.01, f"missing: {missing} of {span} (rate 0.02)")
    fb = [fb_header(m)[0] for m in got_binary[:20000]]
    check(all(b == a + 1 for a, b in zip(fb, fb[1:])), "FlatBuffers clients get the exact stream")
    m = env.metrics()
    check(m["ringside_gateway_data_quality_duplicated_total"] > 0 and m["ringside_gateway_data_quality_dropped_total"] > 0
          and m["ringside_gateway_data_quality_reordered_total"] > 0, "the injections are counted")
    await text.close()
    await binary.close()


# ---- the engine restarts: a new ring generation ---------------------------------------------

async def engine_restart(env):
    from book_client import Books, compare
    ws = await connect(env.url(), max_size=None)
    reply = await request(ws, {"id": 1, "op": "subscribe", "channels": ["book", "OrderBookSnapshot", "QuoteUpdate"],
                               "symbols": ["AAPL"]})
    check(reply["ok"], "subscribed to AAPL's book, snapshots and quotes")
    got = []
    reader = asyncio.create_task(read_all(ws, got))
    await until(lambda: len(got) > 20, "traffic from the first engine")
    first_engine = env.processes[-1]
    first_engine.signal(15)
    check(first_engine.wait(20) == 0, "the first engine stops")
    messages = lambda: [json.loads(m) for m in got]  # noqa: E731
    await until(lambda: any(m.get("type") == "ring" and m["state"] == "writer_closed" for m in messages()),
                "the writer_closed notice")
    check(True, "clients are told the ring's writer closed")
    mark = len(got)
    env.engine("--seed", "3", config=CONFIG, name="engine-2")
    await until(lambda: any(m.get("type") == "ring" and m["state"] == "attached" for m in messages()[mark:]),
                "the new generation")
    notice = next(m for m in messages()[mark:] if m.get("type") == "ring")
    check(notice["generation"] == 2, f"clients are told about the new generation: {notice}")
    await until(lambda: sum(1 for m in messages()[mark:] if m.get("event_type") == "OrderBookSnapshot") >= 3,
                "snapshots from the second engine", timeout=60)
    after = messages()[mark:]
    fresh = next(m for m in after if m.get("type") == "book_snapshot")
    check(fresh["seq"] == 0 and not fresh["bids"] and not fresh["asks"], "the book starts over, empty, at seq 0")
    events = [m for m in after if "event_type" in m]
    before = [m["seq"] for m in messages()[:mark] if "event_type" in m]
    check(events[0]["seq"] < before[-1], "sequence numbers start over with the new generation")
    books = Books()
    checked = 0
    for m in after:
        if books.apply(m):
            continue
        if m.get("event_type") == "OrderBookSnapshot":
            difference = compare(books, m)
            assert difference is None, difference
            checked += 1
    check(checked >= 3, f"the new generation's book is exact again ({checked} snapshots checked)")
    reader.cancel()
    await ws.close()


# ---- the command line -------------------------------------------------------------------------

async def command_line(env):
    import subprocess
    binary = f"{env.bin}/ringside-gateway"
    r = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and "--ring" in r.stdout and "--listen" in r.stdout, "--help lists the options")
    bad = os.path.join(env.work, "bad.toml")
    with open(bad, "w") as f:
        f.write("[gateway]\nlisten = \"127.0.0.1:1\"\nqueue_max_bytes = \"big\"\n")
    r = subprocess.run([binary, "--config", bad], capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and f"{bad}:3:" in r.stderr and "queue_max_bytes" in r.stderr,
          f"a bad config: exit 2, FILE:LINE: problem ({r.stderr.strip()})")
    r = subprocess.run([binary, "--listen", "localhost"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "HOST:PORT" in r.stderr, f"a bad --listen: exit 2 ({r.stderr.strip()})")
    r = subprocess.run([binary, "--ring", "no/slash"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 2, f"a bad ring name: exit 2 ({r.stderr.strip()})")
    r = subprocess.run([binary, "--listen", f"127.0.0.1:{env.port}"], capture_output=True, text=True, timeout=30,
                       env=env.env)
    check(r.returncode == 1 and "bind" in r.stderr, f"a port in use: exit 1 ({r.stderr.strip()})")


SCENARIOS = {
    "command_line": (command_line, [], None),
    "engine_restart": (engine_restart, [], None),
    "slow_client": (slow_client, ["--queue-max-bytes", str(1 << 20)], {"tick_interval_ms": 5}),
    "heartbeat_idle": (heartbeat_idle, ["--heartbeat-ms", "300", "--idle-timeout-ms", "1500"], None),
    "limits": (limits, ["--max-connections", "3", "--rate-limit", "5", "--rate-burst", "5"], None),
    "bad_input": (bad_input, [], None),
    "protocol": (protocol, [], None),
    "auth": (auth, ["--token", "s3cret", "--allow-origin", "http://dashboard.example"], None),
    "http": (http, [], None),
    "data_quality": (data_quality, [], {"tick_interval_ms": 10}),
}


def main(make, args):
    name = args[0]
    body, gateway_args, fast = SCENARIOS[name]
    env = make(name)
    if name == "data_quality":
        path = os.path.join(env.work, "gateway.toml")
        with open(path, "w") as f:
            f.write("[data_quality]\nenabled = true\nduplicate_rate = 0.03\nout_of_order_rate = 0.04\n"
                    "missing_data_rate = 0.02\nseed = 11\n")
        gateway_args = ["--config", path, "--queue-max-bytes", str(512 << 20), "--queue-max-messages", str(1 << 22)]
    env.gateway(*gateway_args)
    config = env.config(**fast) if fast else CONFIG
    env.engine(config=config)
    env.wait_attached()
    return body(env)


run(main)
