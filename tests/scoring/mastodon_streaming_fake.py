"""The streaming API of the fake Mastodon instance (tests/scoring/mastodon_fake.py): the
user's notification stream as Mastodon's streaming server serves it, Server-Sent Events
(``event: notification`` / ``data: <Notification JSON>``, a ``:thump`` heartbeat), and
``/api/v1/streaming/health``. A notification is sent when it appears in the fake's world
after the connection opened (its id is above the newest at connect time)."""

from __future__ import annotations

import json
import threading
import time

from tests.scoring.mastodon_fake import MastodonFake

HEARTBEAT = 0.2  # seconds (Mastodon: about 10 s); short so that tests stop quickly
TICK = 0.02


class StreamingMastodonFake(MastodonFake):
    def __init__(self) -> None:
        super().__init__()
        self.streaming = True  # False: the instance does not serve its streaming API
        self.streams_opened = 0
        self.open_streams = 0
        self._drop = threading.Event()
        fake, plain = self, self.server.RequestHandlerClass

        class Handler(plain):
            def do_GET(self):
                if self.path.startswith("/api/v1/streaming"):
                    fake._serve_stream(self)
                else:
                    super().do_GET()

        self.server.RequestHandlerClass = Handler

    def drop_streams(self) -> None:
        """Cut every open stream, as a restarting streaming server does."""
        self._drop.set()
        deadline = time.monotonic() + 2
        while self.open_streams and time.monotonic() < deadline:
            time.sleep(TICK)
        self._drop.clear()

    def _serve_stream(self, handler) -> None:
        self.requests.append(("streaming", {}))
        if not self.streaming:  # the proxy in front of the instance knows no such route
            return self._plain(handler, 404, b"Not Found")
        if handler.path.startswith("/api/v1/streaming/health"):
            return self._plain(handler, 200, b"OK")
        viewer, error = self._auth(handler.headers, required=True)
        if error:
            return self._plain(handler, 401, json.dumps(error[1]).encode())
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-store")
        handler.end_headers()
        with self.lock:
            sent = {n.id for n in self.notifications_of(viewer)}
            self.streams_opened += 1
            self.open_streams += 1
        try:
            self._events(handler, viewer, sent)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with self.lock:
                self.open_streams -= 1

    def _events(self, handler, viewer, sent: set[str]) -> None:
        beat = time.monotonic()
        while not self._drop.is_set():
            with self.lock:
                new = [n for n in self.notifications_of(viewer) if n.id not in sent]
            for note in sorted(new, key=lambda n: int(n.id)):
                sent.add(note.id)
                data = json.dumps(note.view(self.host, viewer))
                handler.wfile.write(f"event: notification\ndata: {data}\n\n".encode())
            if time.monotonic() - beat >= HEARTBEAT:
                handler.wfile.write(b":thump\n")
                beat = time.monotonic()
            handler.wfile.flush()
            time.sleep(TICK)

    @staticmethod
    def _plain(handler, status: int, body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
