"""A local SMS gateway stand-in: an HTTP server that records what it receives."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Gateway:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_next = 0
        # When set, the gateway takes the message but does not answer until released:
        # the moment a sender can die after the gateway accepted and before it marked.
        self.hold_after: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        # When set, the nth POST (counting from 1) is held before the gateway takes it, and
        # refused once released: the moment a sender can die before the gateway had it.
        self.hold_before: int | None = None
        self.posts = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                gateway.posts += 1
                if gateway.hold_before is not None and gateway.posts == gateway.hold_before:
                    gateway.held.set()
                    gateway.release.wait(30)
                    self.send_response(503)
                    self.end_headers()
                    return
                if gateway.fail_next:
                    gateway.fail_next -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                gateway.received.append({"body": body, "key": self.headers.get("Idempotency-Key")})
                if gateway.hold_after is not None and len(gateway.received) >= gateway.hold_after:
                    gateway.held.set()
                    gateway.release.wait(30)
                try:
                    self.send_response(202)
                    self.send_header("content-type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"accepted": true}')
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender died waiting for this answer: it was taken all the same

            def do_GET(self) -> None:
                key = self.path.rstrip("/").rsplit("/", 1)[-1]
                known = any(r["key"] == key for r in gateway.received)
                self.send_response(200 if known else 404)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
