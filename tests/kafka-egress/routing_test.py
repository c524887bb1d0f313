#!/usr/bin/python3
"""The egress end to end in a clean run, two rings at once: ringside-engine
(realtime, a few seconds, snapshots and stats every second) on ring "events"
and egress-test-writer (every one of the nine types, TradingHalt and
TradingResume included, which a short engine run rarely has) on ring
"samples", both into one ringside-egress -> ringside-kafka-mock. Then every
topic is read back with kafka-python and counted again with kcat, against the
rings themselves (`ringside tail --json --from oldest`) as the ground truth:

- every event is in the seed's topic for its type, once: per ring, the seqs
  are 1..last with no gap and no duplicate; nothing in dlq.raw.failed;
- the key is the symbol (the agent id for AgentAction), and one key always
  lands in one partition;
- headers event_type, source=ringside, bridge_timestamp (ISO, during the run),
  seq, ring, generation, and nothing else;
- json: the value is the ring's JSON envelope for that seq, byte for byte as
  `ringside tail --json` prints it;
  flatbuffers (the default): an Event message ("RSEV" at bytes 4..8) whose
  sequence, symbol, type (and agent for AgentAction) match the ring's event;
- the egress's metrics agree, and SIGTERM stops it with everything committed.

usage: routing_test.py BIN_DIR WORK_DIR json|flatbuffers [ENGINE_SECONDS]
"""
import datetime
import json
import re
import time

from egress_harness import (DLQ, EVENT_TOPICS, EVENT_TYPES, TOPIC_OF, TOPICS, TestFailure, check, fb_event, note,
                            run, seq_accounting, short)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
HEADERS = {"event_type", "source", "bridge_timestamp", "seq", "ring", "generation"}
RINGS = ("events", "samples")


