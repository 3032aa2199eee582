"""A local Jetstream: a WebSocket server sending commit events shaped as Jetstream sends
them (``{"did", "time_us", "kind": "commit", "commit": {"operation", "collection", "rkey",
"record", "cid"}}``), from the ``cursor`` a client asks for, filtered by its
``wantedCollections``; it can drop a connection after some events."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlsplit

from websockets.sync.server import serve

from tests.scoring.bluesky_fake import iso


class JetstreamFake:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.drop_after: list[int] = []  # per connection, in order: close after this many
        self.connections: list[dict] = []  # the query of each connection
        self.server = serve(self._serve, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._time = 1_764_000_000_000_000

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/subscribe"

    def start(self) -> JetstreamFake:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def _serve(self, websocket) -> None:
        query = parse_qs(urlsplit(websocket.request.path).query)
        self.connections.append(query)
        cursor = int(query.get("cursor", ["0"])[0])
        wanted = set(query.get("wantedCollections", []))
        drop = self.drop_after.pop(0) if self.drop_after else None
        sent = 0
        for event in list(self.events):
            if event["time_us"] < cursor:
                continue
            if event["kind"] == "commit" and wanted and event["commit"]["collection"] not in wanted:
                continue
            if drop is not None and sent >= drop:
                return  # the connection closes mid-stream
            websocket.send(json.dumps(event))
            sent += 1
        for _ in websocket:  # stay open (a live tail) until the client leaves
            pass

    # --- events ---------------------------------------------------------------------------
    def _next(self) -> int:
        self._time += 1_000_037
        return self._time

    def _commit(self, did: str, collection: str, rkey: str, record: dict) -> dict:
        time_us = self._next()
        record = {"createdAt": iso_us(time_us), **record}
        event = {
            "did": did,
            "time_us": time_us,
            "kind": "commit",
            "commit": {
                "rev": f"3l{time_us}",
                "operation": "create",
                "collection": collection,
                "rkey": rkey,
                "record": {"$type": collection, **record},
                "cid": "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a",
            },
        }
        self.events.append(event)
        return event

    def like(self, did: str, post_uri: str) -> dict:
        subject = {"uri": post_uri, "cid": "bafyreib2rxk3rh6kzwq"}
        return self._commit(did, "app.bsky.feed.like", f"l{self._time}", {"subject": subject})

    def repost(self, did: str, post_uri: str) -> dict:
        subject = {"uri": post_uri, "cid": "bafyreib2rxk3rh6kzwq"}
        return self._commit(did, "app.bsky.feed.repost", f"r{self._time}", {"subject": subject})

    def post(self, did: str, text: str, *, reply_to: str | None = None, quote: str | None = None):
        record: dict = {"text": text, "langs": ["en"]}
        facets = _hashtag_facets(text)
        if facets:
            record["facets"] = facets
        if reply_to:
            ref = {"uri": reply_to, "cid": "bafyreib2rxk3rh6kzwq"}
            record["reply"] = {"root": ref, "parent": ref}
        if quote:
            record["embed"] = {
                "$type": "app.bsky.embed.record",
                "record": {"uri": quote, "cid": "bafyreib2rxk3rh6kzwq"},
            }
        rkey = f"3p{self._time + 1_000_037}"
        return self._commit(did, "app.bsky.feed.post", rkey, record)

    def other(self, did: str) -> dict:
        """An event of another kind (an identity change), which carries no action."""
        time_us = self._next()
        event = {"did": did, "time_us": time_us, "kind": "identity", "identity": {"did": did}}
        self.events.append(event)
        return event


def iso_us(time_us: int) -> str:
    from datetime import UTC, datetime

    return iso(datetime.fromtimestamp(time_us / 1_000_000, tz=UTC))


def _hashtag_facets(text: str) -> list[dict]:
    """Facets as Bluesky's clients write them for hashtags: byte ranges and a tag feature."""
    import re

    facets = []
    for match in re.finditer(r"#(\w+)", text):
        start = len(text[: match.start()].encode())
        end = start + len(match.group(0).encode())
        feature = {"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)}
        facets.append({"index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    return facets
