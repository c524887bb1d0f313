// An independent client on Node's ws (Debian's node-ws): the seed's envelope on
// the default stream, a book subscription followed update by update, and
// FlatBuffers frames by subprotocol. Prints one JSON line of results; exits 1
// on the first failed expectation.
//
//   NODE_PATH=/usr/share/nodejs node node_ws_client.js PORT
"use strict";
const WebSocket = require("ws");

const port = process.argv[2];
const url = `ws://127.0.0.1:${port}/`;
const TYPES = new Set(["OrderPlaced", "TradeExecuted", "QuoteUpdate", "OrderBookSnapshot", "TradingHalt",
  "TradingResume", "AgentAction", "MarketStats", "OrderCancelled"]);

function fail(why) { console.error("node client: " + why); process.exit(1); }
function expect(cond, why) { if (!cond) fail(why); }
setTimeout(() => fail("timed out"), 90000).unref();

// Resolves with the next `count` messages matching `keep`.
function collect(ws, count, keep = () => true) {
  return new Promise((resolve) => {
    const out = [];
    const on = (data, isBinary) => {
      const m = isBinary ? data : JSON.parse(data.toString());
      if (!keep(m, isBinary)) return;
      out.push(m);
      if (out.length === count) { ws.off("message", on); resolve(out); }
    };
    ws.on("message", on);
  });
}

function open(u, protocols) {
  return new Promise((resolve, reject) => {
    const ws = protocols ? new WebSocket(u, protocols) : new WebSocket(u);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

(async () => {
  const results = {};
  // 1. The default stream: the seed's envelope, consecutive sequence numbers.
  let ws = await open(url);
  const events = await collect(ws, 300);
  for (const e of events) {
    expect(TYPES.has(e.event_type) && typeof e.timestamp === "string" && typeof e.data === "object",
           "not the seed's envelope: " + JSON.stringify(e));
    expect(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(e.timestamp), "timestamp " + e.timestamp);
  }
  for (let i = 1; i < events.length; ++i) expect(events[i].seq === events[i - 1].seq + 1, "seq gap at " + i);
  results.default_events = events.length;

  // 2. A subscription: ack, book snapshot, then updates with consecutive book sequence numbers.
  // Both collectors listen before the request: the reply and the snapshot may come in one read.
  const reply = collect(ws, 1, (m) => m.id === "n1");
  const bookMessages = collect(ws, 40, (m) => m.type === "book" || m.type === "book_snapshot");
  ws.send(JSON.stringify({ id: "n1", op: "subscribe", channels: ["book"], symbols: ["AAPL"] }));
  expect((await reply)[0].ok === true, "subscribe not acknowledged");
  const book = await bookMessages;
  expect(book[0].type === "book_snapshot" && book[0].symbol === "AAPL", "no snapshot first");
  for (let i = 1; i < book.length; ++i) {
    expect(book[i].seq === book[i - 1].seq + 1, "book seq gap at " + i);
    expect(book[i].symbol === "AAPL", "another symbol's book");
  }
  results.book_messages = book.length;
  // An error keeps the connection open.
  const err = collect(ws, 1, (m) => m.id === 2);
  ws.send(JSON.stringify({ id: 2, op: "subscribe", channels: ["nope"] }));
  expect((await err)[0].error.code === "unknown_channel", "no unknown_channel error");
  ws.close(1000);

  // 3. FlatBuffers by subprotocol: binary frames with the RSEV identifier.
  ws = await open(url, ["ringside.flatbuffers"]);
  expect(ws.protocol === "ringside.flatbuffers", "subprotocol not selected: " + ws.protocol);
  const frames = await collect(ws, 50, (m, isBinary) => isBinary);
  for (const f of frames) expect(f.toString("latin1", 4, 8) === "RSEV", "not a ringside FlatBuffer");
  results.flatbuffers_frames = frames.length;
  await new Promise((resolve) => { ws.once("close", resolve); ws.close(1000); });
  console.log(JSON.stringify(results));
  process.exit(0);
})().catch((e) => fail(String(e)));