def parse_iso(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


def check_message(m, fmt, e, raw, topic, generation, window, partition_of_key):
    """Problems of one message against its ring event e (a list of strings)."""
    h = m.headers
    if set(h) != HEADERS:
        return [f"seq {m.seq}: headers {sorted(h)}"]
    if e is None:
        return [f"{h['ring']} seq {m.seq}: not in the ring"]
    bad = []
    if h["event_type"] != e["event_type"] or TOPIC_OF[h["event_type"]] != topic:
        bad.append(f"seq {m.seq}: event_type {h['event_type']} in {topic}, the ring has {e['event_type']}")
    if h["source"] != "ringside" or h["generation"] != generation:
        bad.append(f"seq {m.seq}: source {h['source']!r}, generation {h['generation']!r}")
    if not ISO.match(h["bridge_timestamp"]) or not window[0] <= parse_iso(h["bridge_timestamp"]) <= window[1]:
        bad.append(f"seq {m.seq}: bridge_timestamp {h['bridge_timestamp']!r} not ISO within the run")
    want_key = e["data"]["agent_id"] if e["event_type"] == "AgentAction" else e["data"]["symbol"]
    if m.key is None or m.key.decode() != want_key:
        bad.append(f"seq {m.seq}: key {m.key!r}, expected {want_key!r}")
    if partition_of_key.setdefault(m.key, m.partition) != m.partition:
        bad.append(f"key {m.key!r} in partitions {partition_of_key[m.key]} and {m.partition}")
    if fmt == "json":
        try:
            value = json.loads(m.value)
        except ValueError:
            return bad + [f"seq {m.seq}: value is not JSON: {m.value[:80]!r}"]
        if value != e:
            bad.append(f"seq {m.seq}: JSON value {m.value[:300]!r} differs from the ring's {json.dumps(e)[:300]}")
        elif raw is not None and m.value.decode() != raw:
            bad.append(f"seq {m.seq}: JSON value {m.value[:300]!r} is not byte for byte `ringside tail`'s {raw[:300]}")
    else:
        try:
            seq, symbol, name, agent = fb_event(m.value)
        except (ValueError, IndexError, UnicodeDecodeError) as x:
            return bad + [f"seq {m.seq}: not a FlatBuffers Event ({x}): {m.value[:40]!r}"]
        if not 40 <= len(m.value) <= 4096:
            bad.append(f"seq {m.seq}: FlatBuffers value of {len(m.value)} bytes")
        if seq != m.seq or name != e["event_type"] or symbol != e["data"]["symbol"]:
            bad.append(f"seq {m.seq}: the FlatBuffer says seq {seq} {name} {symbol}")
        if agent is not None and agent & 0xFFFFFF != int(e["data"]["agent_id"].rsplit("-", 1)[1]):
            bad.append(f"seq {m.seq}: FlatBuffers agent {agent:#x} vs {e['data']['agent_id']}")
    return bad


def main(make, args):
    fmt = args[0] if args else "json"
    seconds = float(args[1]) if len(args) > 1 else 4
    if fmt not in ("json", "flatbuffers"):
        raise TestFailure(f"unknown format {fmt}")
    env = make(f"routing-{fmt}")
    started_wall = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)

    mock = env.mock()
    extra = ["--format", "json"] if fmt == "json" else []  # flatbuffers: the default, not named
    egress = env.egress(mock.bootstrap, *extra, rings=RINGS)
    check(egress.ready["bootstrap"] == mock.bootstrap and egress.ready["embedded"] is False,
          f"egress ready against the mock at {mock.bootstrap}, metrics at {egress.metrics_address}")
    config = env.config(snapshot_interval_ticks=10, stats_interval_ticks=10)
    engine = env.engine(seconds, "--config", config)
    writer = env.writer("samples", "--mix", "all", "--count", "90")
    attached = {}
    for _ in RINGS:
        a = egress.until_event("attached", 30)
        attached[a["ring"]] = a
    check(set(attached) == set(RINGS) and all(a["resume_sequence"] == 1 for a in attached.values()),
          f"egress attached to rings {sorted(attached)} from seq 1")
    check(env.finish(writer, 30, "egress-test-writer") == 0, "egress-test-writer wrote 90 events and exited 0")
    check(env.finish(engine, seconds + 60, "engine") == 0, f"engine ran {seconds} s and exited 0")

    truth, expected, last = {}, {t: 0 for t in TOPICS}, {}
    for ring in RINGS:
        events, _ = env.ring_events(ring)
        truth[ring] = {e["seq"]: e for e in events}
        last[ring] = events[-1]["seq"]
        check(events[0]["seq"] == 1 and len(events) == last[ring] == len(truth[ring]),
              f"ring {ring} holds all {last[ring]} events, seq 1..{last[ring]} (ground truth: ringside tail)")
        types = {}
        for e in events:
            expected[TOPIC_OF[e["event_type"]]] += 1
            types[e["event_type"]] = types.get(e["event_type"], 0) + 1
        note(f"ring {ring}: event types {types}")
    check(all(t in {e["event_type"] for e in truth["samples"].values()} for t in EVENT_TYPES),
          "ring samples has all nine event types")

    for ring in RINGS:
        c = env.wait_committed(egress, last[ring] + 1, timeout=60, ring=ring)
        check(True, f"egress committed ring {ring} through seq {last[ring]} (state file next_sequence "
                    f"{c['state']}, metric {c['metric']:.0f})")

    t0 = time.monotonic()
    got = env.consume(mock.bootstrap)
    note(f"kafka-python read {sum(len(v) for v in got.values())} messages in {time.monotonic() - t0:.1f} s")
    kcat = {t: env.kcat(mock.bootstrap, t) for t in TOPICS}

    for t in TOPICS:
        check(len(got[t]) == expected[t] and len(kcat[t]) == expected[t],
              f"{t}: {expected[t]} messages as in the rings (kafka-python {len(got[t])}, kcat {len(kcat[t])})")
        kc = sorted((r[4].get("ring"), int(r[4]["seq"])) for r in kcat[t])
        py = sorted((m.headers.get("ring"), m.seq) for m in got[t])
        check(kc == py, f"{t}: kcat and kafka-python see the same (ring, seq) pairs")
    check(not got[DLQ], f"{DLQ} is empty")

    for ring in RINGS:
        seqs = [m.seq for t in EVENT_TOPICS for m in got[t] if m.headers.get("ring") == ring]
        missing, duplicated, outside = seq_accounting(seqs, 1, last[ring])
        check(not missing and not duplicated and not outside,
              f"ring {ring}: the union of the topics is seq 1..{last[ring]} exactly: missing {short(missing)}, "
              f"duplicated {short(duplicated)}, outside {short(outside)}")

    window = (started_wall, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1))
    for t in EVENT_TOPICS:
        partition_of_key, bad = {}, []
        for m in got[t]:
            ring = m.headers.get("ring")
            if ring not in truth:
                bad.append(f"seq {m.headers.get('seq')}: ring header {ring!r}")
                continue
            bad += check_message(m, fmt, truth[ring].get(m.seq), env.raw_lines[ring].get(m.seq), t, str(attached[ring]["generation"]), window,
                                 partition_of_key)
        check(not bad, f"{t}: headers, keys (one partition per key) and {fmt} values match the rings "
                       f"({len(partition_of_key)} keys) {'; '.join(bad[:5])}")
    if fmt == "flatbuffers":
        check(all(m.value[4:8] == b"RSEV" for t in EVENT_TOPICS for m in got[t]),
              "every value carries the FlatBuffers file identifier RSEV at bytes 4..8")

    # The metrics count what Kafka acknowledged.
    metrics = env.metrics(egress)
    for t in EVENT_TOPICS:
        produced = sum(v for k, v in metrics.items()
                       if k.startswith("ringside_egress_messages_produced_total{") and f'topic="{t}"' in k)
        check(produced == expected[t], f"metrics: ringside_egress_messages_produced_total for {t} is {produced:.0f}")
    dlq = sum(v for k, v in metrics.items() if k.startswith("ringside_egress_dlq_messages_total"))
    check(dlq == 0 and metrics["ringside_egress_dlq_failures_total"] == 0 and metrics["ringside_egress_brokers_up"] == 1,
          "metrics: no dead letters, no message given up, brokers up")
    for ring in RINGS:
        check(metrics[f'ringside_egress_lost_frames_total{{ring="{ring}"}}'] == 0
              and metrics[f'ringside_egress_frames_read_total{{ring="{ring}"}}'] == last[ring],
              f"metrics: ring {ring}: {last[ring]} frames read, none lost")
    status, body = env.http(egress.metrics_address, "/healthz")
    check(status == 200, f"/healthz answers 200 ({body.strip()})")

    rc = egress.stop(30)
    check(rc == 0, f"egress stopped by SIGTERM with status {rc}")
    check("everything read is acknowledged and committed" in egress.log(50000),
          "egress logged that everything read is acknowledged and committed")
    for ring in RINGS:
        check(env.state(ring) == {"ring": ring, "generation": attached[ring]["generation"],
                                  "next_sequence": last[ring] + 1},
              f"state file egress-{ring}.state: generation {attached[ring]['generation']}, "
              f"next_sequence {last[ring] + 1}")


run(main)
