"""A local HTTP server for fakes of outside services (Stripe, Bluesky): it answers every
request with what the fake's ``answer`` returns, as JSON, over keep-alive connections, on a
port of its own. The fakes speak their service's shapes; this is only the plumbing."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HttpFake:
    """Subclasses implement ``answer(method, path, headers, body) -> (status, data,
    headers)``; ``headers`` reads case-insensitively, ``body`` is the raw bytes."""

    def __init__(self) -> None:
        fake = self
        self.latency = 0.0  # seconds each answer waits, as a network's round trip would

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real services
            disable_nagle_algorithm = True  # headers and body leave at once

            def log_message(self, *args):
                pass

            def do_GET(self):
                self._reply("GET")

            def do_POST(self):
                self._reply("POST")

            def _reply(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, data, extra = fake.answer(method, self.path, self.headers, body)
                if fake.latency:
                    time.sleep(fake.latency)
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict, dict]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
