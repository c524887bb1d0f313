#!/usr/bin/python3
"""A reader that stops reading (SIGSTOP), under load, in a 2 MiB ring (laps in
about 2 s at the test's rate). The pipeline: ringside-engine, ringside-proc,
`ringside record --wait`, ringside-gateway with two python3-websockets clients,
ringside-egress into ringside-kafka-mock (tests/faults/README.md, case 3).

1. The gateway (a lossy reader) is stopped while the engine writes 3 rings' worth:
   the engine never waits for it (its slot caused no stall, no eviction, the engine
   kept publishing); after SIGCONT every client gets a gap message with the missing
   range, and its stream is otherwise complete (compared with the recording).
2. The recorder (lossless) is stopped: the engine stalls at most about the ring's
   reader timeout (5 s; the recorder's slot's stall_caused_ns; 0 when another
   reader held the writer back until the timeout had passed), evicts it and keeps
   publishing; after SIGCONT the recorder says it was evicted and how many frames
   behind it was, reattaches and records on; it ends with status 0 and a summary
   with evictions 1 and the frames it missed.
3. The same for the egress: evicted, its log says so with how far behind, it
   counts the lost frames (ringside_egress_lost_frames_total, logged with their
   seqs), reattaches and commits on.

usage: stopped_reader_test.py BIN_DIR WORK_DIR [--long]
"""
import json
import signal
import time

from faults_harness import Load, check, check_alive, check_client_stream, note, run, wait_for

SLACK_S = 4.0  # beyond the reader timeout: a loaded 2-core machine schedules late


