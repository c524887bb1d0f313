#!/usr/bin/python3
"""A crash and a restart lose nothing: ringside-kafka-mock + ringside-engine
(realtime) + ringside-egress; a few seconds in the egress is killed with
SIGKILL, and the committed position is read from its state file right away; a
couple of seconds later a new egress starts with the same --state-dir. Checks:

- the new egress resumes at the committed position (its "attached" line and log);
- once the engine stops, every seq 1..last is in its topic;
- duplicates (messages Kafka took but the dead egress had not committed) are
  only of seqs at or after the committed position read after the kill;
- nothing is in dlq.raw.failed, no frame was lost.

usage: kill9_restart_test.py BIN_DIR WORK_DIR [ENGINE_SECONDS [KILL_AT [DOWN_FOR]]]
"""
import signal
import time

from egress_harness import DLQ, EVENT_TOPICS, TOPIC_OF, check, note, run, seq_accounting, short, wait_for


def main(make, args):
    seconds = float(args[0]) if len(args) > 0 else 15
    kill_at = float(args[1]) if len(args) > 1 else 4
    down_for = float(args[2]) if len(args) > 2 else 2
    env = make("kill9-restart")
    mock = env.mock()
    first = env.egress(mock.bootstrap, name="egress-1")
    engine = env.engine(seconds)
    a = first.until_event("attached", 30)
    check(a["resume_sequence"] == 1, "first egress attached from seq 1")
    t_attach = time.monotonic()
    wait_for(lambda: env.state().get("next_sequence", 0) > 1000, 20, "a committed position past seq 1000")
    time.sleep(max(0.0, kill_at - (time.monotonic() - t_attach)))

    first.signal(signal.SIGKILL)
    check(first.wait(10) == -signal.SIGKILL, "first egress killed with SIGKILL")
    committed = env.state()["next_sequence"]
    check(committed > 1000, f"state file after the kill: next_sequence {committed}")
    time.sleep(down_for)

    second = env.egress(mock.bootstrap, name="egress-2")
    a = second.until_event("attached", 30)
    check(a["resume_sequence"] == committed and a["generation"] == env.state()["generation"],
          f"second egress resumes at seq {committed} of generation {a['generation']}")
    check(env.finish(engine, seconds + 60, "engine") == 0, f"engine ran {seconds} s and exited 0")
    truth, last = env.complete_ring()
    env.wait_committed(second, last + 1, timeout=60)
    check(True, f"second egress committed through seq {last}")
    check(f"resuming at seq {committed}" in second.log(200000), f"second egress logged 'resuming at seq {committed}'")

    got = env.consume(mock.bootstrap)
    by_seq = {e["seq"]: e for e in truth}
    seqs = [m.seq for t in EVENT_TOPICS for m in got[t]]
    missing, duplicated, outside = seq_accounting(seqs, 1, last)
    check(not missing and not outside, f"every seq 1..{last} arrived: missing {short(missing)}, outside {short(outside)}")
    misrouted = [(t, m.seq) for t in EVENT_TOPICS for m in got[t] if TOPIC_OF[by_seq[m.seq]["event_type"]] != t]
    check(not misrouted, f"every message in its type's topic {short(misrouted)}")
    early = sorted(s for s in duplicated if s < committed)
    extra = sum(c - 1 for c in duplicated.values())
    note(f"{len(seqs)} messages for {last} events; {len(duplicated)} seqs duplicated ({extra} extra copies), "
         f"range {min(duplicated) if duplicated else '-'}..{max(duplicated) if duplicated else '-'}; "
         f"committed position at the kill {committed}")
    check(not early, f"every duplicated seq is >= the committed position {committed} read after the kill "
                     f"(below it: {short(early)})")
    check(max(duplicated.values(), default=1) <= 2, "no seq arrived more than twice")
    check(not got[DLQ], f"{DLQ} is empty")
    m = env.metrics(second)
    check(m['ringside_egress_lost_frames_total{ring="events"}'] == 0 and m["ringside_egress_dlq_failures_total"] == 0,
          "second egress: no frame lost, no message given up")
    check(second.stop(30) == 0, "second egress stopped by SIGTERM with status 0")


run(main)
