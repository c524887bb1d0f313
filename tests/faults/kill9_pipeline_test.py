#!/usr/bin/python3
"""kill -9 and restart of every process of the pipeline in turn, under load.

The whole pipeline runs (tests/faults/README.md, case 1): ringside-engine with 4x
the default agents and a 10 ms tick (about 12,000 events/s; --long: 10x), ringside-proc
(five jobs -> ring analytics), `ringside record events --wait`, ringside-gateway
with two python3-websockets clients, ringside-egress into a ringside-kafka-mock
cluster, on a 4 MiB ring (about 4 s of events). Then, one at a time with load in between: the recorder, the egress, the
gateway, the processor and last the engine are killed with SIGKILL and started
again. Checks:

- nothing else dies: every other process is alive after each kill, and at the end
  each one stops on SIGTERM with status 0;
- the recorder: the capture of the killed one (exported; a torn tail is skipped and
  reported, never a crash) plus the restarted one's hold every seq of generation 1
  and 2 (the dead recorder's lossless slot kept the frames it had not read until
  the writer needed their space and evicted it: the dead recorder's and egress's
  slots end evicted, and nothing else);
- the egress: the restart resumes at the state file's committed position, and
  Kafka holds every seq 1..last of both engine generations (seq and generation
  headers; duplicates allowed, counted);
- the gateway clients: per generation, every event of their subscription between
  their first and last one, in order, except inside explicitly reported gaps
  (compared with the recording); clients of the killed gateway see the connection
  end, the restarted gateway serves new ones;
- the engine restart: a new generation (2), which the recorder, the processor,
  the gateway (and its clients: a `ring` notice) and the egress each report and
  follow.

usage: kill9_pipeline_test.py BIN_DIR WORK_DIR [--long]
"""
import signal
import time

from faults_harness import (DLQ, Load, check, check_alive, check_client_stream, note, run,
                            seq_accounting, short, wait_for)

TRADES_AND_STATS = {"channels": ["TradeExecuted", "MarketStats"]}
AAPL_ALL = {"channels": ["*"], "symbols": ["AAPL"]}


def wanted_trades(event_type, symbol):
    return event_type in ("TradeExecuted", "MarketStats")


def wanted_aapl(event_type, symbol):
    return symbol == "AAPL"


