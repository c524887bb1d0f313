#!/usr/bin/python3
"""Processors' records into Kafka: ringside-engine -> ringside-proc (aggregates and
book jobs, output ring "analytics") -> one ringside-egress reading both rings
(--format json) -> ringside-kafka-mock. Read back with kafka-python: every record
of the analytics ring is in its seeds/003 topic (analytics.trade-aggregates,
analytics.orderbook) exactly once, keyed by symbol, with the ring's headers and
its JSON byte for byte; the event ring's events are in the raw topics as before.

usage: processor_routing_test.py BIN_DIR WORK_DIR
"""
from egress_harness import ANALYTICS_TOPICS, TOPIC_OF, TOPICS, check, run, seq_accounting, short


def main(make, args):
    env = make("processor-routing")
    mock = env.mock()
    config = env.config(snapshot_interval_ticks=10)  # a book snapshot a second, for the book job
    engine = env.engine(4, "--config", config)
    env.wait_ring("events")
    proc = env.start([f"{env.bin}/ringside-proc", "--ring", "events", "--job", "aggregates,book", "--out",
                      "analytics", "--from", "oldest", "--exit-on-close", "--status-interval", "0", "--wait", "10"],
                     "proc")
    env.wait_ring("analytics")
    egress = env.egress(mock.bootstrap, "--format", "json", rings=("events", "analytics"))
    check(env.finish(engine, 60, "engine") == 0, "engine ran 4 s and exited 0")
    check(env.finish(proc, 60, "ringside-proc") == 0, "ringside-proc emitted its open windows and exited 0 "
                                                       "when the engine closed its ring")
    truth, _ = env.ring_events("analytics")
    raw = env.raw_lines["analytics"]
    types = {}
    for e in truth:
        types[e["event_type"]] = types.get(e["event_type"], 0) + 1
    check(types.get("TradeAggregate", 0) > 0 and types.get("OrderBookMetrics", 0) > 0,
          f"the analytics ring holds records of both jobs: {types}")
    last = truth[-1]["seq"]
    events_last = env.ring_events("events")[0][-1]["seq"]
    env.wait_committed(egress, last + 1, timeout=60, ring="analytics")
    env.wait_committed(egress, events_last + 1, timeout=60, ring="events")
    got = env.consume(mock.bootstrap, topics=TOPICS)

    by_seq = {e["seq"]: e for e in truth}
    mine = [(t, m) for t in TOPICS for m in got[t] if m.headers.get("ring") == "analytics"]
    misrouted = [(t, m.seq) for t, m in mine if TOPIC_OF[by_seq[m.seq]["event_type"]] != t]
    check(not misrouted, f"every record is in its type's seeds/003 topic {short(misrouted)}")
    missing, duplicated, outside = seq_accounting([m.seq for _, m in mine], 1, last)
    check(not missing and not duplicated and not outside,
          f"the analytics topics hold seq 1..{last} of ring analytics exactly once: missing {short(missing)}, "
          f"duplicated {short(duplicated)}")
    bad = []
    for t, m in mine:
        e = by_seq[m.seq]
        if (m.key or b"").decode() != e["data"]["symbol"]:
            bad.append(f"seq {m.seq}: key {m.key!r}, symbol {e['data']['symbol']!r}")
        if m.value.decode() != raw[m.seq]:
            bad.append(f"seq {m.seq}: value differs from the ring's JSON")
        if m.headers.get("event_type") != e["event_type"] or m.headers.get("source") != "ringside":
            bad.append(f"seq {m.seq}: headers {m.headers}")
    check(not bad, f"keys are the symbol, values the ring's JSON, headers event_type and source {'; '.join(bad[:5])}")
    counts = {t: len(got[t]) for t in ANALYTICS_TOPICS}
    check(counts["analytics.trade-aggregates"] == types["TradeAggregate"] and
          counts["analytics.orderbook"] == types["OrderBookMetrics"],
          f"per-topic counts match the ring: {counts}")
    events = [m.seq for t in TOPICS for m in got[t] if m.headers.get("ring") == "events"]
    missing, duplicated, outside = seq_accounting(events, 1, events_last)
    check(not missing and not duplicated and not outside, f"the event ring's 1..{events_last} went to the raw topics too")
    check(egress.stop(30) == 0, "egress stopped by SIGTERM with status 0")


if __name__ == "__main__":
    run(main)
