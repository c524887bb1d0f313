#!/usr/bin/python3
"""Dead letters: what cannot go to its topic goes to dlq.raw.failed, with headers
that say why, and every seq is accounted for exactly once across the topics and
the dead-letter topic. One case per run:

too_large  ringside-engine (snapshots every second) -> ringside-egress --format json
           --max-message-bytes LIMIT: every event whose JSON (as `ringside tail
           --json` prints it, which the routing test shows is the value byte for
           byte) is longer than LIMIT is in the DLQ with failure_reason=too_large,
           its original topic and key and size, and not in its topic.
delivery   ringside-kafka-mock answers the next Produce requests with
           TOPIC_AUTHORIZATION_FAILED ("error Produce N ..." on its stdin) mid-stream:
           the messages of those requests are in the DLQ with
           failure_reason=delivery; topics + DLQ cover every seq.
encode     egress-test-writer --mix bad: valid TradeExecuted frames and three
           no encoder accepts (unknown symbol id, enum out of range, unknown event
           type): those three are in the DLQ as raw frames (value_format=
           ringside-frame, failure_reason=encode), the rest in raw.trades.

usage: dlq_test.py BIN_DIR WORK_DIR too_large|delivery|encode
"""
import datetime
import re

from egress_harness import (DLQ, EVENT_TOPICS, TOPIC_OF, TestFailure, check, note, run, seq_accounting, short,
                            wait_for)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
DLQ_HEADERS = {"original_topic", "original_key", "error", "failure_reason", "failed_at", "original_size"}
EVENT_HEADERS = {"event_type", "source", "bridge_timestamp", "seq", "ring", "generation"}


def key_of(e):
    return e["data"]["agent_id"] if e["event_type"] == "AgentAction" else e["data"]["symbol"]