def main(make, args):
    load = Load(args)
    env = make("stopped-reader")
    config = env.load_config(load.scale)
    mock = env.mock()
    egress = env.egress(mock.bootstrap)
    recorder = env.recorder("cap")
    gateway = env.gateway()
    proc = env.proc()
    engine = env.pipeline_engine(config, ring_mib=load.ring_mib(2))
    others = [mock, egress, recorder, gateway, proc, engine]

    def all_alive(what):
        check_alive(others, what)

    egress.until_event("attached", 30)
    env.wait_gateway_attached(gateway, 1)
    env.log_has(recorder, "record: ring 'events' generation 1 ->")
    a = env.client(gateway, "A", {"channels": ["TradeExecuted", "MarketStats"]})
    b = env.client(gateway, "B", {"channels": ["*"], "symbols": ["AAPL"]})
    wait_for(lambda: len(a.events()) > 5 and len(b.events()) > 5, 30, "the clients' first events")
    info = env.inspect()
    capacity, timeout_ms = info["capacity"], info["reader_timeout_ms"]
    note(f"ring: {capacity} bytes, reader timeout {timeout_ms:.0f} ms")

    def published():
        return env.inspect()["counters"]["frames_published"]

    def keeps_publishing(what):
        before = published()
        wait_for(lambda: published() > before + 1000, 30, f"the engine to keep publishing ({what})")
        check(True, f"the engine keeps publishing {what}")

    # 1. the gateway: lossy, never waited for
    gateway.signal(signal.SIGSTOP)
    start = env.inspect()
    wait_for(lambda: env.inspect()["counters"]["write_position"] - start["counters"]["write_position"] > 3 * capacity,
             60, "the engine to write 3 rings' worth past the stopped gateway", interval=0.2)
    during = env.inspect()
    slot = env.slot(during, "gateway", gateway.pid)
    check(slot is not None and slot["stall_caused_ns"] == 0 and slot["state"] == "active",
          f"the stopped gateway's lossy slot caused no stall and was not evicted ({slot and slot['state']})")
    check(during["counters"]["evictions"] == start["counters"]["evictions"], "no reader was evicted meanwhile")
    gateway.signal(signal.SIGCONT)

    def gap_of(c):
        return next((m for m in c.messages if m.get("type") == "gap"), None)
    wait_for(lambda: gap_of(a) and gap_of(b), 30, "both clients' gap messages")
    ga = gap_of(a)
    check(ga["ring"] == "events" and ga["missed"] == ga["to"] - ga["from"] + 1 and ga["missed"] > capacity // 200,
          f"after SIGCONT client A gets a gap message {ga}")
    check(gap_of(b) == ga, "client B the same one")
    wait_for(lambda: a.events()[-1]["seq"] > ga["to"] and b.events()[-1]["seq"] > ga["to"], 30,
             "events after the gap")
    all_alive("after the gateway's stop")
    time.sleep(0.5)
    a.stop()
    b.stop()

    # 2. the recorder: lossless, evicted after the reader timeout
    def lossless_stop(p, name):
        before = env.inspect()
        evictions = before["counters"]["evictions"]
        stalled_before = env.slot(before, name, p.pid)["stall_caused_ns"]
        p.signal(signal.SIGSTOP)
        t_stop = time.monotonic()

        def evicted():
            s = env.slot(env.inspect(), name, p.pid)
            return s if s and s["state"] == "evicted" else None
        s = wait_for(evicted, 60, f"the engine to evict the stopped {name}", interval=0.2)
        after = env.inspect()
        stall_s = (s["stall_caused_ns"] - stalled_before) / 1e9
        check(after["counters"]["evictions"] == evictions + 1,
              f"the engine evicted the stopped {name} {time.monotonic() - t_stop:.1f} s after SIGSTOP "
              f"(evictions {evictions} -> {after['counters']['evictions']})")
        # 0 is right too: when the egress held the writer back until after the
        # reader's timeout, the writer evicts it the moment it first waits for it.
        check(0 <= stall_s <= timeout_ms / 1000 + SLACK_S,
              f"the engine waited {stall_s:.2f} s for it: at most the reader timeout ({timeout_ms / 1000:.0f} s) "
              f"+ {SLACK_S} s")
        keeps_publishing(f"after evicting the {name}")
        # A lossless reader may have read (not yet released) up to the head before it
        # stopped: the egress holds frames in flight until Kafka acknowledges them.
        # Only frames written after the eviction are surely unread, so it stays
        # stopped until a whole ring more has overwritten some of them.
        past = after["counters"]["write_position"] + capacity + capacity // 4
        wait_for(lambda: env.inspect()["counters"]["write_position"] > past, 60,
                 f"the engine to write a ring's worth past the evicted {name}", interval=0.2)
        all_alive(f"with the {name} stopped")
        p.signal(signal.SIGCONT)

    lossless_stop(recorder, "record")
    line = env.log_has(recorder, "record: evicted by the ring writer (")
    text = [t for t in recorder.log(1 << 24).splitlines() if "evicted by the ring writer" in t][0]
    check(line and "frames behind" in text, f"after SIGCONT the recorder says: {text.strip()!r}")
    wait_for(lambda: (env.slot(env.inspect(), "record", recorder.pid) or {}).get("state") == "active", 30,
             "the recorder to reattach")
    check(True, "the recorder reattached (an active 'record' slot of its pid)")

    # 3. the egress
    lossless_stop(egress, "egress")
    env.log_has(egress, "the writer evicted the egress (")
    text = [t for t in egress.log(1 << 24).splitlines() if "the writer evicted the egress" in t][0]
    check("frames behind" in text, f"after SIGCONT the egress says: {text.strip()[text.find('ring'):]!r}")
    key = 'ringside_egress_lost_frames_total{ring="events"}'
    wait_for(lambda: env.metrics(egress)[key] > 0, 30, "the egress to count the lost frames")
    lost = env.metrics(egress)[key]
    lost_lines = [t for t in egress.log(1 << 24).splitlines() if "evicted for too long" in t]
    check(lost_lines, f"the egress counts {lost:.0f} lost frames and logs them: {lost_lines[0].strip()[:200] if lost_lines else ''!r}")
    c0 = env.metrics(egress)['ringside_egress_committed_sequence{ring="events"}']
    wait_for(lambda: env.metrics(egress)['ringside_egress_committed_sequence{ring="events"}'] > c0 + 1000, 30,
             "the egress to commit on")
    check(True, "the egress reattached and commits on")

    all_alive("at the end")
    check(engine.stop(30) == 0, "engine stopped by SIGTERM with status 0")
    wait_for(lambda: (env.slot(env.inspect(), "record", recorder.pid) or {}).get("lag_frames") == 0, 60,
             "the recorder to catch up")
    rc = recorder.stop(30)
    check(rc == 0, f"recorder stopped by SIGTERM with status {rc}")
    while recorder.line(5) is not None:  # the rest of its stdout: the summary line
        pass
    summary = json.loads([t for t in recorder.lines if t.startswith("{")][-1])
    check(summary["evictions"] == 1 and summary["missed"] > 0,
          f"recorder summary: evictions {summary['evictions']}, missed {summary['missed']}")
    for p in (proc, gateway, egress):
        rc = p.stop(30)
        check(rc == 0, f"{p.name} stopped by SIGTERM with status {rc}")

    rows, _, _ = env.export(["cap"])
    seqs = sorted(set(s for s, _, _ in rows))
    holes = [(a + 1, b - 1) for a, b in zip(seqs, seqs[1:]) if b > a + 1]
    if seqs and seqs[0] > 1:
        holes.insert(0, (1, seqs[0] - 1))
    in_holes = sum(b - a + 1 for a, b in holes)
    said = [t.strip() for t in recorder.log(1 << 24).splitlines() if "record: reattached at seq" in t]
    check(len(holes) == 1 and in_holes == summary["missed"],
          f"the capture's one gap {holes} ({in_holes} frames) is what the summary's missed says ({summary['missed']})")
    check(said and f"misses seq {holes[0][0]}..{holes[0][1]} ({in_holes} frames)" in said[0],
          f"and what the recorder logged: {said}")
    truth = {1: {s: (t, sym) for s, t, sym in rows}}
    check_client_stream(a, 1, truth, lambda t, sym: t in ("TradeExecuted", "MarketStats"))
    check_client_stream(b, 1, truth, lambda t, sym: sym == "AAPL")


run(main)
