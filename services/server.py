"""Running the backend: as `serve` (uvicorn, one or more worker processes) or in-process
in a thread (the embedded default and the tests)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

from services.api.app import create_app
from services.config import resolve_database_url
from services.db import Database
from services.migrate import upgrade
from services.outbox import Outbox

log = logging.getLogger("launchdesk.server")


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: each process opens its own pool to the shared database."""
    db = Database(resolve_database_url())
    app = create_app(db)
    gateway = os.environ.get("LAUNCHDESK_SMS_GATEWAY_URL") or None
    outbox = Outbox(db, gateway)
    app.router.on_startup.append(outbox.start)
    app.router.on_shutdown.append(outbox.stop)
    threads = int(os.environ.get("LAUNCHDESK_REQUEST_THREADS", "0") or 0)
    if threads > 0:

        def limit_threads() -> None:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = threads

        app.router.on_startup.append(limit_threads)
    return app


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ThreadedServer:
    """uvicorn in a background thread, for the embedded default and for tests."""

    def __init__(
        self,
        db: Database,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        gateway_url: str | None = None,
        outbox: bool = True,
    ) -> None:
        self.db = db
        self.host = host
        self.port = port or free_port(host)
        self.app = create_app(db)
        self.outbox = Outbox(db, gateway_url) if outbox else None
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, name="launchdesk-server", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the backend did not start on {self.url}")
            time.sleep(0.02)
        if self.outbox:
            self.outbox.start()
        return self

    def stop(self) -> None:
        if self.outbox:
            self.outbox.stop()
        self.server.should_exit = True
        self.thread.join(timeout=10)


class _TcpConfig(uvicorn.Config):
    """uvicorn's config, its listening socket marked as TCP.

    With several workers uvicorn binds the socket itself as socket.socket(AF_INET), whose
    protocol number is 0; asyncio sets TCP_NODELAY only on sockets whose protocol is
    IPPROTO_TCP, so every accepted connection kept Nagle's algorithm on. uvicorn writes an
    answer's head and body separately: on a keep-alive connection the body then waited for
    the client's delayed ACK, 40 ms on every answer after a connection's first.
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto:
            return sock
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp


def serve(url: str, *, host: str, port: int, workers: int) -> None:
    db = Database(url, pool_size=2)
    upgrade(db.engine)
    db.dispose()
    os.environ["LAUNCHDESK_DATABASE_URL"] = url
    config = _TcpConfig(
        "services.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        # uvicorn kills a worker that has not answered its supervisor's ping within this
        # long; its default, 5 s, killed busy workers on a loaded host mid-load.
        timeout_worker_healthcheck=30,
    )
    if config.workers > 1:
        from uvicorn.supervisors import Multiprocess

        # the workers share the parent's socket, as uvicorn.run would hand it to them
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    # one process: uvicorn binds its own socket with asyncio, which marks it as TCP
    server = uvicorn.Server(config)
    server.run()
    if not server.started:  # as uvicorn.run: the port taken, the app failing to load
        raise SystemExit(3)