def dlq_problems(m, reason, e, raw, window):
    """Problems of one dead letter for ring event e (None: not a valid event), raw: its JSON line."""
    h = m.headers
    bad = []
    missing = (DLQ_HEADERS | EVENT_HEADERS) - set(h)
    if missing:
        return [f"seq {h.get('seq')}: headers {sorted(missing)} missing (has {sorted(h)})"]
    if h["failure_reason"] != reason:
        bad.append(f"seq {m.seq}: failure_reason {h['failure_reason']!r}, expected {reason!r}")
    if not ISO.match(h["failed_at"]) or not window[0] <= datetime.datetime.strptime(
            h["failed_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc) <= window[1]:
        bad.append(f"seq {m.seq}: failed_at {h['failed_at']!r}")
    if not h["error"]:
        bad.append(f"seq {m.seq}: empty error header")
    if h["source"] != "ringside":
        bad.append(f"seq {m.seq}: source {h['source']!r}")
    if e is not None:
        if h["original_topic"] != TOPIC_OF[e["event_type"]] or h["event_type"] != e["event_type"]:
            bad.append(f"seq {m.seq}: original_topic {h['original_topic']} / event_type {h['event_type']} for "
                       f"a {e['event_type']}")
        if h["original_key"] != key_of(e) or (m.key or b"").decode() != key_of(e):
            bad.append(f"seq {m.seq}: original_key {h['original_key']!r}, message key {m.key!r}, "
                       f"expected {key_of(e)!r}")
        if raw is not None:
            if m.value is None or m.value.decode() != raw:
                bad.append(f"seq {m.seq}: value is not the event's JSON: {(m.value or b'')[:120]!r}")
            if h["original_size"] != str(len(raw.encode())):
                bad.append(f"seq {m.seq}: original_size {h['original_size']}, the JSON has {len(raw.encode())} bytes")
    return bad


def too_large(env, args):
    limit = int(args[0]) if args else 700
    mock = env.mock()
    config = env.config(snapshot_interval_ticks=10, stats_interval_ticks=10)
    egress = env.egress(mock.bootstrap, "--format", "json", "--max-message-bytes", str(limit))
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    engine = env.engine(3, "--config", config)
    egress.until_event("attached", 30)
    check(env.finish(engine, 60, "engine") == 0, "engine ran 3 s and exited 0")
    truth, _ = env.ring_events()
    last = truth[-1]["seq"]
    raw = env.raw_lines["events"]
    by_seq = {e["seq"]: e for e in truth}
    big = {s for s, line in raw.items() if len(line.encode()) > limit}
    types = sorted({by_seq[s]["event_type"] for s in big})
    check(big and len(big) < last, f"{len(big)} of {last} events are longer than {limit} bytes as JSON ({types})")
    env.wait_committed(egress, last + 1, timeout=60)
    window = (start, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1))
    got = env.consume(mock.bootstrap)

    dlq_seqs = [m.seq for m in got[DLQ]]
    check(sorted(dlq_seqs) == sorted(big), f"{DLQ} holds exactly the {len(big)} events over the limit "
                                          f"(extra {short(set(dlq_seqs) - big)}, missing {short(big - set(dlq_seqs))})")
    bad = []
    for m in got[DLQ]:
        bad += dlq_problems(m, "too_large", by_seq.get(m.seq), raw.get(m.seq), window)
        if f"exceeds max_message_bytes {limit}" not in m.headers.get("error", ""):
            bad.append(f"seq {m.seq}: error {m.headers.get('error')!r}")
    check(not bad, f"dead letters: failure_reason=too_large, original_topic, original_key (and key), error, "
                   f"failed_at, original_size, the JSON as value {'; '.join(bad[:5])}")
    in_topics = [(t, m.seq) for t in EVENT_TOPICS for m in got[t]]
    check(not [s for _, s in in_topics if s in big], "no event over the limit is in its original topic")
    misrouted = [(t, s) for t, s in in_topics if TOPIC_OF[by_seq[s]["event_type"]] != t]
    check(not misrouted, f"every other event is in its type's topic {short(misrouted)}")
    missing, duplicated, outside = seq_accounting([s for _, s in in_topics] + dlq_seqs, 1, last)
    check(not missing and not duplicated and not outside,
          f"topics + DLQ hold seq 1..{last} exactly once: missing {short(missing)}, duplicated {short(duplicated)}")
    m = env.metrics(egress)
    counted = sum(v for k, v in m.items() if k.startswith("ringside_egress_dlq_messages_total") and 'reason="too_large"' in k)
    check(counted == len(big), f"metrics: ringside_egress_dlq_messages_total{{reason=too_large}} sums to {counted:.0f}")
    check(m["ringside_egress_dlq_failures_total"] == 0, "metrics: ringside_egress_dlq_failures_total is 0")
    check(egress.stop(30) == 0, "egress stopped by SIGTERM with status 0")


def delivery(env, args):
    count = int(args[0]) if args else 3
    mock = env.mock()
    egress = env.egress(mock.bootstrap, "--format", "json")
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    engine = env.engine(4)
    egress.until_event("attached", 30)
    key = 'ringside_egress_committed_sequence{ring="events"}'
    wait_for(lambda: env.metrics(egress)[key] > 2000, 20, "2000 events acknowledged")
    reply = mock.command(f"error Produce {count} TOPIC_AUTHORIZATION_FAILED")
    check(reply == f"ok error Produce {count} TOPIC_AUTHORIZATION_FAILED", f"kafka-mock: {reply!r}")
    check(env.finish(engine, 60, "engine") == 0, "engine ran 4 s and exited 0")
    truth, _ = env.ring_events()
    last = truth[-1]["seq"]
    raw = env.raw_lines["events"]
    by_seq = {e["seq"]: e for e in truth}
    env.wait_committed(egress, last + 1, timeout=60)
    check(egress.alive(), "egress still running after the failed deliveries")
    window = (start, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1))
    got = env.consume(mock.bootstrap)

    dlq_seqs = [m.seq for m in got[DLQ]]
    check(dlq_seqs, f"{DLQ} holds {len(dlq_seqs)} dead letters (seqs {short(sorted(dlq_seqs))})")
    bad = []
    for m in got[DLQ]:
        bad += dlq_problems(m, "delivery", by_seq.get(m.seq), raw.get(m.seq), window)
        if "TOPIC_AUTHORIZATION_FAILED" not in m.headers.get("error", ""):
            bad.append(f"seq {m.seq}: error {m.headers.get('error')!r}")
    check(not bad, f"dead letters: failure_reason=delivery, error names TOPIC_AUTHORIZATION_FAILED, original "
                   f"topic and key, the JSON as value {'; '.join(bad[:5])}")
    in_topics = [(t, m.seq) for t in EVENT_TOPICS for m in got[t]]
    misrouted = [(t, s) for t, s in in_topics if TOPIC_OF[by_seq[s]["event_type"]] != t]
    check(not misrouted, f"every delivered event is in its type's topic {short(misrouted)}")
    both = sorted(set(dlq_seqs) & {s for _, s in in_topics})
    missing, duplicated, outside = seq_accounting([s for _, s in in_topics] + dlq_seqs, 1, last)
    note(f"{len(in_topics)} in topics, {len(dlq_seqs)} in the DLQ, {len(both)} in both {short(both)}, "
         f"duplicates {short(duplicated)}")
    check(not missing and not outside, f"topics + DLQ cover seq 1..{last}: missing {short(missing)}")
    check(not both, "a dead-lettered event is not also in its topic")
    m = env.metrics(egress)
    counted = sum(v for k, v in m.items() if k.startswith("ringside_egress_dlq_messages_total") and 'reason="delivery"' in k)
    failed = sum(v for k, v in m.items() if k.startswith("ringside_egress_messages_failed_total"))
    check(counted == len(dlq_seqs) == failed,
          f"metrics: dlq_messages_total{{reason=delivery}} {counted:.0f}, messages_failed_total {failed:.0f}")
    check(m["ringside_egress_dlq_failures_total"] == 0, "metrics: ringside_egress_dlq_failures_total is 0")
    check(egress.stop(30) == 0, "egress stopped by SIGTERM with status 0")


