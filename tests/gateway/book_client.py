"""A client's L2 books, built from the gateway's book channel exactly as a
consumer would: the snapshot replaces a book, each update (absolute level
quantities, 0 removes) follows with the next sequence number."""

DEPTH = 20  # snapshot_depth of the shipped configs


class Books:
    """What a client holds: per symbol, price -> quantity on each side."""

    def __init__(self):
        self.books = {}
        self.snapshots = 0
        self.updates = 0

    def apply(self, msg):
        t = msg.get("type")
        sym = msg.get("symbol")
        if t == "book_snapshot":
            self.books[sym] = {
                "seq": msg["seq"],
                "bids": {p: q for p, q in msg["bids"]},
                "asks": {p: q for p, q in msg["asks"]},
                "exact": msg["exact"],
                "stale": msg["stale"],
            }
            self.snapshots += 1
            return True
        if t == "book":
            book = self.books.get(sym)
            assert book is not None, f"an update for {sym} before its snapshot: {msg}"
            assert msg["seq"] == book["seq"] + 1, f"{sym}: book seq {msg['seq']} after {book['seq']}"
            book["seq"] = msg["seq"]
            for side in ("bids", "asks"):
                for p, q in msg[side]:
                    if q == 0:
                        book[side].pop(p, None)
                    else:
                        book[side][p] = q
            self.updates += 1
            return True
        return False

    def side(self, sym, side):
        levels = self.books[sym][side]
        return sorted(levels.items(), key=lambda pq: -pq[0] if side == "bids" else pq[0])


def compare(books, event):
    """None if the client's book equals the engine's snapshot, else the difference."""
    d = event["data"]
    sym = d["symbol"]
    if sym not in books.books:
        return f"no book for {sym}"
    for side in ("bids", "asks"):
        engine = [(lvl["price"], lvl["quantity"]) for lvl in d[side]]
        ours = books.side(sym, side)
        head = ours[: len(engine)]
        if head != engine:
            return f"{sym} {side}: engine {engine[:5]}... ours {head[:5]}..."
        if len(engine) < DEPTH and len(ours) != len(engine):
            return f"{sym} {side}: engine has {len(engine)} levels (the whole side), ours {len(ours)}"
    return None
