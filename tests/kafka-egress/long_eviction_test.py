#!/usr/bin/python3
"""An egress evicted for longer than its delivery window (262,144 frames) with
frames still in flight: ringside-kafka-mock + ringside-egress + egress-test-writer
(a 4 MiB ring, written as fast as the egress takes it). Once the egress has
committed 20,000 frames every broker goes down ("down all"), so that the frames
it sends from then on stay in flight; a second later the egress is stopped
(SIGSTOP), the writer evicts it after the ring's reader timeout and writes the
rest of its 400,000 frames, far more than the ring and the window hold; the
egress is continued (SIGCONT) while the brokers are still down, then they come
back ("up all"). Checks:

- the egress says it was evicted, with how many frames it had in flight;
- while those frames are unacknowledged its committed position stays where it
  was: the frames read on re-attaching lie past the window's capacity and wait
  (an egress whose window wrapped over them counted them finished, and committed
  past frames Kafka never had);
- once the brokers are back it counts the frames overwritten meanwhile as lost
  (the metric and its log name the seqs) and commits through the writer's last
  seq.

usage: long_eviction_test.py BIN_DIR WORK_DIR
"""
import re
import signal
import time

from egress_harness import check, note, run, wait_for

FRAMES = 400_000
STOP_AFTER = 20_000


def main(make, args):
    env = make("long-eviction")
    mock = env.mock()
    egress = env.egress(mock.bootstrap)
    writer = env.writer("events", "--count", str(FRAMES), "--linger-ms", "120000", "--wait-readers", "1")
    egress.until_event("attached", 30)
    key = 'ringside_egress_committed_sequence{ring="events"}'
    wait_for(lambda: env.metrics(egress)[key] > STOP_AFTER, 60, f"the egress to commit past seq {STOP_AFTER}")
    check(mock.command("down all") == "ok down all", "every broker down")
    time.sleep(1)
    egress.signal(signal.SIGSTOP)
    done = writer.until_event("done", 120)
    last = done["last_seq"]
    check(last == FRAMES, f"the writer evicted the stopped egress and wrote all {FRAMES} frames")
    egress.signal(signal.SIGCONT)

    wait_for(lambda: "the writer evicted the egress (" in egress.log(1 << 24), 30, "the egress to say it was evicted")
    said = [t for t in egress.log(1 << 24).splitlines() if "the writer evicted the egress" in t][0]
    in_flight = int(re.search(r"(\d+) in flight", said).group(1))
    check(in_flight > 0, f"the egress says: {said[said.find('ring'):].strip()!r}")
    held = env.metrics(egress)[key]
    time.sleep(3)
    still = env.metrics(egress)[key]
    check(still == held and still < last - 262_144,
          f"with its {in_flight} frames in flight unacknowledged, the committed position stays at seq {held:.0f} "
          f"(after 3 s: {still:.0f})")

    check(mock.command("up all") == "ok up all", "every broker back")
    env.wait_committed(egress, last + 1, timeout=90)
    check(True, f"the egress committed through seq {last}")
    lost_lines = [t for t in egress.log(1 << 24).splitlines() if "were overwritten before the egress read them" in t]
    check(len(lost_lines) == 1, f"one lost-frames line: {lost_lines[0].strip()[:220] if lost_lines else ''!r}")
    m = re.search(r"(\d+) frames \(seq (\d+)\.\.(\d+)\)", lost_lines[0])
    lost, first, end = int(m.group(1)), int(m.group(2)), int(m.group(3))
    metric = env.metrics(egress)['ringside_egress_lost_frames_total{ring="events"}']
    check(lost == end - first + 1 and metric == lost, f"lost frames: seq {first}..{end} ({lost}), the metric says {metric:.0f}")
    check(egress.stop(30) == 0, "egress stopped by SIGTERM with status 0")
    writer.signal(signal.SIGTERM)


run(main)
