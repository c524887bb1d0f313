#!/usr/bin/python3
"""Node's ws (Debian node-ws) as an independent client of a real gateway and
engine: see node_ws_client.js for what it checks.

usage: node_ws_test.py BIN_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess

from harness import check, run

HERE = os.path.dirname(os.path.abspath(__file__))


def main(make, args):
    env = make("node-ws")
    env.gateway()
    env.engine()
    env.wait_attached()
    node = shutil.which("node") or shutil.which("nodejs")
    check(node is not None, f"node is installed ({node})")
    result = subprocess.run([node, os.path.join(HERE, "node_ws_client.js"), str(env.port)],
                            env=dict(os.environ, NODE_PATH="/usr/share/nodejs"), capture_output=True, text=True,
                            timeout=120)
    print(result.stderr, end="")
    check(result.returncode == 0, f"the Node client passed (rc {result.returncode})")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    check(figures["default_events"] == 300 and figures["book_messages"] == 40 and figures["flatbuffers_frames"] == 50,
          f"Node received {figures}")


run(main)
