#!/usr/bin/python3
"""Writer restarts: the ring's generation changes under the egress.

1. A running egress follows the engine across a restart: ringside-engine runs,
   stops, runs again on the same ring (generation 2, seqs from 1 again). Every
   event of both generations is in Kafka exactly once, told apart by the
   "generation" header; the state file ends at generation 2.
2. A stopped egress across a restart: the egress stops (state file at
   generation 2), the engine runs a third time, the egress starts again: it warns
   that its state file is for an older generation and sends generation 3 from
   its oldest frame, every seq once.

usage: engine_restart_test.py BIN_DIR WORK_DIR [ENGINE_SECONDS]
"""
from egress_harness import DLQ, EVENT_TOPICS, TOPIC_OF, check, run, seq_accounting, short


def main(make, args):
    seconds = float(args[0]) if args else 2
    env = make("engine-restart")
    mock = env.mock()
    egress = env.egress(mock.bootstrap)
    truth = {}  # generation -> {seq: event}

    def run_engine(seed, egress=None):
        """Runs the engine to its end; with a running egress, also until it committed everything.
        Returns the egress's "attached" line for the new generation (None without one)."""
        engine = env.engine(seconds, "--seed", str(seed), name=f"engine-{seed}")
        attached = egress.until_event("attached", 30) if egress else None
        check(env.finish(engine, seconds + 60, "engine") == 0, f"engine (seed {seed}) ran {seconds} s and exited 0")
        events, _ = env.ring_events()
        generation = len(truth) + 1
        check(events[0]["seq"] == 1 and len(events) == events[-1]["seq"],
              f"generation {generation}: the ring holds seq 1..{events[-1]['seq']}")
        truth[generation] = {e["seq"]: e for e in events}
        if egress:
            check(attached["generation"] == generation and attached["resume_sequence"] == 1,
                  f"the running egress attached to generation {generation} from seq 1")
            wait_done(egress, generation)
        return attached

    def wait_done(egress, generation):
        last = len(truth[generation])
        env.wait_committed(egress, last + 1, timeout=60)
        state = env.state()
        check(state.get("generation") == generation and state.get("next_sequence") == last + 1,
              f"state file: generation {generation}, next_sequence {last + 1} ({state})")

    run_engine(1, egress)
    run_engine(2, egress)
    check(egress.stop(30) == 0, "egress stopped by SIGTERM with status 0")

    run_engine(3)  # while no egress runs
    second = env.egress(mock.bootstrap, name="egress-2")
    a3 = second.until_event("attached", 30)
    check(a3["generation"] == 3 and a3["resume_sequence"] == 1,
          f"the restarted egress starts generation {a3['generation']} from seq {a3['resume_sequence']}")
    check("the state file is for generation 2" in second.log(200000),
          "it warned that its state file was for generation 2")
    wait_done(second, 3)

    got = env.consume(mock.bootstrap)
    by_generation = {}
    wrong = []
    for t in EVENT_TOPICS:
        for m in got[t]:
            g = int(m.headers["generation"])
            by_generation.setdefault(g, []).append(m.seq)
            e = truth.get(g, {}).get(m.seq)
            if e is None or TOPIC_OF[e["event_type"]] != t or m.headers["event_type"] != e["event_type"]:
                wrong.append((t, g, m.seq))
    check(sorted(by_generation) == sorted(truth), f"messages of generations {sorted(by_generation)}")
    for g, events in truth.items():
        missing, duplicated, outside = seq_accounting(by_generation.get(g, []), 1, len(events))
        check(not missing and not duplicated and not outside,
              f"generation {g}: seq 1..{len(events)} exactly once (missing {short(missing)}, "
              f"duplicated {short(duplicated)}, outside {short(outside)})")
    check(not wrong, f"every message is its generation's event, in its type's topic {short(wrong)}")
    check(not got[DLQ], f"{DLQ} is empty")
    check(second.stop(30) == 0, "second egress stopped by SIGTERM with status 0")


run(main)
