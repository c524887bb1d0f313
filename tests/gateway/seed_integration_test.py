#!/usr/bin/python3
"""The seed's two WebSocket integration tests (seeds/000 section 8.2), unchanged
in spirit, against a real ringside-engine and ringside-gateway: a client that
connects and says nothing gets the seed's JSON envelope for every event.

usage: seed_integration_test.py BIN_DIR WORK_DIR
"""
import asyncio
import json

from harness import VALID_EVENT_TYPES, check, connect, run


async def test_de_stock_streams_events(uri):
    """Connect to DE-Stock WebSocket and verify event format."""
    async with connect(uri) as ws:
        for _ in range(20):
            message = await asyncio.wait_for(ws.recv(), timeout=5.0)
            data = json.loads(message)
            assert "event_type" in data
            assert "timestamp" in data
            assert "data" in data
            assert data["event_type"] in VALID_EVENT_TYPES


async def test_de_stock_multiple_event_types(uri):
    """Verify we receive multiple different event types within a time window."""
    event_types_seen = set()
    async with connect(uri) as ws:
        for _ in range(200):
            message = await asyncio.wait_for(ws.recv(), timeout=5.0)
            data = json.loads(message)
            event_types_seen.add(data["event_type"])
            if len(event_types_seen) >= 4:
                break
    assert len(event_types_seen) >= 4, f"Only saw: {event_types_seen}"


async def market_in_session(uri, timeout=60.0):
    """The seed's tests ran against a simulator already trading. For its first
    ticks a fresh engine only places quotes (OrderPlaced, AgentAction,
    QuoteUpdate, easily 200 events when it is slow, as under TSan), so wait
    for the first trade before asking for variety."""
    async with connect(uri) as ws:
        async def first_trade():
            while json.loads(await ws.recv())["event_type"] != "TradeExecuted":
                pass
        await asyncio.wait_for(first_trade(), timeout)


async def every_event_in_order(uri):
    """Beyond the seed: the default stream has no gap, and every event carries "seq"."""
    async with connect(uri) as ws:
        previous = None
        for _ in range(2000):
            data = json.loads(await asyncio.wait_for(ws.recv(), timeout=5.0))
            if previous is not None:
                assert data["seq"] == previous + 1, f"seq {data['seq']} after {previous}"
            previous = data["seq"]
    return previous


def main(make, args):
    env = make("seed")
    env.gateway()
    env.engine()  # realtime, the embedded 24-symbol config: the seed's simulator
    env.wait_attached()
    uri = env.url()

    async def scenario():
        await test_de_stock_streams_events(uri)
        check(True, "test_de_stock_streams_events: 20 events in the seed's envelope")
        await market_in_session(uri)
        check(True, "the market is in session: a TradeExecuted went by")
        await test_de_stock_multiple_event_types(uri)
        check(True, "test_de_stock_multiple_event_types: at least 4 event types")
        last = await every_event_in_order(uri)
        check(last > 0, "2000 consecutive events with consecutive seq")

    return scenario()


run(main)
