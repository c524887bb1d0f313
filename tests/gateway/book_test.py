#!/usr/bin/python3
"""The book channel against the engine's own books: a client that takes the
snapshot it gets on subscribe and applies every incremental update holds, at
every OrderBookSnapshot the engine publishes, exactly the levels the engine
reports (all of them when a side is shorter than the snapshot depth).

Scenarios (argument):
  exact    the gateway follows the ring from its first frame: books are exact,
           no resync and no mismatch is ever counted
  midway   the gateway attaches to a ring already running (--start newest):
           books are stale until the first snapshot, then exact within its depth

usage: book_test.py BIN_DIR WORK_DIR exact|midway
"""
import asyncio
import json
import os
import time

from book_client import Books, compare
from harness import check, connect, request, run


async def follow(uri, symbols, want_snapshots, expect_exact):
    async with connect(uri, max_size=None) as ws:
        # A new connection gets every event until it subscribes: request() skips
        # those that arrive before the reply.
        reply = await request(ws, {"id": 7, "op": "subscribe", "channels": ["book", "OrderBookSnapshot"],
                                   "symbols": symbols})
        check(reply == {"id": 7, "ok": True}, f"subscribe {symbols} acknowledged: {reply}")
        books = Books()
        checked = {}
        stale_seen = False
        deadline = time.monotonic() + 120
        while sum(checked.values()) < want_snapshots:
            assert time.monotonic() < deadline, f"only {checked} snapshots checked in time"
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if books.apply(msg):
                if msg.get("type") == "book_snapshot":
                    stale_seen = stale_seen or msg["stale"]
                    if expect_exact:
                        assert msg["exact"] and not msg["stale"], f"exact book expected: {msg}"
                continue
            if msg.get("event_type") == "OrderBookSnapshot":
                sym = msg["data"]["symbol"]
                if books.books.get(sym, {}).get("stale", True) and not expect_exact:
                    continue  # not yet resynced: the next snapshot makes it exact
                difference = compare(books, msg)
                assert difference is None, f"book differs at ring seq {msg['seq']}: {difference}"
                checked[sym] = checked.get(sym, 0) + 1
            elif msg.get("type") in ("heartbeat", "ring"):
                continue
            else:
                raise AssertionError(f"unexpected message {msg}")
        return books, checked, stale_seen


def main(make, args):
    scenario = args[0]
    env = make(f"book-{scenario}")
    config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../config/test.toml")
    if scenario == "exact":
        env.gateway()                      # waits for the ring: sees it from its first frame
        env.engine("--seed", "7", config=config)
    else:
        env.engine("--seed", "8", config=config)
        time.sleep(1.5)                    # the ring has a history the gateway will not see
        env.gateway("--start", "newest")
    env.wait_attached()

    async def scenario_run():
        books, checked, stale_seen = await follow(env.url(), ["AAPL"], 6, scenario == "exact")
        check(checked.get("AAPL", 0) >= 6, f"AAPL book equals 6 engine snapshots ({books.updates} updates applied)")
        books, checked, _ = await follow(env.url(), ["*"], 8, scenario == "exact")
        check(set(checked) == {"AAPL", "TSLA"}, f"both symbols checked: {checked}")
        m = env.metrics()
        check(m["ringside_gateway_book_mismatches_total"] == 0, "no book ever differed from the engine's")
        if scenario == "exact":
            check(m["ringside_gateway_book_resyncs_total"] == 0, "exact books never needed a resync")
        else:
            check(stale_seen, "a book joined midway is flagged stale until resynced")
            check(m["ringside_gateway_book_resyncs_total"] >= 2, "every book was resynced from a snapshot")

    return scenario_run()


run(main)
