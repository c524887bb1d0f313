#!/usr/bin/python3
"""No free hugepages at start (tests/faults/README.md, case 5). With
/proc/sys/vm/nr_hugepages 0 (the test never changes it: when 2 MiB pages are
free, it is skipped, exit 77) and a hugetlbfs mounted for the test
(RINGSIDE_HUGE_DIR; where mounting is not permitted, the case of no mount at all):

1. `ringside-engine --backing huge` refuses by itself (status 1, no signal) with
   a message naming the ring and why (0 free 2 MiB hugepages, N needed / no
   hugetlbfs mount), and leaves no ring behind;
2. `--backing auto` falls back to /dev/shm and says so: its log names the backing
   it got and why, `ringside inspect --json` says "shm", and it runs to its end
   with status 0.

usage: hugepages_test.py BIN_DIR WORK_DIR
"""
import json
import os
import subprocess
import sys

from faults_harness import SKIP, check, note, run


def meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def main(make, args):
    with open("/proc/sys/vm/nr_hugepages") as f:
        nr = int(f.read())
    free = meminfo("HugePages_Free")
    if free > 0:
        print(f"SKIP: {free} free hugepages (nr_hugepages {nr}); the test does not take them from others", flush=True)
        sys.exit(SKIP)
    note(f"nr_hugepages {nr}, HugePages_Free {free}")
    env = make("hugepages")
    huge = env.path("hugetlbfs")
    os.makedirs(huge)
    r = subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "none", huge], capture_output=True, text=True)
    mounted = r.returncode == 0
    if mounted:
        env.env["RINGSIDE_HUGE_DIR"] = huge
        reason = "0 free 2 MiB hugepages, "
    else:
        note(f"cannot mount hugetlbfs ({r.stderr.strip()}): the no-mount case")
        env.env.pop("RINGSIDE_HUGE_DIR", None)
        reason = None  # "no hugetlbfs mount ..." or "... is not on hugetlbfs", whichever this host has
    try:
        argv = [f"{env.bin}/ringside-engine", "--ring", "events", "--ring-mib", "4", "--duration", "2",
                "--status-interval", "0", "--no-order-entry"]
        rc, _, err = env.run(argv + ["--backing", "huge"], timeout=60)
        check(rc is not None and rc > 0, f"--backing huge: exits with status {rc} by itself (not a signal)")
        lines = [t for t in err.splitlines() if "hugetlbfs backing requested but unavailable" in t
                 and os.path.join(env.rings, "events") in t and (reason is None or reason in t)]
        check(lines, f"--backing huge says: {lines[0].strip() if lines else err.strip()[-300:]!r}")
        check(not os.path.exists(os.path.join(env.rings, "events")), "no ring left behind")
        check(not mounted or not os.listdir(huge), "nothing left on the hugetlbfs mount")

        p = env.start(argv + ["--backing", "auto"], "engine-auto")
        env.wait_ring()
        info = json.loads(env.run([f"{env.bin}/ringside", "inspect", "events", "--json", "--interval", "0"],
                                  timeout=30, check_rc=0)[1])
        check(info["backing"] == "shm", f"--backing auto: the ring is backed by {info['backing']!r} (ringside inspect)")
        rc = env.finish(p, 60, "engine --backing auto")
        check(rc == 0, f"--backing auto runs to its end with status {rc}")
        log = p.log(1 << 20)
        lines = [t for t in log.splitlines() if "backing shared memory (/dev/shm)" in t
                 and (reason is None or reason in t)]
        check(lines, f"--backing auto logs the backing it got and why: {lines[0].strip()[:300] if lines else log[-300:]!r}")
    finally:
        if mounted:
            subprocess.run(["umount", huge], capture_output=True)


run(main)
