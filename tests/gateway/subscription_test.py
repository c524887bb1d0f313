#!/usr/bin/python3
"""Control messages and subscriptions, with python3-websockets against a real
engine and gateway: every control message is acknowledged or answered with an
error code, errors leave the connection open, filters apply by channel and
symbol, a further ring is a channel of its own, and a client can ask for
FlatBuffers binary frames.

usage: subscription_test.py BIN_DIR WORK_DIR
"""
import asyncio
import json
import os
import time

from harness import VALID_EVENT_TYPES, check, connect, run

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../config/test.toml")


async def request(ws, message):
    """Sends a control message; returns its reply (events before it are skipped)."""
    await ws.send(json.dumps(message) if not isinstance(message, str) else message)
    while True:
        message = await asyncio.wait_for(ws.recv(), 10)
        if isinstance(message, bytes):
            continue  # a FlatBuffers event
        reply = json.loads(message)
        if "id" in reply:
            return reply


async def collect(ws, count, timeout=20):
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        assert time.monotonic() < deadline, f"only {len(out)} messages"
        out.append(await asyncio.wait_for(ws.recv(), 10))
    return out


async def scenario(env, side_port):
    uri = env.url()
    async with connect(uri) as ws:
        # A client that says nothing gets every event, like the seed.
        first = [json.loads(m) for m in await collect(ws, 50)]
        check(all(m["event_type"] in VALID_EVENT_TYPES for m in first), "default: the nine event types")

        reply = await request(ws, {"id": 1, "op": "list"})
        check(reply["ok"] and reply["format"] == "json", f"list answers: {reply['channels']}")
        check(set(reply["channels"][:9]) == VALID_EVENT_TYPES and reply["channels"][9:] == ["book", "side"],
              "channels: the nine event types, book, and the further ring")
        check(set(reply["symbols"]) >= {"AAPL", "TSLA"}, "symbols of the ring")
        check(set(reply["subscriptions"]) == VALID_EVENT_TYPES, "the default subscription is every event type")

        # The first subscribe replaces the default.
        reply = await request(ws, {"id": "t1", "op": "subscribe", "channels": ["TradeExecuted", "QuoteUpdate"],
                                   "symbols": ["TSLA"]})
        check(reply == {"id": "t1", "ok": True}, "subscribe is acknowledged with its id")
        got = [json.loads(m) for m in await collect(ws, 40, timeout=60)]
        events = [m for m in got if "event_type" in m]
        check(events and all(m["event_type"] in ("TradeExecuted", "QuoteUpdate") and m["data"]["symbol"] == "TSLA"
                             for m in events), "only TSLA trades and quotes arrive")

        # Errors: an error code, the id echoed, the connection stays open.
        for message, code in [
            ({"id": 2, "op": "subscribe", "channels": ["Trades"]}, "unknown_channel"),
            ({"id": 3, "op": "subscribe", "channels": ["book"], "symbols": ["NOPE"]}, "unknown_symbol"),
            ({"id": 4, "op": "explode"}, "unknown_op"),
            ({"id": 5, "op": "subscribe"}, "bad_request"),
            ({"id": 6, "op": "unsubscribe", "symbols": ["NOPE"]}, "unknown_symbol"),
            ('{"id": 7, "op": ', "invalid_json"),
            ("[]", "bad_request"),
        ]:
            reply = await request(ws, message)
            expected_id = None if isinstance(message, str) else message["id"]
            check(reply.get("error", {}).get("code") == code and reply["id"] == expected_id,
                  f"{str(message)[:40]} -> {code}")
        reply = await request(ws, {"id": 8, "op": "ping"})
        check(reply["ok"] and "time" in reply, "still open after errors: ping answers")

        # Unsubscribe one channel, then everything.
        reply = await request(ws, {"id": 9, "op": "unsubscribe", "channels": ["QuoteUpdate"]})
        check(reply == {"id": 9, "ok": True}, "unsubscribe acknowledged")
        reply = await request(ws, {"id": 10, "op": "list"})
        check(reply["subscriptions"] == {"TradeExecuted": ["TSLA"]}, f"what is left: {reply['subscriptions']}")
        reply = await request(ws, {"id": 11, "op": "unsubscribe"})
        check(reply["ok"], "unsubscribe from everything")
        # Nothing but heartbeats? Not even those: no subscription at all.
        try:
            extra = await asyncio.wait_for(ws.recv(), 1.5)
            raise AssertionError(f"a message without a subscription: {extra}")
        except asyncio.TimeoutError:
            check(True, "no subscription, no messages (not even heartbeats)")

        # The further ring is a channel named after it, events tagged with the ring.
        reply = await request(ws, {"id": 12, "op": "subscribe", "channels": ["side"], "symbols": ["*"]})
        check(reply["ok"], "subscribe to the further ring's channel")
        got = [json.loads(m) for m in await collect(ws, 20, timeout=30)]
        side = [m for m in got if "event_type" in m]
        check(side and all(m.get("ring") == "side" for m in side), "its events carry \"ring\":\"side\"")

    # FlatBuffers: by subprotocol and by query parameter.
    async with connect(uri, subprotocols=["ringside.flatbuffers"]) as ws:
        check(ws.subprotocol == "ringside.flatbuffers", "the subprotocol is selected")
        frames = await collect(ws, 30)
        check(all(isinstance(f, bytes) and f[4:8] == b"RSEV" for f in frames),
              "events arrive as FlatBuffers binary frames (file identifier RSEV)")
        reply = await request(ws, {"id": 1, "op": "list"})
        check(reply["format"] == "flatbuffers", "list says flatbuffers")
    async with connect(env.url("/?format=flatbuffers")) as ws:
        frames = await collect(ws, 10)
        check(all(isinstance(f, bytes) and f[4:8] == b"RSEV" for f in frames), "?format=flatbuffers works too")
        reply = await request(ws, {"id": 2, "op": "subscribe", "channels": ["book"], "symbols": ["AAPL"]})
        check(reply["ok"], "a binary client subscribes to books")
        snapshot = await asyncio.wait_for(ws.recv(), 10)
        while isinstance(snapshot, bytes):
            snapshot = await asyncio.wait_for(ws.recv(), 10)
        snapshot = json.loads(snapshot)
        check(snapshot["type"] == "book_snapshot" and snapshot["symbol"] == "AAPL",
              "book messages stay JSON text for binary clients")

    m = env.metrics()
    check(m["ringside_gateway_control_errors_total"] >= 7, "errors are counted")
    check(m['ringside_gateway_ring_frames_total{ring="side"}'] > 0, "the further ring is read")


def main(make, args):
    env = make("subscriptions")
    env.gateway("--ring", "events", "--ring", "side")
    env.engine(config=CONFIG)
    env.engine("--seed", "5", ring="side", config=CONFIG, name="side-engine")
    env.wait_attached()
    return scenario(env, None)


run(main)
