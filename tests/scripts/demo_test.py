#!/usr/bin/python3
"""scripts/demo, run as a user runs it: it must stop cleanly after --duration,
and on Ctrl-C (SIGINT to its whole process group, as a terminal sends it),
leaving every process it started stopped and a valid event file behind.

usage: demo_test.py REPO BUILD_DIR WORK_DIR
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

repo, build, work = sys.argv[1], sys.argv[2], sys.argv[3]
failures = 0
passes = 0


def check(condition, what, output=""):
    global failures, passes
    if condition:
        passes += 1
        print(f"ok: {what}")
    else:
        failures += 1
        print(f"FAILED: {what}\n--- output ---\n{output}\n---")


def demo(args, out_dir):
    env = dict(os.environ, RINGSIDE_BUILD_DIR=build, RINGSIDE_DEMO_DIR=out_dir)
    # A new session: the test can signal the demo's process group like a terminal does.
    return subprocess.Popen([f"{repo}/scripts/demo", "--no-build", *args], cwd=repo, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def no_stragglers(pgid):
    try:
        os.killpg(pgid, 0)
        return False
    except ProcessLookupError:
        return True


# 1. --duration (long enough for a line of the live status, printed every 5 s off a terminal)
out = tempfile.mkdtemp(dir=work)
p = demo(["--duration", "6"], out)
start = time.monotonic()
output, _ = p.communicate(timeout=60)
elapsed = time.monotonic() - start
check(p.returncode == 0, f"--duration 6 exits 0 (rc {p.returncode})", output)
check(5.5 < elapsed < 40, f"--duration 6 stops after about 6 s ({elapsed:.1f} s)", output)
check(re.search(r"events: [\d,]+ events/s .* \| lag .*record \d.* \| clients \d+ \| kafka acks [\d,]+", output),
      "prints the live status: events/s, lag per reader, clients, Kafka acks", output)
check("started engine" in output and "started recorder" in output and "where to look" in output,
      "says what it started and where to look", output)
check("stopped engine" in output and "stopped recorder" in output and "stopped gateway" in output,
      "stops what it started", output)
check("== cores" in output and ("--cpu 1" in output or "nothing pinned" in output),
      "pins the engine's matching thread to a core of its own (or says why not)", output)
check("started kafka egress" in output and "Kafka (embedded) bootstrap:" in output,
      "starts the Kafka egress on an embedded Kafka and says how to consume", output)
check("stopped kafka egress" in output and "acknowledged by Kafka" in output,
      "stops the egress, which reports what Kafka acknowledged", output)
check("started processors" in output and "stopped processors" in output and "--ring analytics" in output,
      "starts ringside-proc's five jobs and feeds their ring to the egress", output)
check("0 failed" in output, "the events it recorded validate against the schema", output)
published = re.search(r"engine: (\d+) events published", output)
recorded = re.search(r"recorder: (\d+) of them recorded", output)
check(published and recorded and published.group(1) == recorded.group(1) and int(published.group(1)) > 0,
      "the recorder holds every event the engine published", output)
check(no_stragglers(p.pid), "no process of the demo is left running")
check(os.path.getsize(f"{out}/events.ndjson") > 0, "events file written")

# 2. Ctrl-C
out = tempfile.mkdtemp(dir=work)
p = demo([], out)
seen = ""
deadline = time.monotonic() + 60
while "Ctrl-C stops" not in seen and time.monotonic() < deadline:
    line = p.stdout.readline()
    if not line:
        break
    seen += line
time.sleep(1.0)
os.killpg(p.pid, signal.SIGINT)
rest, _ = p.communicate(timeout=60)
output = seen + rest
check(p.returncode == 0, f"Ctrl-C exits 0 (rc {p.returncode})", output)
check("stopped engine" in output and "== summary" in output, "Ctrl-C stops cleanly with a summary", output)
check(no_stragglers(p.pid), "no process of the demo is left running after Ctrl-C")

# 3. bad options are refused with a message
r = subprocess.run([f"{repo}/scripts/demo", "--no-build", "--duration", "soon"], cwd=repo,
                   capture_output=True, text=True, env=dict(os.environ, RINGSIDE_BUILD_DIR=build))
check(r.returncode == 2 and "--duration takes whole seconds" in r.stderr, "bad --duration is refused", r.stderr)

print(f"{passes} passed, {failures} failed")
sys.exit(1 if failures else 0)
