"""What every process test shares: failures, checks, bounded waits and a child
process whose stdout lines are read with a timeout (JSON where they can be) and
whose stderr goes to a log file. Children die with the test process, so a ctest
timeout leaves nothing behind. Used by tests/gateway and tests/kafka-egress.
"""
import ctypes
import json
import os
import select
import signal
import subprocess
import time


class TestFailure(Exception):
    pass


def stamp():
    """Wall-clock time as the children's logs write it, so a check lines up with them."""
    now = time.time()
    return time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"


def check(condition, what):
    if not condition:
        raise TestFailure(what)
    print(f"ok [{stamp()}]: {what}", flush=True)


def note(what):
    print(f"note [{stamp()}]: {what}", flush=True)


def failure_line(error):
    """The one line a failure ends its output with: CI may keep only the tail."""
    text = f"{type(error).__name__}: {error}" if not isinstance(error, TestFailure) else str(error)
    return f"[{stamp()}] {text}"[:2000]


def report_failure(line, processes):
    """The failure reason, then each child's log tail. The reason comes first as
    well as last (run() ends with it): CI may show only a part of the output."""
    print(f"FAILED (the children's log tails follow): {line}", flush=True)
    for p in processes:
        print(f"--- {p.name} ({' '.join(p.argv)}) log tail ---\n{p.log()}")


def wait_for(predicate, timeout, what, interval=0.05):
    """Polls predicate() until it returns something truthy; raises TestFailure after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise TestFailure(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def _die_with_parent():
    """In the child before exec: SIGKILL when the test process dies (a ctest timeout
    kills the test, not its children)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Process:
    """A child process whose stdout is read line by line (JSON where it can be);
    stderr goes to a log file. With stdin=True its standard input is a pipe."""

    def __init__(self, argv, env, name, log_path, stdin=False):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.stderr = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=self.stderr,
                                     stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     preexec_fn=_die_with_parent)
        self.buffer = b""
        self.lines = []  # every stdout line read so far

    @property
    def pid(self):
        return self.proc.pid

    def line(self, timeout):
        """The next stdout line (decoded), or None at timeout or end of output."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        text = line.decode(errors="replace")
        self.lines.append(text)
        return text

    def json_line(self, timeout, what):
        line = self.line(timeout)
        if line is None:
            raise TestFailure(f"{self.name} printed no {what} within {timeout} s; log:\n{self.log()}")
        try:
            return json.loads(line)
        except ValueError:
            raise TestFailure(f"{self.name}: {what} is not JSON: {line!r}") from None

    def until_event(self, event, timeout):
        """Reads stdout JSON lines until one has "event": event; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            line = self.line(max(left, 0))
            if line is None:
                raise TestFailure(f"{self.name} printed no {event!r} line within {timeout} s; "
                                  f"stdout so far {self.lines}; log:\n{self.log()}")
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if d.get("event") == event:
                return d

    def send(self, text):
        self.proc.stdin.write((text + "\n").encode())
        self.proc.stdin.flush()

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def alive(self):
        return self.proc.poll() is None

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=30):
        """SIGTERM and the exit status (None if it had to be killed)."""
        self.signal(signal.SIGTERM)
        rc = self.wait(timeout)
        if rc is None:
            self.kill()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self):
        self.kill()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass
        self.stderr.close()

    def log(self, tail=6000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-tail:]
        except OSError:
            return ""
