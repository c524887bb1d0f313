#!/usr/bin/python3
"""A ring directory the engine cannot use (tests/faults/README.md, case 4):

1. full: RINGSIDE_SHM_DIR on a 2 MiB tmpfs, a 16 MiB ring: the engine refuses
   with a message naming the file and the problem (No space left on device),
   exits non-zero by itself (no signal: not SIGBUS on the first touch of a page
   the filesystem could not give), and leaves no half-built ring file behind;
   a ring that fits (1 MiB) on the same tmpfs works;
2. read-only: the directory on a tmpfs mounted read-only: refused naming it
   (Read-only file system);
3. not writable: a 0555 directory, the engine run as nobody (root ignores
   permission bits): refused naming the file (Permission denied).

Mounting needs root (CAP_SYS_ADMIN): without it the test is skipped (exit 77).

usage: ring_dir_test.py BIN_DIR WORK_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile

from faults_harness import SKIP, check, note, run


def main(make, args):
    env = make("ring-dir")
    mounts = []
    cleanup = []

    def mount(where, options):
        os.makedirs(where, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", where], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"SKIP: cannot mount a tmpfs ({r.stderr.strip()}): needs root", flush=True)
            sys.exit(SKIP)
        mounts.append(where)

    def engine(ring_dir, ring_mib, user=None):
        argv = [f"{env.bin}/ringside-engine", "--ring", "events", "--ring-mib", str(ring_mib), "--duration", "1",
                "--status-interval", "0", "--no-order-entry", "--backing", "shm"]
        if user:
            argv = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", *argv]
        e = dict(env.env, RINGSIDE_SHM_DIR=ring_dir)
        r = subprocess.run(argv, env=e, capture_output=True, text=True, timeout=60)
        return r.returncode, r.stderr

    def refused(rc, err, what, *needles):
        check(rc is not None and rc > 0, f"{what}: the engine exits with status {rc} by itself (not a signal)")
        lines = [t for t in err.splitlines() if all(n in t for n in needles)]
        check(lines, f"{what}: it says {lines[0].strip() if lines else err.strip()[-300:]!r}")

    try:
        # 1. a full filesystem
        small = env.path("small")
        mount(small, "size=2M,mode=0755")
        rings = os.path.join(small, "rings")
        rc, err = engine(rings, 16)
        refused(rc, err, "16 MiB ring on a 2 MiB tmpfs", rings, "No space left on device")
        left = os.listdir(rings) if os.path.isdir(rings) else []
        check(not left, f"no ring file left behind in {rings} ({left})")
        rc, err = engine(rings, 1)
        check(rc == 0, f"a 1 MiB ring on the same tmpfs works (status {rc})")

        # 2. a read-only filesystem
        ro = env.path("ro")
        mount(ro, "ro,size=1M")
        rc, err = engine(os.path.join(ro, "rings"), 1)
        refused(rc, err, "ring directory on a read-only tmpfs", os.path.join(ro, "rings"), "Read-only file system")

        # 3. a directory the engine's user cannot write
        runs = shutil.which("setpriv") and os.geteuid() == 0 and subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", f"{env.bin}/ringside-engine", "--help"],
            capture_output=True).returncode == 0
        if runs:
            locked = tempfile.mkdtemp(prefix="ringside-faults-locked-")
            cleanup.append(locked)
            os.chmod(locked, 0o755)
            os.makedirs(os.path.join(locked, "rings"))
            os.chmod(os.path.join(locked, "rings"), 0o555)
            rc, err = engine(os.path.join(locked, "rings"), 1, user="nobody")
            refused(rc, err, "a 0555 ring directory, the engine run as nobody", os.path.join(locked, "rings"),
                    "Permission denied")
        else:
            note("not root, no setpriv, or nobody cannot run the engine: the permission case is not run")
    finally:
        for m in reversed(mounts):
            subprocess.run(["umount", m], capture_output=True)
        for d in cleanup:
            shutil.rmtree(d, ignore_errors=True)


run(main)
