#!/usr/bin/python3
"""Never a silent gap: the gateway is frozen (SIGSTOP) while the engine writes
more than the ring holds, so its lossy reader is lapped. Afterwards every
client gets an explicit gap message with the missing range, the event stream
resumes right after it, and a book subscriber gets a fresh (stale-flagged)
snapshot and, at the engine's next OrderBookSnapshot, an exact one again.

usage: gap_test.py BIN_DIR WORK_DIR
"""
import asyncio
import json
import signal
import time

from book_client import Books, compare
from harness import check, connect, run


async def request(ws, message):
    await ws.send(json.dumps(message))
    while True:
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if "id" in reply:
            return reply


async def read_all(ws, into):
    try:
        async for message in ws:
            into.append(json.loads(message))
    except Exception:  # noqa: BLE001 - the connection ends with the test
        pass


async def until(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def scenario(env, gateway):
    uri = env.url()
    a = await connect(uri, max_size=None)
    check((await request(a, {"id": 1, "op": "subscribe", "channels": ["MarketStats", "QuoteUpdate"],
                             "symbols": ["AAPL"]}))["ok"], "client A: AAPL stats and quotes")
    b = await connect(uri, max_size=None)
    check((await request(b, {"id": 1, "op": "subscribe", "channels": ["book", "OrderBookSnapshot"],
                             "symbols": ["AAPL"]}))["ok"], "client B: the AAPL book")
    got_a, got_b = [], []
    tasks = [asyncio.create_task(read_all(a, got_a)), asyncio.create_task(read_all(b, got_b))]
    await until(lambda: len(got_a) > 20, "client A's first events")

    gateway.signal(signal.SIGSTOP)
    start, capacity = env.ring_positions()
    await until(lambda: env.ring_positions()[0] - start > 3 * capacity, "the engine to write 3 rings' worth")
    gateway.signal(signal.SIGCONT)

    def gap_in(messages):
        return next((m for m in messages if m.get("type") == "gap"), None)

    await until(lambda: gap_in(got_a) is not None and gap_in(got_b) is not None, "the gap messages")
    gap = gap_in(got_a)
    check(gap["ring"] == "events" and gap["to"] >= gap["from"] and gap["missed"] == gap["to"] - gap["from"] + 1,
          f"client A gets a gap message: {gap}")
    check(gap_in(got_b) == gap, "client B gets the same gap message")
    i = got_a.index(gap)
    before = [m["seq"] for m in got_a[:i] if "seq" in m and "event_type" in m]
    after = [m["seq"] for m in got_a[i + 1:] if "seq" in m and "event_type" in m]
    check(before and before[-1] < gap["from"], "every event before the gap precedes the missing range")
    await until(lambda: any("event_type" in m for m in got_a[i + 1:]), "events after the gap")
    after = [m["seq"] for m in got_a[i + 1:] if "event_type" in m]
    check(after[0] > gap["to"], "events resume after the missing range")
    check(gap["missed"] > capacity // 128, f"{gap['missed']} frames reported missing")

    # Client B: the book goes stale with the gap and is exact again after the next snapshot.
    j = got_b.index(gap_in(got_b))
    await until(lambda: any(m.get("type") == "book_snapshot" and not m["stale"] for m in got_b[j:]),
                "the resync snapshot")
    stale = next(m for m in got_b[j:] if m.get("type") == "book_snapshot")
    check(stale["stale"] and not stale["exact"], "right after the gap: a fresh snapshot flagged stale")
    books = Books()
    checked = 0
    deadline = time.monotonic() + 60
    k = 0
    while checked < 3:
        assert time.monotonic() < deadline, "no snapshots to check after the resync"
        while k < len(got_b):
            m = got_b[k]
            k += 1
            if books.apply(m):
                continue
            if m.get("event_type") == "OrderBookSnapshot" and not books.books.get("AAPL", {"stale": True})["stale"]:
                difference = compare(books, m)
                assert difference is None, difference
                checked += 1
        await asyncio.sleep(0.05)
    check(checked >= 3, "after the resync the book equals the engine's at each snapshot")

    m = env.metrics()
    check(m['ringside_gateway_ring_gaps_total{ring="events"}'] >= 1, "the lap is counted")
    check(m['ringside_gateway_ring_missed_frames_total{ring="events"}'] >= gap["missed"], "missed frames counted")
    check(m["ringside_gateway_book_mismatches_total"] == 0, "a stale book is resynced, not a mismatch")
    for t in tasks:
        t.cancel()
    await a.close()
    await b.close()


def main(make, args):
    env = make("gap")
    # 5 ms ticks: about 20 times the default rate, into a 1 MiB ring; snapshots every 0.25 s.
    config = env.config(tick_interval_ms=5, snapshot_interval_ticks=50, stats_interval_ticks=50)
    gateway = env.gateway("--queue-max-bytes", str(256 << 20), "--queue-max-messages", str(1 << 22))
    env.start([f"{env.bin}/ringside-engine", "--config", config, "--ring-mib", "1", "--status-interval", "0",
               "--no-order-entry"], "engine")
    env.wait_attached()
    return scenario(env, gateway)


run(main)
