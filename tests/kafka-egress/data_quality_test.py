#!/usr/bin/python3
"""Data-quality injection (seeds/000 section 2.6) end to end: ringside-kafka-mock +
ringside-engine (realtime) + ringside-egress --config with a [data_quality] table
(duplicate 5 %, out of order 2 %, missing 1 %). Read back with kafka-python:

- the ring itself stays exact (seq 1..last, no gap);
- the seqs missing from Kafka are exactly as many as the egress counted dropped
  (so every delayed message arrived);
- the seqs present twice are exactly as many as it counted duplicated, none
  thrice, and both copies are the same message (key, value, headers);
- within a partition, seq order is broken at least once and no more often than
  messages were delayed (the producer keeps order otherwise);
- each count is its rate of the frames read, within +-30 % (3.8 to 8.8 standard
  deviations of the binomial at this test's 16,184 frames; engine and injector are
  seeded, so a run repeats the same counts);
- the dropped frames still count as done: the egress commits through the last seq.
Without the table nothing is injected: every other egress test asserts exact delivery.

usage: data_quality_test.py BIN_DIR WORK_DIR [ENGINE_SECONDS]
"""
import math

from egress_harness import DLQ, EVENT_TOPICS, check, note, run, seq_accounting, short

RATES = {"duplicated": 0.05, "delayed": 0.02, "dropped": 0.01}


def main(make, args):
    seconds = float(args[0]) if args else 5
    env = make("data-quality")
    config = env.path("egress-dq.toml")
    with open(config, "w") as f:
        f.write("[data_quality]\nenabled = true\nduplicate_rate = 0.05\nout_of_order_rate = 0.02\n"
                "missing_data_rate = 0.01\nseed = 7\n")
    mock = env.mock()
    egress = env.egress(mock.bootstrap, "--config", config)
    engine = env.engine(seconds)
    check(env.finish(engine, seconds + 60, "engine") == 0, f"engine ran {seconds} s and exited 0")
    _, last = env.complete_ring()  # the ring itself stays exact
    env.wait_committed(egress, last + 1, timeout=60)
    check(True, f"the injecting egress committed through seq {last} (dropped frames count as done)")

    m = env.metrics(egress)
    counted = {a: int(m[f'ringside_egress_data_quality_total{{action="{a}"}}']) for a in RATES}
    read = int(m['ringside_egress_frames_read_total{ring="events"}'])
    check(read == last, f"the egress read {read} frames, every one in the ring")
    note(f"injected over {read} frames: {counted}")
    for action, rate in RATES.items():
        expected = rate * read
        sd = math.sqrt(read * rate * (1 - rate))
        low, high = 0.7 * expected, 1.3 * expected
        check(low <= counted[action] <= high,
              f"{action}: {counted[action]} of {read} frames ({counted[action] / read:.4f}; rate {rate}, "
              f"allowed {low:.0f}..{high:.0f}, sd {sd:.1f})")
    got = env.consume(mock.bootstrap)
    check(not got[DLQ], f"{DLQ} is empty")
    messages = [msg for t in EVENT_TOPICS for msg in got[t]]
    seqs = [msg.seq for msg in messages]
    missing, duplicated, outside = seq_accounting(seqs, 1, last)
    check(not outside, f"no seq outside 1..{last} {short(outside)}")
    check(len(missing) == counted["dropped"],
          f"{len(missing)} seqs are missing from Kafka: what the egress counted dropped ({counted['dropped']}); "
          f"every delayed message arrived")
    twice = sorted(s for s, c in duplicated.items() if c == 2)
    more = [s for s, c in duplicated.items() if c > 2]
    check(not more, f"no seq arrived more than twice {short(more)}")
    check(len(twice) == counted["duplicated"],
          f"{len(twice)} seqs arrived twice: what the egress counted duplicated ({counted['duplicated']})")

    def same(a, b):
        keep = lambda h: {k: v for k, v in h.items() if k != "bridge_timestamp"}  # noqa: E731
        return a.key == b.key and a.value == b.value and keep(a.headers) == keep(b.headers)
    by_seq = {}
    for msg in messages:
        by_seq.setdefault(msg.seq, []).append(msg)
    differ = [s for s in twice if not all(same(by_seq[s][0], x) for x in by_seq[s][1:])]
    check(not differ, f"the copies of each duplicated seq are the same message {short(differ)}")

    # librdkafka keeps a producer's order within a partition, so a seq below one
    # before it there is a delayed message, sent after the next frame's.
    descents = 0
    for t in EVENT_TOPICS:
        newest = {}
        for msg in sorted(got[t], key=lambda x: (x.partition, x.offset)):
            if msg.seq < newest.get(msg.partition, 0):
                descents += 1
            newest[msg.partition] = max(msg.seq, newest.get(msg.partition, 0))
    check(0 < descents <= counted["delayed"],
          f"seq order is broken {descents} times within partitions: at least once, at most once per delayed "
          f"message ({counted['delayed']})")
    check(egress.stop(30) == 0, "egress stopped by SIGTERM with status 0")


run(main)