def main(make, args):
    load = Load(args)
    env = make("kill9-pipeline")
    note(f"load: agents x{load.scale}, 10 ms tick, {load.phase} s between injections"
         f"{' (--long)' if load.long else ''}")
    config = env.load_config(load.scale)
    mock = env.mock_with_topics(load)

    live = {}  # role -> Process: the ones that must stay alive

    def all_alive(what):
        check_alive(live, f"{what} ({', '.join(sorted(live))})")

    def run_load(what):
        t_end = time.monotonic() + load.phase
        while time.monotonic() < t_end:
            dead = [role for role, p in live.items() if not p.alive()]
            if dead:
                check(False, f"{what}: {dead} died")
            time.sleep(0.1)

    def kill(role):
        p = live.pop(role)
        p.signal(signal.SIGKILL)
        rc = p.wait(10)
        check(rc == -signal.SIGKILL, f"{p.name} killed with SIGKILL (status {rc})")
        all_alive(f"after kill -9 of the {role}")
        return p

    live["egress"] = env.egress(mock.bootstrap, name="egress-1")
    live["recorder"] = env.recorder("cap1", name="recorder-1")
    live["gateway"] = gateway = env.gateway(name="gateway-1")
    live["proc"] = env.proc(name="proc-1")
    live["engine"] = env.pipeline_engine(config, ring_mib=load.ring_mib(4), name="engine-1")
    a = live["egress"].until_event("attached", 30)
    check(a["generation"] == 1 and a["resume_sequence"] == 1, "egress-1 attached to generation 1 from seq 1")
    env.wait_gateway_attached(gateway, 1)
    clients = [env.client(gateway, "A1", TRADES_AND_STATS), env.client(gateway, "B1", AAPL_ALL)]
    client_generation = {"A1": 1, "B1": 1}
    env.log_has(live["recorder"], "record: ring 'events' generation 1 ->")
    env.log_has(live["proc"], "proc:", timeout=30)
    t0 = time.monotonic()
    p0 = env.inspect()["counters"]["frames_published"]
    run_load("load before the first kill")
    p1 = env.inspect()["counters"]["frames_published"]
    note(f"engine rate: {(p1 - p0) / (time.monotonic() - t0):.0f} events/s")

    # 1. the recorder, once the ring has wrapped: its successor cannot start at seq 1
    wait_for(lambda: env.inspect()["counters"]["head_position"] > 0, 60, "the ring to wrap")
    dead_lossless = [("record", kill("recorder").pid)]
    live["recorder"] = env.recorder("cap2", name="recorder-2")
    env.log_has(live["recorder"], "record: ring 'events' generation 1 ->")
    records = [r for r in env.inspect()["readers"] if r["name"] == "record"]
    note(f"'record' slots after the restart (pid, state, alive): {[(r['pid'], r['state'], r['alive']) for r in records]}")
    run_load("load after the recorder restart")

    # 2. the egress
    dead_lossless.append(("egress", kill("egress").pid))
    committed = env.state()["next_sequence"]
    live["egress"] = env.egress(mock.bootstrap, name="egress-2")
    a = live["egress"].until_event("attached", 30)
    check(a["generation"] == 1 and a["resume_sequence"] == committed,
          f"egress-2 resumes generation 1 at the committed seq {committed} (attached: {a})")
    run_load("load after the egress restart")

    # 3. the gateway: its clients lose the connection, the new one serves new clients
    kill("gateway")
    wait_for(lambda: all(c.ended for c in clients), 30, "the clients of the killed gateway to see the end")
    note(f"clients of gateway-1: {[(c.name, c.ended) for c in clients]}")
    live["gateway"] = gateway = env.gateway(name="gateway-2")
    env.wait_gateway_attached(gateway, 1)
    clients += [env.client(gateway, "A2", TRADES_AND_STATS), env.client(gateway, "B2", AAPL_ALL)]
    client_generation.update(A2=1, B2=1)
    run_load("load after the gateway restart")

    # 4. the processor: a new generation of its output ring
    analytics_before = env.inspect("analytics")["generation"]
    kill("proc")
    live["proc"] = env.proc(name="proc-2")
    wait_for(lambda: env.inspect("analytics")["generation"] == analytics_before + 1
             and env.inspect("analytics")["writer"]["alive"], 30, "proc-2's analytics ring")
    run_load("load after the processor restart")
    check(env.inspect("analytics")["counters"]["frames_published"] > 0,
          f"proc-2 writes analytics generation {analytics_before + 1}")

    # The dead lossless readers' slots held the writer until it needed their frames'
    # space, then it evicted them (their pids are gone); nothing else was evicted.
    def dead_evicted():
        info = env.inspect()
        slots = [env.slot(info, name, pid) for name, pid in dead_lossless]
        return info if all(sl and sl["state"] == "evicted" for sl in slots) else None
    info = wait_for(dead_evicted, 60, "the writer to evict the dead recorder's and egress's slots", interval=0.2)
    check(info["counters"]["evictions"] == 2,
          f"the writer evicted the dead recorder's and egress's slots, nothing else "
          f"(evictions {info['counters']['evictions']})")

    # 5. the engine: generation 2
    kill("engine")
    info = env.inspect()
    last1 = info["counters"]["next_sequence"] - 1
    check(info["writer"]["state"] == "dead" and info["generation"] == 1,
          f"the ring shows its writer dead after {last1} events of generation 1")
    live["engine"] = env.pipeline_engine(config, ring_mib=load.ring_mib(4), name="engine-2", seed=2)
    a = live["egress"].until_event("attached", 60)
    check(a["generation"] == 2 and a["resume_sequence"] == 1, f"egress-2 follows generation 2 from seq 1 ({a})")
    env.wait_gateway_attached(gateway, 2)
    check(True, "gateway-2 attached generation 2 (/healthz)")
    env.log_has(live["recorder"], "record: ring 'events' restarted (generation 1 -> 2)")
    env.log_has(live["proc"], "proc: ring 'events' has a new writer")
    env.log_has(live["gateway"], "ring 'events': attached, generation 2")
    for c in clients[2:]:
        wait_for(lambda: any(m.get("type") == "ring" and m.get("state") == "attached" and m.get("generation") == 2
                             for m in c.messages), 30, f"client {c.name}'s notice of generation 2")
    check(True, "the clients of gateway-2 got a 'ring' notice: attached, generation 2")
    run_load("load on generation 2")

    # The end: the engine stops, everyone catches up, then stops by SIGTERM.
    engine = live.pop("engine")
    check(engine.stop(30) == 0, "engine-2 stopped by SIGTERM with status 0")
    info = env.inspect()
    last2 = info["counters"]["next_sequence"] - 1
    check(info["generation"] == 2 and info["writer"]["state"] == "closed", f"generation 2 closed after {last2} events")
    all_alive("after the engine stopped")
    env.wait_committed(live["egress"], last2 + 1, timeout=120)
    check(env.state().get("generation") == 2, f"egress-2 committed generation 2 through seq {last2}")
    wait_for(lambda: (env.slot(env.inspect(), "record", live["recorder"].pid) or {}).get("lag_frames") == 0, 60,
             "recorder-2 to catch up")
    wait_for(lambda: env.healthz(gateway)[1]["rings"][0].get("lag") == 0, 30, "gateway-2 to catch up")
    time.sleep(1.0)  # what the gateway read is on its way to the clients (checked below, not a timing assertion)
    for c in clients:
        c.stop()
    m = env.metrics(live["egress"])
    check(m['ringside_egress_ring_generation{ring="events"}'] == 2, "egress metrics: ring generation 2")
    check(m['ringside_egress_lost_frames_total{ring="events"}'] == 0, "egress-2: no frame lost")
    for role in ("recorder", "proc", "gateway", "egress"):
        p = live.pop(role)
        rc = p.stop(30)
        check(rc == 0, f"{p.name} stopped by SIGTERM with status {rc}")

    # The recording: the killed recorder's capture (maybe torn) plus the restarted one's.
    rows1, err1, rc1 = env.export(["cap1"], expect_rc=(0, 2))
    skipped = [line.strip() for line in err1.splitlines() if "skipped" in line or "damaged" in line]
    check(rc1 == 0 or skipped, f"export of the killed recorder's capture: status {rc1}, "
                               f"{len(rows1)} frames, damage reported: {skipped or 'none'}")
    rows2, _, _ = env.export(["cap2"])
    check(all(s <= last1 for s, _, _ in rows1), "the killed recorder's capture is of generation 1")
    truth = {1: {}, 2: {}}
    for s, t, sym in rows1:
        truth[1][s] = (t, sym)
    generation, previous = 1, 0
    gen1_of_cap2 = set()
    for s, t, sym in rows2:
        if s <= previous:
            generation += 1
        previous = s
        truth[generation][s] = (t, sym)
        if generation == 1:
            gen1_of_cap2.add(s)
    check(generation == 2, "the restarted recorder's capture holds generations 1 and 2")
    for g, last in ((1, last1), (2, last2)):
        missing, _, outside = seq_accounting(list(truth[g]), 1, last)
        check(not missing and not outside, f"recordings together: generation {g} seq 1..{last} complete "
                                           f"(missing {short(missing)}, outside {short(outside)})")
    both = set(s for s, _, _ in rows1) & gen1_of_cap2
    check(rows2[0][0] > 1, f"the restarted recorder started at seq {rows2[0][0]} (the oldest in the ring): "
                           f"seq 1..{rows2[0][0] - 1} are only in the killed one's capture")
    note(f"captures: {len(rows1)} + {len(rows2)} frames, overlap in generation 1: {len(both)} seqs")

    # Kafka
    got, dlq = env.kafka_seqs(mock.bootstrap)
    check(sorted(got) == [1, 2], f"Kafka holds generations {sorted(got)}")
    for g, last in ((1, last1), (2, last2)):
        missing, duplicated, outside = seq_accounting(got.get(g, []), 1, last)
        extra = sum(c - 1 for c in duplicated.values())
        check(not missing and not outside, f"Kafka: generation {g} every seq 1..{last} (missing {short(missing)}, "
                                           f"outside {short(outside)}); {len(duplicated)} seqs duplicated "
                                           f"({extra} extra copies)")
        check(max(duplicated.values(), default=1) <= 2, f"generation {g}: no seq more than twice")
    check(dlq == 0, f"{DLQ} is empty")

    # The gateway clients
    for c in clients:
        w = wanted_trades if c.name.startswith("A") else wanted_aapl
        gaps = check_client_stream(c, client_generation[c.name], truth, w)
        note(f"client {c.name}: {len(c.events())} events, gaps {gaps}, ended: {c.ended}")
    check(all(len(c.events()) > 0 for c in clients), "every client got events")


run(main)
