#!/usr/bin/python3
"""Every broker down for a while, mid-stream: ringside-kafka-mock + ringside-engine
(realtime) + ringside-egress. A few seconds in, the mock takes all its brokers
down ("down all" on its stdin), brings them back ("up all") OUTAGE seconds
later; the egress's librdkafka queue is kept small (-X
queue.buffering.max.messages) so the outage also fills it and the egress holds
the ring. Checks:

- during the outage: ringside_egress_brokers_up is 0 and /healthz answers 503,
  the committed sequence stands still, the ring lag grows, the log says so;
- after it: brokers_up 1 and /healthz 200 again;
- once the engine stops: the egress commits through the ring's last seq, every
  seq 1..last is in its topic (duplicates are allowed and counted: a batch the
  broker took but whose acknowledgement was lost is sent again), and nothing is
  in dlq.raw.failed.

usage: broker_outage_test.py BIN_DIR WORK_DIR [ENGINE_SECONDS [DOWN_AT [OUTAGE]]]
"""
import time

from egress_harness import DLQ, EVENT_TOPICS, TOPIC_OF, check, note, run, seq_accounting, short, wait_for


def main(make, args):
    seconds = float(args[0]) if len(args) > 0 else 20
    down_at = float(args[1]) if len(args) > 1 else 3
    outage = float(args[2]) if len(args) > 2 else 10
    env = make("broker-outage")
    mock = env.mock()
    egress = env.egress(mock.bootstrap, "-X", "queue.buffering.max.messages=5000")
    engine = env.engine(seconds)
    egress.until_event("attached", 30)
    t_start = time.monotonic()

    committed_key = 'ringside_egress_committed_sequence{ring="events"}'
    lag_key = 'ringside_egress_ring_lag_frames{ring="events"}'
    wait_for(lambda: env.metrics(egress)[committed_key] > 1000, 20, "the first 1000 events acknowledged")
    m = env.metrics(egress)
    status, _ = env.http(egress.metrics_address, "/healthz")
    check(m["ringside_egress_brokers_up"] == 1 and status == 200,
          f"before the outage: brokers up, /healthz 200, committed seq {m[committed_key]:.0f}")

    time.sleep(max(0.0, down_at - (time.monotonic() - t_start)))
    reply = mock.command("down all")
    check(reply == "ok down all", f"kafka-mock: 'down all' -> {reply!r}")
    t_down = time.monotonic()

    def down_seen():
        s, _ = env.http(egress.metrics_address, "/healthz")
        return env.metrics(egress)["ringside_egress_brokers_up"] == 0 and s == 503
    wait_for(down_seen, outage - 1, "brokers_up 0 and /healthz 503", interval=0.1)
    check(True, f"egress reports the brokers down {time.monotonic() - t_down:.1f} s after 'down all': "
                "ringside_egress_brokers_up 0, /healthz 503")
    time.sleep(max(0.0, min(1.5, t_down + outage - 4 - time.monotonic())))
    before = env.metrics(egress)
    time.sleep(max(0.0, t_down + outage - 0.5 - time.monotonic()))
    after = env.metrics(egress)
    _, body = env.http(egress.metrics_address, "/healthz")
    check(after["ringside_egress_brokers_up"] == 0 and "brokers down" in body,
          f"still down at the end of the outage (/healthz: {body.strip()!r})")
    check(after[committed_key] == before[committed_key],
          f"committed seq stands at {after[committed_key]:.0f} while the brokers are down")
    check(after[lag_key] > before[lag_key] > 0,
          f"ring lag grows during the outage ({before[lag_key]:.0f} -> {after[lag_key]:.0f} frames); "
          f"queue depth {after['ringside_egress_queue_depth']:.0f}")

    reply = mock.command("up all")
    check(reply == "ok up all", f"kafka-mock: 'up all' -> {reply!r} after {time.monotonic() - t_down:.1f} s down")
    t_up = time.monotonic()

    def up_seen():
        s, _ = env.http(egress.metrics_address, "/healthz")
        m = env.metrics(egress)
        return m["ringside_egress_brokers_up"] == 1 and s == 200 and m[committed_key] > after[committed_key]
    wait_for(up_seen, 60, "brokers_up 1, /healthz 200 and progress after 'up all'", interval=0.1)
    check(True, f"egress delivers again {time.monotonic() - t_up:.1f} s after 'up all' (brokers_up 1, /healthz 200)")

    check(env.finish(engine, seconds + 60, "engine") == 0, f"engine ran {seconds} s and exited 0")
    truth, last = env.complete_ring()
    t0 = time.monotonic()
    c = env.wait_committed(egress, last + 1, timeout=90)
    check(True, f"egress committed through seq {last} ({time.monotonic() - t0:.1f} s after the engine stopped; "
                f"state file {c['state']})")

    got = env.consume(egress.ready["bootstrap"])
    by_seq = {e["seq"]: e for e in truth}
    misrouted = [(t, m.seq) for t in EVENT_TOPICS for m in got[t] if TOPIC_OF[by_seq[m.seq]["event_type"]] != t]
    seqs = [m.seq for t in EVENT_TOPICS for m in got[t]]
    missing, duplicated, outside = seq_accounting(seqs, 1, last)
    check(not missing and not outside,
          f"every seq 1..{last} arrived: missing {short(missing)}, outside {short(outside)}")
    check(not misrouted, f"every message in its type's topic {short(misrouted)}")
    extra = sum(c - 1 for c in duplicated.values())
    note(f"{len(seqs)} messages for {last} events: {len(duplicated)} seqs duplicated ({extra} extra copies) "
         f"{short(sorted(duplicated))}")
    check(not got[DLQ], f"{DLQ} is empty")
    m = env.metrics(egress)
    retried = sum(v for k, v in m.items() if k.startswith("ringside_egress_messages_retried_total"))
    failed = sum(v for k, v in m.items() if k.startswith("ringside_egress_messages_failed_total"))
    lost = m['ringside_egress_lost_frames_total{ring="events"}']
    note(f"metrics: retried {retried:.0f}, failed {failed:.0f}, lost {lost:.0f}")
    check(failed == 0 and lost == 0 and m["ringside_egress_dlq_failures_total"] == 0,
          "metrics: no message failed for good or was given up, no frame lost")
    log = egress.log(200000)
    check("all brokers are down" in log and "brokers reachable again" in log,
          "egress logged 'all brokers are down' and 'brokers reachable again'")
    rc = egress.stop(30)
    check(rc == 0, f"egress stopped by SIGTERM with status {rc}")


run(main)