def encode(env, args):
    mock = env.mock()
    egress = env.egress(mock.bootstrap, rings=("bad",))
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    writer = env.writer("bad", "--mix", "bad", "--count", "20", "--bad-at", "5")
    done = writer.until_event("done", 30)
    check(env.finish(writer, 30, "egress-test-writer") == 0 and done["bad"] == [5, 7, 9] and done["last_seq"] == 20,
          f"egress-test-writer: 20 frames, invalid ones at seqs {done['bad']}")
    truth, err = env.ring_events("bad")
    check([e["seq"] for e in truth] == [s for s in range(1, 21) if s not in (5, 7, 9)] and "3 invalid frames" in err,
          "ringside tail sees 17 valid events and skips 3 invalid frames")
    by_seq = {e["seq"]: e for e in truth}
    env.wait_committed(egress, 21, timeout=30, ring="bad")
    window = (start, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1))
    got = env.consume(mock.bootstrap)
    check(sorted(m.seq for m in got["raw.trades"]) == sorted(by_seq) and
          all(not got[t] for t in EVENT_TOPICS if t != "raw.trades"),
          "the 17 valid TradeExecuted events are in raw.trades, nothing in the other topics")
    dl = {m.seq: m for m in got[DLQ]}
    check(sorted(dl) == [5, 7, 9] and len(got[DLQ]) == 3, f"{DLQ} holds seqs 5, 7, 9 once each ({sorted(dl)})")
    expect = {5: ("TradeExecuted", "raw.trades", 80, 2, "symbol id not in the symbol table"),
              7: ("TradeExecuted", "raw.trades", 80, 2, "enum value out of range"),
              9: ("unknown", DLQ, 64, 42, "unknown event type")}
    bad = []
    for seq, (etype, original, size, type_byte, error) in expect.items():
        m = dl[seq]
        h = m.headers
        bad += dlq_problems(m, "encode", None, None, window)
        if h.get("value_format") != "ringside-frame":
            bad.append(f"seq {seq}: value_format {h.get('value_format')!r}")
        if h.get("event_type") != etype or h.get("original_topic") != original:
            bad.append(f"seq {seq}: event_type {h.get('event_type')!r}, original_topic {h.get('original_topic')!r}")
        if error not in h.get("error", ""):
            bad.append(f"seq {seq}: error {h.get('error')!r} does not say {error!r}")
        v = m.value or b""
        if (len(v) != size or int.from_bytes(v[0:4], "little") != size or v[4] != type_byte
                or int.from_bytes(v[8:16], "little") != seq or h.get("original_size") != str(size)):
            bad.append(f"seq {seq}: value is not the raw {size}-byte frame: {v[:16].hex()} ({len(v)} bytes), "
                       f"original_size {h.get('original_size')}")
        if h.get("ring") != "bad":
            bad.append(f"seq {seq}: ring {h.get('ring')!r}")
    check(not bad, "dead letters: failure_reason=encode, value_format=ringside-frame, the raw frame as value, "
                   f"event_type and original_topic, the frame's problem in error {'; '.join(bad[:5])}")
    note("headers of seq 9: " + ", ".join(f"{k}={v}" for k, v in sorted(dl[9].headers.items())))
    m = env.metrics(egress)
    counted = sum(v for k, v in m.items() if k.startswith("ringside_egress_dlq_messages_total") and 'reason="encode"' in k)
    check(counted == 3, f"metrics: ringside_egress_dlq_messages_total{{reason=encode}} sums to {counted:.0f}")
    check(m["ringside_egress_dlq_failures_total"] == 0, "metrics: ringside_egress_dlq_failures_total is 0")
    check(egress.stop(30) == 0, "egress stopped by SIGTERM with status 0")


CASES = {"too_large": too_large, "delivery": delivery, "encode": encode}


def main(make, args):
    if not args or args[0] not in CASES:
        raise TestFailure(f"usage: dlq_test.py BIN_DIR WORK_DIR {'|'.join(CASES)}")
    CASES[args[0]](make(f"dlq-{args[0]}"), args[1:])


run(main)
