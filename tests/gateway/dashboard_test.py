#!/usr/bin/python3
"""The dashboard in a real browser: headless Chromium loads GET / from a live
gateway, driven over the Chrome DevTools Protocol (python3-websockets). The
ladder must show prices for the chosen symbol, the trade tape and symbol table
must fill, and a screenshot is saved as the test's artifact.

usage: dashboard_test.py BIN_DIR WORK_DIR ARTIFACT_DIR
"""
import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

from harness import check, connect, run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    async def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        await self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
            if reply.get("id") == my_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return reply["result"]

    async def evaluate(self, expression):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")


async def scenario(env, artifacts):
    check(CHROMIUM is not None, f"chromium is installed ({CHROMIUM})")
    profile = tempfile.mkdtemp(prefix="chromium-", dir=env.work)
    browser = env.start([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--no-default-browser-check", "--window-size=1400,1100",
                         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                         f"--user-data-dir={profile}", "about:blank"], "chromium")
    # Chromium writes its DevTools port into the profile directory.
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + 60
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        assert time.monotonic() < deadline, f"Chromium did not start: {browser.log()}"
        assert browser.proc.poll() is None, f"Chromium exited: {browser.log()}"
        await asyncio.sleep(0.1)
    devtools_port = int(open(port_file).read().split()[0])
    with urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list", timeout=10) as r:
        pages = [t for t in json.loads(r.read()) if t["type"] == "page"]
    check(pages, "Chromium is up with a page")
    async with connect(pages[0]["webSocketDebuggerUrl"], max_size=None) as ws:
        cdp = DevTools(ws)
        await cdp.call("Page.enable")
        await cdp.call("Runtime.enable")
        url = f"http://127.0.0.1:{env.port}/?symbol=MSFT"
        await cdp.call("Page.navigate", url=url)
        state = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = await cdp.evaluate("""(() => ({
                title: document.title,
                symbol: document.getElementById('ladder-symbol').textContent,
                selected: document.getElementById('symbol').value,
                options: document.getElementById('symbol').options.length,
                prices: [...document.querySelectorAll('#ladder .price')].map(td => td.textContent),
                bids: document.querySelectorAll('#ladder tr.bid').length,
                asks: document.querySelectorAll('#ladder tr.ask').length,
                trades: document.querySelectorAll('#tape tbody tr').length,
                stats: document.querySelectorAll('#stats tbody tr').length,
                metrics: document.getElementById('metrics').textContent,
                status: document.getElementById('status').textContent,
            }))()""")
            if state and state["bids"] > 0 and state["asks"] > 0 and state["trades"] > 0 and "frames sent" in state["metrics"]:
                break
            await asyncio.sleep(0.25)
        check(state is not None and state["title"].startswith("ringside"), f"the page loads: {state and state['title']}")
        check(state["status"] == "live", f"it is connected: {state['status']}")
        check(state["options"] == 24 and state["selected"] == "MSFT", "the symbol picker lists 24 symbols, MSFT chosen")
        check(state["symbol"] == "MSFT", "the ladder is MSFT's")
        check(state["bids"] > 0 and state["asks"] > 0, f"the ladder shows {state['bids']} bids and {state['asks']} asks")
        check(all(re.fullmatch(r"\d+\.\d{2,}", p) for p in state["prices"]), f"with prices: {state['prices'][:4]}...")
        prices = [float(p) for p in state["prices"]]
        check(all(300 < p < 600 for p in prices), "MSFT prices (initial 415)")
        check(state["trades"] > 0, f"the tape shows {state['trades']} MSFT trades")
        check(state["stats"] == 24, "the symbol table has every symbol")
        check("frames sent" in state["metrics"], "gateway metrics are shown")
        shot = await cdp.call("Page.captureScreenshot", format="png")
        os.makedirs(artifacts, exist_ok=True)
        path = os.path.join(artifacts, "dashboard.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        check(os.path.getsize(path) > 10_000, f"screenshot saved: {path}")
    m = env.metrics()
    check(m["ringside_gateway_control_errors_total"] == 0, "the page's control messages were all accepted")


def main(make, args):
    env = make("dashboard")
    env.gateway()
    env.engine(config=env.config(stats_interval_ticks=10))
    env.wait_attached()
    return scenario(env, args[0])


run(main)
