#!/usr/bin/python3
"""The egress's and the mock's command lines, config files and state files:

- `ringside-egress --help` and `ringside-kafka-mock --help` exit 0;
- a bad --config (unknown key, unknown table, a librdkafka property librdkafka
  refuses, a bad value) exits 2 with FILE:LINE: on stderr; a bad -X too;
- a corrupt state file stops the egress with a non-zero status naming the file
  and the line; an unwritable state directory and a bad --metrics-listen are
  refused by name;
- with no --brokers the egress starts an embedded cluster, says so on its ready
  line and in --bootstrap-file, and kcat sees the seed's topics there;
- ringside-kafka-mock answers "help", refuses an unknown command (and bad
  arguments) with "error:", creates a topic on "topic NAME N", and stops on SIGTERM.

usage: config_cli_test.py BIN_DIR WORK_DIR
"""
import json
import os
import re
import time

from egress_harness import PARTITIONS, check, note, run, wait_for

STARTS = 5  # each start of the embedded cluster takes 0..3 s (librdkafka's mock creating 8 topics)


def main(make, args):
    env = make("config-cli")
    egress_bin = f"{env.bin}/ringside-egress"
    mock_bin = f"{env.bin}/ringside-kafka-mock"
    # The error paths run against a mock of their own, not the embedded cluster
    # (which is checked on its own below).
    mock = env.mock("--brokers", "2")
    brokers = ["--brokers", mock.bootstrap]

    rc, out, _ = env.run([egress_bin, "--help"])
    check(rc == 0 and "--brokers" in out and "--max-message-bytes" in out and "--state-dir" in out,
          "ringside-egress --help exits 0 and lists its options")
    rc, out, _ = env.run([mock_bin, "--help"])
    check(rc == 0 and "down BROKER|all" in out and "error API COUNT ERROR" in out,
          "ringside-kafka-mock --help exits 0 and lists its commands")

    def bad_config(name, text, line, words):
        path = env.path(name)
        with open(path, "w") as f:
            f.write(text)
        rc, out, err = env.run([egress_bin, "--config", path, "--state-dir", env.state_dir,
                                "--metrics-listen", "off"], timeout=20)
        check(rc == 2 and f"{path}:{line}:" in err and all(w in err for w in words),
              f"--config {name}: exit {rc}, stderr names {name}:{line}: ({err.strip()[-160:]!r})")

    bad_config("unknown-key.toml", '[egress]\nformat = "json"\nbrokerz = "localhost:9092"\n', 3, ["brokerz"])
    bad_config("unknown-table.toml", '[egress]\nformat = "json"\n\n[kafkaa]\nacks = "all"\n', 4, ["kafkaa"])
    bad_config("bad-property.toml", '[egress]\nformat = "json"\n\n[kafka]\n"acks" = "all"\n"no.such.property" = "1"\n',
               6, ["no.such.property"])
    bad_config("bad-property-value.toml", '[kafka]\n"compression.type" = "zip"\n', 2, ["compression.type"])
    bad_config("bad-format.toml", '# egress\n[egress]\nformat = "avro"\n', 3, ["avro"])
    bad_config("bad-number.toml", '[egress]\nmax_message_bytes = 10\n', 2, ["max_message_bytes"])
    bad_config("syntax.toml", '[egress]\nformat = "json\n', 2, [])

    rc, _, err = env.run([egress_bin, "-X", "acks", "--metrics-listen", "off", "--state-dir", env.state_dir])
    check(rc == 2 and "NAME=VALUE" in err, f"-X without '=': exit {rc} ({err.strip()[-120:]!r})")
    rc, _, err = env.run([egress_bin, *brokers, "-X", "no.such.property=1", "--metrics-listen", "off",
                          "--state-dir", env.state_dir], timeout=30)
    check(rc != 0 and "no.such.property" in err, f"-X no.such.property=1: exit {rc} ({err.strip()[-120:]!r})")
    rc, _, err = env.run([egress_bin, "--format", "avro"])
    check(rc != 0 and "avro" in err, f"--format avro: exit {rc}")

    def corrupt_state(name, text, line, words):
        state_dir = env.path(f"state-{name}")
        os.makedirs(state_dir)
        path = os.path.join(state_dir, "egress-events.state")
        with open(path, "w") as f:
            f.write(text)
        rc, _, err = env.run([egress_bin, *brokers, "--state-dir", state_dir, "--metrics-listen", "off"], timeout=30)
        where = f"{path}:{line}:" if line else f"{path}:"
        check(rc not in (0, None) and where in err and all(w in err for w in words),
              f"state file {name}: exit {rc}, stderr names {os.path.basename(path)}"
              f"{':' + str(line) if line else ''} ({err.strip()[-200:]!r})")

    corrupt_state("not-a-number", "# ringside-egress committed position\nring=events\ngeneration=1\nnext_sequence=12x\n",
                  4, ["next_sequence", "12x"])
    corrupt_state("unknown-key", "ring=events\ncolour=blue\n", 2, ["colour"])
    corrupt_state("no-equals", "ring=events\ngeneration 1\n", 2, [])
    corrupt_state("incomplete", "ring=events\ngeneration=1\n", None, ["incomplete"])

    rc, _, err = env.run([egress_bin, *brokers, "--state-dir", "/proc/ringside-cannot-be-here", "--metrics-listen", "off"])
    check(rc not in (0, None) and "/proc/ringside-cannot-be-here" in err,
          f"an unwritable --state-dir is refused by name: exit {rc}")
    for listen, words in [("localhost", "expected HOST:PORT"), ("127.0.0.1:99999", "port must be"),
                          ("nohost:80", "not an IP address")]:
        rc, _, err = env.run([egress_bin, *brokers, "--state-dir", env.state_dir, "--metrics-listen", listen])
        check(rc not in (0, None) and f"metrics listen '{listen}'" in err and words in err,
              f"--metrics-listen {listen}: exit {rc}, {words!r}")

    # The mock's commands.
    check(mock.brokers == 2 and mock.bootstrap.count(",") == 1, f"kafka-mock --brokers 2 at {mock.bootstrap}")
    reply = mock.command("help")
    lines = [reply]
    while True:
        line = mock.line(2)
        if line is None:
            break
        lines.append(line)
        if line.strip() == "help":
            break
    check(reply == "ok" and any(l.strip().startswith("down BROKER|all") for l in lines),
          f"kafka-mock answers 'help' with ok and the command list ({len(lines)} lines)")
    for command, words in [("frobnicate", ["unknown command 'frobnicate'"]), ("down 7", ["no broker 7"]),
                           ("down", ["usage"]), ("rtt all -5", ["usage"]), ("error Fetchh 1 UNKNOWN", ["Fetchh"]),
                           ("error Produce 1 NOT_AN_ERROR", ["NOT_AN_ERROR"]), ("topic t 0", ["usage"])]:
        reply = mock.command(command)
        check(reply.startswith("error:") and all(w in reply for w in words), f"kafka-mock: {command!r} -> {reply!r}")
    for command in ["rtt 1 5", "rtt all 0", "down 2", "up 2", "error Produce 1 29"]:
        reply = mock.command(command)
        check(reply.startswith("ok"), f"kafka-mock: {command!r} -> {reply!r}")
    reply = mock.command("topic egress.test 5")
    check(reply == "ok topic egress.test 5", f"kafka-mock: 'topic egress.test 5' -> {reply!r}")
    rc, out, _ = env.run(["kcat", "-L", "-b", mock.bootstrap, "-t", "egress.test"], timeout=30)
    check(rc == 0 and 'topic "egress.test" with 5 partitions' in out, "kcat sees the new topic with 5 partitions")
    t0 = time.monotonic()
    check(mock.stop(10) == 0, f"kafka-mock stops on SIGTERM with status 0 ({time.monotonic() - t0:.1f} s)")
    # No --brokers: the embedded cluster, with the seed's topics. It must start every time
    # (its topics were once created after the producer's first metadata request had
    # auto-created them, which failed 3 starts in 10; 2 brokers made it likelier).
    starts, checked = [], False
    for i in range(STARTS):
        bootstrap_file = env.path(f"bootstrap-{i}.txt")
        p = env.start([egress_bin, "--state-dir", env.state_dir, "--metrics-listen", "127.0.0.1:0", "--bootstrap-file",
                       bootstrap_file, "--embedded-brokers", "2"], f"egress-embedded-{i}")
        line = p.line(20)
        ready = json.loads(line) if line and '"ready"' in line else None
        if ready and not checked:
            checked = True
            check(ready["embedded"] is True and ready["bootstrap"].count(",") == 1,
                  f"egress with no --brokers starts an embedded 2-broker cluster at {ready['bootstrap']}")
            def written():
                try:
                    with open(bootstrap_file) as f:
                        text = f.read()
                    return text if text.endswith("\n") else None
                except FileNotFoundError:
                    return None
            check(wait_for(written, 10, "the bootstrap file").strip() == ready["bootstrap"],
                  "--bootstrap-file holds the same address")
            rc, out, err = env.run(["kcat", "-L", "-b", ready["bootstrap"]], timeout=30)
            topics = dict((m.group(1), int(m.group(2)))
                          for m in re.finditer(r'topic "([^"]+)" with (\d+) partitions', out))
            check(rc == 0 and all(topics.get(t) == n for t, n in PARTITIONS.items()),
                  f"kcat -L on the embedded cluster lists the seed's topics and partitions {topics}")
        rc = p.stop(20)
        starts.append((ready is not None, rc))
        if ready is None or rc != 0:
            note(f"embedded start {i}: exit {rc}, stdout {line!r}, log: {p.log(400).strip()[-200:]!r}")
    check(all(ready and rc == 0 for ready, rc in starts),
          f"the embedded cluster starts (ready line, then exit 0 on SIGTERM) {STARTS} times out of {STARTS}: {starts}")


run(main)
